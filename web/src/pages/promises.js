// Promises to customers (承诺) across cases: what the team has promised and whether it kept it —
// the manager's "what have they promised customers?". Filtered by status, team, who made the
// promise and the period it is due in (whole local days); earliest due first, more on demand.
// The list reloads itself when the stream reports a change in the cases it covers.
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, label, t } from '../i18n/index.js';
import { live } from '../stream.js';
import { allStates } from '../workflows.js';
import { Countdown, Loading, ProblemNotice } from '../components/ui.js';
import { usePagedList } from '../components/paged_list.js';
import { TeamSelect, teamNameOf, useTeams } from '../components/team_select.js';

const kStatuses = ['open', 'kept', 'breached'];

// The filter as the API takes it: dates are whole local days, the end day included.
function apiFilter(form) {
  const out = { status: form.status, team: form.team.trim(), made_by: form.made_by.trim() };
  if (form.from) out.due_from = new Date(`${form.from}T00:00`).toISOString();
  if (form.to) {
    const end = new Date(`${form.to}T00:00`);
    end.setDate(end.getDate() + 1);
    out.due_to = end.toISOString();
  }
  return out;
}

// The stream topics that cover a filter. Managers and admins follow everything; a supervisor the
// team looked at, or every team when none is chosen; a team lead their own team (the only team
// topic they may subscribe to, and the promises they see besides are on cases they hold).
function topicsFor(me, team, teams) {
  if (me.role === 'manager' || me.role === 'admin') return ['all'];
  if (me.role === 'team_lead') return me.team ? [`team:${me.team.id}`] : [];
  if (team) return [`team:${team}`];
  return (teams || []).map((tm) => `team:${tm.id}`);
}

function settledAt(row) {
  if (row.status === 'kept') return t('promises.kept_at', { at: dateTime(row.kept_at) });
  if (row.status === 'breached') return t('promises.breached_at', { at: dateTime(row.breached_at) });
  return null;
}

export function PromisesPage({ me }) {
  const [form, setForm] = useState({ status: 'open', team: me.role === 'team_lead' && me.team ? me.team.id : '', made_by: '', from: '', to: '' });
  const [filter, setFilter] = useState(apiFilter(form));
  const [states, setStates] = useState(new Map());
  const { page, error, setError, load } = usePagedList('/v1/promises', 'promises', filter);
  const teams = useTeams(setError);
  useEffect(() => {
    allStates().then(setStates).catch(() => {});
  }, []);

  // Live: a change on a covered case reloads the first page (debounced: a reply writes several
  // journal entries at once).
  const reloadTimer = useRef(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const topics = topicsFor(me, filter.team, teams);
    if (!topics.length) return undefined;
    const unsubscribe = live.subscribe(topics, () => {
      clearTimeout(reloadTimer.current);
      reloadTimer.current = setTimeout(() => loadRef.current(false), 250);
    });
    return () => {
      clearTimeout(reloadTimer.current);
      unsubscribe();
    };
  }, [filter.team, teams]);

  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  const teamName = (id) => teamNameOf(teams, id);
  return html`<section class="promises">
    <h1 tabindex="-1">${t('promises.title')}</h1>
    <p class="muted">${t('promises.intro')}</p>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setFilter(apiFilter(form)); }}>
      <div class="field"><label for="promises-status">${t('promises.status')}</label>
        <select id="promises-status" value=${form.status} onChange=${set('status')}>
          <option value="">${t('ledger.any')}</option>
          ${kStatuses.map((s) => html`<option key=${s} value=${s}>${t(`case.promise.${s}`)}</option>`)}
        </select></div>
      <${TeamSelect} id="promises-team" labelKey="promises.team" teams=${teams} value=${form.team} onChange=${set('team')} />
      <div class="field"><label for="promises-made-by">${t('promises.made_by')}</label>
        <input id="promises-made-by" value=${form.made_by} maxlength="128" onInput=${set('made_by')} /></div>
      <div class="field"><label for="promises-from">${t('promises.due_from')}</label>
        <input id="promises-from" type="date" value=${form.from} onInput=${set('from')} /></div>
      <div class="field"><label for="promises-to">${t('promises.due_to')}</label>
        <input id="promises-to" type="date" value=${form.to} onInput=${set('to')} /></div>
      <button type="submit" class="primary">${t('ledger.apply')}</button>
    </form>
    <${ProblemNotice} error=${error} onRetry=${() => load(false)} />
    ${!page && !error ? html`<${Loading} />` : null}
    ${page && page.promises.length === 0 ? html`<p class="empty">${t('promises.empty')}</p>` : null}
    ${page && page.promises.length
      ? html`<table class="promises-table">
        <thead><tr>
          <th scope="col">${t('case.promise_due')}</th><th scope="col">${t('ledger.case')}</th>
          <th scope="col">${t('case.promise_text')}</th><th scope="col">${t('promises.status')}</th>
          <th scope="col">${t('promises.made_by')}</th><th scope="col">${t('promises.holder')}</th>
        </tr></thead>
        <tbody>
          ${page.promises.map((row) => html`<tr key=${`${row.case_id}/${row.promise_id}`} data-promise=${`${row.case_id}/${row.promise_id}`} data-status=${row.status}>
            <td>${dateTime(row.due)}${row.status === 'open' ? html`<div><${Countdown} due=${row.due} /></div>` : null}</td>
            <td><a href=${`/cases/${encodeURIComponent(row.case_id)}`}>${row.case_id}</a>
              <div class="muted">${label(states.get(row.case_state), row.case_state)}</div></td>
            <td>${row.text}</td>
            <td><span class=${`badge badge-promise-${row.status}`}>${t(`case.promise.${row.status}`)}</span>
              ${settledAt(row) ? html`<div class="muted">${settledAt(row)}</div>` : null}</td>
            <td>${row.made_by}<div class="muted">${dateTime(row.made_at)}</div></td>
            <td>${row.assignee || t('case.unassigned')}${row.team ? html`<div class="muted">${teamName(row.team)}</div>` : null}</td>
          </tr>`)}
        </tbody>
      </table>`
      : null}
    ${page && page.next_page_token ? html`<button type="button" onClick=${() => load(true)}>${t('ledger.more')}</button>` : null}
  </section>`;
}
