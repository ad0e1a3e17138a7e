// Parcel events in words and in order: the kinds a carrier reports, each kind's word, and a
// carrier event slotted into a list by the carrier's event time (the stream brings them as they
// arrive, which is not always the order they happened in).
import { t } from './i18n/index.js';

export const kCarrierEventKinds = ['picked_up', 'in_transit', 'delivered', 'exception', 'returned'];

// `events` with `added` put in its place: by event time, then by arrival (id); a repeat (same id)
// is dropped.
export function withCarrierEvent(events, added) {
  if (events.some((e) => e.id === added.id)) return events;
  return [...events, added].sort((a, b) =>
    a.event_at === b.event_at ? a.id - b.id : a.event_at < b.event_at ? -1 : 1);
}

export function carrierKindWord(kind) {
  return kCarrierEventKinds.includes(kind) ? t(`parcel.kind.${kind}`) : kind;
}
