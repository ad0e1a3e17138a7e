// Administration: users, teams, tokens (the secret shown once, with a copy button; revoke),
// webhook subscriptions with their delivery log, dead letters and redelivery, and the loaded
// workflows as tables of states and transitions.
import { del, get, patch, post, query } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { dateTime, label, t, word } from '../i18n/index.js';
import { definition, workflowList } from '../workflows.js';
import { FieldControl, messagesFor } from '../components/fields.js';
import { Loading, Notice, ProblemNotice } from '../components/ui.js';

const kRoles = ['agent', 'team_lead', 'supervisor', 'manager', 'admin', 'integration'];

// Every page of a listing (admin listings are small: users, teams, tokens, webhooks).
async function listAll(path, key, params = {}) {
  const rows = [];
  let token = '';
  do {
    const answer = await get(`${path}${query({ ...params, page_size: 1000, page_token: token })}`);
    rows.push(...answer.data[key]);
    token = answer.data.next_page_token;
  } while (token && rows.length < 10000);
  return rows;
}

function useListing(path, key, params) {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const reload = () => listAll(path, key, params).then((r) => { setRows(r); setError(null); }).catch(setError);
  useEffect(() => { reload(); }, [path, JSON.stringify(params || {})]);
  return { rows, error, reload };
}

// A create form from a list of {name, title, type, values, required}; `onSubmit(values)` returns
// a promise that rejects with the ApiError whose field errors land beside the controls.
function CreateForm({ id, title, fields, submitLabel, onSubmit }) {
  const empty = () => Object.fromEntries(fields.map((f) => [f.name, f.initial || (f.type === 'set' ? [] : '')]));
  const [values, setValues] = useState(empty);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(values);
      setValues(empty());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  const errors = error && error.fieldErrors ? error.fieldErrors() : {};
  return html`<form class="create-form" onSubmit=${submit} aria-labelledby=${`${id}-title`} novalidate>
    <h2 id=${`${id}-title`}>${title}</h2>
    <div class="form-grid">
      ${fields.map((f) => html`<${FieldControl} key=${f.name} id=${`${id}-${f.name}`} field=${f} required=${f.required}
        value=${values[f.name]} onInput=${(v) => setValues({ ...values, [f.name]: v })}
        messages=${messagesFor(errors, '', f.name)} />`)}
    </div>
    <${ProblemNotice} error=${error} />
    <button type="submit" class="primary" disabled=${busy}>${submitLabel || t('admin.create')}</button>
  </form>`;
}

// The scopes an integration token may hold (api/http/token_scopes.h), in the server's order.
const kTokenScopes = [
  'cases:read', 'cases:write', 'compensations:read', 'compensations:write', 'compensations:execute',
  'customers:read', 'customers:contacts', 'customers:write', 'orders:read', 'orders:write',
  'imports:read', 'webhooks:manage', 'directory:read', 'workflows:read', 'metrics:read',
];

const roleField = (name = 'role') => ({
  name, type: 'enum', title: t('admin.role'), values: kRoles, required: true,
  value_titles: Object.fromEntries(kRoles.map((r) => [r, word('role', r)])),
});

// PATCHes one row of a listing and reloads it; `error` holds a refusal to show.
function useRowPatch(listing) {
  const [error, setError] = useState(null);
  async function patchRow(path, body) {
    setError(null);
    try {
      await patch(path, body);
      listing.reload();
    } catch (caught) {
      setError(caught);
    }
  }
  return { error, patchRow };
}

// Skills typed as "a, b c": names split on commas and spaces (the server checks each).
const skillList = (text) => text.split(/[\s,，、]+/).map((s) => s.trim()).filter(Boolean);

// A user's category skills, edited in place: the assignment policy prefers agents with the skill
// a case's category names.
function SkillsEditor({ user, patchRow }) {
  const [text, setText] = useState((user.skills || []).join(', '));
  useEffect(() => setText((user.skills || []).join(', ')), [(user.skills || []).join(',')]);
  const id = `skills-${user.id}`;
  return html`<form class="inline-form" data-skills=${user.id} onSubmit=${(e) => {
    e.preventDefault();
    patchRow(`/v1/users/${encodeURIComponent(user.id)}`, { skills: skillList(text) });
  }}>
    <label class="visually-hidden" for=${id}>${t('admin.skills')}</label>
    <input id=${id} size="18" value=${text} placeholder=${t('admin.skills_hint')} onInput=${(e) => setText(e.target.value)} />
    <button type="submit" class="small">${t('admin.save')}</button>
  </form>`;
}

