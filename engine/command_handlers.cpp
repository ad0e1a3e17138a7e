#include "engine/command_handlers.h"

#include <algorithm>

namespace redress::detail {
namespace {

class CommandHandler {
 public:
  explicit CommandHandler(DecisionBuilder& b) : b_(b) {}

  std::optional<Rejection> operator()(const CreateCase&) { return std::nullopt; }  // handled apart

  std::optional<Rejection> operator()(const FireTransition& cmd) {
    if (is_follow_up_outcome(b_.wf().policies.follow_up, cmd.transition)) {
      return reject(
          RejectionCode::kFollowUpAttemptRequired,
          "transition " + quote_name(cmd.transition) +
              " is the outcome of a follow-up "
              "attempt in workflow " +
              quote_name(b_.wf().id) + " version " + std::to_string(b_.wf().version) +
              ": record the attempt (POST /v1/cases/" + b_.working().id +
              "/follow-ups, with the channel, the outcome and the customer's CSAT) and "
              "the follow-up policy " +
              quote_name(b_.wf().policies.follow_up) + " decides it",
          "/transition",
          problem_params("follow_up_attempt_required",
                         {{"transition", cmd.transition}, {"policy", b_.wf().policies.follow_up}}));
    }
    return fire_transition(cmd.transition, cmd.data, /*approved_by_superior=*/false);
  }

  std::optional<Rejection> fire_transition(const std::string& name, const nlohmann::json& data,
                                           bool approved_by_superior) {
    const auto& wf = b_.wf();
    const auto& snap = b_.working();
    const auto* t = wf.transition(name);
    if (!t) {
      std::vector<std::string> names;
      for (const auto& x : wf.transitions) names.push_back(x.name);
      return reject(RejectionCode::kUnknownTransition,
                    "workflow " + quote_name(wf.id) + " has no transition " + quote_name(name) +
                        "; it has: " + join(names),
                    "/transition");
    }
    const auto* from = wf.state(snap.state);
    const bool reopening = snap.is_closed() && t->reopen && t->allowed_from(snap.state, true);
    if (snap.is_closed() && !reopening) {
      return reject(RejectionCode::kCaseClosed, "case " + snap.id + " is closed (state " +
                                                    quote_name(snap.state) +
                                                    "); it takes no transitions but a reopen");
    }
    if (reopening) {
      const auto window_ends = b_.calendar().add(*snap.closed_at, t->reopen->within);
      if (b_.now() > window_ends) {
        return reject(
            RejectionCode::kCaseClosed,
            "case " + snap.id + " closed at " + format_rfc3339(*snap.closed_at) +
                "; its reopen window (" + format_duration(t->reopen->within) + ") ended at " +
                format_rfc3339(window_ends) +
                "; open a new case linked to it (link kind reopen_of)",
            "/transition",
            problem_params("reopen_window_passed", {{"case_id", snap.id},
                                                    {"closed_at", format_rfc3339(*snap.closed_at)},
                                                    {"window_ends", format_rfc3339(window_ends)},
                                                    {"link_kind", "reopen_of"}}));
      }
    }
    if (!t->allowed_from(snap.state, from && from->final)) {
      std::vector<std::string> possible;
      for (const auto& x : wf.transitions) {
        if (x.allowed_from(snap.state, false)) possible.push_back(x.name);
      }
      return reject(RejectionCode::kNotAllowedFromState,
                    "transition " + quote_name(name) + " is not allowed from state " +
                        quote_name(snap.state) + "; from there you can: " +
                        (possible.empty() ? "(nothing)" : join(possible)));
    }
    if (!approved_by_superior && !t->role_allowed(b_.actor().role)) {
      auto refusal = reject(RejectionCode::kRoleNotPermitted,
                            "role " + quote_name(role_name(b_.actor().role)) + " may not fire " +
                                quote_name(name) + "; allowed roles: " + role_list(t->roles));
      refusal.allowed_roles = t->roles;
      return refusal;
    }
    std::vector<std::string> allowed = t->requires_fields;
    allowed.insert(allowed.end(), t->accepts_fields.begin(), t->accepts_fields.end());
    auto canonical = canonical_data(wf, data, &allowed, "transition " + quote_name(name), "/data",
                                    b_.compensation(), false, false);
    // Every invalid field and every missing required one, in one rejection.
    InputProblems problems;
    if (auto* r = std::get_if<Rejection>(&canonical)) problems.add(*r);
    for (const auto& required : t->requires_fields) {
      // A required field given in the data is either valid or already reported as invalid.
      const bool given = data.is_object() && data.contains(required);
      const auto held = snap.fields.find(required);
      if (!given && (held == snap.fields.end() || held->is_null())) {
        const auto* f = wf.field(required);
        problems.add(
            RejectionCode::kMissingField, "/data/" + pointer_token(required),
            "transition " + quote_name(name) + " requires field " + quote_name(required) + " (" +
                field_type_name(f->type) + ")",
            problem_params("required", {{"field", required}, {"type", field_type_name(f->type)}}));
      }
    }
    if (!problems.empty()) return problems.rejection();
    const auto& values = std::get<nlohmann::json>(canonical);
    CaseSnapshot merged = snap;
    for (const auto& [k, v] : values.items()) merged.fields[k] = v;
    if (t->blocked_by_pending_approval) {
      for (const auto& a : snap.approvals) {
        if (a.status == "pending") {
          return reject(RejectionCode::kApprovalRequired,
                        "transition " + quote_name(name) + " must wait: approval " + a.id + " (" +
                            a.kind + " " + a.subject + ") is pending with the " + a.required_role);
        }
      }
    }
    // The view copies the case's fields into JSON: build it only for a transition with
    // conditions (most have none).
    const auto view = t->conditions.empty() ? nlohmann::json() : condition_view(merged);
    for (const auto& c : t->conditions) {
      const auto outcome = evaluate_condition(c, view);
      if (!outcome.holds) {
        return reject(RejectionCode::kConditionFailed, "transition " + quote_name(name) +
                                                           " needs " + describe_condition(c) +
                                                           ": " + outcome.explanation);
      }
    }
    // Promise actions need their due field; check before anything is emitted.
    for (const auto& a : t->actions) {
      if (a.kind != Action::Kind::kRecordPromise) continue;
      if (!merged.fields.contains(a.due_field)) {
        return reject(RejectionCode::kMissingField,
                      "transition " + quote_name(name) + " records a promise and needs field " +
                          quote_name(a.due_field),
                      "/data/" + pointer_token(a.due_field),
                      problem_params("required", {{"field", a.due_field}, {"type", "datetime"}}));
      }
      if (auto r = check_promise_due(*parse_rfc3339(merged.fields[a.due_field].get<std::string>()),
                                     "/data/" + pointer_token(a.due_field))) {
        return r;
      }
    }

    // Accepted: emit in a fixed order — data, transition, exit, actions, entry. Exit comes
    // after the transition event so the timers it cancels are recorded in that event.
    if (!values.empty()) b_.emit("case.fields_set", {{"fields", values}});
    const auto* to = wf.state(t->to);
    const std::string from_name = snap.state;
    if (reopening) {
      // Before the transition, so the transition applies to an open case again.
      const auto& reason_field = t->reopen->reason_field;
      const std::string reason =
          !reason_field.empty() && values.contains(reason_field) && values[reason_field].is_string()
              ? values[reason_field].get<std::string>()
              : std::string();
      b_.emit("case.reopened", {{"transition", name},
                                {"from", from_name},
                                {"closed_at", *snap.closed_at},
                                {"reason", reason},
                                {"by", b_.actor().id}});
    }
    nlohmann::json transitioned{
        {"transition", name}, {"from", from_name},
        {"to", to->name},     {"stage", stage_name(to->stage)},
        {"final", to->final}, {"waiting_on_customer", to->waiting_on == "customer"}};
    // Named only when the state waits on someone: a journal written before waits on others
    // reads the same as one that waits on nobody.
    if (!to->waiting_on.empty()) transitioned["waiting_on"] = to->waiting_on;
    b_.emit("case.transitioned", std::move(transitioned));
    if (from) b_.exit_state(*from);
    for (const auto& a : t->actions) run_action(a, *t);
    b_.enter_state(from, *to);
    if (reopening) {
      // The customer's problem is unresolved again: the resolution target runs anew from now.
      b_.restart_resolution_clock();
      b_.webhook("case.reopened", {{"transition", name},
                                   {"from", from_name},
                                   {"to", to->name},
                                   {"reopen_count", b_.working().reopen_count}});
    }
    b_.webhook("case.transitioned", {{"transition", name}, {"from", from_name}, {"to", to->name}});
    if (to->final) {
      b_.webhook("case.closed", {{"transition", name}});
      // Nothing is left to decide on a closed case: its pending approvals leave the approvers'
      // queues, and its pending proposals are withdrawn.
      cancel_pending("case_closed", "the case was closed by " + name);
    }
    b_.scan_customer_visible(values);
    return std::nullopt;
  }

