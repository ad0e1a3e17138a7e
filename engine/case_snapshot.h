// CaseSnapshot and journal events: the state of one complaint case and what happened to it.
//
// The journal is the truth. Every change to a case is an `Event`, and `apply_event` is the only
// code that changes a snapshot; the engine builds its new snapshot by applying the events it
// decides, so replaying a case's journal from an empty snapshot reproduces the stored snapshot
// exactly (checked by `redress verify` once storage exists). Events carry every value they
// set — deadlines included — so applying them needs no calendar, policy or clock.
//
// JSON: snapshot_to_json / snapshot_from_json give the canonical form used by storage and the API.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/money.h"
#include "engine/result.h"
#include "engine/time.h"

namespace redress {

struct CustomerInfo {
  std::string id;
  std::string segment;  // RFM segment: new, regular, vip, champions, at_risk, lost
  std::string tier;     // membership tier
};

struct OrderInfo {
  std::string id;
  Money paid;      // what the customer paid for the order
  Money refunded;  // refunded before the case was opened
};

// One SLA clock. Business clocks count working time on `calendar`; calendar clocks count elapsed
// time. While running, time since `running_since` adds to `consumed_ms`.
struct SlaClock {
  std::string name;   // first_response, stage, resolution
  std::string stage;  // for "stage": the stage measured
  std::string calendar;
  bool business = true;
  std::int64_t target_ms = 0;
  std::int64_t warn_ms = 0;      // consumed time at which the warning fires
  std::int64_t consumed_ms = 0;  // consumed before running_since
  std::optional<Instant> running_since;
  Instant due{};
  Instant warn_at{};
  std::string status = "running";  // running, paused, met
  bool warned = false;
  bool breached = false;
};

// A promise to the customer ("we will reply by ..."): a deadline of its own. Each is kept by the
// reply that names it (or, when a reply names none, by the first reply while it is the earliest
// due open promise), or breached when its timer fires first.
struct Promise {
  std::string id;
  Instant due{};
  std::string text;
  std::string made_by;
  std::string status = "open";  // open, kept, breached
  // Times of the events that recorded and settled it (applied from the journal, so old journals
  // give them too).
  Instant made_at = {};
  std::optional<Instant> kept_at = {};
  std::optional<Instant> breached_at = {};
};

struct CompensationRecord {
  std::string id;
  std::string type;  // compensation type name
  Money value;
  std::string note;
  std::string proposed_by;
  std::string proposer_role;
  std::string status;  // pending, approved, rejected, executed, withdrawn
  std::string required_role;
  std::string approval_id;
  std::string decided_by;
  std::string reason;     // rejection reason
  std::string reference;  // external reference when executed (refund id, coupon code)
  Instant proposed_at{};
  std::optional<Instant> decided_at;
  std::optional<Instant> executed_at;
};

struct ApprovalRecord {
  std::string id;
  std::string kind;     // compensation, transition
  std::string subject;  // compensation id, or the transition requested
  std::string required_role;
  std::string requested_by;
  std::string status = "pending";  // pending, approved, rejected, cancelled
  std::string on_approved;         // kind transition: transition fired on approval
  std::string on_rejected;         // kind transition: transition fired on rejection (optional)
  std::string reason;
  std::string decided_by;
  std::string decision_reason;
  Instant requested_at{};
  std::optional<Instant> decided_at;
};

struct EscalationRecord {
  Instant at{};
  std::string from_level;
  std::string to_level;
  std::string reason;
  std::string rule_id;  // empty when escalated by hand
  std::string by;       // actor id
};

// One follow-up attempt (回访): how the customer was contacted, whether they were reached and,
// when reached, their satisfaction (CSAT, 1-5) and what they said.
struct FollowUpAttempt {
  Instant at{};
  std::string by;                    // actor id
  std::string channel;               // phone, chat
  std::string outcome;               // reached, not_reached
  std::optional<std::int64_t> csat;  // 1..5 when reached
  std::string comment;
  bool outside_window = false;  // a phone attempt outside the call windows, flagged by policy
};

// A timer the case has pending; mirrors the timer rows storage keeps.
struct CaseTimer {
  std::string key;  // unique within the case: "sla:resolution:breach", "timer:auto_close", ...
  std::string name;
  Instant due{};
};

struct CaseSnapshot {
  std::string id;
  std::string workflow_id;
  int workflow_version = 0;
  std::string state;
  std::string stage;
  std::int64_t version = 0;  // number of accepted commands; the ETag
  Instant created_at{};
  Instant updated_at{};
  std::optional<Instant> closed_at;
  std::string severity = "normal";
  std::string category;
  std::string priority = "normal";
  std::string escalation_level = "agent";
  std::string assignee;
  std::string team;
  std::string queue_role;  // the role whose queue holds the case when unassigned
  CustomerInfo customer;
  OrderInfo order;
  nlohmann::json fields = nlohmann::json::object();
  std::vector<SlaClock> slas;
  std::vector<Promise> promises;
  std::vector<CompensationRecord> compensations;
  std::vector<ApprovalRecord> approvals;
  std::vector<EscalationRecord> escalations;
  std::vector<CaseTimer> timers;
  std::vector<std::string> threat_signals;  // kinds seen in customer messages
  bool waiting_on_customer = false;
  // Who the current state waits on (customer, carrier, warehouse, supplier; "" nobody). Empty
  // in cases whose last transition predates it: waiting_on_customer still says so.
  std::string waiting_on;
  std::int64_t next_id = 1;  // allocates promise / compensation / approval ids
  std::int64_t customer_messages = 0;
  std::optional<Instant> first_response_at;
  std::optional<Instant> follow_up_due;
  std::int64_t reopen_count = 0;  // times the case came back from closed (case.reopened)
  // When the case first reached follow-up (its first follow_up.scheduled): the coverage report
  // counts the case in the period this falls in.
  std::optional<Instant> follow_up_started_at;
  std::vector<FollowUpAttempt> follow_up_attempts;
  // Unreached attempts since the follow-up was last scheduled afresh (a reopened case that comes
  // back to follow-up starts again); at the policy's max_attempts the case closes not reached.
  std::int64_t follow_up_unreached = 0;

