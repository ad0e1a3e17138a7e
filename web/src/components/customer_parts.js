// Parts shown both on the customer page and in the case page's customer panel: the masked
// contacts with the "Show contact details" button (the full answer is shown in place; the server
// records the view, with the case when there is one), the complaint-history facts, and an
// order's amounts.
import { get, query } from '../api.js';
import { html, useState } from '../html.js';
import { money, t, word } from '../i18n/index.js';
import { addressText, contactEntries, itemsText, moneyList } from '../customers.js';
import { ProblemNotice } from './ui.js';

// Records that may not exist (a case opened before there were records, demo data) are looked
// up through listings, which answer 200 with or without them, rather than by a GET that would
// answer 404: the browser logs every 404 as an error, and an absent record is not one.
// The customer by id, or null.
export async function findCustomer(id) {
  const answer = await get(`/v1/customers${query({ q: id, page_size: 10 })}`);
  return answer.data.customers.some((c) => c.id === id) ? (await get(`/v1/customers/${encodeURIComponent(id)}`)).data : null;
}

// The orders on record of a customer (most recent first), for picking one by its id.
export async function ordersOf(customerId) {
  return (await get(`/v1/customers/${encodeURIComponent(customerId)}/orders${query({ limit: 200 })}`)).data.orders;
}

function ContactList({ contacts, addresses }) {
  const entries = contactEntries(contacts);
  const places = (addresses || []).map(addressText).filter(Boolean);
  if (!entries.length && !places.length) return html`<p class="muted">${t('customer.no_contacts')}</p>`;
  return html`<dl class="facts contact-list">
    ${entries.map(([kind, value]) => html`<dt>${t(`customer.${kind}`)}</dt><dd data-contact=${kind}>${value}</dd>`)}
    ${places.length
      ? html`<dt>${t('customer.addresses')}</dt><dd><ul class="plain">${places.map((p) => html`<li>${p}</li>`)}</ul></dd>`
      : null}
  </dl>`;
}

// `customer` is the masked record; `caseId` names the case the view is for (the case page).
export function ContactReveal({ customer, caseId }) {
  const [full, setFull] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function reveal() {
    setBusy(true);
    setError(null);
    try {
      const answer = await get(`/v1/customers/${encodeURIComponent(customer.id)}/contacts${query({ case: caseId })}`);
      setFull(answer.data);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  const nothing = !contactEntries(customer.contacts).length && !(customer.addresses || []).length;
  return html`<div class="contact-reveal" data-revealed=${full ? 'true' : 'false'}>
    ${full
      ? html`<${ContactList} contacts=${full.contacts} addresses=${full.addresses} />
        <p class="hint" role="status">${caseId ? t('customer.view_recorded_case', { case: caseId }) : t('customer.view_recorded')}</p>
        <button type="button" class="small" onClick=${() => setFull(null)}>${t('customer.hide_contacts')}</button>`
      : html`<${ContactList} contacts=${customer.contacts} addresses=${customer.addresses} />
        ${nothing ? null : html`<p class="hint">${t('customer.masked_note')}</p>
          <button type="button" class="small" data-action="show-contacts" disabled=${busy} onClick=${reveal}>${t('customer.show_contacts')}</button>`}`}
    ${error && error.status === 403
      ? html`<p class="notice notice-warning" role="alert">${t('customer.contacts_forbidden')}</p>`
      : html`<${ProblemNotice} error=${error} />`}
  </div>`;
}

export function RepeatBadge({ complaints }) {
  if (!complaints || !complaints.repeat_complainant) return null;
  return html`<span class="badge badge-repeat" title=${t('customer.repeat_hint')}>${t('customer.repeat')}</span>`;
}

// Open cases, cases in 30 days and the compensation granted; `long` adds the 365-day total.
export function ComplaintFacts({ complaints, long = false }) {
  if (!complaints) return null;
  return html`<dl class="facts complaint-facts">
    <dt>${t('customer.open_cases')}</dt><dd data-fact="open_cases">${complaints.open_cases}</dd>
    <dt>${t('customer.cases_30')}</dt><dd data-fact="cases_30">${complaints.cases_last_30_days}</dd>
    <dt>${t('customer.granted_30')}</dt><dd data-fact="granted_30">${moneyList(complaints.granted_30_days)}</dd>
    ${long ? html`<dt>${t('customer.granted_365')}</dt><dd data-fact="granted_365">${moneyList(complaints.granted_365_days)}</dd>` : null}
  </dl>`;
}

// An order's facts. With `detail` (GET /v1/orders/{id}) also what was refunded in Redress and
// what is still refundable.
export function OrderFacts({ order, detail }) {
  const refundedHere = detail && detail.refunded_in_redress && detail.refunded_in_redress.length
    ? moneyList(detail.refunded_in_redress) : null;
  return html`<dl class="facts order-facts">
    <dt>${t('order.items')}</dt><dd>${itemsText(order.items)}</dd>
    <dt>${t('order.paid')}</dt><dd data-fact="paid">${money(order.paid)}</dd>
    ${order.refunded && order.refunded.amount ? html`<dt>${t('order.refunded_outside')}</dt><dd>${money(order.refunded)}</dd>` : null}
    ${refundedHere ? html`<dt>${t('order.refunded_in_redress')}</dt><dd>${refundedHere}</dd>` : null}
    ${detail ? html`<dt>${t('order.refundable')}</dt><dd data-fact="refundable"><strong>${money(detail.refundable)}</strong></dd>` : null}
    ${order.status ? html`<dt>${t('order.status')}</dt><dd>${word('orderstatus', order.status)}</dd>` : null}
    ${order.tracking_number
      ? html`<dt>${t('order.tracking')}</dt><dd>${order.carrier ? `${order.carrier} ` : ''}${order.tracking_number}</dd>`
      : null}
  </dl>`;
}
