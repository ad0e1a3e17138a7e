// The approval queue of the viewer's role (and, on the switch, of the roles below it): each row
// says what is being decided (the remedy and its amount, or the transition), on which case
// (summary, severity, customer segment and tier) and who asked when; approve or reject with a
// required reason. A proposal of the viewer's own is listed but cannot be
// decided (nobody approves their own proposal) — the row says why instead of offering buttons.
// Follows approvals:<role> on the live stream.
import { get, newIdempotencyKey, post, query } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, money, t, word } from '../i18n/index.js';
import { live } from '../stream.js';
import { definition, transitionTitle } from '../workflows.js';
import { Badge, Loading, Notice, ProblemNotice } from '../components/ui.js';

const kLadder = ['agent', 'team_lead', 'supervisor', 'manager'];

function DecisionForm({ approval, onDecided }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const id = `decide-${approval.case_id}-${approval.approval_id}`;
  async function decide(decision) {
    setBusy(true);
    setError(null);
    try {
      await post(`/v1/cases/${encodeURIComponent(approval.case_id)}/approvals/${encodeURIComponent(approval.approval_id)}`,
        { decision, reason }, { idempotencyKey: newIdempotencyKey() });
      onDecided();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return html`<div class="decision">
    <label for=${id}>${t('approvals.reason')}</label>
    <input id=${id} required value=${reason} onInput=${(e) => setReason(e.target.value)} />
    <button type="button" class="primary" data-decision="approve" disabled=${busy || !reason.trim()} onClick=${() => decide('approve')}>${t('approvals.approve')}</button>
    <button type="button" data-decision="reject" disabled=${busy || !reason.trim()} onClick=${() => decide('reject')}>${t('approvals.reject')}</button>
    <${ProblemNotice} error=${error} />
  </div>`;
}

// What the approver decides: the remedy and its amount, or the transition the case asks for
// (titled from the case's pinned workflow, loaded once per version).
function Subject({ approval }) {
  const [def, setDef] = useState(null);
  const transition = approval.kind === 'transition';
  useEffect(() => {
    if (transition) definition(approval.workflow_id, approval.workflow_version).then(setDef).catch(() => {});
  }, [approval.workflow_id, approval.workflow_version, transition]);
  if (approval.compensation) {
    return html`<span class="approval-subject"><strong>${word('comptype', approval.compensation.type)}</strong>
      ${' · '}<strong class="amount">${money(approval.compensation.value)}</strong></span>`;
  }
  if (transition) {
    return html`<span class="approval-subject">${t('approvals.transition', { transition: def ? transitionTitle(def, approval.subject) : approval.subject })}</span>`;
  }
  return html`<span class="approval-subject">${approval.subject}</span>`;
}

function CustomerFacts({ customer }) {
  if (!customer || (!customer.id && !customer.segment && !customer.tier)) return t('app.none');
  const parts = [customer.id, customer.segment ? word('segment', customer.segment) : null,
    customer.tier ? t('approvals.tier', { tier: customer.tier }) : null].filter(Boolean);
  return parts.join(' · ');
}

function ApprovalRow({ approval: a, onDecided }) {
  const who = a.requested_by_name && a.requested_by_name !== a.requested_by
    ? `${a.requested_by_name} (${a.requested_by})` : a.requested_by;
  return html`<li class="approval" data-case=${a.case_id} data-approval=${a.approval_id}>
    <div class="approval-head">
      <a href=${`/cases/${encodeURIComponent(a.case_id)}`}>${a.case_id}</a>
      ${a.severity ? html`<${Badge} kind="severity" value=${a.severity}>${word('severity', a.severity)}<//>` : null}
      <span class="badge">${t('comp.needs', { role: word('role', a.required_role) })}</span>
    </div>
    ${a.summary ? html`<p class="approval-summary">${a.summary}</p>` : null}
    <dl class="facts approval-facts">
      <dt>${t(a.kind === 'compensation' ? 'approvals.proposal' : 'approvals.request')}</dt>
      <dd><${Subject} approval=${a} /></dd>
      <dt>${t('approvals.customer')}</dt><dd><${CustomerFacts} customer=${a.customer} /></dd>
      <dt>${t('approvals.requested')}</dt><dd>${who} · ${dateTime(a.requested_at)}</dd>
    </dl>
    ${a.self_proposed
      ? html`<p class="own-proposal">${t('approvals.own')}</p>`
      : html`<${DecisionForm} approval=${a} onDecided=${onDecided} />`}
  </li>`;
}

export function ApprovalsPage({ me }) {
  const roles = kLadder.slice(1, kLadder.indexOf(me.role) + 1).reverse();
  const [role, setRole] = useState(roles[0] || me.role);
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const [decided, setDecided] = useState(false);
  const loadRef = useRef(null);

  async function load() {
    try {
      const all = [];
      let token = '';
      do {
        const answer = await get(`/v1/approvals${query({ role, page_size: 200, page_token: token })}`);
        all.push(...answer.data.approvals);
        token = answer.data.next_page_token;
      } while (token && all.length < 1000);
      setRows(all);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }
  loadRef.current = load;

  useEffect(() => {
    setRows(null);
    load();
    return live.subscribe([`approvals:${role}`], () => loadRef.current());
  }, [role]);

  return html`<section class="approvals">
    <h1 tabindex="-1">${t('approvals.title')}</h1>
    ${roles.length > 1
      ? html`<div class="tabs" role="tablist" aria-label=${t('approvals.title')}>
          ${roles.map((r) => html`<button type="button" role="tab" aria-selected=${role === r ? 'true' : 'false'}
            onClick=${() => setRole(r)}>${t('approvals.role', { role: word('role', r) })}</button>`)}
        </div>`
      : html`<p class="muted">${t('approvals.role', { role: word('role', role) })}</p>`}
    ${decided ? html`<${Notice}>${t('approvals.decided')}<//>` : null}
    <${ProblemNotice} error=${error} onRetry=${load} />
    ${rows === null && !error ? html`<${Loading} />` : null}
    ${rows && rows.length === 0 ? html`<p class="empty">${t('approvals.empty')}</p>` : null}
    <ul class="approval-list">
      ${(rows || []).map((a) => html`<${ApprovalRow} key=${`${a.case_id}/${a.approval_id}`} approval=${a}
        onDecided=${() => { setDecided(true); load(); }} />`)}
    </ul>
  </section>`;
}
