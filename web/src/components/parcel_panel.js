// The case page's parcel tracking: the carrier events of the case's order and of its tracking
// numbers (GET /v1/cases/{id}/carrier-events), oldest first in the carrier's event time, as a
// small timeline — what happened (picked up, in transit, delivered, exception, returned), when,
// where.
//
// Carrier events are not journal entries (they change no case's version): the stream brings them
// as `carrier_event` notices on case:<id>, which the panel slots in by event time as they come.
// A notice is never replayed, so on every (re)subscription ("resync") the panel reads the list
// again. The panel shows only once the case has a parcel event.
import { get } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, t } from '../i18n/index.js';
import { live } from '../stream.js';
import { carrierKindWord, withCarrierEvent } from '../parcels.js';
import { ProblemNotice } from './ui.js';

export function ParcelPanel({ caseView }) {
  const caseId = caseView.id;
  const [events, setEvents] = useState(null);
  const [error, setError] = useState(null);
  const mounted = useRef(true);

  async function reload() {
    try {
      const answer = await get(`/v1/cases/${encodeURIComponent(caseId)}/carrier-events`);
      if (mounted.current) {
        setEvents(answer.data.carrier_events);
        setError(null);
      }
    } catch (caught) {
      if (mounted.current) setError(caught);
    }
  }

  useEffect(() => {
    mounted.current = true;
    reload();
    const unsubscribe = live.subscribe([`case:${caseId}`], (message) => {
      if (message.type === 'resync') reload();
      if (message.type === 'notice' && message.notice.type === 'carrier_event') {
        const added = message.notice.carrier_event;
        setEvents((current) => withCarrierEvent(current || [], added));
      }
    });
    return () => {
      mounted.current = false;
      unsubscribe();
    };
  }, [caseId]);

  if (!error && (!events || events.length === 0)) return null;
  return html`<section class="panel parcel-panel" aria-labelledby="parcel-heading">
    <h2 id="parcel-heading">${t('parcel.title')}</h2>
    <${ProblemNotice} error=${error} onRetry=${reload} />
    ${events && events.length
      ? html`<ol class="parcel-events">${events.map((e) => html`<li key=${e.id} data-carrier-event=${e.carrier_event_id}
            data-kind=${e.kind} class=${`parcel-event parcel-${e.kind}`}>
          <span class="parcel-kind">${carrierKindWord(e.kind)}</span>
          <time class="muted" datetime=${e.event_at}>${dateTime(e.event_at)}</time>
          ${e.location ? html`<span class="parcel-location">${e.location}</span>` : null}
          ${e.description ? html`<span class="parcel-description prewrap">${e.description}</span>` : null}
          <span class="muted parcel-number">${t('parcel.number', { carrier: e.carrier, number: e.tracking_number })}</span>
        </li>`)}</ol>`
      : null}
  </section>`;
}
