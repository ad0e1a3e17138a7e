// Reports (报表) for team leads, supervisors and managers, over a period of whole local days (the
// last 30 by default):
//   - follow-up coverage: of the cases that reached follow-up in the period, how many had a
//     completed follow-up, how many closed not reached, the coverage against the follow-up
//     policy's target and the mean satisfaction, per team and per agent (GET /v1/reports/follow-up);
//   - reopens: how many times cases were reopened in the period, per team and per person, by the
//     case's current team and holder (GET /v1/reports/reopens).
// Both are read in the caller's scope: a team lead sees their team.
import { get, query } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { t } from '../i18n/index.js';
import { Loading, ProblemNotice } from '../components/ui.js';
import { TeamSelect, teamNameOf, useTeams } from '../components/team_select.js';
import { atLeast } from '../app.js';

function localDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// The period as the API takes it: [from 00:00, the day after `to` 00:00), local time.
function period(form) {
  const from = new Date(`${form.from}T00:00`);
  const to = new Date(`${form.to}T00:00`);
  to.setDate(to.getDate() + 1);
  return { from: from.toISOString(), to: to.toISOString() };
}

function percent(share) {
  return share == null ? '—' : `${Math.round(share * 1000) / 10}%`;
}

// `id`: "team:<team id>" or "agent:<team id>/<user id>", for tests and styles; `who` the words.
function CoverageRow({ row, id, who }) {
  return html`<tr data-coverage-row=${id} data-below-target=${row.below_target ? 'true' : 'false'}>
    <th scope="row">${who}</th>
    <td>${row.reached_follow_up}</td>
    <td>${row.completed}</td>
    <td>${row.not_reached}</td>
    <td>${percent(row.coverage)}${row.below_target ? html` <span class="badge badge-warn">${t('reports.below_target')}</span>` : null}</td>
    <td>${row.mean_csat == null ? '—' : row.mean_csat.toFixed(2)}</td>
  </tr>`;
}

function CoverageTable({ report, teamName }) {
  if (!report.teams.length && !report.agents.length) return html`<p class="empty">${t('reports.coverage_empty')}</p>`;
  const head = html`<thead><tr>
    <th scope="col">${t('reports.who')}</th><th scope="col">${t('reports.reached_follow_up')}</th>
    <th scope="col">${t('reports.completed')}</th><th scope="col">${t('reports.not_reached')}</th>
    <th scope="col">${t('reports.coverage')}</th><th scope="col">${t('reports.mean_csat')}</th>
  </tr></thead>`;
  return html`<table class="report-table coverage-table">
    <caption>${t('reports.coverage_caption', { target: percent(report.target) })}</caption>
    ${head}
    <tbody>
      ${report.teams.map((row) => html`<${CoverageRow} key=${`team:${row.team}`} id=${`team:${row.team}`} row=${row}
        who=${row.team ? teamName(row.team) : t('reports.no_team')} />`)}
      ${report.agents.map((row) => html`<${CoverageRow} key=${`agent:${row.team}/${row.agent}`} id=${`agent:${row.team}/${row.agent}`} row=${row}
        who=${`${row.agent || t('case.unassigned')} · ${row.team ? teamName(row.team) : t('reports.no_team')}`} />`)}
    </tbody>
  </table>`;
}

// `team`: the team asked for ('' for every team in scope); the totals are that team's then.
function ReopenTable({ report, team, teamName }) {
  const rows = team ? report.teams.filter((row) => row.team_id === team) : report.teams;
  if (!rows.length) return html`<p class="empty">${t('reports.reopens_empty')}</p>`;
  const totals = team ? rows[0] : report;
  return html`<table class="report-table reopen-table">
    <caption>${t('reports.reopens_caption', { reopens: totals.reopens, cases: totals.cases })}</caption>
    <thead><tr><th scope="col">${t('reports.who')}</th><th scope="col">${t('reports.reopens')}</th><th scope="col">${t('reports.cases')}</th></tr></thead>
    <tbody>
      ${rows.map((team) => html`
        <tr key=${`team:${team.team_id}`} data-reopen-row=${team.team_id || ''}><th scope="row">${team.team_id ? teamName(team.team_id) : t('reports.no_team')}</th><td>${team.reopens}</td><td>${team.cases}</td></tr>
        ${team.agents.map((a) => html`<tr key=${`agent:${team.team_id}/${a.user_id}`} class="report-sub">
          <th scope="row">${a.user_id || t('case.unassigned')}</th><td>${a.reopens}</td><td>${a.cases}</td></tr>`)}`)}
    </tbody>
  </table>`;
}

export function ReportsPage({ me }) {
  const today = new Date();
  const monthAgo = new Date();
  monthAgo.setDate(monthAgo.getDate() - 29);
  const [form, setForm] = useState({ from: localDay(monthAgo), to: localDay(today), team: me.role === 'team_lead' && me.team ? me.team.id : '' });
  const [asked, setAsked] = useState(form);
  const [coverage, setCoverage] = useState(null);
  const [reopens, setReopens] = useState(null);
  const [error, setError] = useState(null);
  // Team leads see their own team: the list of teams is for those who choose among them.
  const choosesTeam = atLeast(me.role, 'supervisor');
  const teams = useTeams(setError, choosesTeam);
  const teamName = (id) => teamNameOf(teams, id);
  useEffect(() => {
    let current = true;
    setCoverage(null);
    setReopens(null);
    setError(null);
    const range = period(asked);
    Promise.all([
      get(`/v1/reports/follow-up${query({ ...range, team: asked.team })}`),
      get(`/v1/reports/reopens${query(range)}`),
    ]).then(([c, r]) => {
      if (!current) return;
      setCoverage(c.data);
      setReopens(r.data);
    }).catch((caught) => { if (current) setError(caught); });
    return () => { current = false; };
  }, [asked]);
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  return html`<section class="reports">
    <h1 tabindex="-1">${t('reports.title')}</h1>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); if (form.from && form.to) setAsked(form); }}>
      <div class="field"><label for="reports-from">${t('reports.from')}</label>
        <input id="reports-from" type="date" required value=${form.from} onInput=${set('from')} /></div>
      <div class="field"><label for="reports-to">${t('reports.to')}</label>
        <input id="reports-to" type="date" required value=${form.to} onInput=${set('to')} /></div>
      ${choosesTeam
        ? html`<${TeamSelect} id="reports-team" labelKey="reports.team" teams=${teams} value=${form.team} onChange=${set('team')} />`
        : null}
      <button type="submit" class="primary">${t('ledger.apply')}</button>
    </form>
    <${ProblemNotice} error=${error} onRetry=${() => setAsked({ ...asked })} />
    <h2>${t('reports.coverage_title')}</h2>
    ${coverage ? html`<${CoverageTable} report=${coverage} teamName=${teamName} />` : error ? null : html`<${Loading} />`}
    <h2>${t('reports.reopens_title')}</h2>
    ${reopens ? html`<${ReopenTable} report=${reopens} team=${asked.team} teamName=${teamName} />` : error ? null : html`<${Loading} />`}
  </section>`;
}
