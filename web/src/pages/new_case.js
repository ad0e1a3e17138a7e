// A new case: a complaint taken by phone or chat. The form is generated from the chosen
// workflow's creation fields (`create.requires` and `create.accepts`); customer, order,
// severity, team and assignee are the case's own. The customer is a record: found by a search
// and sent as `customer_id`, or entered anew (id, name, contacts) and sent inline as `customer`,
// which writes the record. The order is looked up by its id: one on record is sent as
// `order_id`, another inline with what was paid, as before.
//
// A complaint about an order that already has an open case of the same workflow is refused (409,
// open_case_for_order naming that case): the form then says so, offers the open case (in a new
// tab, so nothing typed here is lost) and offers to file this one anyway, linked to it — a kind
// (related to by default) and a reason, sent as `link`.
import { get, newIdempotencyKey, post, query } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { label, language, money, t, toMinorUnits, word } from '../i18n/index.js';
import { kLinkKinds, linkKindWord, openCaseRefusal } from '../case_links.js';
import { contactEntries, customerName, kContactKinds, levelWord, segmentWord } from '../customers.js';
import { ordersOf } from '../components/customer_parts.js';
import { navigate, searchParams } from '../router.js';
import { definition, field as fieldOf, workflowList } from '../workflows.js';
import { FieldControl, fieldProblemText, initialValue, messagesFor, wireValue } from '../components/fields.js';
import { Loading, ProblemNotice } from '../components/ui.js';

const kSeverities = ['low', 'normal', 'high', 'critical'];

// A workflow's short name for a sentence: the part of its title before the colon ("Customer
// complaint"), in lower case after the first word in English ("an open customer complaint case").
function workflowWords(def) {
  const short = label(def.title, def.id).split(/[:：]/)[0].trim();
  return language() === 'en' ? short.charAt(0).toLowerCase() + short.slice(1) : short;
}

// The refusal of a duplicate complaint: which order has which open case, a link to open that
// case, and the choice to file this one anyway, linked to it (kind and a required reason). Its
// submit button submits the whole form, with the link.
function OpenCaseNotice({ refusal, def, link, setLink, errors, busy }) {
  const kinds = { name: 'kind', type: 'enum', title: t('links.kind'), values: kLinkKinds,
    value_titles: Object.fromEntries(kLinkKinds.map((k) => [k, linkKindWord(k)])) };
  return html`<div class="notice notice-warning open-case-notice" data-open-case=${refusal.caseId}>
    <p class="open-case-line" role="alert"><strong>${t('newcase.open_case', { order: refusal.orderId, workflow: workflowWords(def), case: refusal.caseId })}</strong></p>
    <p>${t('newcase.open_case_hint')}</p>
    <p><a href=${`/cases/${encodeURIComponent(refusal.caseId)}`} target="_blank" rel="noopener" data-action="open-existing">${t('newcase.open_existing', { case: refusal.caseId })}</a></p>
    <fieldset class="file-linked">
      <legend>${t('newcase.file_linked_title', { case: refusal.caseId })}</legend>
      <div class="form-grid">
        <${FieldControl} id="new-link-kind" field=${kinds} required value=${link.kind}
          onInput=${(kind) => setLink({ ...link, kind })} messages=${messagesFor(errors, '/link', 'kind')} />
      </div>
      <${FieldControl} id="new-link-reason" field=${{ name: 'reason', type: 'text', title: t('links.reason'), max_length: 2000 }} required
        value=${link.reason} onInput=${(reason) => setLink({ ...link, reason })} messages=${messagesFor(errors, '/link', 'reason')} />
      <button type="submit" class="primary" data-action="file-linked" disabled=${busy || !link.kind || !link.reason.trim()}>
        ${t('newcase.file_linked', { case: refusal.caseId })}</button>
    </fieldset>
  </div>`;
}

