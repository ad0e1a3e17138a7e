// The panels of the case page: customer and order, transitions with their generated forms,
// compensation, conversation and notes, promises, assignment and escalation. Each panel gets
// the case view ({id, data, def, me, version(), applyOutcome()}) and runs commands through it.
import { get } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, fromMinorUnits, label, money, t, toMinorUnits, word } from '../i18n/index.js';
import { field as fieldOf, fieldTitle, enumTitle } from '../workflows.js';
import { FieldControl, initialValue, kCurrencies, messagesFor, wireValue } from './fields.js';
import { useCommand } from './command.js';
import { Countdown, Notice, ProblemNotice } from './ui.js';
import { atLeast, isLadder } from '../app.js';
import { customerName, levelWord, segmentWord } from '../customers.js';
import { ComplaintFacts, ContactReveal, OrderFacts, RepeatBadge, findCustomer, ordersOf } from './customer_parts.js';

// --- customer and order -------------------------------------------------------------------------

// The case's customer and order. The case keeps what it saw when it was opened (id, segment,
// tier, the order's amounts); the records are read for the rest: the customer's name, level and
// segment in words, the repeat-complainant badge, open cases and the 30-day compensation, and
// the order's items, refunds and what is still refundable, with the order's other cases. Read
// again when the case changes (a refund changes what is refundable). Without a record (a case
// opened before there were records) the panel shows what the case carries.
// Whether the records exist does not change while the page is open: looked up once (the first
// answer), then the customer and the order are read again when the case changes.
function useCaseRecords(customerId, orderId, version) {
  const [records, setRecords] = useState({ customer: null, order: null, looked: false });
  const known = useRef(null); // {customer: bool, order: bool} once looked up
  useEffect(() => {
    let current = true;
    (async () => {
      let customer = null;
      if (!known.current) {
        customer = customerId ? await findCustomer(customerId) : null;
        const onRecord = async () => (customer.recent_orders || []).some((o) => o.id === orderId)
          || (await ordersOf(customer.id)).some((o) => o.id === orderId);
        known.current = { customer: Boolean(customer), order: Boolean(customer && orderId && await onRecord()) };
      } else if (known.current.customer) {
        customer = (await get(`/v1/customers/${encodeURIComponent(customerId)}`)).data;
      }
      const order = known.current.order ? (await get(`/v1/orders/${encodeURIComponent(orderId)}`)).data : null;
      if (current) setRecords({ customer, order, looked: true });
    })().catch(() => current && setRecords((before) => ({ ...before, looked: true })));
    return () => { current = false; };
  }, [customerId, orderId, version]);
  return records;
}

export function CustomerPanel({ caseView }) {
  const c = caseView.data.customer || {};
  const o = caseView.data.order || {};
  const version = caseView.data.version;
  const { customer, order, looked } = useCaseRecords(c.id, o.id, version);
  const otherCases = order && order.case_ids ? order.case_ids.filter((id) => id !== caseView.id) : [];
  return html`<section class="panel customer-panel" aria-labelledby="customer-heading">
    <h2 id="customer-heading">${t('case.customer')}</h2>
    ${customer
      ? html`<p class="customer-line">
          <a href=${`/customers/${encodeURIComponent(customer.id)}`} data-customer-link=${customer.id}>${customerName(customer)}</a>
          <span class="muted"> ${customer.id}</span> <${RepeatBadge} complaints=${customer.complaints} /></p>
        <dl class="facts">
          <dt>${t('customer.level')}</dt><dd>${levelWord(customer.level)}</dd>
          <dt>${t('customer.segment')}</dt><dd>${segmentWord(customer.segment)}</dd>
        </dl>
        <${ComplaintFacts} complaints=${customer.complaints} />
        ${customer.merged_into || customer.erased_at ? null : html`<${ContactReveal} customer=${customer} caseId=${caseView.id} />`}`
      : html`<dl class="facts">
          <dt>${t('case.customer_id')}</dt><dd>${c.id || t('app.none')}</dd>
          <dt>${t('case.segment')}</dt><dd>${segmentWord(c.segment)}</dd>
          <dt>${t('case.tier')}</dt><dd>${levelWord(c.tier)}</dd>
        </dl>
        ${looked && c.id ? html`<p class="hint">${t('case.customer_record_missing')}</p>` : null}`}
    ${o.id
      ? html`<h3>${t('order.title', { id: o.id })}</h3>
        ${order
          ? html`<${OrderFacts} order=${order} detail=${order} />`
          : html`<dl class="facts">
              <dt>${t('case.paid')}</dt><dd>${money(o.paid)}</dd>
              <dt>${t('case.refunded')}</dt><dd>${o.refunded && o.refunded.currency ? money(o.refunded) : t('app.none')}</dd>
            </dl>`}
        ${otherCases.length
          ? html`<p class="other-cases">${t('order.other_cases')} ${otherCases.map((id, i) => html`${i ? ', ' : ''}<a href=${`/cases/${encodeURIComponent(id)}`}>${id}</a>`)}</p>`
          : null}`
      : html`<p class="muted">${t('case.no_order')}</p>`}
  </section>`;
}

