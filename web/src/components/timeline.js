// A case's journal as a timeline in words: who did what, when and why, newest first. Every
// journal event type has a sentence in both catalogues (event.<type>); the catalogue test fails
// when the OpenAPI document lists a type without one.
import { get } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { dateTime, has, label, language, money, t, word } from '../i18n/index.js';
import { actionReason, fieldTitle, stateTitle, transitionTitle } from '../workflows.js';

const kShownAtFirst = 100;
const kSystemTypes = new Set(['timer.set', 'timer.cancelled', 'timer.fired', 'timer.skipped', 'sla.started', 'sla.met']);

// The escalation policies' rule reasons ({"en", "zh"} by rule id), fetched once per policy from
// GET /v1/policies/escalation/{id} (reason_labels): a rule escalation's journal entry names its
// rule (data.rule_id) and keeps only the English words (data.reason).
const ruleReasons = new Map(); // policy id -> {rule_id: label}
const reasonsLoading = new Map(); // policy id -> Promise

function loadRuleReasons(policyId) {
  if (!reasonsLoading.has(policyId)) {
    const loading = get(`/v1/policies/escalation/${encodeURIComponent(policyId)}`)
      .then((answer) => {
        ruleReasons.set(policyId, answer.data.reason_labels || {});
      })
      .catch((error) => {
        reasonsLoading.delete(policyId); // tried again on the next render that needs it
        throw error;
      });
    reasonsLoading.set(policyId, loading);
  }
  return reasonsLoading.get(policyId);
}

function escalationPolicy(def) {
  return def && def.policies ? def.policies.escalation : undefined;
}

// The words of the escalation rule `ruleId` in the viewer's language, or null while (or if) the
// policy's reasons are not known. A transition's escalate action names itself
// "transition:<name>"; its reason is in the workflow definition.
function ruleReasonWords(def, ruleId) {
  if (ruleId.startsWith('transition:')) return actionReason(def, ruleId.slice('transition:'.length), 'escalate');
  const reasons = ruleReasons.get(escalationPolicy(def));
  return reasons && reasons[ruleId] ? label(reasons[ruleId]) : null;
}

// Why a compensation needs approval, from the limits and totals the engine recorded
// (data.authority), in the viewer's language; null for a journal written before it did.
function authorityWords(authority) {
  if (!authority || !Array.isArray(authority.exceeded)) return null;
  const role = word('role', authority.proposer_role);
  if (authority.exceeded.length === 0) return t('event.authority.none', { role });
  return authority.exceeded
    .map((item) => t(`event.authority.${item.scope}`, { role, limit: money(item.limit), total: money(item.total) }))
    .join(t('event.authority.separator'));
}

// Why an approval was requested, in the viewer's language, or null when only the journal's
// English says it.
function approvalReasonWords(data, def) {
  if (data.kind === 'compensation') return authorityWords(data.authority);
  if (data.kind === 'transition') return actionReason(def, data.subject, 'request_approval');
  return null;
}

// Why a timer did nothing, from its rejection code.
function skippedReasonWords(data) {
  return data.code && has(`problem.${data.code}`) ? t(`problem.${data.code}`) : null;
}

function actorName(event) {
  if (event.actor_role === 'system' || !event.actor_id) return t('event.by_system');
  return `${event.actor_id} (${word('role', event.actor_role)})`;
}

// Why the assignment policy put a new case where it did (case.assigned data.reason).
function policyAssignmentWords(data, args) {
  const reason = data.reason;
  const params = {
    ...args,
    assignee: data.assignee,
    team: reason.team || data.team || '',
    skill: reason.skill || '',
    open: reason.open_cases ?? 0,
    available: reason.available_agents ?? 0,
    agents: reason.team_agents ?? 0,
    away: reason.away_agents ?? 0,
    off_hours: reason.off_hours_agents ?? 0,
  };
  switch (reason.code) {
    case 'fewest_open_cases':
      return t(reason.skill ? 'event.assignment.fewest_open_cases_skill' : 'event.assignment.fewest_open_cases', params);
    case 'fewest_open_cases_without_skill':
      return t('event.assignment.fewest_open_cases_without_skill', params);
    case 'team_lead':
      return t('event.assignment.team_lead', params);
    case 'no_agent_available':
      return t('event.assignment.no_agent_available', params);
    default:
      return reason.text || t('event.case.assigned', { ...args, assignee: data.assignee || t('case.unassigned') });
  }
}