function UsersSection() {
  const users = useListing('/v1/users', 'users');
  const { error, patchRow } = useRowPatch(users);
  const setActive = (user, active) => patchRow(`/v1/users/${encodeURIComponent(user.id)}`, { active });
  return html`<div>
    <${CreateForm} id="new-user" title=${t('admin.new_user')}
      fields=${[
        { name: 'id', type: 'string', title: t('admin.user_id'), required: true },
        { name: 'display_name', type: 'string', title: t('admin.display_name'), required: true },
        roleField(),
        { name: 'team_id', type: 'string', title: t('admin.team_id') },
      ]}
      onSubmit=${async (v) => {
        const body = { id: v.id.trim(), display_name: v.display_name, role: v.role };
        if (v.team_id.trim()) body.team_id = v.team_id.trim();
        await post('/v1/users', body);
        users.reload();
      }} />
    <${ProblemNotice} error=${users.error || error} />
    ${users.rows === null ? html`<${Loading} />` : html`<table class="admin-table" data-table="users">
      <caption>${t('admin.users')}</caption>
      <thead><tr><th scope="col">${t('admin.user_id')}</th><th scope="col">${t('admin.display_name')}</th>
        <th scope="col">${t('admin.role')}</th><th scope="col">${t('admin.team')}</th>
        <th scope="col">${t('availability.label')}</th><th scope="col">${t('admin.skills')}</th><th scope="col">${t('admin.active')}</th></tr></thead>
      <tbody>${users.rows.map((u) => html`<tr key=${u.id} data-user=${u.id}>
        <td>${u.id}</td><td>${u.display_name}</td><td>${word('role', u.role)}</td><td>${u.team_id || t('app.none')}</td>
        <td data-availability=${u.availability}>${t(`availability.${u.availability || 'on_shift'}`)}</td>
        <td><${SkillsEditor} user=${u} patchRow=${patchRow} /></td>
        <td>${u.active ? t('admin.active') : t('admin.inactive')}
          <button type="button" class="small" onClick=${() => setActive(u, !u.active)}>${u.active ? t('admin.deactivate') : t('admin.activate')}</button></td>
      </tr>`)}</tbody>
    </table>`}
  </div>`;
}

// The business calendars the workflows define (GET /v1/policies): what a team's working hours
// may be.
function useCalendars() {
  const [calendars, setCalendars] = useState([]);
  useEffect(() => {
    get('/v1/policies').then((answer) => setCalendars(answer.data.calendars || [])).catch(() => setCalendars([]));
  }, []);
  return calendars;
}

function CalendarSelect({ team, calendars, patchRow }) {
  const id = `calendar-${team.id}`;
  return html`<label class="visually-hidden" for=${id}>${t('admin.team_calendar')}</label>
    <select id=${id} data-calendar=${team.id} value=${team.calendar || ''}
      onChange=${(e) => patchRow(`/v1/teams/${encodeURIComponent(team.id)}`, { calendar: e.target.value || null })}>
      <option value="">${t('admin.calendar_none')}</option>
      ${calendars.map((c) => html`<option value=${c.id}>${c.id} (${c.time_zone})</option>`)}
    </select>`;
}

