// JSON mappings of the case snapshot's parts (used by the snapshot, events and the engine).
// Inline by necessity: every translation unit that serialises these types needs them.
#pragma once

#include "engine/case_snapshot.h"
#include "engine/json_types.h"

namespace redress {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CustomerInfo, id, segment, tier)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OrderInfo, id, paid, refunded)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SlaClock, name, stage, calendar, business,
                                                target_ms, warn_ms, consumed_ms, running_since, due,
                                                warn_at, status, warned, breached)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Promise, id, due, text, made_by, status, made_at,
                                                kept_at, breached_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CompensationRecord, id, type, value, note,
                                                proposed_by, proposer_role, status, required_role,
                                                approval_id, decided_by, reason, reference,
                                                proposed_at, decided_at, executed_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ApprovalRecord, id, kind, subject, required_role,
                                                requested_by, status, on_approved, on_rejected,
                                                reason, decided_by, decision_reason, requested_at,
                                                decided_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EscalationRecord, at, from_level, to_level, reason,
                                                rule_id, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CaseTimer, key, name, due)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FollowUpAttempt, at, by, channel, outcome, csat,
                                                comment, outside_window)
// The snapshot's members as the macros above would write them, and `reopen_count` only once the
// case has been reopened: snapshots stored and journals written before reopens existed stay
// exactly what replaying them gives (redress verify compares the two), and a case never
// reopened reads as 0.
#define REDRESS_CASE_SNAPSHOT_MEMBERS                                                              \
  id, workflow_id, workflow_version, state, stage, version, created_at, updated_at, closed_at,     \
      severity, category, priority, escalation_level, assignee, team, queue_role, customer, order, \
      fields, slas, promises, compensations, approvals, escalations, timers, threat_signals,       \
      waiting_on_customer, waiting_on, next_id, customer_messages, first_response_at,              \
      follow_up_due, follow_up_started_at, follow_up_attempts, follow_up_unreached
inline void to_json(nlohmann::json& nlohmann_json_j, const CaseSnapshot& nlohmann_json_t) {
  NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, REDRESS_CASE_SNAPSHOT_MEMBERS))
  if (nlohmann_json_t.reopen_count != 0)
    nlohmann_json_j["reopen_count"] = nlohmann_json_t.reopen_count;
}
inline void from_json(const nlohmann::json& nlohmann_json_j, CaseSnapshot& nlohmann_json_t) {
  const CaseSnapshot nlohmann_json_default_obj{};
  NLOHMANN_JSON_EXPAND(
      NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, REDRESS_CASE_SNAPSHOT_MEMBERS))
  nlohmann_json_t.reopen_count = nlohmann_json_j.value("reopen_count", std::int64_t{0});
}
#undef REDRESS_CASE_SNAPSHOT_MEMBERS
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Event, type, at, actor_id, actor_role, case_version,
                                                data)

}  // namespace redress