// The sentence for one journal entry, in the viewer's language. `promiseTexts` (promise id ->
// text, from the journal's promise.recorded entries) lets a kept or broken promise say which.
export function describeEvent(event, def, promiseTexts = new Map()) {
  const data = event.data || {};
  const args = { actor: actorName(event) };
  switch (event.type) {
    case 'case.fields_set':
      args.fields = Object.keys(data.fields || {}).map((name) => fieldTitle(def, name)).join(language() === 'zh' ? '、' : ', ');
      break;
    case 'case.transitioned':
      args.transition = transitionTitle(def, data.transition);
      args.from = stateTitle(def, data.from);
      args.to = stateTitle(def, data.to);
      break;
    case 'case.reopened':
      // The customer's own words (the reopen reason field), as the agent recorded them.
      args.from = stateTitle(def, data.from);
      args.reason = data.reason || '';
      if (!args.reason) return t('event.case.reopened_no_reason', args);
      break;
    case 'case.assigned':
      // The assignment policy's choice at creation: its reason as data, said in the viewer's
      // language (the journal's English text is for other readers).
      if (data.reason && typeof data.reason === 'object') return policyAssignmentWords(data, args);
      // A person's reassignment: their words.
      if (typeof data.reason === 'string' && data.reason) {
        return t(data.assignee ? 'event.case.reassigned' : 'event.case.released', {
          ...args, assignee: data.assignee, reason: data.reason,
        });
      }
      // Routed to a role's queue (an escalation rule's reassign_to_role): nobody holds it yet.
      if (!data.assignee && data.queue_role) {
        return t('event.case.assigned_to_queue', { ...args, role: word('role', data.queue_role) });
      }
      args.assignee = data.assignee || t('case.unassigned');
      break;
    case 'case.priority_changed':
      args.from = word('priority', data.from);
      args.to = word('priority', data.to);
      break;
    case 'case.escalated':
    case 'case.deescalated': {
      args.from = word('level', data.from_level);
      args.to = word('level', data.to_level);
      // A rule's reason is the escalation policy's words, in the viewer's language once the
      // policy is loaded (until then the journal's English, shown apart); a person's reason is
      // what they typed.
      const ruleWords = data.rule_id ? ruleReasonWords(def, data.rule_id) : null;
      if (data.rule_id && event.type === 'case.escalated') {
        return ruleWords
          ? t('event.case.escalated_by_rule', { ...args, rule: ruleWords })
          : t('event.case.escalated_by_policy', args);
      }
      args.reason = data.rule_id ? '' : data.reason || '';
      break;
    }
    case 'sla.started':
    case 'sla.paused':
    case 'sla.resumed':
    case 'sla.met':
    case 'sla.warning':
    case 'sla.breached':
      args.clock = word('clock', data.clock || data.name || '');
      args.due = dateTime(data.due);
      break;
    case 'promise.recorded':
      args.text = data.text || '';
      args.due = dateTime(data.due);
      break;
    case 'promise.kept':
    case 'promise.breached':
      // Each promise is kept or broken on its own: name it when the journal shown recorded it.
      if (promiseTexts.has(data.id)) return t(`event.${event.type}_text`, { text: promiseTexts.get(data.id) });
      break;
    case 'compensation.proposed':
      args.type = word('comptype', data.type);
      args.value = money(data.value);
      break;
    case 'compensation.approved':
    case 'compensation.rejected':
    case 'compensation.executed':
      args.id = data.id || '';
      args.reference = data.reference || '';
      break;
    case 'compensation.execution_overdue':
      args.id = data.id || '';
      args.due = dateTime(data.due);
      break;
    case 'compensation.withdrawn':
      args.id = data.id || '';
      args.reason = data.reason || '';
      if (data.cause === 'case_closed') return t('event.compensation.withdrawn_closed', args);
      if (!args.reason) return t('event.compensation.withdrawn_plain', args);
      break;
    case 'approval.cancelled':
      if (data.cause === 'case_closed') return t('event.approval.cancelled_closed', args);
      break;
    case 'approval.requested': {
      args.role = word('role', data.required_role);
      const words = approvalReasonWords(data, def);
      if (!words && data.reason) return t('event.approval.requested_no_words', args);
      args.reason = words || data.subject || '';
      break;
    }
    case 'approval.decided':
      args.decision = t(data.approved ? 'event.decision.approved' : 'event.decision.rejected');
      args.reason = data.reason || '';
      break;
    case 'message.received':
    case 'reply.sent':
    case 'comment.added':
      args.text = data.text || '';
      break;
    case 'call.logged':
      args.text = data.summary || '';
      break;
    case 'follow_up.attempted':
      args.channel = t(`followup.channel.${data.channel}`);
      args.attempt = data.attempt || 1;
      if (data.outcome !== 'reached') return t('event.follow_up.attempted_not_reached', args);
      args.csat = data.csat;
      break;
    case 'case.severity_revised':
      args.from = word('severity', data.from);
      args.to = word('severity', data.to);
      args.reason = data.reason || '';
      break;
    case 'sla.retargeted':
      args.clock = word('clock', data.clock || '');
      args.due = data.due ? dateTime(data.due) : t('case.sla.paused');
      break;
    case 'threat.detected': {
      const separator = language() === 'zh' ? '、' : ', ';
      args.fields = Object.keys(data.fields || {}).map((name) => fieldTitle(def, name)).join(separator);
      const kinds = [...new Set((data.signals || []).map((s) => s.kind))];
      args.signals = kinds.map((kind) => word('threat', kind)).join(separator);
      break;
    }
    case 'evidence.attached':
      args.name = data.file_name || '';
      break;
    case 'follow_up.scheduled':
    case 'follow_up.due':
      args.due = dateTime(data.due);
      break;
    case 'event.emitted':
      // The shipped workflows' events have words; another workflow's show their names.
      args.name = data.event ? word('wfevent', data.event) : '';
      break;
    case 'timer.set':
    case 'timer.cancelled':
    case 'timer.fired':
    case 'timer.skipped':
      args.key = data.key || '';
      args.name = data.name || data.key || '';
      args.due = dateTime(data.due);
      args.reason = skippedReasonWords(data) || '';
      if (event.type === 'timer.skipped' && !args.reason) return t('event.timer.skipped_no_words', args);
      break;
    default:
      break;
  }
  const key = `event.${event.type}`;
  const text = t(key, args);
  return text === key ? event.type : text;
}