function TeamsSection() {
  const teams = useListing('/v1/teams', 'teams');
  const users = useListing('/v1/users', 'users');
  const calendars = useCalendars();
  const { error, patchRow } = useRowPatch(teams);
  const userPatch = useRowPatch(users);
  const membersOf = (team) => (users.rows || []).filter((u) => u.team_id === team.id && u.active);
  return html`<div>
    <${CreateForm} id="new-team" title=${t('admin.new_team')}
      fields=${[
        { name: 'id', type: 'string', title: t('admin.team_id'), required: true },
        { name: 'name', type: 'string', title: t('admin.team_name'), required: true },
        { name: 'calendar', type: 'enum', title: t('admin.team_calendar'), values: calendars.map((c) => c.id) },
      ]}
      onSubmit=${async (v) => {
        const body = { id: v.id.trim(), name: v.name };
        if (v.calendar) body.calendar = v.calendar;
        await post('/v1/teams', body);
        teams.reload();
      }} />
    <${ProblemNotice} error=${teams.error || error || userPatch.error} />
    <p class="hint">${t('admin.calendar_hint')}</p>
    ${teams.rows === null ? html`<${Loading} />` : html`<table class="admin-table" data-table="teams">
      <caption>${t('admin.teams')}</caption>
      <thead><tr><th scope="col">${t('admin.team_id')}</th><th scope="col">${t('admin.team_name')}</th>
        <th scope="col">${t('admin.team_calendar')}</th><th scope="col">${t('admin.members_skills')}</th></tr></thead>
      <tbody>${teams.rows.map((tm) => html`<tr key=${tm.id} data-team=${tm.id}><td>${tm.id}</td><td>${tm.name}</td>
        <td><${CalendarSelect} team=${tm} calendars=${calendars} patchRow=${patchRow} /></td>
        <td><ul class="members">${membersOf(tm).map((u) => html`<li key=${u.id} data-member=${u.id}>
          <span>${u.display_name} (${word('role', u.role)}, ${t(`availability.${u.availability || 'on_shift'}`)})</span>
          <${SkillsEditor} user=${u} patchRow=${userPatch.patchRow} /></li>`)}</ul></td>
      </tr>`)}</tbody>
    </table>`}
  </div>`;
}

function CopyButton({ text }) {
  const [copied, setCopied] = useState(false);
  return html`<button type="button" class="small" onClick=${async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // No clipboard permission: the secret stays selectable in the page.
    }
  }}>${copied ? t('app.copied') : t('app.copy')}</button>`;
}

