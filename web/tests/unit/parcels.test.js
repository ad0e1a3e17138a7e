// Parcel events: every kind worded in both languages, and an event arriving late slotted in by
// the carrier's event time (a repeat dropped).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { carrierKindWord, kCarrierEventKinds, withCarrierEvent } from '../../src/parcels.js';
import { setLanguage } from '../../src/i18n/index.js';
import en from '../../src/i18n/en.js';
import zh from '../../src/i18n/zh.js';

const event = (id, at) => ({ id, carrier_event_id: `e-${id}`, kind: 'in_transit', event_at: at });

test('every kind a carrier reports has words in both languages', () => {
  for (const kind of kCarrierEventKinds) {
    assert.ok(en[`parcel.kind.${kind}`] && zh[`parcel.kind.${kind}`], kind);
  }
  setLanguage('zh');
  assert.equal(carrierKindWord('delivered'), '已签收');
  assert.equal(carrierKindWord('picked_up'), '已揽收');
  setLanguage('en');
  assert.equal(carrierKindWord('delivered'), 'Delivered');
  assert.equal(carrierKindWord('teleported'), 'teleported');
});

test('a late event takes its place by event time and a repeat is dropped', () => {
  let events = [event(1, '2026-11-23T06:00:00Z')];
  events = withCarrierEvent(events, event(2, '2026-11-23T03:00:00Z'));
  events = withCarrierEvent(events, event(3, '2026-11-23T09:00:00Z'));
  assert.deepEqual(events.map((e) => e.id), [2, 1, 3]);
  assert.equal(withCarrierEvent(events, event(1, '2026-11-23T06:00:00Z')), events);
  // The same instant: arrival order.
  events = withCarrierEvent(events, event(4, '2026-11-23T06:00:00Z'));
  assert.deepEqual(events.map((e) => e.id), [2, 1, 4, 3]);
});