// The journal's English reason where the console has no words of its own: a rule escalation
// (the policy not loaded, or a rule without a reason), an approval requested before the engine
// recorded its limits, a skipped timer with an unknown code.
function englishReason(event, def) {
  const data = event.data || {};
  const shown = (text) => html`<span class="rule-reason" lang="en">${text}</span>`;
  switch (event.type) {
    case 'case.escalated':
    case 'case.deescalated':
      if (!data.rule_id) return null;
      if (event.type === 'case.escalated' && ruleReasonWords(def, data.rule_id)) return null;
      return shown(data.reason || data.rule_id);
    case 'approval.requested':
      return !approvalReasonWords(data, def) && data.reason ? shown(data.reason) : null;
    case 'timer.skipped':
      return !skippedReasonWords(data) && data.reason ? shown(data.reason) : null;
    default:
      return null;
  }
}

export function Timeline({ events, def }) {
  const [shown, setShown] = useState(kShownAtFirst);
  const [, setReasonsLoaded] = useState(0);
  const policyId = escalationPolicy(def);
  useEffect(() => {
    if (!policyId || ruleReasons.has(policyId)) return undefined;
    let current = true;
    loadRuleReasons(policyId)
      .then(() => current && setReasonsLoaded((n) => n + 1))
      .catch(() => {}); // the English reasons stay shown
    return () => {
      current = false;
    };
  }, [policyId]);
  const newestFirst = [...events].reverse();
  const visible = newestFirst.slice(0, shown);
  const promiseTexts = new Map(events.filter((e) => e.type === 'promise.recorded').map((e) => [e.data.id, e.data.text]));
  return html`<section class="panel timeline" aria-labelledby="timeline-heading">
    <h2 id="timeline-heading">${t('case.timeline')} <span class="muted">${t('case.timeline_count', { count: events.length })}</span></h2>
    <ol class="timeline-list">
      ${visible.map((event) => html`<li key=${event.case_seq} data-type=${event.type}
          class=${kSystemTypes.has(event.type) ? 'timeline-system' : ''}>
        <time datetime=${event.at}>${dateTime(event.at)}</time>
        <span class="timeline-text">${describeEvent(event, def, promiseTexts)}${englishReason(event, def)}</span>
        ${event.type === 'message.received' && (event.data.signals || []).length
          ? html`<span class="badge badge-threat">${t('event.signals', { signals: event.data.signals.map((s) => (typeof s === 'string' ? s : s.keyword || s.kind)).join(', ') })}</span>`
          : null}
      </li>`)}
    </ol>
    ${newestFirst.length > shown
      ? html`<button type="button" onClick=${() => setShown(shown + kShownAtFirst)}>${t('case.timeline_more')}</button>`
      : null}
  </section>`;
}