  std::optional<Rejection> check_promise_due(Instant due, const std::string& pointer) {
    if (due <= b_.now()) {
      return reject(RejectionCode::kInvalidField,
                    "a promise must be due in the future; " + format_rfc3339(due) +
                        " is not after " + format_rfc3339(b_.now()),
                    pointer, problem_params("not_in_future"));
    }
    if (due > b_.now() + kMaxPromiseHorizon) {
      return reject(RejectionCode::kInvalidField, "a promise may be at most 90 days ahead", pointer,
                    problem_params("too_far_ahead", {{"max_days", 90}}));
    }
    return std::nullopt;
  }

  void record_promise(Instant due, const std::string& text) {
    Promise p{b_.allocate_id("prm"), due, text, b_.actor().id, "open"};
    // The recorded fields only: made_at is the event's own time, applied from the journal.
    b_.emit("promise.recorded", {{"id", p.id},
                                 {"due", p.due},
                                 {"text", p.text},
                                 {"made_by", p.made_by},
                                 {"status", p.status}});
    b_.set_timer("promise:" + p.id, "promise", due);
  }

  void request_approval(const std::string& kind, const std::string& subject, Role role,
                        const std::string& on_approved, const std::string& on_rejected,
                        const std::string& reason, nlohmann::json authority_check = nullptr) {
    ApprovalRecord a;
    a.id = b_.allocate_id("apr");
    a.kind = kind;
    a.subject = subject;
    a.required_role = role_name(role);
    a.requested_by = b_.actor().id;
    a.on_approved = on_approved;
    a.on_rejected = on_rejected;
    a.reason = reason;
    a.requested_at = b_.now();
    nlohmann::json requested = a;
    // Why a compensation needs approval, as data (its limits and totals): `reason` is English.
    if (!authority_check.is_null()) requested["authority"] = std::move(authority_check);
    b_.emit("approval.requested", std::move(requested));
    b_.add_effect(ApprovalRequest{b_.working().id, a.id, kind, a.required_role});
    b_.webhook("approval.requested", {{"approval_id", a.id},
                                      {"kind", kind},
                                      {"subject", subject},
                                      {"required_role", a.required_role}});
  }

  // Takes back a pending compensation and cancels its approval. `cause` is "withdrawn" (by its
  // proposer) or "case_closed".
  void withdraw(const CompensationRecord& comp, const std::string& cause,
                const std::string& reason) {
    const std::string id = comp.id;
    const std::string approval_id = comp.approval_id;
    const nlohmann::json webhook_data{{"compensation_id", id},
                                      {"type", comp.type},
                                      {"value", money_to_json(comp.value)},
                                      {"cause", cause},
                                      {"reason", reason}};
    b_.emit("compensation.withdrawn", {{"id", id}, {"cause", cause}, {"reason", reason}});
    b_.webhook("compensation.withdrawn", webhook_data);
    if (!approval_id.empty()) cancel_approval(approval_id, cause, reason);
  }

