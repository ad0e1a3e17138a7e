// Customers: search by name (one Chinese character is enough), phone however written, e-mail,
// chat id or customer id (GET /v1/customers?q=), filtered by membership level and RFM segment,
// with keyset paging. Contacts are shown masked, as the server sends them; each row links to
// the customer's page. The search and filters are kept in the address, so Back returns to them.
import { get, query } from '../api.js';
import { html, useEffect, useMemo, useRef, useState } from '../html.js';
import { t } from '../i18n/index.js';
import { navigate } from '../router.js';
import { contactEntries, customerName, kLevels, kSegments, levelWord, segmentWord } from '../customers.js';
import { KeysetPager, Loading, ProblemNotice } from '../components/ui.js';

const kPageSize = 50;

function readUrl() {
  const params = new URLSearchParams(location.search);
  return { q: params.get('q') || '', level: params.get('level') || '', segment: params.get('segment') || '' };
}

export function CustomersPage() {
  const initial = useMemo(readUrl, []);
  const [filters, setFilters] = useState(initial);
  const [search, setSearch] = useState(initial.q);
  const [pages, setPages] = useState(['']);
  const [rows, setRows] = useState(null);
  const [nextToken, setNextToken] = useState(null);
  const [error, setError] = useState(null);
  const serial = useRef(0);
  const pageToken = pages[pages.length - 1];

  async function load() {
    const asked = ++serial.current;
    try {
      const answer = await get(`/v1/customers${query({ ...filters, page_size: kPageSize, page_token: pageToken })}`);
      if (asked !== serial.current) return;
      setRows(answer.data.customers);
      setNextToken(answer.data.next_page_token);
      setError(null);
    } catch (caught) {
      if (asked === serial.current) setError(caught);
    }
  }

  useEffect(() => {
    history.replaceState(null, '', `/customers${query(filters)}`);
    load();
  }, [filters, pageToken]);

  const setFilter = (name, value) => {
    setFilters({ ...filters, [name]: value });
    setPages(['']);
  };
  const select = (name, values, render) => html`<div class="field field-inline">
    <label for=${`customers-${name}`}>${t(`customers.${name}`)}</label>
    <select id=${`customers-${name}`} value=${filters[name]} onChange=${(e) => setFilter(name, e.target.value)}>
      <option value="">${t('customers.any')}</option>
      ${values.map((v) => html`<option value=${v}>${render(v)}</option>`)}
    </select>
  </div>`;
  const href = (row) => `/customers/${encodeURIComponent(row.id)}`;

  return html`<section class="customers">
    <h1 tabindex="-1">${t('customers.title')}</h1>
    <form class="filters" role="search" aria-label=${t('customers.filters')}
      onSubmit=${(e) => { e.preventDefault(); setFilter('q', search.trim()); }}>
      <div class="field field-inline field-search">
        <label for="customers-q">${t('customers.search_label')}</label>
        <input id="customers-q" type="search" maxlength="200" placeholder=${t('customers.search_hint')}
          value=${search} onInput=${(e) => setSearch(e.target.value)} />
        <button type="submit">${t('customers.search')}</button>
      </div>
      ${select('level', kLevels, levelWord)}
      ${select('segment', kSegments, segmentWord)}
    </form>
    <${ProblemNotice} error=${error} onRetry=${load} />
    ${rows === null && !error ? html`<${Loading} />` : null}
    ${rows && rows.length === 0 ? html`<p class="empty">${t('customers.empty')}</p>` : null}
    ${rows && rows.length
      ? html`<table class="customer-table">
          <caption class="visually-hidden">${t('customers.title')}</caption>
          <thead><tr>
            <th scope="col">${t('customers.col.name')}</th>
            <th scope="col">${t('customers.col.id')}</th>
            <th scope="col">${t('customers.col.contacts')}</th>
            <th scope="col">${t('customers.level')}</th>
            <th scope="col">${t('customers.segment')}</th>
          </tr></thead>
          <tbody>
            ${rows.map((row) => html`<tr key=${row.id} data-customer=${row.id}
              onClick=${(e) => { if (!e.target.closest('a')) navigate(href(row)); }}>
              <td><a href=${href(row)}>${customerName(row)}</a>
                ${row.merged_into ? html`<div class="muted">${t('customers.merged', { id: row.merged_into })}</div>` : null}</td>
              <td>${row.id}</td>
              <td class="contacts-cell">${contactEntries(row.contacts).map(([kind, value]) => html`<span class="contact"
                title=${t(`customer.${kind}`)}><span class="visually-hidden">${t(`customer.${kind}`)}: </span>${value}</span>`)}</td>
              <td>${levelWord(row.level)}</td>
              <td>${segmentWord(row.segment)}</td>
            </tr>`)}
          </tbody>
        </table>`
      : null}
    <${KeysetPager} rows=${rows} pages=${pages} nextToken=${nextToken} setPages=${setPages} countKey="customers" />
  </section>`;
}
