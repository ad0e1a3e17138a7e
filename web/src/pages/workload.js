// Team workload: open cases, warnings and breaches per agent, aggregated by the server.
import { get } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, t, word } from '../i18n/index.js';
import { live } from '../stream.js';
import { Loading, ProblemNotice } from '../components/ui.js';

export function WorkloadPage({ me }) {
  const [teams, setTeams] = useState(null);
  const [team, setTeam] = useState(me.team ? me.team.id : '');
  const [workload, setWorkload] = useState(null);
  const [error, setError] = useState(null);
  const loadRef = useRef(null);

  useEffect(() => {
    get('/v1/teams?page_size=1000').then((answer) => {
      setTeams(answer.data.teams);
      if (!team && answer.data.teams.length) setTeam(answer.data.teams[0].id);
    }).catch(setError);
  }, []);

  async function load() {
    if (!team) return;
    try {
      setWorkload((await get(`/v1/teams/${encodeURIComponent(team)}/workload`)).data);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }
  loadRef.current = load;
  useEffect(() => {
    if (!team) return undefined;
    load();
    let timer = null;
    const unsubscribe = live.subscribe([`team:${team}`], () => {
      clearTimeout(timer);
      timer = setTimeout(() => loadRef.current(), 500);
    });
    return () => { clearTimeout(timer); unsubscribe(); };
  }, [team]);

  const teamName = (id) => ((teams || []).find((tm) => tm.id === id) || {}).name || id;
  return html`<section class="workload">
    <h1 tabindex="-1">${t('workload.title')}</h1>
    ${teams && teams.length > 1
      ? html`<div class="field field-inline"><label for="workload-team">${t('workload.team')}</label>
          <select id="workload-team" value=${team} onChange=${(e) => setTeam(e.target.value)}>
            ${teams.map((tm) => html`<option value=${tm.id}>${tm.name}</option>`)}
          </select></div>`
      : null}
    <${ProblemNotice} error=${error} onRetry=${load} />
    ${!workload && !error ? html`<${Loading} />` : null}
    ${workload
      ? html`<table class="workload-table">
          <caption>${t('workload.team')}: ${teamName(workload.team_id)} · ${t('workload.as_of', { time: dateTime(workload.as_of) })}</caption>
          <thead><tr><th scope="col">${t('workload.agent')}</th><th scope="col">${t('workload.open')}</th>
            <th scope="col">${t('workload.warning')}</th><th scope="col">${t('workload.breached')}</th></tr></thead>
          <tbody>
            ${workload.agents.map((a) => html`<tr key=${a.user_id}>
              <th scope="row">${a.display_name || a.user_id} <span class="muted">${word('role', a.role)}</span></th>
              <td>${a.open}</td><td class=${a.warning ? 'cell-warning' : ''}>${a.warning}</td>
              <td class=${a.breached ? 'cell-breached' : ''}>${a.breached}</td></tr>`)}
            <tr><th scope="row">${t('workload.unassigned')}</th><td>${workload.unassigned.open}</td>
              <td>${workload.unassigned.warning}</td><td>${workload.unassigned.breached}</td></tr>
          </tbody>
          <tfoot><tr><th scope="row">${t('workload.total')}</th><td>${workload.open}</td><td>${workload.warning}</td><td>${workload.breached}</td></tr></tfoot>
        </table>`
      : null}
  </section>`;
}
