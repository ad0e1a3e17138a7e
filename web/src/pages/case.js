// One case: header (state, stage, SLA clocks, escalation level, assignee, priority), customer
// and order, the cases linked to it, the transitions the viewer may fire now with their generated forms, compensation,
// conversation, promises and the timeline. The page follows case:<id> on the live stream: a
// change by someone else updates what is shown and the version forms send as If-Match, and
// says who changed what — forms being filled keep their content.
import { get, query } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, label, t, word } from '../i18n/index.js';
import { live } from '../stream.js';
import { definition, stateTitle } from '../workflows.js';
import { Badge, Loading, Notice, ProblemNotice } from '../components/ui.js';
import { FollowUpPanel } from '../components/follow_up_panel.js';
import { Timeline, describeEvent } from '../components/timeline.js';
import { EvidencePanel } from '../components/evidence.js';
import {
  AssignmentControls, CommunicationPanel, CompensationPanel, CustomerPanel, EscalationPanel,
  FieldsPanel, PromisesPanel, SlaPanel, TransitionsPanel,
} from '../components/case_panels.js';
import { LinksPanel } from '../components/links_panel.js';
import { ParcelPanel } from '../components/parcel_panel.js';

const kJournalPage = 1000;

async function loadAllEvents(id, after) {
  const entries = [];
  let cursor = after;
  for (;;) {
    const answer = await get(`/v1/cases/${encodeURIComponent(id)}/events${query({ after: cursor, page_size: kJournalPage })}`);
    entries.push(...answer.data.events);
    if (answer.data.next_after == null) return entries;
    cursor = answer.data.next_after;
  }
}

// Whom the case waits on now: cases whose last transition predates `waiting_on` only say
// whether they wait on the customer.
function waitingOn(data) {
  return data.waiting_on || (data.waiting_on_customer ? 'customer' : '');
}