  void cancel_approval(const std::string& approval_id, const std::string& cause,
                       const std::string& reason) {
    b_.emit("approval.cancelled", {{"id", approval_id}, {"cause", cause}, {"reason", reason}});
    b_.webhook("approval.cancelled",
               {{"approval_id", approval_id}, {"cause", cause}, {"reason", reason}});
  }

  // Every pending compensation proposal and approval of the case, withdrawn / cancelled.
  void cancel_pending(const std::string& cause, const std::string& reason) {
    const auto before = b_.working();  // a copy: withdrawing changes the working snapshot
    for (const auto& c : before.compensations) {
      if (c.status == "pending") withdraw(c, cause, reason);
    }
    const auto after_withdrawals = b_.working();
    for (const auto& a : after_withdrawals.approvals) {
      if (a.status == "pending") cancel_approval(a.id, cause, reason);
    }
  }

  static std::string execution_timer_key(const std::string& compensation_id) {
    return "execution:" + compensation_id;
  }

  // An approved compensation must really be carried out ("until it has really happened"): when
  // the policy says how long that may take, a timer alerts once the time is up.
  void watch_execution(const std::string& compensation_id) {
    const auto& after = b_.compensation().execution_alert_after();
    if (!after) return;
    const auto due = b_.calendar_or_default("").add(b_.now(), *after);
    b_.set_timer(execution_timer_key(compensation_id), "execution_alert", due);
  }

  void run_action(const Action& a, const TransitionDef& t) {
    switch (a.kind) {
      case Action::Kind::kSet:
        b_.emit("case.fields_set", {{"fields", {{a.field, a.value}}}});
        break;
      case Action::Kind::kAssign:
        b_.route("", a.team.value_or(b_.working().team),
                 a.role ? role_name(*a.role) : b_.working().queue_role);
        break;
      case Action::Kind::kStartTimer:
        b_.start_named_timer(a.timer);
        break;
      case Action::Kind::kCancelTimer:
        b_.cancel_timer("timer:" + a.timer);
        break;
      case Action::Kind::kRecordPromise: {
        const auto& fields = b_.working().fields;
        const auto due = *parse_rfc3339(fields.at(a.due_field).get<std::string>());
        std::string text;
        if (!a.text_field.empty() && fields.contains(a.text_field) &&
            fields[a.text_field].is_string()) {
          text = fields[a.text_field].get<std::string>();
        }
        record_promise(due, text);
        break;
      }
      case Action::Kind::kEmit:
        b_.emit("event.emitted", {{"event", a.event}, {"transition", t.name}});
        b_.webhook(a.event, {{"transition", t.name}});
        break;
      case Action::Kind::kRequestApproval:
        request_approval("transition", t.name, *a.role, a.on_approved, a.on_rejected, a.reason);
        break;
      case Action::Kind::kEscalate:
        b_.raise_level(*ladder_rank(*a.role), a.reason, "transition:" + t.name);
        break;
      case Action::Kind::kScheduleFollowUp: {
        auto due = b_.calendar_or_default("").add(b_.now(), a.after);
        if (!a.window_calendar.empty())
          due = b_.calendar_or_default(a.window_calendar).next_working_moment(due);
        b_.emit("follow_up.scheduled", {{"due", format_rfc3339(due)}});
        b_.set_timer("follow_up", "follow_up", due);
        break;
      }
      case Action::Kind::kCompleteSla:
        b_.meet_clock(a.sla_clock);
        break;
    }
  }

