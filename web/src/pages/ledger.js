// The compensation ledger: every compensation across cases, newest first, filtered by period,
// status, type and customer, with the server's totals by currency and status, more rows on
// demand, and the same filter exported as CSV (fetched with the session token into a blob: URL,
// so no token ever appears in a URL).
import { get, query } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { dateTime, money, t, word } from '../i18n/index.js';
import { Loading, ProblemNotice } from '../components/ui.js';
import { usePagedList } from '../components/paged_list.js';

const kStatuses = ['pending', 'approved', 'rejected', 'executed', 'withdrawn'];
const kTypes = ['full_refund', 'partial_refund', 'return_and_refund', 'exchange', 'reshipment', 'repair', 'coupon',
  'next_order_discount', 'full_reduction_voucher', 'gift', 'points', 'membership_upgrade', 'apology_only'];

// The filter as the API takes it: dates are whole local days, the end day included.
function apiFilter(form) {
  const out = { status: form.status, type: form.type, customer: form.customer.trim() };
  if (form.from) out.from = new Date(`${form.from}T00:00`).toISOString();
  if (form.to) {
    const end = new Date(`${form.to}T00:00`);
    end.setDate(end.getDate() + 1);
    out.to = end.toISOString();
  }
  return out;
}

function Totals({ totals }) {
  if (!totals.length) return null;
  return html`<ul class="ledger-totals" aria-label=${t('ledger.totals')}>
    ${totals.map((total) => html`<li key=${`${total.currency}-${total.status}`} data-status=${total.status}>
      <span class=${`badge badge-comp-${total.status}`}>${t(`comp.status.${total.status}`)}</span>
      ${' '}${t('ledger.total_line', { count: total.count, amount: money({ amount: total.amount, currency: total.currency }) })}
    </li>`)}
  </ul>`;
}

export function LedgerPage() {
  const [form, setForm] = useState({ from: '', to: '', status: '', type: '', customer: '' });
  const [filter, setFilter] = useState(apiFilter(form));
  const [exporting, setExporting] = useState(false);
  const [download, setDownload] = useState(null);
  const { page, error, setError, load } = usePagedList('/v1/compensations', 'compensations', filter);
  useEffect(() => () => download && URL.revokeObjectURL(download.url), [download]);

  async function exportCsv() {
    setExporting(true);
    try {
      const answer = await get(`/v1/compensations/export${query(filter)}`, { raw: true, accept: 'text/csv' });
      setDownload({ url: URL.createObjectURL(answer.blob), count: page ? page.compensations.length : 0 });
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setExporting(false);
    }
  }

  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  return html`<section class="ledger">
    <h1 tabindex="-1">${t('ledger.title')}</h1>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setDownload(null); setFilter(apiFilter(form)); }}>
      <div class="field"><label for="ledger-from">${t('ledger.from')}</label>
        <input id="ledger-from" type="date" value=${form.from} onInput=${set('from')} /></div>
      <div class="field"><label for="ledger-to">${t('ledger.to')}</label>
        <input id="ledger-to" type="date" value=${form.to} onInput=${set('to')} /></div>
      <div class="field"><label for="ledger-status">${t('ledger.status')}</label>
        <select id="ledger-status" value=${form.status} onChange=${set('status')}>
          <option value="">${t('ledger.any')}</option>
          ${kStatuses.map((s) => html`<option key=${s} value=${s}>${t(`comp.status.${s}`)}</option>`)}
        </select></div>
      <div class="field"><label for="ledger-type">${t('comp.type')}</label>
        <select id="ledger-type" value=${form.type} onChange=${set('type')}>
          <option value="">${t('ledger.any')}</option>
          ${kTypes.map((type) => html`<option key=${type} value=${type}>${word('comptype', type)}</option>`)}
        </select></div>
      <div class="field"><label for="ledger-customer">${t('ledger.customer')}</label>
        <input id="ledger-customer" value=${form.customer} maxlength="128" onInput=${set('customer')} /></div>
      <button type="submit" class="primary">${t('ledger.apply')}</button>
      <button type="button" disabled=${exporting} onClick=${exportCsv}>${t('ledger.export')}</button>
      ${download ? html`<a class="download" href=${download.url} download="compensations.csv">${t('ledger.save_csv')}</a>` : null}
    </form>
    <${ProblemNotice} error=${error} onRetry=${() => load(false)} />
    ${!page && !error ? html`<${Loading} />` : null}
    ${page ? html`<${Totals} totals=${page.totals} />` : null}
    ${page && page.compensations.length === 0 ? html`<p class="empty">${t('ledger.empty')}</p>` : null}
    ${page && page.compensations.length
      ? html`<table class="ledger-table">
        <thead><tr>
          <th scope="col">${t('ledger.proposed_at')}</th><th scope="col">${t('ledger.case')}</th>
          <th scope="col">${t('comp.type')}</th><th scope="col">${t('comp.value')}</th>
          <th scope="col">${t('ledger.status')}</th><th scope="col">${t('ledger.proposed_by')}</th>
          <th scope="col">${t('ledger.decided_by')}</th><th scope="col">${t('comp.reference')}</th>
        </tr></thead>
        <tbody>
          ${page.compensations.map((row) => html`<tr key=${`${row.case_id}/${row.compensation_id}`} data-compensation=${row.compensation_id}>
            <td>${dateTime(row.proposed_at)}</td>
            <td><a href=${`/cases/${encodeURIComponent(row.case_id)}`}>${row.case_id}</a>
              ${row.customer_id ? html`<div class="muted"><a href=${`/customers/${encodeURIComponent(row.customer_id)}`}>${row.customer_id}</a>${row.order_id ? ` · ${row.order_id}` : ''}</div>` : null}</td>
            <td>${word('comptype', row.type)}</td>
            <td class="amount">${money(row.value)}</td>
            <td><span class=${`badge badge-comp-${row.status}`}>${t(`comp.status.${row.status}`)}</span></td>
            <td>${row.proposed_by}</td>
            <td>${row.decided_by || t('app.none')}</td>
            <td>${row.reference || t('app.none')}</td>
          </tr>`)}
        </tbody>
      </table>`
      : null}
    ${page && page.next_page_token ? html`<button type="button" onClick=${() => load(true)}>${t('ledger.more')}</button>` : null}
  </section>`;
}