// Finding an existing customer: a search box, the matches as buttons, the chosen one shown with
// a way to choose another. Problems the server has with `customer_id` show beside the search.
function CustomerPicker({ chosen, onChoose, messages }) {
  const [search, setSearch] = useState('');
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  async function find() {
    if (!search.trim()) return;
    try {
      const answer = await get(`/v1/customers${query({ q: search.trim(), page_size: 8 })}`);
      setFound(answer.data.customers.filter((c) => !c.merged_into));
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }
  if (chosen) {
    return html`<div class="picked-customer" data-customer=${chosen.id}>
      <p><span class="muted">${t('newcase.chosen')}</span> <strong>${customerName(chosen)}</strong>
        ${` · ${chosen.id} · ${levelWord(chosen.level)} · ${segmentWord(chosen.segment)}`}</p>
      <button type="button" class="small" onClick=${() => onChoose(null)}>${t('newcase.change_customer')}</button>
    </div>`;
  }
  const described = messages.length ? 'new-customer-search-error' : undefined;
  return html`<div class=${`field${described ? ' field-invalid' : ''}`} data-field="customer_search">
    <label for="new-customer-search">${t('newcase.find_customer')}</label>
    <span class="search-row">
      <input id="new-customer-search" type="search" maxlength="200" placeholder=${t('customers.search_hint')}
        aria-invalid=${described ? 'true' : undefined} aria-describedby=${described} value=${search}
        onInput=${(e) => setSearch(e.target.value)}
        onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); find(); } }} />
      <button type="button" onClick=${find}>${t('newcase.find')}</button>
    </span>
    ${described ? html`<ul class="field-errors" id=${described}>${messages.map((m) => {
      const { text, lang } = fieldProblemText(m);
      return html`<li lang=${lang} data-reason=${m.params && m.params.reason}>${text}</li>`;
    })}</ul>` : null}
    <${ProblemNotice} error=${error} />
    ${found && found.length === 0 ? html`<p class="hint" role="status">${t('newcase.no_match')}</p>` : null}
    ${found && found.length
      ? html`<ul class="plain found-customers" aria-label=${t('newcase.results')}>
          ${found.map((c) => html`<li key=${c.id}>
            <button type="button" class="small" data-choose=${c.id} onClick=${() => onChoose(c)}>${t('newcase.choose')}</button>
            ${' '}<strong>${customerName(c)}</strong> · ${c.id}
            <span class="muted">${[...contactEntries(c.contacts).map(([, v]) => v), c.level ? levelWord(c.level) : null]
              .filter(Boolean).map((part) => ` · ${part}`).join('')}</span>
          </li>`)}
        </ul>`
      : null}
  </div>`;
}

// The chosen customer's orders on record, and the one whose id is typed with its refundable
// amount (GET /v1/orders/{id}): that one is sent as order_id, any other id inline with what was
// paid. A new customer has no orders on record yet.
function useCustomerOrders(customer, typedId) {
  const [orders, setOrders] = useState([]);
  const [detail, setDetail] = useState(null);
  useEffect(() => {
    setOrders([]);
    if (customer) ordersOf(customer.id).then(setOrders).catch(() => setOrders([]));
  }, [customer && customer.id]);
  const onRecord = orders.find((o) => o.id === typedId.trim()) || null;
  useEffect(() => {
    setDetail(null);
    if (onRecord) get(`/v1/orders/${encodeURIComponent(onRecord.id)}`).then((answer) => setDetail(answer.data)).catch(() => {});
  }, [onRecord && onRecord.id]);
  return { orders, onRecord, detail: detail && onRecord && detail.id === onRecord.id ? detail : null };
}

export function NewCasePage({ me }) {
  const [workflows, setWorkflows] = useState(null);
  const [workflowId, setWorkflowId] = useState('');
  const [def, setDef] = useState(null);
  const [values, setValues] = useState({});
  const [caseFields, setCaseFields] = useState({
    customer_id: '', name: '', phone: '', email: '', chat_id: '', order_id: '', order_paid: { amount: '', currency: 'CNY' },
    severity: 'normal', team: me.team ? me.team.id : '', assignee: me.user && me.role === 'agent' ? me.user.id : '',
  });
  const [chosen, setChosen] = useState(null);
  const [error, setError] = useState(null);
  // The open case that refused this complaint: {caseId, orderId, workflowId}; it applies while
  // the order and the workflow are still the ones refused.
  const [refusal, setRefusal] = useState(null);
  const [link, setLink] = useState({ kind: kLinkKinds[0], reason: '' });
  const [busy, setBusy] = useState(false);
  // Opened from a closed case whose reopen window has passed (?reopen_of=<id>): the customer's
  // new complaint, filed linked to it (reopen_of) with a reason, its customer and order filled in.
  const [reopenOf] = useState(() => searchParams().get('reopen_of') || '');
  const [reopenReason, setReopenReason] = useState('');
  const customerOrders = useCustomerOrders(chosen, caseFields.order_id);

  useEffect(() => {
    if (!reopenOf) return;
    get(`/v1/cases/${encodeURIComponent(reopenOf)}`).then(async (answer) => {
      const old = answer.data;
      setCaseFields((fields) => ({ ...fields, order_id: (old.order && old.order.id) || '', customer_id: old.customer ? old.customer.id : '' }));
      if (old.customer && old.customer.id) {
        const customer = await get(`/v1/customers/${encodeURIComponent(old.customer.id)}`).catch(() => null);
        if (customer) setChosen(customer.data);
      }
    }).catch(setError);
  }, [reopenOf]);

  useEffect(() => {
    // The listing's titles are English only; the definitions carry both languages (and are
    // cached for the session, so choosing one later costs nothing).
    workflowList().then(async (list) => {
      const latest = list.filter((w) => w.latest);
      const defs = await Promise.all(latest.map((w) => definition(w.id, w.version).catch(() => null)));
      setWorkflows(latest.map((w, i) => ({ ...w, title: defs[i] ? defs[i].title : w.title })));
      if (latest.length) setWorkflowId(latest.find((w) => w.id === 'complaint') ? 'complaint' : latest[0].id);
    }).catch(setError);
  }, []);

  useEffect(() => {
    if (!workflowId || !workflows) return;
    const summary = workflows.find((w) => w.id === workflowId);
    definition(summary.id, summary.version).then((loaded) => {
      setDef(loaded);
      const start = {};
      for (const name of [...loaded.create.requires, ...loaded.create.accepts]) start[name] = initialValue(fieldOf(loaded, name));
      setValues(start);
    }).catch(setError);
  }, [workflowId, workflows]);

  if (!workflows || !def) {
    return html`<section><h1 tabindex="-1">${t('newcase.title')}</h1><${ProblemNotice} error=${error} />${error ? null : html`<${Loading} />`}</section>`;
  }

  const names = [...def.create.requires, ...def.create.accepts];
  const openCase = refusal && refusal.orderId === caseFields.order_id.trim() && refusal.workflowId === def.id ? refusal : null;
  const refusedAsDuplicate = Boolean(openCaseRefusal(error));
  // The refusal is said by its notice, not beside the order id as well.
  const errors = Object.fromEntries(Object.entries(error && error.fieldErrors ? error.fieldErrors() : {})
    .map(([pointer, problems]) => [pointer, problems.filter((p) => !(p.params && p.params.reason === 'open_case_for_order'))])
    .filter(([, problems]) => problems.length));
  const set = (name, value) => setCaseFields({ ...caseFields, [name]: value });

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const fields = {};
    for (const name of names) {
      const value = wireValue(fieldOf(def, name), values[name]);
      if (value !== undefined) fields[name] = value;
    }
    const body = { workflow_id: def.id, workflow_version: def.version, severity: caseFields.severity, fields };
    if (chosen) {
      body.customer_id = chosen.id;
    } else {
      const customer = { id: caseFields.customer_id.trim() };
      if (caseFields.name.trim()) customer.name = caseFields.name.trim();
      const contacts = Object.fromEntries(kContactKinds.filter((k) => caseFields[k].trim()).map((k) => [k, caseFields[k].trim()]));
      if (Object.keys(contacts).length) customer.contacts = contacts;
      body.customer = customer;
    }
    const orderId = caseFields.order_id.trim();
    if (orderId) {
      if (customerOrders.onRecord) {
        body.order_id = orderId;
      } else {
        const paid = caseFields.order_paid;
        const minor = toMinorUnits(paid.amount, paid.currency);
        body.order = { id: orderId };
        if (paid.amount !== '') body.order.paid = { amount: minor === null ? paid.amount : minor, currency: paid.currency };
      }
    }
    if (caseFields.team) body.team = caseFields.team;
    if (caseFields.assignee.trim()) body.assignee = caseFields.assignee.trim();
    if (openCase) body.link = { case_id: openCase.caseId, kind: link.kind, reason: link.reason.trim() };
    else if (reopenOf) body.link = { case_id: reopenOf, kind: 'reopen_of', reason: reopenReason.trim() };
    try {
      const answer = await post('/v1/cases', body, { idempotencyKey: newIdempotencyKey() });
      navigate(`/cases/${encodeURIComponent(answer.data.case.id)}`);
    } catch (caught) {
      const open = openCaseRefusal(caught);
      if (open) setRefusal({ caseId: open.caseId, orderId, workflowId: def.id });
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const orderFound = customerOrders.onRecord;
  const orderDetail = customerOrders.detail || orderFound;
  const plain = (name, titleKey, pointer, required = false) => html`<${FieldControl} id=${`new-${name}`}
    field=${{ name, type: 'string', title: t(titleKey) }} required=${required} value=${caseFields[name]}
    onInput=${(v) => set(name, v)} messages=${[pointer].flat().flatMap((p) => messagesFor(errors, p.base, p.name))} />`;

  return html`<section class="new-case">
    <h1 tabindex="-1">${t('newcase.title')}</h1>
    <p class="muted">${t('newcase.intro')}</p>
    <form onSubmit=${submit} novalidate>
      ${reopenOf
        ? html`<fieldset class="reopen-of" data-reopen-of=${reopenOf}>
            <legend>${t('newcase.reopen_of_title', { case: reopenOf })}</legend>
            <p class="hint">${t('newcase.reopen_of_hint', { case: reopenOf })}</p>
            <${FieldControl} id="new-link-reason" field=${{ name: 'reason', type: 'text', title: t('newcase.reopen_of_reason'), max_length: 2000 }} required
              value=${reopenReason} onInput=${setReopenReason} messages=${messagesFor(errors, '/link', 'reason')} />
          </fieldset>`
        : null}
      <div class="form-grid">
        <div class="field">
          <label for="new-workflow">${t('newcase.workflow')}</label>
          <select id="new-workflow" value=${workflowId} onChange=${(e) => setWorkflowId(e.target.value)}>
            ${workflows.map((w) => html`<option value=${w.id}>${label(w.title, w.id)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="new-severity">${t('newcase.severity')}</label>
          <select id="new-severity" value=${caseFields.severity} onChange=${(e) => set('severity', e.target.value)}>
            ${kSeverities.map((s) => html`<option value=${s}>${word('severity', s)}</option>`)}
          </select>
        </div>
        ${plain('team', 'newcase.team', { base: '', name: 'team' })}
        ${plain('assignee', 'newcase.assignee', { base: '', name: 'assignee' })}
      </div>
      <fieldset class="new-customer">
        <legend>${t('newcase.customer')}</legend>
        <${CustomerPicker} chosen=${chosen} onChoose=${(c) => { setChosen(c); setError(null); }} messages=${messagesFor(errors, '', 'customer_id')} />
        ${chosen
          ? null
          : html`<h3 class="or-new">${t('newcase.or_new')}</h3>
            <div class="form-grid">
              ${plain('customer_id', 'newcase.customer_id', { base: '/customer', name: 'id' }, true)}
              ${plain('name', 'newcase.customer_name', { base: '/customer', name: 'name' })}
              ${kContactKinds.map((kind) => plain(kind, `customer.${kind}`, { base: '/customer/contacts', name: kind }))}
            </div>`}
      </fieldset>
      <fieldset class="new-order">
        <legend>${t('newcase.order')}</legend>
        <div class="form-grid">
          ${plain('order_id', 'newcase.order_id', [{ base: '', name: 'order_id' }, { base: '/order', name: 'id' }])}
          ${orderFound
            ? html`<p class="hint order-on-record" role="status">${t('newcase.order_on_record', { paid: money(orderDetail.paid), refundable: money(orderDetail.refundable || orderDetail.paid) })}</p>`
            : html`<${FieldControl} id="new-order-paid" field=${{ name: 'paid', type: 'money', title: t('newcase.order_paid') }}
                value=${caseFields.order_paid} onInput=${(v) => set('order_paid', v)} messages=${messagesFor(errors, '/order', 'paid')} />`}
        </div>
        ${customerOrders.orders.length
          ? html`<div class="customer-orders" role="group" aria-label=${t('newcase.customer_orders')}>
              <span class="muted" aria-hidden="true">${t('newcase.customer_orders_lead')}</span>
              ${customerOrders.orders.slice(0, 10).map((o) => html` <button type="button" class="small" data-order=${o.id}
                aria-pressed=${orderFound && orderFound.id === o.id ? 'true' : 'false'}
                onClick=${() => set('order_id', o.id)}>${o.id} · ${money(o.paid)}${o.status ? ` · ${word('orderstatus', o.status)}` : ''}</button>`)}
            </div>`
          : null}
        ${chosen && caseFields.order_id.trim() && !orderFound ? html`<p class="hint">${t('newcase.order_not_on_record')}</p>` : null}
      </fieldset>
      <fieldset>
        <legend>${label(def.title, def.id)}</legend>
        ${names.map((name) => html`<${FieldControl} key=${`${def.id}-${name}`} id=${`new-field-${name}`} field=${fieldOf(def, name)}
          value=${values[name]} required=${def.create.requires.includes(name)}
          messages=${messagesFor(errors, '/fields', name)} onInput=${(v) => setValues({ ...values, [name]: v })} />`)}
      </fieldset>
      ${openCase
        ? html`<${OpenCaseNotice} refusal=${openCase} def=${def} link=${link} setLink=${setLink} errors=${errors} busy=${busy} />`
        : null}
      ${refusedAsDuplicate ? null : html`<${ProblemNotice} error=${error} />`}
      ${openCase ? null : html`<button type="submit" class="primary" disabled=${busy}>${t('newcase.create')}</button>`}
    </form>
  </section>`;
}
