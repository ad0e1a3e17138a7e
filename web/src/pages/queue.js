// The queue: my cases, my team's queue (and everything, for leads and admins), most urgent
// first (the server sorts by SLA due), with filters, full-text search and keyset paging. The
// page refreshes itself when the stream reports a change in what it shows.
import { get, query } from '../api.js';
import { html, useEffect, useMemo, useRef, useState } from '../html.js';
import { label, t, word } from '../i18n/index.js';
import { navigate } from '../router.js';
import { live } from '../stream.js';
import { allCategories, allStates } from '../workflows.js';
import { Badge, Countdown, KeysetPager, Loading, ProblemNotice } from '../components/ui.js';
import { atLeast } from '../app.js';

const kPageSize = 50;
const kStages = ['confirm', 'analyse', 'negotiate', 'resolve', 'follow_up', 'closed'];
const kSeverities = ['low', 'normal', 'high', 'critical'];
const kLevels = ['agent', 'team_lead', 'supervisor', 'manager'];
const kFilterNames = ['state', 'stage', 'severity', 'category', 'escalation_level', 'assignee', 'unassigned', 'q',
  'sort', 'follow_up', 'reopened'];

function scopes(me) {
  const list = [];
  if (me.user) list.push('mine');
  if (me.team) list.push('team');
  if (atLeast(me.role, 'team_lead') || me.role === 'admin') list.push('all');
  return list;
}

function readUrl(me) {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const name of kFilterNames) filters[name] = params.get(name) || '';
  const available = scopes(me);
  const scope = available.includes(params.get('scope')) ? params.get('scope') : available[0] || 'all';
  return { scope, filters };
}

function writeUrl(scope, filters) {
  const params = { scope, ...filters };
  history.replaceState(null, '', `/queue${query(params)}`);
}

// The stream topics that cover a scope: the team's, or everything for those who may.
function topicsFor(me, scope) {
  if (scope !== 'all' && me.team) return [`team:${me.team.id}`];
  if (me.role === 'manager' || me.role === 'admin') return ['all'];
  return me.team ? [`team:${me.team.id}`] : [];
}