function TokensSection() {
  const tokens = useListing('/v1/tokens', 'tokens');
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  async function revoke(token) {
    setError(null);
    try {
      await del(`/v1/tokens/${encodeURIComponent(token.id)}`);
      tokens.reload();
    } catch (caught) {
      setError(caught);
    }
  }
  return html`<div>
    <${CreateForm} id="new-token" title=${t('admin.new_token')}
      fields=${[
        { name: 'user_id', type: 'string', title: t('admin.token_for') },
        { ...roleField(), required: false },
        { name: 'label', type: 'string', title: t('admin.label') },
        { name: 'expires_at', type: 'datetime', title: t('admin.expires') },
        {
          name: 'scopes', type: 'set', title: t('admin.scopes'), values: kTokenScopes,
          value_titles: Object.fromEntries(kTokenScopes.map((s) => [s, word('scope', s)])),
        },
      ]}
      onSubmit=${async (v) => {
        const body = {};
        if (v.user_id.trim()) body.user_id = v.user_id.trim();
        if (v.role) body.role = v.role;
        if (v.scopes.length) body.scopes = v.scopes;
        if (v.label.trim()) body.label = v.label.trim();
        if (v.expires_at) body.expires_at = new Date(v.expires_at).toISOString();
        setCreated((await post('/v1/tokens', body)).data);
        tokens.reload();
      }} />
    ${created
      ? html`<${Notice} kind="success">
          <p>${t('admin.token_created')}</p>
          <p><code class="secret" data-secret>${created.token}</code> <${CopyButton} text=${created.token} /></p>
          <button type="button" class="small" onClick=${() => setCreated(null)}>${t('app.close')}</button>
        <//>`
      : null}
    <${ProblemNotice} error=${tokens.error || error} />
    ${tokens.rows === null ? html`<${Loading} />` : html`<table class="admin-table" data-table="tokens">
      <caption>${t('admin.tokens')}</caption>
      <thead><tr><th scope="col">ID</th><th scope="col">${t('admin.token_for')}</th><th scope="col">${t('admin.role')}</th>
        <th scope="col">${t('admin.scopes')}</th><th scope="col">${t('admin.label')}</th><th scope="col">${t('admin.expires')}</th><th scope="col">${t('admin.last_used')}</th><th scope="col"></th></tr></thead>
      <tbody>${tokens.rows.map((tk) => html`<tr key=${tk.id}>
        <td>${tk.id}</td><td>${tk.user_id || t('app.none')}</td><td>${word('role', tk.role)}</td>
        <td>${(tk.scopes || []).length ? html`<ul class="plain scopes">${tk.scopes.map((s) => html`<li key=${s} title=${s}>${word('scope', s)}</li>`)}</ul>` : html`<span class="muted">${t('admin.scopes_none')}</span>`}</td>
        <td>${tk.label}</td>
        <td>${tk.expires_at ? dateTime(tk.expires_at) : t('admin.never')}</td>
        <td>${tk.last_used_at ? dateTime(tk.last_used_at) : t('admin.never')}</td>
        <td>${tk.revoked_at ? t('admin.revoked') : html`<button type="button" class="small" onClick=${() => revoke(tk)}>${t('admin.revoke')}</button>`}</td>
      </tr>`)}</tbody>
    </table>`}
  </div>`;
}

function Deliveries({ webhook }) {
  const [status, setStatus] = useState('');
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const reload = () => get(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries${query({ status, page_size: 50 })}`)
    .then((a) => { setRows(a.data.deliveries); setError(null); }).catch(setError);
  useEffect(() => { reload(); }, [status]);
  async function redeliver(delivery) {
    try {
      await post(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries/${delivery.id}/redeliver`, {});
      reload();
    } catch (caught) {
      setError(caught);
    }
  }
  return html`<div class="deliveries" data-webhook=${webhook.id}>
    <div class="tabs" role="tablist" aria-label=${t('admin.deliveries')}>
      <button type="button" role="tab" aria-selected=${status === '' ? 'true' : 'false'} onClick=${() => setStatus('')}>${t('admin.deliveries')}</button>
      <button type="button" role="tab" aria-selected=${status === 'dead' ? 'true' : 'false'} onClick=${() => setStatus('dead')}>${t('admin.dead_letters')}</button>
      <button type="button" class="small" onClick=${reload}>${t('admin.refresh')}</button>
    </div>
    <${ProblemNotice} error=${error} />
    ${rows === null ? html`<${Loading} />` : null}
    ${rows && rows.length === 0 ? html`<p class="empty">${t(status === 'dead' ? 'admin.no_dead_letters' : 'admin.no_deliveries')}</p>` : null}
    ${rows && rows.length ? html`<div class="table-scroll"><table class="admin-table">
      <caption class="visually-hidden">${t('admin.deliveries')} ${webhook.id}</caption>
      <thead><tr><th scope="col">ID</th><th scope="col">${t('admin.webhook_events')}</th><th scope="col">${t('admin.delivery_status')}</th>
        <th scope="col">${t('admin.attempts')}</th><th scope="col">${t('admin.last_answer')}</th><th scope="col">${t('admin.updated')}</th><th scope="col"><span class="visually-hidden">${t('admin.redeliver')}</span></th></tr></thead>
      <tbody>${rows.map((d) => html`<tr key=${d.id} data-delivery=${d.id} data-status=${d.status}><td>${d.id}</td><td><code>${d.event_type}</code></td>
        <td><span class=${`badge badge-delivery-${d.status}`}>${word('delivery', d.status)}</span>
          ${d.status === 'pending' && d.next_attempt_at ? html`<div class="muted">${t('admin.next_attempt', { time: dateTime(d.next_attempt_at) })}</div>` : null}</td>
        <td>${d.attempts}</td><td>${d.last_status_code ? `HTTP ${d.last_status_code}` : t('app.none')} ${d.last_error ? html`<span class="muted" lang="en">${d.last_error}</span>` : null}</td>
        <td>${dateTime(d.updated_at)}</td>
        <td>${d.status === 'dead' ? html`<button type="button" class="small" onClick=${() => redeliver(d)}>${t('admin.redeliver')}</button>` : null}</td></tr>`)}</tbody>
    </table></div>` : null}
  </div>`;
}

function WebhooksSection() {
  const hooks = useListing('/v1/webhooks', 'webhooks');
  const [open, setOpen] = useState(null);
  const [secret, setSecret] = useState(null);
  const { error, patchRow } = useRowPatch(hooks);
  const setEnabled = (hook, enabled) => patchRow(`/v1/webhooks/${encodeURIComponent(hook.id)}`, { enabled });
  return html`<div>
    <${CreateForm} id="new-webhook" title=${t('admin.new_webhook')}
      fields=${[
        { name: 'id', type: 'string', title: 'ID', required: true },
        { name: 'url', type: 'string', title: t('admin.webhook_url'), required: true },
        { name: 'event_types', type: 'string', title: t('admin.webhook_events'), required: true, initial: '*' },
      ]}
      onSubmit=${async (v) => {
        const created = await post('/v1/webhooks', {
          id: v.id.trim(), url: v.url.trim(), event_types: v.event_types.split(',').map((s) => s.trim()).filter(Boolean),
        });
        setSecret(created.data.secret || null);
        hooks.reload();
      }} />
    ${secret ? html`<${Notice} kind="success"><p>${t('admin.webhook_secret')}</p><p><code class="secret">${secret}</code> <${CopyButton} text=${secret} /></p><//>` : null}
    <${ProblemNotice} error=${hooks.error || error} />
    ${hooks.rows === null ? html`<${Loading} />` : html`<ul class="webhook-list">
      ${hooks.rows.map((w) => html`<li key=${w.id} data-webhook=${w.id}>
        <button type="button" class="link" aria-expanded=${open === w.id ? 'true' : 'false'} onClick=${() => setOpen(open === w.id ? null : w.id)}>
          ${w.id}</button> <code class="webhook-url">${w.url}</code> · ${w.event_types.join(', ')} ·
        ${w.enabled
          ? html` <span class="badge badge-ok">${t('admin.active')}</span>`
          : html` <span class="badge badge-warn">${t('admin.inactive')}</span>${w.disabled_reason ? html` <span class="muted" lang="en">${w.disabled_reason}</span>` : null}`}
        ${' '}<button type="button" class="small" onClick=${() => setEnabled(w, !w.enabled)}>${t(w.enabled ? 'admin.disable' : 'admin.enable')}</button>
        ${open === w.id ? html`<${Deliveries} webhook=${w} />` : null}
      </li>`)}
    </ul>`}
  </div>`;
}

function WorkflowTable({ summary }) {
  const [def, setDef] = useState(null);
  useEffect(() => { definition(summary.id, summary.version).then(setDef).catch(() => {}); }, [summary.id, summary.version]);
  if (!def) return html`<${Loading} />`;
  const stateName = (name) => label((def.states.find((s) => s.name === name) || {}).title, name);
  return html`<section class="workflow" aria-labelledby=${`wf-${def.id}-${def.version}`}>
    <h2 id=${`wf-${def.id}-${def.version}`}>${label(def.title, def.id)} <span class="muted">${def.id} v${def.version}${summary.latest ? ` · ${t('admin.latest')}` : ''}</span></h2>
    <table class="admin-table">
      <caption>${t('admin.states')}</caption>
      <thead><tr><th scope="col">${t('admin.states')}</th><th scope="col">${t('case.stage')}</th><th scope="col">${t('admin.transitions')}</th></tr></thead>
      <tbody>${def.states.map((s) => html`<tr key=${s.name}>
        <th scope="row">${label(s.title, s.name)} <span class="muted">${s.name}</span></th>
        <td>${word('stage', s.stage)}</td>
        <td><ul class="plain">${def.transitions.filter((tr) => [].concat(tr.from).includes(s.name)).map((tr) => html`<li>
          ${label(tr.title, tr.name)} → ${stateName(tr.to)} <span class="muted">(${(tr.roles || []).map((r) => word('role', r)).join(', ')})</span></li>`)}</ul></td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

function WorkflowsSection() {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { workflowList().then(setList).catch(setError); }, []);
  return html`<div>
    <${ProblemNotice} error=${error} />
    ${list === null && !error ? html`<${Loading} />` : (list || []).map((w) => html`<${WorkflowTable} key=${`${w.id}@${w.version}`} summary=${w} />`)}
  </div>`;
}

const kSections = {
  users: ['admin.users', UsersSection],
  teams: ['admin.teams', TeamsSection],
  tokens: ['admin.tokens', TokensSection],
  webhooks: ['admin.webhooks', WebhooksSection],
  workflows: ['admin.workflows', WorkflowsSection],
};

export function AdminPage({ section, me }) {
  const entry = kSections[section];
  if (!entry) return html`<section><h1 tabindex="-1">${t('app.not_found')}</h1></section>`;
  const [titleKey, Section] = entry;
  return html`<section class="admin">
    <h1 tabindex="-1">${t(titleKey)}</h1>
    <${Section} me=${me} />
  </section>`;
}
