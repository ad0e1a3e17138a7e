// One customer (GET /v1/customers/{id}): name, masked contacts with "Show contact details"
// (recorded by the server), membership level and RFM segment in words, tags, the complaint
// history, the customer's cases, recent orders and level changes. What a person may do depends
// on their role, as the API decides it: edit details (everyone who reads customers), change the
// level with a reason and merge a duplicate (team leads and above), erase on the customer's
// request (managers, admins; two steps, saying what goes and what stays), and read who viewed
// the contacts (supervisors, managers, admins).
import { del, get, patch, post, query } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { dateTime, label, t, word } from '../i18n/index.js';
import { allStates } from '../workflows.js';
import { atLeast } from '../app.js';
import {
  customerName, kContactKinds, kLevels, levelChangeReason, levelWord, parseTags, segmentWord,
} from '../customers.js';
import { ComplaintFacts, ContactReveal, OrderFacts, RepeatBadge } from '../components/customer_parts.js';
import { FieldControl, messagesFor } from '../components/fields.js';
import { Badge, Loading, Notice, ProblemNotice } from '../components/ui.js';

const kCasePage = 20;

const leadOrAbove = (role) => atLeast(role, 'team_lead') || role === 'admin';
const caseHref = (id) => `/cases/${encodeURIComponent(id)}`;
const customerHref = (id) => `/customers/${encodeURIComponent(id)}`;

// A form on the customer's record: sends, keeps what was typed when refused, shows field
// problems beside their fields, and says when it is done.
function useRecordForm(onDone) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  async function send(action) {
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      const answer = await action();
      setDone(true);
      onDone(answer);
      return answer;
    } catch (caught) {
      setError(caught);
      return null;
    } finally {
      setBusy(false);
    }
  }
  const errors = error && error.fieldErrors ? error.fieldErrors() : {};
  return { send, error, busy, done, errors };
}

function text(id, name, titleKey, value, onInput, errors, base = '', required = false, type = 'string') {
  return html`<${FieldControl} id=${id} field=${{ name, type, title: t(titleKey) }} required=${required}
    value=${value} onInput=${onInput} messages=${messagesFor(errors, base, name)} />`;
}