export function QueuePage({ me }) {
  const initial = useMemo(() => readUrl(me), []);
  const [scope, setScope] = useState(initial.scope);
  const [filters, setFilters] = useState(initial.filters);
  const [search, setSearch] = useState(initial.filters.q);
  const [pages, setPages] = useState(['']); // page tokens of the pages visited; last = current
  const [rows, setRows] = useState(null);
  const [nextToken, setNextToken] = useState(null);
  const [error, setError] = useState(null);
  const [states, setStates] = useState(new Map());
  const [categories, setCategories] = useState(new Map());
  const loadSerial = useRef(0);

  useEffect(() => {
    allCategories().then(setCategories).catch(() => {});
  }, []);

  const pageToken = pages[pages.length - 1];

  async function load() {
    const serial = ++loadSerial.current;
    const params = { page_size: kPageSize, page_token: pageToken };
    for (const [name, value] of Object.entries(filters)) {
      if (name === 'unassigned' || name === 'reopened') params[name] = value === 'true' ? 'true' : '';
      else if (name === 'follow_up') params.follow_up = value === 'due' ? 'due' : '';
      else if (name === 'sort') params.sort = value === 'next_due' ? 'next_due' : '';
      else if (name === 'q') params.q = value;
      else params[name] = value;
    }
    if (scope === 'mine' && me.user) params.assignee = me.user.id;
    if (scope === 'team' && me.team) params.team = me.team.id;
    try {
      // The state column needs the workflows' words: rows wait for them (fetched once).
      const [answer] = await Promise.all([get(`/v1/cases${query(params)}`), allStates().then(setStates).catch(() => {})]);
      if (serial !== loadSerial.current) return;
      setRows(answer.data.cases);
      setNextToken(answer.data.next_page_token);
      setError(null);
    } catch (caught) {
      if (serial === loadSerial.current) setError(caught);
    }
  }

  useEffect(() => {
    writeUrl(scope, filters);
    load();
  }, [scope, filters, pageToken]);

  // Live: any change in the scope's topics reloads the current page (debounced, so a burst of
  // journal entries costs one request).
  const reloadTimer = useRef(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const topics = topicsFor(me, scope);
    if (!topics.length) return undefined;
    const unsubscribe = live.subscribe(topics, () => {
      clearTimeout(reloadTimer.current);
      reloadTimer.current = setTimeout(() => loadRef.current(), 250);
    });
    return () => {
      clearTimeout(reloadTimer.current);
      unsubscribe();
    };
  }, [scope]);

  function setFilter(name, value) {
    setFilters({ ...filters, [name]: value });
    setPages(['']);
  }

  function submitSearch(event) {
    event.preventDefault();
    setFilter('q', search.trim());
  }

  const select = (name, values, title, render = (v) => v) => html`<div class="field field-inline">
    <label for=${`filter-${name}`}>${title}</label>
    <select id=${`filter-${name}`} value=${filters[name]} onChange=${(e) => setFilter(name, e.target.value)}>
      <option value="">${t('queue.any')}</option>
      ${values.map((v) => html`<option value=${v}>${render(v)}</option>`)}
    </select>
  </div>`;

  // Sorted by next due (the earliest of the SLA dues, open promises and the follow-up due), the
  // due column says that instant; otherwise the SLA countdown.
  const byNextDue = filters.sort === 'next_due';
  return html`<section class="queue">
    <h1 tabindex="-1">${t('queue.title')}</h1>
    <div class="tabs" role="tablist" aria-label=${t('queue.title')}>
      ${scopes(me).map((s) => html`<button type="button" role="tab" aria-selected=${scope === s ? 'true' : 'false'}
        onClick=${() => { setScope(s); setPages(['']); }}>${t(`queue.${s}`)}</button>`)}
    </div>
    <form class="filters" role="search" onSubmit=${submitSearch} aria-label=${t('queue.filters')}>
      <div class="field field-inline field-search">
        <label for="filter-q">${t('queue.search')}</label>
        <input id="filter-q" type="search" maxlength="200" placeholder=${t('queue.search_hint')}
          value=${search} onInput=${(e) => setSearch(e.target.value)} />
        <button type="submit">${t('queue.search')}</button>
      </div>
      ${select('state', [...states.keys()], t('filter.state'), (v) => label(states.get(v), v))}
      ${select('stage', kStages, t('filter.stage'), (v) => word('stage', v))}
      ${select('severity', kSeverities, t('filter.severity'), (v) => word('severity', v))}
      ${select('category', [...categories.keys()], t('filter.category'), (v) => label(categories.get(v), v))}
      ${select('escalation_level', kLevels, t('filter.escalation_level'), (v) => word('level', v))}
      <div class="field field-inline">
        <label for="filter-sort">${t('queue.sort')}</label>
        <select id="filter-sort" value=${filters.sort === 'next_due' ? 'next_due' : ''} onChange=${(e) => setFilter('sort', e.target.value)}>
          <option value="">${t('queue.sort.sla_due')}</option>
          <option value="next_due">${t('queue.sort.next_due')}</option>
        </select>
      </div>
      <div class="field field-inline field-check">
        <input id="filter-follow-up" type="checkbox" checked=${filters.follow_up === 'due'}
          onChange=${(e) => setFilter('follow_up', e.target.checked ? 'due' : '')} />
        <label for="filter-follow-up">${t('queue.follow_up_due')}</label>
      </div>
      <div class="field field-inline field-check">
        <input id="filter-reopened" type="checkbox" checked=${filters.reopened === 'true'}
          onChange=${(e) => setFilter('reopened', e.target.checked ? 'true' : '')} />
        <label for="filter-reopened">${t('queue.reopened')}</label>
      </div>
      ${scope !== 'mine'
        ? html`<div class="field field-inline">
            <label for="filter-assignee">${t('filter.assignee')}</label>
            <input id="filter-assignee" size="10" value=${filters.assignee} disabled=${filters.unassigned === 'true'}
              onChange=${(e) => setFilter('assignee', e.target.value.trim())} />
          </div>
          <div class="field field-inline field-check">
            <input id="filter-unassigned" type="checkbox" checked=${filters.unassigned === 'true'}
              onChange=${(e) => setFilters({ ...filters, unassigned: e.target.checked ? 'true' : '', assignee: '' })} />
            <label for="filter-unassigned">${t('queue.unassigned')}</label>
          </div>`
        : null}
    </form>
    <${ProblemNotice} error=${error} onRetry=${load} />
    ${rows === null && !error ? html`<${Loading} />` : null}
    ${rows && rows.length === 0 ? html`<p class="empty">${t('queue.empty')}</p>` : null}
    ${rows && rows.length
      ? html`<table class="cases">
          <caption class="visually-hidden">${t('queue.title')} — ${t('queue.open_hint')}</caption>
          <thead><tr>
            <th scope="col">${t('queue.col.case')}</th>
            <th scope="col">${t('queue.col.summary')}</th>
            <th scope="col">${t('queue.col.state')}</th>
            <th scope="col">${t('queue.col.severity')}</th>
            <th scope="col">${t('queue.col.level')}</th>
            <th scope="col">${t('queue.col.assignee')}</th>
            <th scope="col">${byNextDue ? t('queue.col.next_due') : t('queue.col.due')}</th>
          </tr></thead>
          <tbody>
            ${rows.map((row) => html`<tr key=${row.id} class=${row.sla_breached ? 'row-breached' : ''}
              onClick=${(e) => { if (!e.target.closest('a')) navigate(`/cases/${encodeURIComponent(row.id)}`); }}>
              <td><a href=${`/cases/${encodeURIComponent(row.id)}`}>${row.id}</a></td>
              <td class="summary">${row.summary || ''}${row.reopen_count
                ? html` <span class="badge badge-warn" data-reopen-count=${row.reopen_count}>${t('queue.reopened_times', { count: row.reopen_count })}</span>`
                : null}</td>
              <td>${label(states.get(row.state), row.state)}<br /><span class="muted">${word('stage', row.stage)}</span></td>
              <td><${Badge} kind="severity" value=${row.severity}>${word('severity', row.severity)}<//></td>
              <td>${row.escalation_level && row.escalation_level !== 'agent'
                ? html`<${Badge} kind="level" value=${row.escalation_level}>${word('level', row.escalation_level)}<//>`
                : word('level', row.escalation_level)}</td>
              <td>${row.assignee || html`<span class="muted">${t('case.unassigned')}</span>`}</td>
              <td>${byNextDue
                ? html`<span data-next-due=${row.next_due || ''}><${Countdown} due=${row.next_due} /></span>`
                : html`<${Countdown} due=${row.sla_due} warnAt=${row.sla_warn_at} breached=${row.sla_breached} />`}</td>
            </tr>`)}
          </tbody>
        </table>`
      : null}
    <${KeysetPager} rows=${rows} pages=${pages} nextToken=${nextToken} setPages=${setPages} countKey="queue" />
  </section>`;
}
