// Commands: what an actor asks the engine to do to a case, and the context it decides in.
//
// Each command is validated by the engine against the case's pinned workflow version and the
// shared policies. `expected_version`, when set, must equal the case's current version (the
// ETag the client saw) or the command is refused with VERSION_CONFLICT.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/case_snapshot.h"
#include "engine/money.h"
#include "engine/time.h"

namespace redress {

struct CreateCase {
  std::string case_id;  // chosen by the caller (storage allocates it)
  std::string workflow_id;
  std::optional<int> workflow_version;  // default: the latest loaded version
  std::string severity = "normal";
  std::string category;
  CustomerInfo customer;
  OrderInfo order;
  std::string team;
  std::string assignee;
  nlohmann::json fields = nlohmann::json::object();
  // Set when the assignment policy chose `assignee` (possibly nobody) at creation: the reason the
  // journal records beside it (AssignmentChoice::to_json), so replay never recomputes the choice.
  nlohmann::json assignment_reason;  // null: the caller named the assignee (or nobody)
};

struct FireTransition {
  std::string transition;
  nlohmann::json data = nlohmann::json::object();  // field values the transition requires/accepts
};

struct UpdateFields {
  nlohmann::json fields = nlohmann::json::object();
};

struct AssignCase {
  std::string assignee;  // empty = unassign (back to the team queue)
  std::string team;      // empty = keep the current team
  // Why; required when the case has an assignee and this changes it (a reassignment or a
  // release), so that the journal says who moved the case and why.
  std::string reason;
};

struct RecordPromise {
  Instant due{};
  std::string text;
};

// An agent's reply to the customer: meets first response and keeps one promise -- the one named
// by `promise_id` (it must be open and not yet due: NOT_FOUND / INVALID_STATE otherwise), or when
// none is named the earliest-due open promise not yet past its due time, if any.
struct RecordReply {
  std::string text;
  std::string promise_id = {};  // empty: the earliest due (an initializer: RecordReply{text})
};

struct AddComment {  // internal note
  std::string text;
};

struct AddCustomerMessage {  // what the customer wrote (checked for threat signals)
  std::string text;
};

struct ProposeCompensation {
  std::string type;  // compensation type name
  Money value;
  std::string note;
};

struct DecideApproval {
  std::string approval_id;
  bool approve = false;
  std::string reason;  // required when rejecting
};

struct MarkCompensationExecuted {
  std::string compensation_id;
  std::string reference;  // refund id, coupon code, tracking number
};

struct EscalateCase {
  std::string reason;
  std::string to_level;  // empty = one level up
};

struct DeescalateCase {
  std::string reason;
  std::string to_level;  // empty = one level down
};

struct FireTimer {
  std::string key;
};

// The proposer takes back a compensation still waiting for approval; its approval is cancelled.
struct WithdrawCompensation {
  std::string compensation_id;
  std::string reason;  // optional
};

// Evidence (a photo of a damaged parcel, a chat screenshot, a PDF invoice) attached to the case.
// The file itself is stored outside the journal, by its SHA-256 (storage/attachment_store.h);
// the journal lists what was attached, never its content.
struct AttachEvidence {
  std::string attachment_id;  // allocated by storage
  std::string file_name;      // as the uploader named it, sanitised
  std::string content_type;   // detected from the content: one of kEvidenceContentTypes
  std::int64_t size = 0;      // bytes, at least 1
  std::string sha256;         // lowercase hex of the content
};

// A person revises the case's severity after learning more (分析问题: how serious it is). The
// SLA policy's `severity_revision` says which ladder role may raise and which may lower; every
// clock not yet met takes the new severity's target, keeping the time it has consumed.
struct ReviseSeverity {
  std::string severity;  // low, normal, high, critical; must differ from the case's
  std::string reason;    // required: the journal says why
};

// A phone call with the customer, logged by the person who made it (回访, or a supervisor
// contacting an escalated case's customer, which meets the supervisor contact deadline).
struct LogCall {
  std::string summary;  // required: what was said
};

// A follow-up attempt (回访) on a case in the follow_up stage of a workflow with a follow-up
// policy (engine/follow_up_policy.h). Reached: `csat` (1-5) is required, and at or above the
// policy's satisfied_min_csat the case closes satisfied, below it goes back to negotiation
// (`comment`, what the customer said, then required). Not reached: the next attempt is
// scheduled, or after the policy's max_attempts the case closes not reached.
struct RecordFollowUp {
  std::string channel;  // phone, chat
  std::string outcome;  // reached, not_reached
  std::optional<std::int64_t> csat;
  std::string comment;  // optional unless unsatisfied
};

// The content types evidence may have (detected from the content's magic bytes, not declared).
inline constexpr const char* kEvidenceContentTypes[] = {"image/jpeg", "image/png", "image/webp",
                                                        "application/pdf"};

using CommandBody =
    std::variant<CreateCase, FireTransition, UpdateFields, AssignCase, RecordPromise, RecordReply,
                 AddComment, AddCustomerMessage, ProposeCompensation, DecideApproval,
                 MarkCompensationExecuted, EscalateCase, DeescalateCase, FireTimer,
                 WithdrawCompensation, AttachEvidence, ReviseSeverity, LogCall, RecordFollowUp>;

struct Command {
  CommandBody body;
  std::optional<std::int64_t> expected_version;
};

// What the engine needs to know beyond the case itself; gathered by the caller from storage.
// The case's order as recorded now, for the per-order refund cap: the sum of every refund on the
// order — outside Redress and on all its cases — never exceeds what it paid.
struct OrderRefundState {
  Money paid;                     // what the order record says was paid
  Money refunded_outside;         // refunded outside Redress (the order record)
  Money refunded_by_other_cases;  // refunds approved or executed on the order's other cases
};

struct CustomerHistory {
  std::vector<Instant> other_cases_opened_at;  // this customer's other cases
  Money compensation_granted_30d;  // granted on the customer's other cases, last 30 days
  // Set when the case's order has a record: the cap then counts the whole order. Unset (no
  // record, or an engine used without storage): the order as the case saw it at creation.
  std::optional<OrderRefundState> order;
};

// Whether deciding `body` reads the CustomerHistory: opening a case (repeat-complainant
// escalation) and granting compensation (the customer's rolling 30-day limit). For any other
// command the caller may pass an empty history and skip gathering it.
inline bool needs_customer_history(const CommandBody& body) {
  return std::holds_alternative<CreateCase>(body) ||
         std::holds_alternative<ProposeCompensation>(body) ||
         std::holds_alternative<DecideApproval>(body);
}

// Bounds on free text in commands, in code points.
inline constexpr std::int64_t kMaxMessageLength = 20000;
inline constexpr std::int64_t kMaxReasonLength = 2000;
inline constexpr size_t kMaxIdLength = 128;
inline constexpr std::int64_t kMaxEvidenceNameLength = 255;

}  // namespace redress