function EditForm({ customer, onSaved }) {
  const [name, setName] = useState(customer.name || '');
  const [contacts, setContacts] = useState({ phone: '', email: '', chat_id: '' });
  const [tags, setTags] = useState((customer.tags || []).join(', '));
  const form = useRecordForm(onSaved);
  async function submit(event) {
    event.preventDefault();
    const body = { name: name.trim(), tags: parseTags(tags) };
    // Contacts are masked on this page: only what is typed anew is sent, the rest stays.
    const typed = Object.fromEntries(kContactKinds.filter((k) => contacts[k].trim()).map((k) => [k, contacts[k].trim()]));
    if (Object.keys(typed).length) body.contacts = { ...typed };
    const answer = await form.send(() => patch(`/v1/customers/${encodeURIComponent(customer.id)}`, body));
    if (answer) setContacts({ phone: '', email: '', chat_id: '' });
  }
  return html`<form class="record-form" aria-labelledby="edit-title" onSubmit=${submit} novalidate>
    <h3 id="edit-title">${t('customer.edit')}</h3>
    ${text('edit-name', 'name', 'customer.name', name, setName, form.errors)}
    <p class="hint">${t('customer.contacts_keep')}</p>
    ${kContactKinds.map((kind) => html`<${FieldControl} id=${`edit-${kind}`} field=${{ name: kind, type: 'string', title: t(`customer.${kind}`) }}
      value=${contacts[kind]} onInput=${(v) => setContacts({ ...contacts, [kind]: v })}
      messages=${messagesFor(form.errors, '/contacts', kind)} />`)}
    ${text('edit-tags', 'tags', 'customer.tags_input', tags, setTags, form.errors)}
    <${ProblemNotice} error=${form.error} />
    ${form.done ? html`<${Notice} kind="success">${t('customer.saved')}<//>` : null}
    <button type="submit" disabled=${form.busy}>${t('app.save')}</button>
  </form>`;
}

function LevelForm({ customer, onChanged }) {
  const [level, setLevel] = useState('');
  const [reason, setReason] = useState('');
  const form = useRecordForm((answer) => { setLevel(''); setReason(''); onChanged(answer); });
  const choices = [...kLevels, ...(customer.level && !kLevels.includes(customer.level) ? [customer.level] : [])]
    .filter((l) => l !== customer.level);
  async function submit(event) {
    event.preventDefault();
    await form.send(() => patch(`/v1/customers/${encodeURIComponent(customer.id)}`, { level, level_reason: reason.trim() }));
  }
  return html`<form class="record-form" aria-labelledby="level-title" onSubmit=${submit} novalidate>
    <h3 id="level-title">${t('customer.change_level')}</h3>
    <${FieldControl} id="level-to" required field=${{ name: 'level', type: 'enum', title: t('customer.new_level'), values: choices,
      value_titles: Object.fromEntries(choices.map((l) => [l, levelWord(l)])) }}
      value=${level} onInput=${setLevel} messages=${messagesFor(form.errors, '', 'level')} />
    ${text('level-reason', 'level_reason', 'customer.level_reason', reason, setReason, form.errors, '', true, 'text')}
    <${ProblemNotice} error=${form.error} />
    ${form.done ? html`<${Notice} kind="success">${t('customer.level_changed')}<//>` : null}
    <button type="submit" disabled=${form.busy || !level || !reason.trim()}>${t('customer.level_submit')}</button>
  </form>`;
}

function MergeForm({ customer, onMerged }) {
  const [duplicate, setDuplicate] = useState('');
  const [reason, setReason] = useState('');
  const [merged, setMerged] = useState('');
  const form = useRecordForm((answer) => { setMerged(duplicate.trim()); setDuplicate(''); setReason(''); onMerged(answer); });
  async function submit(event) {
    event.preventDefault();
    await form.send(() => post(`/v1/customers/${encodeURIComponent(customer.id)}/merges`,
      { customer_id: duplicate.trim(), reason: reason.trim() }));
  }
  return html`<form class="record-form" aria-labelledby="merge-title" onSubmit=${submit} novalidate>
    <h3 id="merge-title">${t('customer.merge')}</h3>
    <p class="hint">${t('customer.merge_intro')}</p>
    ${text('merge-id', 'customer_id', 'customer.merge_id', duplicate, setDuplicate, form.errors, '', true)}
    ${text('merge-reason', 'reason', 'customer.merge_reason', reason, setReason, form.errors, '', true, 'text')}
    <${ProblemNotice} error=${form.error} />
    ${form.done && merged ? html`<${Notice} kind="success">${t('customer.merged_done', { id: merged })}<//>` : null}
    <button type="submit" disabled=${form.busy || !duplicate.trim() || !reason.trim()}>${t('customer.merge_submit')}</button>
  </form>`;
}

// Two steps: the first click says what is erased and what stays; only the second erases.
function EraseForm({ customer, onErased }) {
  const [asking, setAsking] = useState(false);
  const form = useRecordForm(onErased);
  return html`<div class="record-form erase" aria-labelledby="erase-title" role="group">
    <h3 id="erase-title">${t('customer.erase')}</h3>
    ${asking
      ? html`<div class="notice notice-warning">
          <p>${t('customer.erase_what')}</p>
          <p>${t('customer.erase_keeps')}</p>
          <p><strong>${t('customer.erase_final')}</strong></p>
          <div class="actions">
            <button type="button" class="danger" data-action="erase-confirm" disabled=${form.busy}
              onClick=${() => form.send(() => del(`/v1/customers/${encodeURIComponent(customer.id)}`))}>${t('customer.erase_confirm')}</button>
            <button type="button" onClick=${() => setAsking(false)}>${t('app.cancel')}</button>
          </div>
        </div>`
      : html`<button type="button" data-action="erase" onClick=${() => setAsking(true)}>${t('customer.erase_start')}</button>`}
    <${ProblemNotice} error=${form.error} />
  </div>`;
}

function ContactViews({ customer }) {
  const [views, setViews] = useState(null);
  const [error, setError] = useState(null);
  const load = () => get(`/v1/customers/${encodeURIComponent(customer.id)}/contact-views${query({ limit: 50 })}`)
    .then((answer) => { setViews(answer.data.contact_views); setError(null); })
    .catch(setError);
  return html`<${Panel} id="views" title=${t('customer.views')}>
    ${views === null ? html`<button type="button" data-action="load-views" onClick=${load}>${t('customer.views_load')}</button>` : null}
    <${ProblemNotice} error=${error} onRetry=${load} />
    ${views && views.length === 0 ? html`<p class="muted">${t('customer.no_views')}</p>` : null}
    ${views && views.length
      ? html`<table class="views-table">
          <thead><tr><th scope="col">${t('customer.view_at')}</th><th scope="col">${t('customer.view_who')}</th>
            <th scope="col">${t('customer.view_role')}</th><th scope="col">${t('customer.view_case')}</th></tr></thead>
          <tbody>${views.map((v) => html`<tr>
            <td>${dateTime(v.at)}</td><td>${v.viewer_id}</td><td>${word('role', v.viewer_role)}</td>
            <td>${v.case_id ? html`<a href=${caseHref(v.case_id)}>${v.case_id}</a>` : t('app.none')}</td>
          </tr>`)}</tbody>
        </table>`
      : null}
  <//>`;
}

