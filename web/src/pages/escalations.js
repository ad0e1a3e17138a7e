// The escalations board: open cases above agent level, most urgent first, per level.
import { get, query } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { t, word } from '../i18n/index.js';
import { live } from '../stream.js';
import { Countdown, Loading, ProblemNotice } from '../components/ui.js';

const kLevels = ['manager', 'supervisor', 'team_lead'];

export function EscalationsPage() {
  const [byLevel, setByLevel] = useState(null);
  const [error, setError] = useState(null);
  const loadRef = useRef(null);
  async function load() {
    try {
      const result = {};
      for (const level of kLevels) {
        const answer = await get(`/v1/cases${query({ escalation_level: level, page_size: 100 })}`);
        result[level] = answer.data.cases.filter((c) => !c.closed_at);
      }
      setByLevel(result);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }
  loadRef.current = load;
  useEffect(() => {
    load();
    return live.subscribe(['escalations'], () => loadRef.current());
  }, []);
  const empty = byLevel && kLevels.every((l) => byLevel[l].length === 0);
  return html`<section class="escalations">
    <h1 tabindex="-1">${t('escalations.title')}</h1>
    <${ProblemNotice} error=${error} onRetry=${load} />
    ${!byLevel && !error ? html`<${Loading} />` : null}
    ${empty ? html`<p class="empty">${t('escalations.empty')}</p>` : null}
    <div class="board">
      ${byLevel && kLevels.map((level) => html`<section class="board-column" aria-labelledby=${`level-${level}`}>
        <h2 id=${`level-${level}`}>${word('level', level)} <span class="muted">(${byLevel[level].length})</span></h2>
        ${byLevel[level].length === 0 ? html`<p class="muted">${t('escalations.none_at_level')}</p>` : null}
        <ul>
          ${byLevel[level].map((c) => html`<li key=${c.id} data-case=${c.id}>
            <a href=${`/cases/${encodeURIComponent(c.id)}`}>${c.id}</a> ${c.summary || ''}
            <div><span class=${`badge badge-severity badge-severity-${c.severity}`}>${word('severity', c.severity)}</span>
              ${' '}<${Countdown} due=${c.sla_due} warnAt=${c.sla_warn_at} breached=${c.sla_breached} /></div>
            <div class="muted">${c.assignee ? t('escalations.held_by', { who: c.assignee }) : t('case.unassigned')}</div>
          </li>`)}
        </ul>
      </section>`)}
    </div>
  </section>`;
}