export function CasePage({ id, me }) {
  const [data, setData] = useState(null);
  const [def, setDef] = useState(null);
  const [events, setEvents] = useState([]);
  const [transitions, setTransitions] = useState(null);
  const [reopen, setReopen] = useState(null);
  const [error, setError] = useState(null);
  const [changedBy, setChangedBy] = useState(null);
  const dataRef = useRef(null);
  const eventsRef = useRef([]);
  const refreshing = useRef(null);

  dataRef.current = data;
  eventsRef.current = events;

  async function refreshTransitions() {
    try {
      const answer = await get(`/v1/cases/${encodeURIComponent(id)}/transitions`);
      setTransitions(answer.data.transitions);
      setReopen(answer.data.reopen || null);
    } catch {
      setTransitions([]);
      setReopen(null);
    }
  }

  // Brings case, journal and transitions up to date. A call made while a run is under way
  // (an event arrived meanwhile) runs once more after it, so no change is left unseen.
  const again = useRef(false);
  async function refresh() {
    if (refreshing.current) {
      again.current = true;
      return refreshing.current;
    }
    refreshing.current = (async () => {
      try {
        const known = dataRef.current;
        const answer = await get(`/v1/cases/${encodeURIComponent(id)}`, { ifNoneMatch: known ? known.version : null });
        const fresh = answer.status === 304 ? known : answer.data;
        if (!def || (known && known.workflow_version !== fresh.workflow_version)) {
          setDef(await definition(fresh.workflow_id, fresh.workflow_version));
        }
        const last = eventsRef.current.length ? eventsRef.current[eventsRef.current.length - 1].case_seq : undefined;
        const added = await loadAllEvents(id, last);
        if (added.length) {
          eventsRef.current = [...eventsRef.current, ...added];
          setEvents(eventsRef.current);
        }
        dataRef.current = fresh;
        setData(fresh);
        setError(null);
        await refreshTransitions();
      } catch (caught) {
        setError(caught);
      } finally {
        refreshing.current = null;
        if (again.current) {
          again.current = false;
          refresh();
        }
      }
    })();
    return refreshing.current;
  }

  useEffect(() => {
    refresh();
    const unsubscribe = live.subscribe([`case:${id}`], (message) => {
      if (message.type === 'notice') return;  // not a change to the case (ParcelPanel shows it)
      if (message.type === 'event') {
        const event = message.entry.event || {};
        const mine = me.user ? event.actor_id === me.user.id : event.actor_role === me.role && event.actor_id === me.token.id;
        if (!mine && event.actor_role !== 'system' && event.type) {
          // The event's own words name who did what (describeEvent).
          setChangedBy({ event });
        }
      }
      refresh();
    });
    return unsubscribe;
  }, [id]);

  if (!data || !def) {
    return html`<section><h1 tabindex="-1">${t('case.title', { id })}</h1>
      <${ProblemNotice} error=${error} onRetry=${refresh} />${error ? null : html`<${Loading} />`}</section>`;
  }

  const caseView = {
    id,
    data,
    def,
    me,
    version: () => (dataRef.current ? dataRef.current.version : data.version),
    reload: refresh,
    applyOutcome: (outcome) => {
      if (outcome && outcome.case) {
        dataRef.current = outcome.case;
        setData(outcome.case);
      }
      refresh();
    },
  };

  const summary = (data.fields && data.fields.summary) || '';
  return html`<article class="case-page">
    <p><a href="/queue">← ${t('case.back')}</a></p>
    <header class="case-header">
      <h1 tabindex="-1">${t('case.title', { id })}${summary ? html` <span class="case-summary">${summary.slice(0, 120)}</span>` : null}</h1>
      <dl class="case-facts">
        <div><dt>${t('case.state')}</dt><dd data-state=${data.state}>${stateTitle(def, data.state)}</dd></div>
        <div><dt>${t('case.stage')}</dt><dd>${word('stage', data.stage)}</dd></div>
        <div><dt>${t('case.severity')}</dt><dd><${Badge} kind="severity" value=${data.severity}>${word('severity', data.severity)}<//></dd></div>
        <div><dt>${t('case.priority')}</dt><dd>${word('priority', data.priority)}</dd></div>
        ${data.reopen_count
          ? html`<div><dt>${t('case.reopen_count')}</dt><dd data-reopen-count=${data.reopen_count}>${data.reopen_count}</dd></div>`
          : null}
        <div><dt>${t('case.level')}</dt><dd data-level=${data.escalation_level}>${word('level', data.escalation_level)}</dd></div>
        ${waitingOn(data)
          ? html`<div><dt>${t('case.waiting_on')}</dt><dd data-waiting-on=${waitingOn(data)} title=${t(`waiting.${waitingOn(data)}.why`)}>${t(`waiting.${waitingOn(data)}`)}</dd></div>`
          : null}
        ${(data.threat_signals || []).length
          ? html`<div><dt>${t('case.threat_signals')}</dt><dd class="threat-signals">${data.threat_signals.map((kind) => html`<span class="badge badge-threat" data-threat=${kind}>${word('threat', kind)}</span> `)}</dd></div>`
          : null}
        <div><dt>${t('case.assignee')}</dt><dd data-assignee=${data.assignee}>${data.assignee || t('case.unassigned')}</dd></div>
        <div><dt>${t('case.team')}</dt><dd>${data.team || t('app.none')}</dd></div>
        <div><dt>${t('case.workflow')}</dt><dd>${label(def.title, data.workflow_id).split(/[:：]/)[0]} · ${t('case.version', { version: data.workflow_version })}</dd></div>
      </dl>
      <p class="muted">${t('case.opened', { time: dateTime(data.created_at) })}</p>
      <${SlaPanel} caseView=${caseView} />
      <${AssignmentControls} caseView=${caseView} />
    </header>
    ${changedBy
      ? html`<${Notice} kind="info">
          ${t('case.changed_by', { event: describeEvent(changedBy.event, def) })}
          <button type="button" class="small" onClick=${() => setChangedBy(null)}>${t('app.close')}</button>
        <//>`
      : null}
    <${ProblemNotice} error=${error} onRetry=${refresh} />
    <div class="case-grid">
      <div class="case-main">
        <${TransitionsPanel} caseView=${caseView} transitions=${transitions} reopen=${reopen} />
        <${FollowUpPanel} caseView=${caseView} />
        <${FieldsPanel} caseView=${caseView} />
        <${CompensationPanel} caseView=${caseView} />
        <${CommunicationPanel} caseView=${caseView} />
        <${EvidencePanel} caseView=${caseView} />
      </div>
      <aside class="case-side">
        <${CustomerPanel} caseView=${caseView} />
        <${ParcelPanel} caseView=${caseView} />
        <${LinksPanel} caseView=${caseView} />
        <${PromisesPanel} caseView=${caseView} />
        <${EscalationPanel} caseView=${caseView} />
        <${Timeline} events=${events} def=${def} />
      </aside>
    </div>
  </article>`;
}
