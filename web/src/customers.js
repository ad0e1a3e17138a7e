// Words and formats for customer and order records, shared by the customers pages, the case
// page's customer panel and the new-case form. Pure functions of the record and the catalogue,
// so they are unit-tested without a browser (tests/unit/customers.test.js).
//
// Membership levels and RFM segments are names from the policy files (regular … diamond,
// champions … lost); their words are catalogue entries (tier.<name>, segment.<name>), and a
// name the catalogue does not know yet is shown as it is.
import { language, money, t, word } from './i18n/index.js';

export const kLevels = ['regular', 'silver', 'gold', 'platinum', 'diamond'];
export const kSegments = ['champions', 'vip', 'regular', 'new', 'at_risk', 'lost'];
export const kContactKinds = ['phone', 'email', 'chat_id'];

export const levelWord = (level) => word('tier', level);
export const segmentWord = (segment) => word('segment', segment);

// Amounts by currency (the complaint history's granted_30_days) as one line: "¥120.00 · US$5.00",
// or the "none" word when nothing was granted.
export function moneyList(amounts) {
  const shown = (amounts || []).filter((m) => m && m.currency);
  if (!shown.length) return t('customer.nothing_granted');
  return shown.map(money).join(' · ');
}

// The contact details present, in a fixed order: [['phone', '138****8000'], …].
export function contactEntries(contacts) {
  return kContactKinds.filter((kind) => contacts && contacts[kind]).map((kind) => [kind, contacts[kind]]);
}

// An address as one line, biggest place first as Chinese addresses are written (region, city,
// district, street), then the recipient and their phone; a masked address has only its label,
// region, city and country.
export function addressText(address) {
  if (!address) return '';
  const zh = language() === 'zh';
  const place = ['country', 'region', 'city', 'district', 'line', 'postal_code']
    .map((key) => address[key]).filter(Boolean).join(zh ? '' : ', ');
  const person = [address.recipient, address.phone].filter(Boolean).join(' ');
  const head = address.label ? `${address.label}${zh ? '：' : ': '}` : '';
  return head + [place, person].filter(Boolean).join(' ');
}

// Order items as "电水壶 × 2, 滤网 × 1" (the SKU when an item has no title).
export function itemsText(items) {
  if (!items || !items.length) return t('order.no_items');
  return items.map((item) => `${item.title || item.sku} × ${item.quantity ?? 1}`).join(language() === 'zh' ? '，' : ', ');
}

// The reason of a level change in the viewer's language. A person's reason is shown as typed;
// the two the server writes itself for a merge ("merged into CU-1: <the merger's reason>" on the
// duplicate, "merged with CU-2" on the survivor) are worded from the catalogue.
export function levelChangeReason(change) {
  const reason = (change && change.reason) || '';
  let found = /^merged into (\S+?)(?:: ([\s\S]*))?$/.exec(reason);
  if (found && change.source === 'merge') {
    return found[2] ? t('customer.reason_merged_into_why', { id: found[1], reason: found[2] }) : t('customer.reason_merged_into', { id: found[1] });
  }
  found = /^merged with (\S+)$/.exec(reason);
  if (found) return t('customer.reason_merged_with', { id: found[1] });
  return reason;
}

// Tags typed as one line ("vip, 易怒，多次退货") → the list the API takes: split on Latin and
// Chinese commas, trimmed, empty ones and repeats dropped.
export function parseTags(text) {
  const seen = new Set();
  for (const part of String(text || '').split(/[,，、]/)) {
    const tag = part.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

// A customer's display name: the name, or a word saying there is none (erased, or never given).
export function customerName(customer) {
  if (!customer) return '';
  if (customer.name) return customer.name;
  return customer.erased_at ? t('customers.erased') : t('customers.unnamed');
}