  std::optional<Rejection> operator()(const UpdateFields& cmd) {
    if (auto r = require_open()) return r;
    if (!cmd.fields.is_object() || cmd.fields.empty()) {
      return reject(RejectionCode::kMissingField, "give at least one field to update", "/fields",
                    problem_params("required"));
    }
    auto canonical = canonical_data(b_.wf(), cmd.fields, nullptr, "a field update", "/fields",
                                    b_.compensation(), true, true);
    if (auto* r = std::get_if<Rejection>(&canonical)) return *r;
    b_.emit("case.fields_set", {{"fields", std::get<nlohmann::json>(canonical)}});
    b_.webhook("case.updated", {{"fields", std::get<nlohmann::json>(canonical)}});
    b_.scan_customer_visible(std::get<nlohmann::json>(canonical));
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const AssignCase& cmd) {
    if (auto r = require_open()) return r;
    if (cmd.assignee.size() > kMaxIdLength || cmd.team.size() > kMaxIdLength) {
      return reject(RejectionCode::kInvalidField, "assignee and team are at most 128 characters");
    }
    if (b_.actor().role == Role::kAgent) {
      // Agents may take a case for themselves or hand back their own; leads assign freely.
      const bool claiming =
          cmd.assignee == b_.actor().id &&
          (b_.working().assignee.empty() || b_.working().assignee == b_.actor().id);
      const bool releasing = cmd.assignee.empty() && b_.working().assignee == b_.actor().id;
      if (!(claiming || releasing) || (!cmd.team.empty() && cmd.team != b_.working().team)) {
        return reject(RejectionCode::kRoleNotPermitted,
                      "an agent may only take an unassigned case or release their own; ask a team "
                      "lead to reassign");
      }
    }
    // Taking a case from someone (or giving it back) needs a reason the journal keeps.
    const bool takes_from_holder =
        !b_.working().assignee.empty() && cmd.assignee != b_.working().assignee;
    // Blank is no reason: the journal would say nothing of why.
    const bool blank_reason = cmd.reason.find_first_not_of(" \t\r\n") == std::string::npos;
    if (takes_from_holder && blank_reason) {
      return reject(RejectionCode::kMissingField,
                    "the case is assigned to " + quote_name(b_.working().assignee) +
                        "; say why it is reassigned (reason)",
                    "/reason", problem_params("required"));
    }
    if (auto r = check_text(cmd.reason, "reason", kMaxReasonLength, true, "/reason")) return r;
    b_.route(cmd.assignee, cmd.team.empty() ? b_.working().team : cmd.team, b_.working().queue_role,
             cmd.reason.empty() ? nlohmann::json() : nlohmann::json(cmd.reason));
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const RecordPromise& cmd) {
    if (auto r = require_open()) return r;
    if (auto r = check_text(cmd.text, "promise text", kMaxReasonLength, false, "/text")) return r;
    if (auto r = check_promise_due(cmd.due, "/due")) return r;
    record_promise(cmd.due, cmd.text);
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const RecordReply& cmd) {
    if (auto r = require_open()) return r;
    if (auto r = check_text(cmd.text, "reply text", kMaxMessageLength, false, "/text")) return r;
    // Replying by the promised time keeps the promise (the handbooks: reply when you said) --
    // one promise per reply: the one the reply names, else the earliest due still open. Each
    // promise is a deadline of its own; a reply about the refund does not keep the promise to
    // call back about the replacement.
    std::optional<Promise> kept;
    if (!cmd.promise_id.empty()) {
      auto snap = b_.working();
      const auto* named = snap.promise(cmd.promise_id);
      if (!named) {
        return reject(RejectionCode::kNotFound,
                      "case " + snap.id + " has no promise " + quote_name(cmd.promise_id),
                      "/promise_id");
      }
      if (named->status != "open") {
        return reject(RejectionCode::kInvalidState,
                      "promise " + named->id + " is already " + named->status, "/promise_id",
                      {{"status", named->status}});
      }
      if (named->due < b_.now()) {
        // Its breach timer is due and about to fire: a late reply does not keep a promise.
        return reject(RejectionCode::kInvalidState,
                      "promise " + named->id + " was due at " + format_rfc3339(named->due) +
                          "; a reply after it cannot keep it",
                      "/promise_id", {{"status", "overdue"}});
      }
      kept = *named;
    } else {
      for (const auto& p : b_.working().promises) {
        if (p.status != "open" || p.due < b_.now()) continue;
        if (!kept || p.due < kept->due) kept = p;  // ties: the one recorded first
      }
    }
    b_.emit("reply.sent", {{"text", cmd.text}});
    b_.meet_clock("first_response");
    meet_supervisor_contact();
    if (kept) {
      // The event names the promise kept; its breach timer alone is cancelled.
      b_.emit("promise.kept", {{"id", kept->id}});
      b_.cancel_timer("promise:" + kept->id);
    }
    return std::nullopt;
  }

  // A supervisor or above speaking to the customer meets the supervisor contact deadline; an
  // agent's or team lead's reply does not (the customer is waiting for someone senior).
  void meet_supervisor_contact() {
    const auto rank = ladder_rank(b_.actor().role);
    const auto* clock = b_.working().sla("supervisor_contact");
    if (clock && clock->status != "met" && rank && *rank >= *ladder_rank(Role::kSupervisor)) {
      b_.meet_clock("supervisor_contact");
    }
  }

  std::optional<Rejection> operator()(const LogCall& cmd) {
    if (auto r = require_open()) return r;
    if (auto r = check_text(cmd.summary, "call summary", kMaxReasonLength, false, "/summary"))
      return r;
    b_.emit("call.logged", {{"summary", cmd.summary}});
    meet_supervisor_contact();
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const RecordFollowUp& cmd) {
    if (auto r = require_open()) return r;
    const auto& wf = b_.wf();
    const auto& snap = b_.working();
    const auto* policy = b_.follow_up();
    if (!policy) {
      return reject(RejectionCode::kInvalidState,
                    "workflow " + quote_name(wf.id) + " version " + std::to_string(wf.version) +
                        " has no follow-up policy, so it records no follow-up attempts; fire its "
                        "follow-up transitions instead");
    }
    const auto* state = wf.state(snap.state);
    if (!state || state->stage != Stage::kFollowUp) {
      return reject(RejectionCode::kNotAllowedFromState,
                    "a follow-up attempt is recorded while the case is in the follow_up stage; "
                    "case " +
                        snap.id + " is in state " + quote_name(snap.state) + " (stage " +
                        snap.stage + ")");
    }
    InputProblems problems;
    const auto one_of = [&](const std::string& value, const auto& allowed, const char* what,
                            const std::string& pointer) {
      if (value.empty()) {
        problems.add(
            RejectionCode::kMissingField, pointer, std::string(what) + " is required",
            problem_params("required", {{"field", pointer.substr(1)}, {"type", "string"}}));
        return false;
      }
      if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        problems.add(RejectionCode::kInvalidField, pointer,
                     std::string(what) + " " + quote_name(value) + " is not one of " + join(names),
                     problem_params("not_one_of", {{"allowed", names}}));
        return false;
      }
      return true;
    };
    one_of(cmd.channel, kFollowUpChannels, "channel", "/channel");
    const bool outcome_ok = one_of(cmd.outcome, kFollowUpOutcomes, "outcome", "/outcome");
    const bool reached = cmd.outcome == "reached";
    if (outcome_ok && reached) {
      if (!cmd.csat) {
        problems.add(RejectionCode::kMissingField, "/csat",
                     "a customer reached gives their satisfaction: csat (1-5) is required",
                     problem_params("required", {{"field", "csat"}, {"type", "integer"}}));
      } else if (*cmd.csat < 1 || *cmd.csat > 5) {
        problems.add(RejectionCode::kInvalidField, "/csat",
                     "csat must be between 1 and 5, not " + std::to_string(*cmd.csat),
                     problem_params("out_of_range", {{"minimum", 1}, {"maximum", 5}}));
      }
    } else if (outcome_ok && cmd.csat) {
      problems.add(RejectionCode::kInvalidField, "/csat",
                   "a customer not reached gives no satisfaction: leave csat out",
                   problem_params("not_reached_has_no_csat"));
    }
    if (auto r = check_text(cmd.comment, "follow-up comment", kMaxReasonLength, true, "/comment"))
      problems.add(*r);
    const bool satisfied = reached && cmd.csat && *cmd.csat >= policy->satisfied_min_csat;
    if (outcome_ok && reached && cmd.csat && !satisfied && cmd.comment.empty()) {
      // The case goes back to negotiation: what the customer is still unhappy with is the
      // starting point, as the unsatisfied transition requires.
      problems.add(RejectionCode::kMissingField, "/comment",
                   "an unsatisfied customer's words are required: the case goes back to "
                   "negotiation",
                   problem_params("required", {{"field", "comment"}, {"type", "string"}}));
    }
    if (!problems.empty()) return problems.rejection();

