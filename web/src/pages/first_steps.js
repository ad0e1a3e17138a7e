// First steps for an admin: what a working system needs — a team, agents, a team lead and a
// supervisor, their tokens — each ticked off from the directory as it is done, with a link to
// the page that does it, and the command that loads demo data instead.
import { get, query } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { t } from '../i18n/index.js';
import { Loading, ProblemNotice } from '../components/ui.js';

async function count(path, key, params = {}) {
  const answer = await get(`${path}${query({ ...params, page_size: 1000 })}`);
  return answer.data[key];
}

export function FirstStepsPage() {
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    Promise.all([count('/v1/teams', 'teams'), count('/v1/users', 'users'), count('/v1/tokens', 'tokens')])
      .then(([teams, users, tokens]) => {
        const has = (role) => users.some((u) => u.role === role && u.active);
        const people = new Set(users.filter((u) => u.role !== 'admin').map((u) => u.id));
        setState({
          team: teams.length > 0,
          users: has('agent') && has('team_lead') && has('supervisor'),
          tokens: tokens.some((tk) => !tk.revoked_at && tk.user_id && people.has(tk.user_id)),
        });
      })
      .catch(setError);
  }, []);
  const step = (done, key, href) => html`<li class=${done ? 'step-done' : 'step-todo'}>
    <span aria-hidden="true">${done ? '✓' : '○'}</span> ${href ? html`<a href=${href}>${t(key)}</a>` : t(key)}
    <span class="visually-hidden">${done ? t('app.yes') : t('app.no')}</span></li>`;
  return html`<section class="first-steps">
    <h1 tabindex="-1">${t('first.title')}</h1>
    <${ProblemNotice} error=${error} />
    ${!state && !error ? html`<${Loading} />` : null}
    ${state
      ? html`<p>${t('first.intro')}</p>
        <ol class="steps">
          ${step(state.team, 'first.step_team', '/admin/teams')}
          ${step(state.users, 'first.step_users', '/admin/users')}
          ${step(state.tokens, 'first.step_tokens', '/admin/tokens')}
          ${step(false, 'first.step_work', null)}
        </ol>
        <p class="hint">${t('first.demo', { command: '' })}<code>scripts/run.sh --demo</code></p>`
      : null}
  </section>`;
}
