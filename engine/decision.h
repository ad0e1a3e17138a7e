// Decision: the engine's answer to a command — a rejection, or the new snapshot plus effects.
//
// Effects are in the order the caller must apply them, all in one transaction: journal appends,
// timers to set or cancel, webhook events for the outbox, and approval requests (for queues and
// notifications). The engine performs none of them itself.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/case_snapshot.h"
#include "engine/error_code.h"
#include "engine/role.h"

namespace redress {

// The engine's rejections use the one closed set of error codes (engine/error_code.h): a
// rejection's code is an ErrorCode, of which the engine produces the "rejections" group plus
// MISSING_FIELD, INVALID_FIELD and VERSION_CONFLICT.
using RejectionCode = ErrorCode;

// One thing wrong with a command's input: where (an RFC 6901 pointer into the command, e.g.
// "/data/refund_amount"), what, in English words a person can act on, and the same as data: a
// stable `code` (MISSING_FIELD, INVALID_FIELD, CURRENCY_MISMATCH, ...) and `params`, a JSON
// object with the precise sub-reason ("reason": "too_long") and its arguments ("max_length":
// 200), so a client can say it in the reader's language. docs/api.md lists the reasons.
struct RejectionProblem {
  std::string pointer;
  std::string message;
  ErrorCode code = ErrorCode::kInvalidField;
  nlohmann::json params = nlohmann::json::object();

  bool operator==(const RejectionProblem&) const = default;
};

// Why a command was refused. `problems` lists EVERY missing or invalid input found (each with its
// pointer), so a client fixes its request in one round trip; it is empty when no input is at
// fault (a role, a state, a version). `message` is a summary: the one problem's message, or a
// count followed by each message.
struct Rejection {
  RejectionCode code = RejectionCode::kInvalidField;
  std::string message;
  std::vector<RejectionProblem> problems;
  // ROLE_NOT_PERMITTED by a list of roles (the role table's, a transition's, a workflow's
  // creation roles): those roles, so a client can say who may do it instead.
  std::vector<Role> allowed_roles;
};

struct JournalAppend {
  Event event;
};
struct TimerSet {
  std::string case_id;
  std::string key;
  std::string name;
  Instant due{};
};
struct TimerCancel {
  std::string case_id;
  std::string key;
};
struct WebhookEmit {
  std::string type;  // "case.escalated", ...
  nlohmann::json data;
};
struct ApprovalRequest {
  std::string case_id;
  std::string approval_id;
  std::string kind;
  std::string required_role;
};

using Effect = std::variant<JournalAppend, TimerSet, TimerCancel, WebhookEmit, ApprovalRequest>;

struct Accepted {
  CaseSnapshot snapshot;
  std::vector<Effect> effects;
};

class Decision {
 public:
  Decision(Rejection r) : value_(std::move(r)) {}  // NOLINT: implicit by design
  Decision(Accepted a) : value_(std::move(a)) {}   // NOLINT: implicit by design

  bool accepted() const { return std::holds_alternative<Accepted>(value_); }
  const Accepted& result() const { return std::get<Accepted>(value_); }
  Accepted& result() { return std::get<Accepted>(value_); }
  const Rejection& rejection() const { return std::get<Rejection>(value_); }

  // The journal events among the effects, in order.
  std::vector<Event> events() const;

 private:
  std::variant<Rejection, Accepted> value_;
};

}  // namespace redress