    const Instant now = b_.now();
    const auto& windows = b_.calendar_or_default(policy->call_windows);
    const bool outside_window = cmd.channel == "phone" && !windows.is_working_time(now);
    if (outside_window && policy->refuse_phone_outside_window) {
      const auto next = format_rfc3339(windows.next_working_moment(now));
      return reject(RejectionCode::kOutsideCallWindow,
                    "phone follow-ups are made inside the call windows (calendar " +
                        quote_name(policy->call_windows) + "); the next one opens at " + next +
                        ": call then, or follow up by chat",
                    "/channel",
                    problem_params("outside_call_window",
                                   {{"calendar", policy->call_windows}, {"next_window", next}}));
    }
    nlohmann::json attempt{{"channel", cmd.channel},
                           {"outcome", cmd.outcome},
                           {"attempt", snap.follow_up_unreached + 1}};
    if (cmd.csat) attempt["csat"] = *cmd.csat;
    if (!cmd.comment.empty()) attempt["comment"] = cmd.comment;
    if (outside_window) attempt["outside_window"] = true;
    b_.emit("follow_up.attempted", attempt);
    b_.webhook("case.follow_up_attempted", attempt);

    nlohmann::json fields{{"follow_up_channel", cmd.channel}};
    if (!cmd.comment.empty()) fields["follow_up_note"] = cmd.comment;
    if (reached) {
      b_.webhook("case.csat_recorded", {{"csat", *cmd.csat}, {"channel", cmd.channel}});
      fields["satisfied"] = satisfied;
      return fire_transition(satisfied ? "follow_up_satisfied" : "follow_up_unsatisfied", fields,
                             false);
    }
    const auto unreached = b_.working().follow_up_unreached;
    if (unreached >= policy->max_attempts) {
      b_.webhook("case.follow_up_not_reached", {{"attempts", unreached}});
      // Reserved to the system in the workflow, so that only the last unreached attempt closes
      // a case this way (a person cannot fire it directly); fired here on the policy's word.
      return fire_transition("follow_up_not_reached", fields, /*approved_by_superior=*/true);
    }
    // The next attempt: after the retry delay, at the next moment the channel just tried is
    // open (a call window for phone, a working hour for chat).
    const auto& hours =
        b_.calendar_or_default(cmd.channel == "phone" ? policy->call_windows : policy->chat_hours);
    const Instant due =
        hours.next_working_moment(b_.calendar_or_default("").add(now, policy->retry_after));
    b_.emit("follow_up.scheduled",
            {{"due", format_rfc3339(due)}, {"retry", true}, {"attempt", unreached + 1}});
    b_.set_timer("follow_up", "follow_up", due);
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const ReviseSeverity& cmd) {
    if (auto r = require_open()) return r;
    const auto& snap = b_.working();
    if (!is_severity(cmd.severity)) {
      return reject(RejectionCode::kInvalidField,
                    "severity " + quote_name(cmd.severity) + " is not one of " + join(kSeverities),
                    "/severity", problem_params("not_one_of", {{"allowed", kSeverities}}));
    }
    if (cmd.severity == snap.severity) {
      return reject(RejectionCode::kInvalidField,
                    "the case's severity is already " + quote_name(cmd.severity) +
                        "; a revision must change it",
                    "/severity",
                    problem_params("severity_unchanged", {{"severity", cmd.severity}}));
    }
    const auto rank_of = [](const std::string& severity) {
      return static_cast<int>(std::find(kSeverities.begin(), kSeverities.end(), severity) -
                              kSeverities.begin());
    };
    const bool raising = rank_of(cmd.severity) > rank_of(snap.severity);
    const Role needed = raising ? b_.sla().revise_raise_min : b_.sla().revise_lower_min;
    if (ladder_rank(b_.actor().role).value_or(-1) < *ladder_rank(needed)) {
      std::vector<Role> allowed;
      for (const Role r : {Role::kAgent, Role::kTeamLead, Role::kSupervisor, Role::kManager}) {
        if (*ladder_rank(r) >= *ladder_rank(needed)) allowed.push_back(r);
      }
      auto refusal = reject(RejectionCode::kRoleNotPermitted,
                            std::string(raising ? "raising" : "lowering") + " a severity needs " +
                                role_name(needed) + " or above; role " +
                                quote_name(role_name(b_.actor().role)) + " may not " +
                                (raising ? "raise" : "lower") + " it from " +
                                quote_name(snap.severity) + " to " + quote_name(cmd.severity));
      refusal.allowed_roles = allowed;
      return refusal;
    }
    if (auto r = check_text(cmd.reason, "a revision reason", kMaxReasonLength, false, "/reason"))
      return r;
    const std::string from = snap.severity;
    b_.emit("case.severity_revised",
            {{"from", from}, {"to", cmd.severity}, {"reason", cmd.reason}});
    b_.webhook("case.severity_revised",
               {{"from", from}, {"to", cmd.severity}, {"reason", cmd.reason}});
    b_.retarget_clocks(cmd.severity);
    // A case revised upward is treated as if opened so: critical goes to the supervisor at
    // once, as the critical-at-creation rule says.
    if (raising) {
      EscalationSituation situation;
      situation.trigger = EscalationTrigger::kSeverityAtCreation;
      b_.escalate(situation);
    }
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const AddComment& cmd) {
    if (auto r = check_text(cmd.text, "comment", kMaxMessageLength, false, "/text")) return r;
    b_.emit("comment.added", {{"text", cmd.text}});
    return std::nullopt;
  }