function CustomerCases({ customer }) {
  const [cases, setCases] = useState(null);
  const [next, setNext] = useState(null);
  const [states, setStates] = useState(new Map());
  const [error, setError] = useState(null);
  async function load(token) {
    try {
      const [answer] = await Promise.all([
        get(`/v1/cases${query({ customer: customer.id, open: 'false', page_size: kCasePage, page_token: token })}`),
        allStates().then(setStates).catch(() => {}),
      ]);
      setCases((before) => (token && before ? [...before, ...answer.data.cases] : answer.data.cases));
      setNext(answer.data.next_page_token);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => { load(); }, [customer.id, customer.updated_at]);
  return html`<${Panel} id="cases" title=${t('customer.cases')}>
    <${ProblemNotice} error=${error} onRetry=${() => load()} />
    ${cases === null && !error ? html`<${Loading} />` : null}
    ${cases && cases.length === 0 ? html`<p class="muted">${t('customer.no_cases')}</p>` : null}
    ${cases && cases.length
      ? html`<ul class="plain customer-cases">
          ${cases.map((c) => html`<li key=${c.id} data-case=${c.id}>
            <a href=${caseHref(c.id)}>${c.id}</a> · ${label(states.get(c.state), c.state)}
            ${' '}<${Badge} kind="severity" value=${c.severity}>${word('severity', c.severity)}<//>
            <span class="muted"> · ${dateTime(c.created_at)}</span>
            ${c.summary ? html`<div class="case-line-summary">${c.summary}</div>` : null}
          </li>`)}
        </ul>`
      : null}
    ${next ? html`<button type="button" onClick=${() => load(next)}>${t('customer.cases_more')}</button>` : null}
  <//>`;
}

function Panel({ id, title, children }) {
  return html`<section class="panel" aria-labelledby=${`${id}-heading`}>
    <h2 id=${`${id}-heading`}>${title}</h2>
    ${children}
  </section>`;
}

function History({ customer, states }) {
  const complaints = customer.complaints;
  if (!complaints) return null;
  const byState = Object.entries(complaints.cases_by_state || {});
  return html`<${Panel} id="history" title=${html`${t('customer.history')} <${RepeatBadge} complaints=${complaints} />`}>
    <${ComplaintFacts} complaints=${complaints} long />
    ${byState.length
      ? html`<h3>${t('customer.by_state')}</h3>
        <ul class="state-counts">${byState.map(([state, count]) => html`<li data-state=${state}>
          ${label(states.get(state), state)} <strong>${count}</strong></li>`)}</ul>`
      : null}
  <//>`;
}

function Orders({ customer }) {
  const orders = customer.recent_orders || [];
  return html`<${Panel} id="orders" title=${t('customer.orders')}>
    ${orders.length === 0 ? html`<p class="muted">${t('customer.no_orders')}</p>` : null}
    ${orders.map((order) => html`<article class="order" key=${order.id} data-order=${order.id} aria-labelledby=${`order-${order.id}`}>
      <h3 id=${`order-${order.id}`}>${t('order.title', { id: order.id })}
        ${order.paid_at ? html` <span class="muted">${dateTime(order.paid_at)}</span>` : null}</h3>
      <${OrderFacts} order=${order} />
    </article>`)}
  <//>`;
}

function LevelChanges({ customer }) {
  const changes = customer.level_changes || [];
  return html`<${Panel} id="levels" title=${t('customer.level_changes')}>
    ${changes.length === 0 ? html`<p class="muted">${t('customer.no_level_changes')}</p>` : null}
    <ul class="plain level-changes">
      ${changes.map((c) => html`<li data-source=${c.source}>
        ${c.from === c.to ? null : html`<strong>${levelWord(c.from)} → ${levelWord(c.to)}</strong> · `}
        <span class="muted">${dateTime(c.at)}</span>
        <div>${t('customer.level_change_by', { source: word('levelsource', c.source), who: c.actor_id || t('app.none') })}</div>
        ${c.reason ? html`<div class="muted prewrap">${levelChangeReason(c)}</div>` : null}
      </li>`)}
    </ul>
  <//>`;
}

export function CustomerPage({ id, me }) {
  const [customer, setCustomer] = useState(null);
  const [states, setStates] = useState(new Map());
  const [error, setError] = useState(null);
  const load = () => get(`/v1/customers/${encodeURIComponent(id)}`)
    .then((answer) => { setCustomer(answer.data); setError(null); })
    .catch(setError);
  useEffect(() => {
    load();
    allStates().then(setStates).catch(() => {});
  }, [id]);

  if (!customer) {
    return html`<section><h1 tabindex="-1">${t('customer.title', { id })}</h1>
      ${error && error.status === 404
        ? html`<p class="empty">${t('customer.not_found')}</p>`
        : html`<${ProblemNotice} error=${error} onRetry=${load} />`}
      ${error ? null : html`<${Loading} />`}</section>`;
  }

  const role = me.role;
  const erased = Boolean(customer.erased_at);
  const merged = customer.merged_into;
  const active = !merged;
  return html`<article class="customer-page">
    <p><a href="/customers">← ${t('customer.back')}</a></p>
    <header class="case-header customer-header">
      <h1 tabindex="-1">${customerName(customer)} <span class="muted customer-id">${customer.id}</span></h1>
      <dl class="case-facts">
        <div><dt>${t('customer.level')}</dt><dd data-level=${customer.level || ''}>${levelWord(customer.level)}</dd></div>
        <div><dt>${t('customer.segment')}</dt><dd data-segment=${customer.segment || ''}>${segmentWord(customer.segment)}</dd></div>
        <div><dt>${t('customer.tags')}</dt><dd>${(customer.tags || []).length
          ? customer.tags.map((tag) => html`<span class="badge tag">${tag}</span> `)
          : html`<span class="muted">${t('customer.no_tags')}</span>`}</dd></div>
      </dl>
      ${merged
        ? html`<p class="notice notice-warning" data-merged-into=${merged}>${t('customer.merged_into')}<a href=${customerHref(merged)}>${merged}</a></p>`
        : null}
      ${erased ? html`<p class="notice notice-warning" data-erased="true">${t('customer.erased_notice', { time: dateTime(customer.erased_at) })}</p>` : null}
      ${(customer.merged_customers || []).length
        ? html`<p class="muted">${t('customer.merged_from')}${customer.merged_customers.map((m, i) => html`${i ? '、' : ''}<a href=${customerHref(m)}>${m}</a>`)}</p>`
        : null}
    </header>
    <div class="case-grid">
      <div class="case-main">
        <${History} customer=${customer} states=${states} />
        <${CustomerCases} customer=${customer} />
        <${Orders} customer=${customer} />
        <${LevelChanges} customer=${customer} />
      </div>
      <aside class="case-side">
        <${Panel} id="contacts" title=${t('customer.contacts')}>
          <${ContactReveal} key=${customer.updated_at} customer=${customer} />
        <//>
        ${active
          ? html`<${Panel} id="actions" title=${t('customer.actions')}>
              ${erased ? null : html`<${EditForm} key=${customer.updated_at} customer=${customer} onSaved=${load} />`}
              ${leadOrAbove(role) ? html`<${LevelForm} customer=${customer} onChanged=${load} />` : null}
              ${leadOrAbove(role) ? html`<${MergeForm} customer=${customer} onMerged=${load} />` : null}
              ${(role === 'manager' || role === 'admin') && !erased ? html`<${EraseForm} customer=${customer} onErased=${load} />` : null}
            <//>`
          : null}
        ${['supervisor', 'manager', 'admin'].includes(role) ? html`<${ContactViews} customer=${customer} />` : null}
      </aside>
    </div>
  </article>`;
}