// --- case fields --------------------------------------------------------------------------------

function fieldDisplay(def, name, value) {
  const f = fieldOf(def, name);
  if (value === null || value === undefined || value === '') return t('app.none');
  switch (f.type) {
    case 'bool':
      return value ? t('app.yes') : t('app.no');
    case 'money':
      return money(value);
    case 'datetime':
      return dateTime(value);
    case 'enum':
      return enumTitle(def, name, value);
    default:
      return String(value);
  }
}

export function FieldsPanel({ caseView }) {
  const { def, data } = caseView;
  // In the order the workflow declares them (an invoice reads title type, title, taxpayer id, ...),
  // then any the definition does not name.
  const present = data.fields || {};
  const declared = ((def && def.fields) || []).map((f) => f.name).filter((name) => name in present);
  const names = [...declared, ...Object.keys(present).filter((name) => !declared.includes(name))];
  if (!names.length) return null;
  return html`<section class="panel" aria-labelledby="fields-heading">
    <h2 id="fields-heading">${t('case.fields')}</h2>
    <dl class="facts facts-wide">
      ${names.map((name) => html`<dt>${fieldTitle(def, name)}</dt><dd class="prewrap">${fieldDisplay(def, name, data.fields[name])}</dd>`)}
    </dl>
  </section>`;
}

// --- transitions --------------------------------------------------------------------------------

function TransitionForm({ caseView, transition, onDone, onCancel }) {
  const { def, data } = caseView;
  const names = [...transition.requires, ...transition.accepts];
  const [values, setValues] = useState(() => {
    const start = {};
    for (const name of names) start[name] = initialValue(fieldOf(def, name), data.fields && data.fields[name]);
    return start;
  });
  const command = useCommand(caseView);

  async function submit(event) {
    event.preventDefault();
    const payload = {};
    for (const name of names) {
      const value = wireValue(fieldOf(def, name), values[name]);
      if (value !== undefined) payload[name] = value;
    }
    const outcome = await command.run('/transitions', { transition: transition.name, data: payload });
    if (outcome) onDone(outcome);
  }

  const formId = `transition-${transition.name}`;
  return html`<form class="transition-form" id=${formId} onSubmit=${submit} aria-labelledby=${`${formId}-title`} novalidate>
    <h3 id=${`${formId}-title`}>${label(transition.labels || transition.title, transition.name)}</h3>
    ${names.map((name) => html`<${FieldControl} key=${name} id=${`${formId}-${name}`} field=${fieldOf(def, name)}
      value=${values[name]} required=${transition.requires.includes(name)}
      messages=${messagesFor(command.fieldErrors, '/data', name)}
      onInput=${(value) => setValues({ ...values, [name]: value })} />`)}
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${command.busy}>${t('case.fire')}</button>
      <button type="button" onClick=${onCancel}>${t('app.cancel')}</button>
    </div>
  </form>`;
}

// A closed case the customer complains about again: inside the reopen window the reopen is one
// of the transitions (its form asks for the reason); after it, a new case linked to this one.
function ReopenNotice({ caseView, reopen }) {
  if (!caseView.data.closed_at || !reopen) return null;
  if (reopen.open) {
    return html`<p class="hint reopen-window" data-reopen="open">${t('case.reopen_until', { time: dateTime(reopen.window_ends) })}</p>`;
  }
  const target = `/cases/new?reopen_of=${encodeURIComponent(caseView.data.id)}`;
  return html`<div class="reopen-window" data-reopen="passed">
    <p class="hint">${t('case.reopen_passed', { time: dateTime(reopen.window_ends) })}</p>
    <a class="button" href=${target} data-action="open-linked-case">${t('case.open_linked_case')}</a>
  </div>`;
}