  const SlaClock* sla(const std::string& name) const;
  SlaClock* sla(const std::string& name);
  const CaseTimer* timer(const std::string& key) const;
  CompensationRecord* compensation(const std::string& id);
  ApprovalRecord* approval(const std::string& id);
  Promise* promise(const std::string& id);
  bool is_closed() const { return closed_at.has_value(); }
};

// One entry of a case's journal.
struct Event {
  std::string type;  // "case.created", "case.transitioned", "sla.breached", ...
  Instant at{};
  std::string actor_id;
  std::string actor_role;
  std::int64_t case_version = 0;  // the case version this event belongs to
  nlohmann::json data = nlohmann::json::object();

  bool operator==(const Event&) const = default;
};

nlohmann::json snapshot_to_json(const CaseSnapshot& snapshot);
Result<CaseSnapshot> snapshot_from_json(const nlohmann::json& json);
nlohmann::json event_to_json(const Event& event);
Result<Event> event_from_json(const nlohmann::json& json);

// Applies one event. Errors (code BAD_EVENT) mean the journal is corrupt: an unknown type, or an
// event that refers to something the snapshot does not have.
//
// Any event may carry, in its data, the timers it set and cancelled as a consequence:
//   "timer_changes": [{"set": "<key>", "name": "...", "due": "<RFC 3339>"}, {"cancel": "<key>"}]
// applied in order after the event's own change. An SLA clock pausing cancels two timers and
// resuming sets two; folding them into the clock's event keeps that one journal row, not three.
// Journals written before this carry standalone timer.set / timer.cancelled events instead, and
// those still apply.
Status apply_event(CaseSnapshot& snapshot, const Event& event);

// The data member that holds an event's timer changes, and one change as apply_event applies it
// (the engine applies a change it folds into an event it already emitted through this).
inline constexpr const char* kTimerChangesMember = "timer_changes";
nlohmann::json timer_set_change(const CaseTimer& timer);
nlohmann::json timer_cancel_change(const std::string& key);
Status apply_timer_change(CaseSnapshot& snapshot, const nlohmann::json& change);

// Replays a journal from nothing; the first event must be case.created.
Result<CaseSnapshot> replay(const std::vector<Event>& events);

// The view conditions are evaluated against (see condition.h).
nlohmann::json condition_view(const CaseSnapshot& snapshot);

// Sum of compensation values on the case in the given statuses, in `currency`.
Money compensation_total(const CaseSnapshot& snapshot, const std::string& currency,
                         std::initializer_list<const char*> statuses);

}  // namespace redress
