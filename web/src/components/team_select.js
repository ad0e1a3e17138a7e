// The team filter of the manager pages (Promises, Reports): the teams by name, "any team" first.
// A team lead's filter is their own team (their reads are scoped to it anyway). A team id the
// list does not hold (a link from elsewhere, a team since removed) stays selectable by its id.
import { get } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { t } from '../i18n/index.js';

// The teams, or null while they load (or when not `wanted`); `onError` hears a failed read.
export function useTeams(onError, wanted = true) {
  const [teams, setTeams] = useState(null);
  useEffect(() => {
    if (!wanted) return;
    get('/v1/teams?page_size=1000').then((answer) => setTeams(answer.data.teams)).catch(onError);
  }, []);
  return teams;
}

// A team's name, or its id when the list does not hold it.
export function teamNameOf(teams, id) {
  return ((teams || []).find((tm) => tm.id === id) || {}).name || id;
}

export function TeamSelect({ id, labelKey, teams, value, onChange }) {
  return html`<div class="field"><label for=${id}>${t(labelKey)}</label>
    <select id=${id} value=${value} onChange=${onChange}>
      <option value="">${t('ledger.any')}</option>
      ${(teams || []).map((tm) => html`<option key=${tm.id} value=${tm.id}>${tm.name}</option>`)}
      ${value && teams && !teams.some((tm) => tm.id === value) ? html`<option value=${value}>${value}</option>` : null}
    </select></div>`;
}