export function TransitionsPanel({ caseView, transitions, reopen }) {
  const [open, setOpen] = useState(null);
  const [done, setDone] = useState(false);
  // The server offers only what the caller may fire by name: under a follow-up policy the
  // follow-up's outcomes are recorded as attempts (the Follow-up panel), not listed here.
  const available = transitions || [];
  useEffect(() => {
    if (open && !available.some((tr) => tr.name === open)) setOpen(null);
  }, [transitions]);
  const current = available.find((tr) => tr.name === open);
  // The flag says the transition waits while an approval is pending; whether one is, the case says.
  const approvalPending = (caseView.data.approvals || []).some((a) => a.status === 'pending');
  const blocked = (tr) => tr.blocked_by_pending_approval && approvalPending;
  return html`<section class="panel" aria-labelledby="actions-heading">
    <h2 id="actions-heading">${t('case.actions')}</h2>
    ${caseView.data.closed_at ? html`<p>${t('case.closed')}</p>` : null}
    <${ReopenNotice} caseView=${caseView} reopen=${reopen} />
    ${!caseView.data.closed_at && available.length === 0 ? html`<p class="muted">${t('case.no_actions')}</p>` : null}
    <div class="transition-buttons">
      ${available.map((tr) => html`<button type="button" key=${tr.name} data-transition=${tr.name}
        aria-expanded=${open === tr.name ? 'true' : 'false'} disabled=${blocked(tr)}
        title=${blocked(tr) ? t('case.blocked_by_approval') : undefined}
        onClick=${() => { setOpen(open === tr.name ? null : tr.name); setDone(false); }}>
        ${label(tr.labels || tr.title, tr.name)}</button>`)}
    </div>
    ${done ? html`<${Notice}>${t('case.done')}<//>` : null}
    ${current
      ? html`<${TransitionForm} key=${current.name} caseView=${caseView} transition=${current}
          onDone=${() => { setOpen(null); setDone(true); }} onCancel=${() => setOpen(null)} />`
      : null}
  </section>`;
}

// --- SLA clocks ---------------------------------------------------------------------------------

export function SlaPanel({ caseView }) {
  const clocks = caseView.data.slas || [];
  if (!clocks.length) return null;
  return html`<ul class="sla-list" aria-label=${t('case.sla')}>
    ${clocks.map((clock) => html`<li key=${clock.name} data-clock=${clock.name}>
      <span class="sla-name">${word('clock', clock.name)}</span>
      ${clock.status === 'running'
        ? html`<${Countdown} due=${clock.due} warnAt=${clock.warn_at} breached=${clock.breached} />`
        : html`<span class="muted">${t(`case.sla.${clock.status}`)}${clock.breached ? ` · ${t('due.breached')}` : ''}</span>`}
    </li>`)}
  </ul>`;
}

// --- assignment and escalation ------------------------------------------------------------------

// The people a lead may hand the case to: the active members of the case's team with their open
// case counts, from the team's workload aggregate (one indexed query, whatever the team's size).
// null while loading or when the case has no team or the workload cannot be read. Read again
// when the case changes hands, so the counts stay current.
function useTeamMembers(team, assignee) {
  const [members, setMembers] = useState(null);
  useEffect(() => {
    if (!team) {
      setMembers(null);
      return;
    }
    get(`/v1/teams/${encodeURIComponent(team)}/workload`)
      .then((answer) => setMembers(answer.data.agents.filter((a) => a.member && isLadder(a.role))))
      .catch(() => setMembers(null));
  }, [team, assignee]);
  return members;
}

function AssignPicker({ caseView, command }) {
  const { data } = caseView;
  const members = useTeamMembers(data.team, data.assignee);
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  // Taking the case from its holder needs a reason, which the timeline shows.
  const needsReason = Boolean(data.assignee);
  const submit = (e) => {
    e.preventDefault();
    const body = { assignee: target.trim() };
    if (reason.trim()) body.reason = reason.trim();
    command.run('/assignment', body);
    setReason('');
  };
  // Without a team to choose from, the lead types the user id.
  const control = members && members.length
    ? html`<select id="assign-to" value=${target} onChange=${(e) => setTarget(e.target.value)}>
        <option value="">${t('case.assign_choose')}</option>
        ${members.map((m) => html`<option value=${m.user_id} disabled=${m.user_id === data.assignee}>
          ${t('case.assign_option', { name: m.display_name || m.user_id, role: word('role', m.role), open: m.open })}</option>`)}
      </select>`
    : html`<input id="assign-to" size="12" value=${target} onInput=${(e) => setTarget(e.target.value)} />`;
  return html`<form class="inline-form" onSubmit=${submit}>
    <label for="assign-to">${t(members && members.length ? 'case.assign_member' : 'case.assign_to')}</label>
    ${control}
    ${needsReason
      ? html`<label for="assign-reason">${t('case.reassign_reason')}</label>
        <input id="assign-reason" size="24" required value=${reason} placeholder=${t('case.reassign_reason_hint')}
          onInput=${(e) => setReason(e.target.value)} />`
      : null}
    <button type="submit" disabled=${command.busy || !target.trim() || (needsReason && !reason.trim())}>
      ${t(needsReason ? 'case.reassign' : 'case.assign')}</button>
  </form>`;
}

// Giving one's case back to the team queue: with a reason, as any change of hands.
function ReleaseForm({ command }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open) {
    return html`<button type="button" disabled=${command.busy} onClick=${() => setOpen(true)}>${t('case.release')}</button>`;
  }
  const submit = (e) => {
    e.preventDefault();
    command.run('/assignment', { assignee: '', reason: reason.trim() });
    setOpen(false);
    setReason('');
  };
  return html`<form class="inline-form" onSubmit=${submit}>
    <label for="release-reason">${t('case.release_reason')}</label>
    <input id="release-reason" size="24" required value=${reason} onInput=${(e) => setReason(e.target.value)} />
    <button type="submit" disabled=${command.busy || !reason.trim()}>${t('case.release')}</button>
    <button type="button" onClick=${() => setOpen(false)}>${t('app.cancel')}</button>
  </form>`;
}

export function AssignmentControls({ caseView }) {
  const { me, data } = caseView;
  const command = useCommand(caseView);
  if (!isLadder(me.role) || data.closed_at) return null;
  const mine = me.user && data.assignee === me.user.id;
  return html`<div class="assignment">
    ${me.user && !data.assignee
      ? html`<button type="button" disabled=${command.busy} onClick=${() => command.run('/assignment', { assignee: me.user.id })}>${t('case.claim')}</button>`
      : null}
    ${mine ? html`<${ReleaseForm} command=${command} />` : null}
    ${atLeast(me.role, 'team_lead') ? html`<${AssignPicker} caseView=${caseView} command=${command} />` : null}
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
  </div>`;
}

const kLevels = ['agent', 'team_lead', 'supervisor', 'manager'];

function LevelForm({ caseView, kind }) {
  const [reason, setReason] = useState('');
  const [level, setLevel] = useState('');
  const command = useCommand(caseView);
  const current = kLevels.indexOf(caseView.data.escalation_level || 'agent');
  const choices = kind === 'escalate' ? kLevels.slice(current + 1) : kLevels.slice(0, current);
  if (!choices.length) return null;
  const id = `${kind}-form`;
  async function submit(event) {
    event.preventDefault();
    const body = { reason };
    if (level) body.to_level = level;
    if (await command.run(kind === 'escalate' ? '/escalations' : '/deescalations', body)) {
      setReason('');
      setLevel('');
    }
  }
  const errors = command.fieldErrors;
  return html`<form class="level-form" onSubmit=${submit} aria-labelledby=${`${id}-title`}>
    <h3 id=${`${id}-title`}>${t(kind === 'escalate' ? 'case.escalate' : 'case.deescalate')}</h3>
    <div class="field">
      <label for=${`${id}-level`}>${t('case.to_level')}</label>
      <select id=${`${id}-level`} value=${level} onChange=${(e) => setLevel(e.target.value)}>
        <option value="">${t(kind === 'escalate' ? 'case.next_level' : 'case.next_level_down')}</option>
        ${choices.map((l) => html`<option value=${l}>${word('level', l)}</option>`)}
      </select>
    </div>
    <${FieldControl} id=${`${id}-reason`} field=${{ name: 'reason', type: 'text', title: t('case.reason') }} required
      value=${reason} onInput=${setReason} messages=${messagesFor(errors, '', 'reason')} />
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
    <button type="submit" disabled=${command.busy || !reason.trim()}>${t(kind === 'escalate' ? 'case.escalate' : 'case.deescalate')}</button>
  </form>`;
}

const kSeverities = ['low', 'normal', 'high', 'critical'];

// 调整严重程度: a new severity with the reason the journal keeps. Every role on the ladder sees
// it; the server says who may lower (the SLA policy's severity_revision) and why not.
function SeverityForm({ caseView }) {
  const [severity, setSeverity] = useState('');
  const [reason, setReason] = useState('');
  const command = useCommand(caseView);
  const choices = kSeverities.filter((s) => s !== caseView.data.severity);
  async function submit(event) {
    event.preventDefault();
    if (await command.run('/severity', { severity, reason })) {
      setSeverity('');
      setReason('');
    }
  }
  const errors = command.fieldErrors;
  return html`<form class="level-form severity-form" onSubmit=${submit} aria-labelledby="severity-form-title">
    <h3 id="severity-form-title">${t('case.revise_severity')}</h3>
    <${FieldControl} id="severity-form-severity" required value=${severity} onInput=${setSeverity}
      field=${{ name: 'severity', type: 'enum', title: t('case.new_severity'), values: choices,
        value_titles: Object.fromEntries(choices.map((s) => [s, word('severity', s)])) }}
      messages=${messagesFor(errors, '', 'severity')} />
    <${FieldControl} id="severity-form-reason" field=${{ name: 'reason', type: 'text', title: t('case.reason') }} required
      value=${reason} onInput=${setReason} messages=${messagesFor(errors, '', 'reason')} />
    <p class="muted">${t('case.revise_severity_hint')}</p>
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
    <button type="submit" disabled=${command.busy || !severity || !reason.trim()}>${t('case.revise_severity')}</button>
  </form>`;
}

export function EscalationPanel({ caseView }) {
  const { me, data } = caseView;
  if (!isLadder(me.role) || data.closed_at) return null;
  // A case at the top of the ladder cannot go up, one at the bottom not down: no empty panel.
  const current = kLevels.indexOf(data.escalation_level || 'agent');
  const canEscalate = current < kLevels.length - 1;
  const canDeescalate = atLeast(me.role, 'supervisor') && current > 0;
  return html`<section class="panel" aria-label=${t('case.escalate')}>
    <${SeverityForm} caseView=${caseView} />
    ${canEscalate ? html`<${LevelForm} caseView=${caseView} kind="escalate" />` : null}
    ${canDeescalate ? html`<${LevelForm} caseView=${caseView} kind="deescalate" />` : null}
  </section>`;
}

// --- conversation, notes, promises --------------------------------------------------------------

// `member`: the body member the text goes in ("text"; a logged call's is "summary").
function TextCommand({ caseView, path, id, titleKey, buttonKey, member = 'text' }) {
  const [text, setText] = useState('');
  const command = useCommand(caseView);
  async function submit(event) {
    event.preventDefault();
    if (await command.run(path, { [member]: text })) setText('');
  }
  return html`<form class="text-command" onSubmit=${submit}>
    <${FieldControl} id=${id} field=${{ name: member, type: 'text', title: t(titleKey) }}
      value=${text} onInput=${setText} messages=${messagesFor(command.fieldErrors, '', member)} />
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
    <button type="submit" disabled=${command.busy || !text.trim()}>${t(buttonKey)}</button>
  </form>`;
}

// The open promises a reply can still keep (not past due), earliest due first.
function keepablePromises(data, now = Date.now()) {
  return (data.promises || [])
    .filter((p) => p.status === 'open' && new Date(p.due).getTime() >= now)
    .sort((a, b) => new Date(a.due) - new Date(b.due));
}

// A reply keeps one promise: the one chosen here, by default the earliest due (the server's
// default too). Without open promises it is the plain text form.
function ReplyForm({ caseView }) {
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState('');
  const command = useCommand(caseView);
  const keepable = keepablePromises(caseView.data);
  const keeps = keepable.some((p) => p.id === chosen) ? chosen : keepable[0]?.id || '';
  async function submit(event) {
    event.preventDefault();
    const body = keeps ? { text, promise_id: keeps } : { text };
    if (await command.run('/replies', body)) {
      setText('');
      setChosen('');
    }
  }
  return html`<form class="text-command reply-form" onSubmit=${submit}>
    <${FieldControl} id="reply-text" field=${{ name: 'text', type: 'text', title: t('case.reply') }}
      value=${text} onInput=${setText} messages=${messagesFor(command.fieldErrors, '', 'text')} />
    ${keepable.length
      ? html`<div class="field"><label for="reply-keeps">${t('case.reply_keeps')}</label>
          <select id="reply-keeps" value=${keeps} onChange=${(e) => setChosen(e.target.value)}>
            ${keepable.map((p) => html`<option key=${p.id} value=${p.id}>${t('case.reply_keeps_option', { text: p.text, due: dateTime(p.due) })}</option>`)}
          </select></div>`
      : null}
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
    <button type="submit" disabled=${command.busy || !text.trim()}>${t('case.send_reply')}</button>
  </form>`;
}

export function CommunicationPanel({ caseView }) {
  const { me, data } = caseView;
  const person = isLadder(me.role);
  if (data.closed_at && !person) return null;
  return html`<section class="panel" aria-labelledby="communication-heading">
    <h2 id="communication-heading">${t('case.communication')}</h2>
    ${person && !data.closed_at ? html`<${ReplyForm} caseView=${caseView} />` : null}
    ${person && data.closed_at ? html`<p class="hint closed-no-reply">${t('case.closed_no_reply')}</p>` : null}
    ${person ? html`<${TextCommand} caseView=${caseView} path="/messages" id="message-text" titleKey="case.message" buttonKey="case.record_message" />` : null}
    ${person && !data.closed_at
      ? html`<${TextCommand} caseView=${caseView} path="/calls" member="summary" id="call-summary" titleKey="case.call_summary" buttonKey="case.log_call" />`
      : null}
    ${person || me.role === 'admin'
      ? html`<${TextCommand} caseView=${caseView} path="/comments" id="comment-text" titleKey="case.comment" buttonKey="case.add_comment" />`
      : null}
  </section>`;
}

export function PromisesPanel({ caseView }) {
  const { me, data } = caseView;
  const [text, setText] = useState('');
  const [due, setDue] = useState('');
  const command = useCommand(caseView);
  const promises = data.promises || [];
  async function submit(event) {
    event.preventDefault();
    const body = { text, due: wireValue({ type: 'datetime' }, due) };
    if (await command.run('/promises', body)) {
      setText('');
      setDue('');
    }
  }
  return html`<section class="panel" aria-labelledby="promises-heading">
    <h2 id="promises-heading">${t('case.promises')}</h2>
    ${promises.length === 0 ? html`<p class="muted">${t('case.no_promises')}</p>` : null}
    <ul class="promise-list">
      ${promises.map((p) => html`<li key=${p.id} data-promise=${p.id} data-status=${p.status}>
        <span class=${`badge badge-promise-${p.status}`}>${t(`case.promise.${p.status}`)}</span>
        ${' '}${p.text}
        ${p.status === 'open' ? html` · <${Countdown} due=${p.due} />` : html` · <span class="muted">${dateTime(p.due)}</span>`}
        ${p.status === 'kept' && p.kept_at ? html` · <span class="muted">${t('promises.kept_at', { at: dateTime(p.kept_at) })}</span>` : null}
        ${p.status === 'breached' && p.breached_at ? html` · <span class="muted">${t('promises.breached_at', { at: dateTime(p.breached_at) })}</span>` : null}
      </li>`)}
    </ul>
    ${isLadder(me.role) && !data.closed_at
      ? html`<form class="promise-form" onSubmit=${submit}>
          <${FieldControl} id="promise-text" field=${{ name: 'text', type: 'string', title: t('case.promise_text') }} required
            value=${text} onInput=${setText} messages=${messagesFor(command.fieldErrors, '', 'text')} />
          <${FieldControl} id="promise-due" field=${{ name: 'due', type: 'datetime', title: t('case.promise_due') }} required
            value=${due} onInput=${setDue} messages=${messagesFor(command.fieldErrors, '', 'due')} />
          <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
          <button type="submit" disabled=${command.busy || !text.trim() || !due}>${t('case.record_promise')}</button>
        </form>`
      : null}
  </section>`;
}

// --- compensation -------------------------------------------------------------------------------

function AuthorityLine({ authority }) {
  if (!authority) return null;
  const show = (limit, key) => {
    if (!limit) return html`<li>${t(key, { remaining: t('comp.unlimited'), limit: t('comp.unlimited') })}</li>`;
    const currency = authority.currency;
    return html`<li>${t(key, { remaining: money({ amount: limit.remaining, currency }), limit: money({ amount: limit.limit, currency }) })}</li>`;
  };
  return html`<div class="authority">
    <h3>${t('comp.authority')} <span class="muted">(${word('role', authority.role)})</span></h3>
    <ul>${show(authority.per_case, 'comp.per_case')}${show(authority.per_customer_30d, 'comp.per_customer')}</ul>
  </div>`;
}

const kCompensationTypes = [
  'apology_only', 'points', 'coupon', 'next_order_discount', 'full_reduction_voucher', 'gift',
  'membership_upgrade', 'repair', 'reshipment', 'exchange', 'partial_refund', 'return_and_refund',
  'full_refund',
];

function ProposeForm({ caseView, preset, onProposed }) {
  const currencyDefault = (caseView.data.order && caseView.data.order.paid && caseView.data.order.paid.currency) || 'CNY';
  const [type, setType] = useState(preset ? preset.type : '');
  const [value, setValue] = useState(() => (preset && preset.estimated_cost
    ? { amount: fromMinorUnits(preset.estimated_cost.amount, preset.estimated_cost.currency), currency: preset.estimated_cost.currency }
    : { amount: '', currency: currencyDefault }));
  const [note, setNote] = useState(preset ? label(preset.note_labels || preset.note) : '');
  const command = useCommand(caseView);
  useEffect(() => {
    if (!preset) return;
    setType(preset.type);
    if (preset.estimated_cost) {
      setValue({ amount: fromMinorUnits(preset.estimated_cost.amount, preset.estimated_cost.currency), currency: preset.estimated_cost.currency });
    }
    setNote(label(preset.note_labels || preset.note));
  }, [preset]);

  async function submit(event) {
    event.preventDefault();
    const minor = toMinorUnits(value.amount === '' ? '0' : value.amount, value.currency);
    const body = { type, value: { amount: minor === null ? value.amount : minor, currency: value.currency } };
    if (note.trim()) body.note = note;
    const outcome = await command.run('/compensations', body);
    if (outcome) onProposed(outcome);
  }
  const errors = command.fieldErrors;
  return html`<form class="propose-form" onSubmit=${submit} aria-labelledby="propose-title" novalidate>
    <h3 id="propose-title">${t('comp.propose')}</h3>
    <${FieldControl} id="propose-type" required field=${{ name: 'type', type: 'enum', title: t('comp.type'), values: kCompensationTypes,
      value_titles: Object.fromEntries(kCompensationTypes.map((c) => [c, word('comptype', c)])) }}
      value=${type} onInput=${setType} messages=${messagesFor(errors, '', 'type')} />
    <${FieldControl} id="propose-value" required field=${{ name: 'value', type: 'money', title: t('comp.value') }}
      value=${value} onInput=${setValue} messages=${messagesFor(errors, '', 'value')} />
    <${FieldControl} id="propose-note" field=${{ name: 'note', type: 'text', title: t('comp.note') }}
      value=${note} onInput=${setNote} messages=${messagesFor(errors, '', 'note')} />
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
    <button type="submit" class="primary" disabled=${command.busy || !type}>${t('comp.propose')}</button>
  </form>`;
}

function ExecuteButton({ caseView, compensation }) {
  const [reference, setReference] = useState('');
  const command = useCommand(caseView);
  const id = `execute-${compensation.id}`;
  return html`<form class="inline-form" onSubmit=${(e) => {
    e.preventDefault();
    command.run(`/compensations/${encodeURIComponent(compensation.id)}/execution`, { reference: reference.trim() });
  }}>
    <label for=${id}>${t('comp.reference')}</label>
    <input id=${id} size="14" value=${reference} onInput=${(e) => setReference(e.target.value)} />
    <button type="submit" disabled=${command.busy || !reference.trim()}>${t('comp.mark_executed')}</button>
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
  </form>`;
}

// The proposer takes back a proposal still waiting for approval: a first click opens the
// confirmation with an optional reason, so one slip does not withdraw it.
function WithdrawButton({ caseView, compensation }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const command = useCommand(caseView);
  const id = `withdraw-${compensation.id}`;
  if (!asking) {
    return html` <button type="button" class="small" data-withdraw=${compensation.id} onClick=${() => setAsking(true)}>${t('comp.withdraw')}</button>`;
  }
  return html`<form class="inline-form" onSubmit=${(e) => {
    e.preventDefault();
    const body = reason.trim() ? { reason: reason.trim() } : {};
    command.run(`/compensations/${encodeURIComponent(compensation.id)}/withdrawal`, body);
  }}>
    <label for=${id}>${t('comp.withdraw_reason')}</label>
    <input id=${id} size="20" value=${reason} onInput=${(e) => setReason(e.target.value)} />
    <button type="submit" disabled=${command.busy}>${t('comp.withdraw_confirm')}</button>
    <button type="button" class="small" onClick=${() => setAsking(false)}>${t('app.cancel')}</button>
    <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
  </form>`;
}

export function CompensationPanel({ caseView }) {
  const { me, data } = caseView;
  const [remedies, setRemedies] = useState(null);
  const [error, setError] = useState(null);
  const [preset, setPreset] = useState(null);
  const [proposed, setProposed] = useState(null);
  const ladder = isLadder(me.role);
  // A closed case takes no new compensation: its panel is the record of what was granted (an
  // approved one can still be marked carried out), without authority or suggestions.
  const closed = Boolean(data.closed_at);
  useEffect(() => {
    if (closed) {
      setRemedies(null);
      return;
    }
    get(`/v1/cases/${encodeURIComponent(caseView.id)}/remedies`)
      .then((answer) => { setRemedies(answer.data); setError(null); })
      .catch(setError);
  }, [caseView.data.version, closed]);

  const list = data.compensations || [];
  return html`<section class="panel compensation" aria-labelledby="comp-heading">
    <h2 id="comp-heading">${t('comp.title')}</h2>
    <${ProblemNotice} error=${error} />
    ${remedies ? html`<${AuthorityLine} authority=${remedies.authority} />` : null}
    ${remedies
      ? html`<h3>${t('comp.suggested')}</h3>
        ${remedies.remedies.length === 0 ? html`<p class="muted">${t('comp.none_suggested')}</p>` : null}
        <ol class="remedy-list">
          ${remedies.remedies.map((r, i) => html`<li key=${i}>
            <strong>${word('comptype', r.type)}</strong> · ${money(r.estimated_cost)}
            ${r.within_authority === true ? html` · <span class="badge badge-ok">${t('comp.within')}</span>` : null}
            ${r.within_authority === false && r.approver_role ? html` · <span class="badge badge-warn">${t('comp.needs', { role: word('role', r.approver_role) })}</span>` : null}
            <div class="muted">${label(r.note_labels || r.note)}</div>
            ${ladder ? html`<button type="button" class="small" onClick=${() => setPreset({ ...r })}>${t('comp.propose')}</button>` : null}
          </li>`)}
        </ol>`
      : null}
    ${ladder && !closed
      ? html`<${ProposeForm} caseView=${caseView} preset=${preset}
          onProposed=${(outcome) => setProposed(outcome.approvals_requested || [])} />`
      : null}
    ${proposed && proposed.length
      ? html`<${Notice}>${proposed.map((a) => t('comp.went_to', { role: word('role', a.required_role) })).join(' ')}<//>`
      : null}
    <h3>${t('comp.list')}</h3>
    ${list.length === 0 ? html`<p class="muted">${t('comp.none')}</p>` : null}
    <ul class="compensation-list">
      ${list.map((c) => html`<li key=${c.id} data-compensation=${c.id} data-status=${c.status}>
        <span class=${`badge badge-comp-${c.status}`}>${t(`comp.status.${c.status}`)}</span>
        ${' '}<strong>${word('comptype', c.type)}</strong> · ${money(c.value)} · ${c.proposed_by}
        ${c.status === 'pending' && c.required_role ? html` · ${t('comp.went_to', { role: word('role', c.required_role) })}` : null}
        ${c.reason ? html`<div class="muted">${c.reason}</div>` : null}
        ${c.status === 'approved' && (ladder || me.role === 'integration') ? html`<${ExecuteButton} caseView=${caseView} compensation=${c} />` : null}
        ${c.status === 'pending' && me.user && c.proposed_by === me.user.id && !closed
          ? html`<${WithdrawButton} caseView=${caseView} compensation=${c} />`
          : null}
      </li>`)}
    </ul>
  </section>`;
}

export { kCurrencies };
