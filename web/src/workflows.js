// The loaded workflow definitions, fetched once per session and kept in memory: the forms and
// the words of states, transitions, fields and enum values come from them.
import { get } from './api.js';
import { label, language } from './i18n/index.js';

let listing = null;
const definitions = new Map(); // "id@version" -> Promise(definition)

export async function workflowList() {
  if (!listing) {
    listing = get('/v1/workflows').then((answer) => answer.data.workflows).catch((error) => {
      listing = null;
      throw error;
    });
  }
  return listing;
}

export function definition(id, version) {
  const key = `${id}@${version}`;
  if (!definitions.has(key)) {
    const loading = get(`/v1/workflows/${encodeURIComponent(id)}/versions/${version}`)
      .then((answer) => answer.data)
      .catch((error) => {
        definitions.delete(key);
        throw error;
      });
    definitions.set(key, loading);
  }
  return definitions.get(key);
}

export function forget() {
  listing = null;
  statesLoading = null;
  definitions.clear();
}

export function field(def, name) {
  return (def.fields || []).find((f) => f.name === name) || { name, type: 'string', title: name };
}

export function stateTitle(def, name) {
  const state = def && (def.states || []).find((s) => s.name === name);
  return state ? label(state.title, name) : name;
}

export function transitionTitle(def, name) {
  const transition = def && (def.transitions || []).find((tr) => tr.name === name);
  return transition ? label(transition.title, name) : name;
}

// The reason a transition's action gives ({"escalate": {"reason": …}} or {"request_approval":
// {"reason": …}}) in the viewer's language, or null when the definition has no words in it (a
// plain-string reason is English only).
export function actionReason(def, transitionName, actionKey) {
  const transition = def && (def.transitions || []).find((tr) => tr.name === transitionName);
  for (const action of (transition && transition.actions) || []) {
    const reason = action[actionKey] && action[actionKey].reason;
    if (reason && typeof reason === 'object' && reason[language()]) return reason[language()];
  }
  return null;
}

export function fieldTitle(def, name) {
  const found = def && (def.fields || []).find((f) => f.name === name);
  return found ? label(found.title, name) : name;
}

export function enumTitle(def, fieldName, value) {
  const found = def && (def.fields || []).find((f) => f.name === fieldName);
  const titles = found && (found.value_titles || found.value_labels);
  return titles && titles[value] ? label(titles[value], value) : value;
}

// Every state name → title across loaded workflows (the queue's state filter and column).
let statesLoading = null;
export function allStates() {
  if (!statesLoading) {
    statesLoading = loadStates().catch((error) => {
      statesLoading = null;
      throw error;
    });
  }
  return statesLoading;
}

async function loadStates() {
  const list = await workflowList();
  const states = new Map();
  for (const summary of list.filter((w) => w.latest)) {
    const def = await definition(summary.id, summary.version);
    for (const state of def.states || []) if (!states.has(state.name)) states.set(state.name, state.title);
  }
  return states;
}

// Every category value → its label (value_titles) across loaded workflows.
export async function allCategories() {
  const list = await workflowList();
  const values = new Map();
  for (const summary of list.filter((w) => w.latest)) {
    const def = await definition(summary.id, summary.version);
    const category = (def.fields || []).find((f) => f.name === 'category');
    const titles = (category && category.value_titles) || {};
    for (const value of (category && category.values) || []) {
      if (!values.has(value)) values.set(value, titles[value] || value);
    }
  }
  return values;
}