  // Allowed on a closed case too, like a note: a customer's photo may arrive after the remedy.
  std::optional<Rejection> operator()(const AttachEvidence& cmd) {
    if (cmd.attachment_id.empty() || cmd.attachment_id.size() > kMaxIdLength) {
      return reject(
          RejectionCode::kInvalidField,
          "an attachment needs an id of at most " + std::to_string(kMaxIdLength) + " bytes",
          "/attachment_id");
    }
    if (auto r =
            check_text(cmd.file_name, "file name", kMaxEvidenceNameLength, false, "/file_name")) {
      return r;
    }
    if (std::find_if(std::begin(kEvidenceContentTypes), std::end(kEvidenceContentTypes),
                     [&](const char* type) { return cmd.content_type == type; }) ==
        std::end(kEvidenceContentTypes)) {
      return reject(RejectionCode::kInvalidField,
                    "evidence may be a JPEG, PNG or WebP image or a PDF document, not " +
                        quote_name(cmd.content_type),
                    "/content_type");
    }
    if (cmd.size < 1) {
      return reject(RejectionCode::kInvalidField, "evidence cannot be empty", "/size");
    }
    const bool hex_digest =
        cmd.sha256.size() == 64 && std::all_of(cmd.sha256.begin(), cmd.sha256.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        });
    if (!hex_digest) {
      return reject(RejectionCode::kInvalidField,
                    "the evidence's SHA-256 must be 64 lowercase hexadecimal digits", "/sha256");
    }
    const nlohmann::json listed{{"attachment_id", cmd.attachment_id},
                                {"file_name", cmd.file_name},
                                {"content_type", cmd.content_type},
                                {"size", cmd.size},
                                {"sha256", cmd.sha256}};
    b_.emit("evidence.attached", listed);
    b_.webhook("case.evidence_attached", listed);
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const AddCustomerMessage& cmd) {
    if (auto r = check_text(cmd.text, "message", kMaxMessageLength, false, "/text")) return r;
    const auto signals = b_.escalation_policy().detect_threats(cmd.text);
    nlohmann::json signal_json = nlohmann::json::array();
    for (const auto& s : signals) signal_json.push_back({{"kind", s.kind}, {"keyword", s.keyword}});
    b_.emit("message.received", {{"text", cmd.text}, {"signals", signal_json}});
    if (!signals.empty() && !b_.working().is_closed()) {
      EscalationSituation situation;
      situation.trigger = EscalationTrigger::kThreatSignal;
      situation.signals = signals;
      b_.escalate(situation);
    }
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const ProposeCompensation& cmd) {
    if (auto r = require_open()) return r;
    const auto type = parse_compensation_type(cmd.type);
    if (!type) {
      return reject(
          RejectionCode::kInvalidField,
          "unknown compensation type " + quote_name(cmd.type) +
              "; expected full_refund, partial_refund, return_and_refund, exchange, "
              "reshipment, repair, coupon, next_order_discount, full_reduction_voucher, "
              "gift, points, membership_upgrade or apology_only",
          "/type",
          problem_params("not_one_of", {{"allowed",
                                         {"full_refund", "partial_refund", "return_and_refund",
                                          "exchange", "reshipment", "repair", "coupon",
                                          "next_order_discount", "full_reduction_voucher", "gift",
                                          "points", "membership_upgrade", "apology_only"}}}));
    }
    if (auto r = check_text(cmd.note, "note", kMaxReasonLength, true, "/note")) return r;
    const auto& snap = b_.working();
    const ProposalInput input = b_.proposal_input(*type, cmd.value);
    const auto outcome = b_.compensation().evaluate(input);
    if (!outcome.ok()) {
      return reject(map_policy_error(outcome.error().code), outcome.error().message,
                    "/value" + outcome.error().pointer, outcome.error().params);
    }
    CompensationRecord c;
    c.id = b_.allocate_id("cmp");
    c.type = cmd.type;
    c.value = cmd.value;
    c.note = cmd.note;
    c.proposed_by = b_.actor().id;
    c.proposer_role = role_name(b_.actor().role);
    c.proposed_at = b_.now();
    const nlohmann::json summary{
        {"compensation_id", c.id}, {"type", c.type}, {"value", money_to_json(c.value)}};
    if (outcome.value().approved_now) {
      c.status = "approved";
      c.required_role = c.proposer_role;
      c.decided_by = b_.actor().id;
      c.decided_at = b_.now();
      b_.emit("compensation.proposed", c);
      b_.webhook("compensation.approved", summary);
      watch_execution(c.id);
      return std::nullopt;
    }
    const Role required = outcome.value().required_role;
    c.status = "pending";
    c.required_role = role_name(required);
    // The approval gets the id after the compensation's.
    c.approval_id = "apr-" + std::to_string(snap.next_id + 1);
    b_.emit("compensation.proposed", c);
    request_approval("compensation", c.id, required, "", "", outcome.value().reason,
                     outcome.value().authority_check);
    EscalationSituation situation;
    situation.trigger = EscalationTrigger::kCompensationAboveAuthority;
    b_.escalate(situation);
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const DecideApproval& cmd) {
    if (auto r = require_open()) return r;
    auto snap = b_.working();
    auto* approval = snap.approval(cmd.approval_id);
    if (!approval) {
      return reject(RejectionCode::kNotFound,
                    "case " + snap.id + " has no approval " + quote_name(cmd.approval_id),
                    "/approval_id");
    }
    if (approval->status != "pending") {
      return reject(RejectionCode::kInvalidState, "approval " + approval->id + " was already " +
                                                      approval->status + " by " +
                                                      approval->decided_by);
    }
    const auto status = b_.compensation().check_approver(b_.actor(), approval->requested_by,
                                                         *parse_role(approval->required_role));
    if (!status.ok()) return reject(map_policy_error(status.error().code), status.error().message);
    if (!cmd.approve) {
      if (auto r = check_text(cmd.reason, "a rejection reason", kMaxReasonLength, false, "/reason"))
        return r;
    } else if (auto r = check_text(cmd.reason, "reason", kMaxReasonLength, true, "/reason")) {
      return r;
    }
    if (approval->kind == "compensation") {
      auto* comp = snap.compensation(approval->subject);
      if (!comp) throw std::logic_error("approval without its compensation");
      if (cmd.approve) {
        // Re-check against the approver's own authority and the case as it is now: other
        // proposals may have been granted since this one was made (two pending proposals must
        // not add up past the approver's limit), and another refund may have used up the order.
        const auto type = parse_compensation_type(comp->type);
        const ProposalInput input = b_.proposal_input(*type, comp->value);
        const auto recheck = b_.compensation().evaluate(input);
        if (!recheck.ok()) {
          return reject(map_policy_error(recheck.error().code),
                        "cannot approve " + comp->id + " now: " + recheck.error().message);
        }
        if (!recheck.value().approved_now) {
          return reject(RejectionCode::kExceedsAuthority,
                        "approving " + comp->id + " would exceed the " +
                            role_name(b_.actor().role) + "'s authority: " + recheck.value().reason);
        }
      }
      b_.emit("approval.decided",
              {{"id", approval->id}, {"approved", cmd.approve}, {"reason", cmd.reason}});
      b_.emit(cmd.approve ? "compensation.approved" : "compensation.rejected",
              {{"id", comp->id}, {"reason", cmd.reason}});
      if (cmd.approve) watch_execution(comp->id);
      b_.webhook(cmd.approve ? "compensation.approved" : "compensation.rejected",
                 {{"compensation_id", comp->id},
                  {"type", comp->type},
                  {"value", money_to_json(comp->value)},
                  {"reason", cmd.reason}});
      return std::nullopt;
    }
    b_.emit("approval.decided",
            {{"id", approval->id}, {"approved", cmd.approve}, {"reason", cmd.reason}});
    b_.webhook("approval.decided", {{"approval_id", approval->id}, {"approved", cmd.approve}});
    const std::string next = cmd.approve ? approval->on_approved : approval->on_rejected;
    if (!next.empty())
      return fire_transition(next, nlohmann::json::object(), /*approved_by_superior=*/true);
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const MarkCompensationExecuted& cmd) {
    auto snap = b_.working();
    auto* comp = snap.compensation(cmd.compensation_id);
    if (!comp) {
      return reject(RejectionCode::kNotFound,
                    "case " + snap.id + " has no compensation " + quote_name(cmd.compensation_id),
                    "/compensation_id");
    }
    if (comp->status != "approved") {
      return reject(RejectionCode::kInvalidState, "compensation " + comp->id + " is " +
                                                      comp->status +
                                                      "; only an approved one can be executed");
    }
    if (auto r = check_text(cmd.reference, "reference", 200, true, "/reference")) return r;
    b_.emit("compensation.executed", {{"id", comp->id}, {"reference", cmd.reference}});
    b_.cancel_timer(execution_timer_key(comp->id));  // when one was set
    b_.webhook("compensation.executed",
               {{"compensation_id", comp->id}, {"type", comp->type}, {"reference", cmd.reference}});
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const WithdrawCompensation& cmd) {
    if (auto r = require_open()) return r;
    auto snap = b_.working();
    const auto* comp = snap.compensation(cmd.compensation_id);
    if (!comp) {
      return reject(RejectionCode::kNotFound,
                    "case " + snap.id + " has no compensation " + quote_name(cmd.compensation_id),
                    "/compensation_id");
    }
    if (comp->proposed_by != b_.actor().id) {
      return reject(RejectionCode::kForbidden, "only its proposer (" + comp->proposed_by +
                                                   ") may withdraw compensation " + comp->id);
    }
    if (comp->status != "pending") {
      return reject(RejectionCode::kInvalidState,
                    "compensation " + comp->id + " is " + comp->status +
                        "; only one still waiting for approval can be withdrawn");
    }
    if (auto r = check_text(cmd.reason, "reason", kMaxReasonLength, true, "/reason")) return r;
    withdraw(*comp, "withdrawn", cmd.reason);
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const EscalateCase& cmd) {
    if (auto r = require_open()) return r;
    if (auto r = check_text(cmd.reason, "an escalation reason", kMaxReasonLength, false, "/reason"))
      return r;
    const int current = level_rank(b_.working().escalation_level);
    int target = current + 1;
    if (!cmd.to_level.empty()) {
      const auto role = parse_role(cmd.to_level);
      if (!role || !ladder_rank(*role)) {
        return reject(
            RejectionCode::kInvalidField,
            "escalation level must be team_lead, supervisor or manager", "/to_level",
            problem_params("not_one_of", {{"allowed", {"team_lead", "supervisor", "manager"}}}));
      }
      target = *ladder_rank(*role);
    }
    if (target <= current || target > kLadderTop) {
      return reject(RejectionCode::kInvalidField,
                    "case is already at level " + quote_name(b_.working().escalation_level) +
                        "; escalation must go higher",
                    "/to_level",
                    problem_params("level_not_higher", {{"level", b_.working().escalation_level}}));
    }
    b_.raise_level(target, cmd.reason, "");
    b_.route("", b_.working().team, level_name(target));
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const DeescalateCase& cmd) {
    if (auto r = require_open()) return r;
    // The table admits supervisors and managers; one may call off only an escalation at or
    // below their own level.
    const int current = level_rank(b_.working().escalation_level);
    if (ladder_rank(b_.actor().role).value_or(-1) < current) {
      return reject(RejectionCode::kRoleNotPermitted,
                    "de-escalation is for a supervisor or manager at or above the case's level (" +
                        b_.working().escalation_level + ")");
    }
    if (auto r =
            check_text(cmd.reason, "a de-escalation reason", kMaxReasonLength, false, "/reason"))
      return r;
    int target = current - 1;
    if (!cmd.to_level.empty()) {
      const auto role = parse_role(cmd.to_level);
      if (!role || !ladder_rank(*role)) {
        return reject(
            RejectionCode::kInvalidField, "level must be agent, team_lead, supervisor or manager",
            "/to_level",
            problem_params("not_one_of",
                           {{"allowed", {"agent", "team_lead", "supervisor", "manager"}}}));
      }
      target = *ladder_rank(*role);
    }
    if (target >= current || target < 0) {
      return reject(RejectionCode::kInvalidField,
                    "case is at level " + quote_name(b_.working().escalation_level) +
                        "; de-escalation must go lower",
                    "/to_level",
                    problem_params("level_not_lower", {{"level", b_.working().escalation_level}}));
    }
    EscalationRecord record{
        b_.now(), b_.working().escalation_level, level_name(target), cmd.reason, "", b_.actor().id};
    b_.emit("case.deescalated", record);
    b_.route(b_.working().assignee, b_.working().team, level_name(target));
    b_.webhook(
        "case.deescalated",
        {{"from_level", record.from_level}, {"to_level", record.to_level}, {"reason", cmd.reason}});
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const FireTimer& cmd) {
    const auto* timer = b_.working().timer(cmd.key);
    if (!timer) {
      return reject(RejectionCode::kNotFound,
                    "case " + b_.working().id + " has no pending timer " + quote_name(cmd.key));
    }
    if (timer->due > b_.now()) {
      return reject(RejectionCode::kInvalidState,
                    "timer " + cmd.key + " is not due until " + format_rfc3339(timer->due));
    }
    const CaseTimer fired = *timer;
    b_.emit("timer.fired", {{"key", fired.key}});
    const auto& key = fired.key;
    if (key.rfind("sla:", 0) == 0) {
      const auto second = key.find(':', 4);
      const auto clock = key.substr(4, second - 4);
      const bool breach = key.substr(second + 1) == "breach";
      b_.sla_alarm(clock, breach);
    } else if (key.rfind("execution:", 0) == 0) {
      // Approved but still not carried out: finance (or whoever executes it) is alerted; the
      // compensation stays approved and can still be executed.
      auto snap = b_.working();
      if (const auto* c = snap.compensation(key.substr(10)); c && c->status == "approved") {
        b_.emit("compensation.execution_overdue",
                {{"id", c->id}, {"due", format_rfc3339(fired.due)}});
        b_.webhook("compensation.execution_overdue", {{"compensation_id", c->id},
                                                      {"type", c->type},
                                                      {"value", money_to_json(c->value)},
                                                      {"due", format_rfc3339(fired.due)}});
      }
    } else if (key.rfind("promise:", 0) == 0) {
      const auto id = key.substr(8);
      auto snap = b_.working();
      if (auto* p = snap.promise(id); p && p->status == "open") {
        b_.emit("promise.breached", {{"id", id}});
        b_.webhook("case.promise_breached",
                   {{"promise_id", id}, {"due", format_rfc3339(p->due)}, {"text", p->text}});
        EscalationSituation situation;
        situation.trigger = EscalationTrigger::kPromiseBreach;
        b_.escalate(situation);
      }
    } else if (key.rfind("timer:", 0) == 0) {
      const auto* def = b_.wf().timer(key.substr(6));
      if (!def) throw std::logic_error("timer without its definition");
      if (!def->emit.empty()) {
        b_.emit("event.emitted", {{"event", def->emit}, {"timer", def->name}});
        b_.webhook(def->emit, {{"timer", def->name}});
      }
      if (!def->transition.empty()) {
        if (auto r = fire_transition(def->transition, nlohmann::json::object(), false)) {
          // The timer is consumed either way; the journal says why it did nothing.
          // `code` (and the first problem's params) let a reader word why in its language.
          nlohmann::json skipped{
              {"key", key}, {"reason", r->message}, {"code", error_code_name(r->code)}};
          if (!r->problems.empty()) skipped["params"] = r->problems.front().params;
          b_.emit("timer.skipped", std::move(skipped));
        }
      }
    } else if (key == "follow_up") {
      b_.emit("follow_up.due", {{"due", format_rfc3339(fired.due)}});
      b_.webhook("case.follow_up_due", {{"due", format_rfc3339(fired.due)}});
    }
    return std::nullopt;
  }

 private:
  std::optional<Rejection> require_open() const {
    if (b_.working().is_closed()) {
      return reject(RejectionCode::kCaseClosed, "case " + b_.working().id + " is closed");
    }
    return std::nullopt;
  }

  DecisionBuilder& b_;
};

}  // namespace

std::optional<Rejection> handle_case_command(DecisionBuilder& builder, const CommandBody& body) {
  CommandHandler handler(builder);
  return std::visit(handler, body);
}

}  // namespace redress::detail
