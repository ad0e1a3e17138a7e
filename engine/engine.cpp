#include "engine/engine.h"

#include <algorithm>
#include <stdexcept>

#include "engine/case_json.h"
#include "engine/case_vocabulary.h"
#include "engine/command_roles.h"

namespace redress {

std::vector<Event> Decision::events() const {
  std::vector<Event> out;
  if (!accepted()) return out;
  for (const auto& effect : result().effects) {
    if (const auto* j = std::get_if<JournalAppend>(&effect)) out.push_back(j->event);
  }
  return out;
}

namespace {

constexpr auto kThirtyDays = std::chrono::hours(24 * 30);
constexpr auto kMaxPromiseHorizon = std::chrono::hours(24 * 90);
constexpr size_t kMaxFieldsPerCommand = 100;

// A rejection with at most one problem: the message is both the summary and, when an input is at
// fault (`pointer` given), that input's problem.
Rejection reject(RejectionCode code, std::string message, std::string pointer = {}) {
  Rejection rejection{code, message, {}};
  if (!pointer.empty()) rejection.problems.push_back({std::move(pointer), std::move(message)});
  return rejection;
}

// Collects every input problem of one command before refusing it, so a client learns of all of
// them at once. The rejection's code is MISSING_FIELD when every problem is a missing input,
// otherwise the code of the first other problem.
class InputProblems {
 public:
  void add(RejectionCode code, std::string pointer, std::string message) {
    if (code != RejectionCode::kMissingField && !code_) code_ = code;
    problems_.push_back({std::move(pointer), std::move(message)});
  }
  // Folds in a rejection of one input (check_text, canonical_data).
  void add(const Rejection& rejection) {
    if (rejection.code != RejectionCode::kMissingField && !code_) code_ = rejection.code;
    problems_.insert(problems_.end(), rejection.problems.begin(), rejection.problems.end());
  }
  bool empty() const { return problems_.empty(); }

  Rejection rejection() const {
    std::string summary;
    if (problems_.size() == 1) {
      summary = problems_.front().message;
    } else {
      summary = std::to_string(problems_.size()) + " problems:";
      for (size_t i = 0; i < problems_.size(); ++i) {
        summary += (i ? "; " : " ") + problems_[i].message;
      }
    }
    return Rejection{code_.value_or(RejectionCode::kMissingField), std::move(summary), problems_};
  }

 private:
  std::optional<RejectionCode> code_;
  std::vector<RejectionProblem> problems_;
};

// Text bounds shared by every free-text command member.
std::optional<Rejection> check_text(const std::string& text, const std::string& what,
                                    std::int64_t max_length, bool allow_empty,
                                    const std::string& pointer) {
  const auto length = utf8_length(text);
  if (!length) return reject(RejectionCode::kInvalidField, what + " is not valid UTF-8", pointer);
  if (*length == 0 && !allow_empty) {
    return reject(RejectionCode::kMissingField, what + " must not be empty", pointer);
  }
  if (*length > max_length) {
    return reject(RejectionCode::kInvalidField,
                  what + " is " + std::to_string(*length) + " characters long; the maximum is " +
                      std::to_string(max_length),
                  pointer);
  }
  return std::nullopt;
}

int level_rank(const std::string& level) {
  const auto role = parse_role(level);
  const auto rank = role ? ladder_rank(*role) : std::nullopt;
  return rank.value_or(0);
}

std::string level_name(int rank) {
  const auto role = ladder_role(std::clamp(rank, 0, kLadderTop));
  return role_name(*role);
}

std::string role_list(const std::vector<Role>& roles) {
  std::vector<std::string> names;
  for (auto r : roles) names.push_back(role_name(r));
  return join(names);
}

// Builds one decision: applies each event to a working snapshot as it is emitted, so the result
// is, by construction, what replaying the journal yields.
class DecisionBuilder {
 public:
  DecisionBuilder(const WorkflowCatalog& catalog, const WorkflowDefinition& wf, const Actor& actor,
                  Instant now, const CustomerHistory& history, CaseSnapshot start)
      : catalog_(catalog),
        wf_(wf),
        actor_(actor),
        now_(now),
        history_(history),
        working_(std::move(start)),
        new_version_(working_.version + 1) {
    calendar_ = catalog.calendar(wf.policies.calendar);
    sla_ = catalog.sla_policy(wf.policies.sla);
    escalation_ = catalog.escalation_policy(wf.policies.escalation);
    compensation_ = catalog.compensation_policy(wf.policies.compensation);
    if (!calendar_ || !sla_ || !escalation_ || !compensation_) {
      // The catalog cross-checks references at load, so this is a broken invariant.
      throw std::logic_error("workflow " + wf.id + " refers to a policy the catalog lacks");
    }
  }

  void add_effect(Effect effect) { effects_.push_back(std::move(effect)); }

  Decision finish() { return Accepted{std::move(working_), std::move(effects_)}; }
  const CaseSnapshot& working() const { return working_; }
  const WorkflowDefinition& wf() const { return wf_; }
  const Actor& actor() const { return actor_; }
  Instant now() const { return now_; }

  // --- primitives -------------------------------------------------------------------------
  void emit(const std::string& type, nlohmann::json data) {
    Event e{type, now_, actor_.id, role_name(actor_.role), new_version_, std::move(data)};
    const auto status = apply_event(working_, e);
    if (!status.ok())
      throw std::logic_error("engine emitted an inapplicable event: " + status.error().message);
    effects_.push_back(JournalAppend{std::move(e)});
  }

  // A timer set or cancelled while handling an event is recorded in that event (the decision's
  // latest), not as an event of its own: see apply_event. False when the decision has emitted
  // nothing yet, so the change needs its own event.
  bool fold_timer_change(nlohmann::json change) {
    for (auto it = effects_.rbegin(); it != effects_.rend(); ++it) {
      auto* journal = std::get_if<JournalAppend>(&*it);
      if (!journal) continue;
      const auto status = apply_timer_change(working_, change);
      if (!status.ok())
        throw std::logic_error("engine made an inapplicable timer change: " +
                               status.error().message);
      auto& data = journal->event.data;
      if (!data.contains(kTimerChangesMember)) data[kTimerChangesMember] = nlohmann::json::array();
      data[kTimerChangesMember].push_back(std::move(change));
      return true;
    }
    return false;
  }

  void webhook(const std::string& type, nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json data{{"case_id", working_.id},
                        {"workflow", working_.workflow_id},
                        {"workflow_version", working_.workflow_version},
                        {"state", working_.state},
                        {"stage", working_.stage},
                        {"severity", working_.severity},
                        {"priority", working_.priority},
                        {"escalation_level", working_.escalation_level},
                        {"assignee", working_.assignee},
                        {"team", working_.team},
                        {"customer_id", working_.customer.id},
                        {"order_id", working_.order.id},
                        {"version", working_.version}};
    for (auto& [k, v] : extra.items()) data[k] = v;
    effects_.push_back(WebhookEmit{type, std::move(data)});
  }

  void set_timer(const std::string& key, const std::string& name, Instant due) {
    CaseTimer timer{key, name, due};
    if (!fold_timer_change(timer_set_change(timer))) {
      emit("timer.set", {{"key", key}, {"name", name}, {"due", format_rfc3339(due)}});
    }
    effects_.push_back(TimerSet{working_.id, key, name, due});
  }

  void cancel_timer(const std::string& key) {
    if (!working_.timer(key)) return;
    if (!fold_timer_change(timer_cancel_change(key))) emit("timer.cancelled", {{"key", key}});
    effects_.push_back(TimerCancel{working_.id, key});
  }

  std::string allocate_id(const std::string& prefix) const {
    return prefix + "-" + std::to_string(working_.next_id);
  }

  const BusinessCalendar& calendar_or_default(const std::string& id) const {
    if (!id.empty()) {
      if (const auto* c = catalog_.calendar(id)) return *c;
    }
    return *calendar_;
  }

  // --- SLA clocks -------------------------------------------------------------------------
  Instant position(const SlaClock& clock, Instant from, std::int64_t ms) const {
    if (!clock.business) return from + Millis(ms);
    return calendar_or_default(clock.calendar).add_working_time(from, Millis(ms));
  }

  std::int64_t elapsed(const SlaClock& clock, Instant from, Instant to) const {
    if (to <= from) return 0;
    if (!clock.business) return (to - from).count();
    return calendar_or_default(clock.calendar).working_time_between(from, to).count();
  }

  void start_clock(const std::string& name, const Duration& target, const std::string& stage) {
    SlaClock clock;
    clock.name = name;
    clock.stage = stage;
    clock.calendar = sla_->calendar;
    clock.business = target.kind == Duration::Kind::kBusiness;
    const auto& cal = calendar_or_default(clock.calendar);
    clock.due = cal.add(now_, target);
    clock.target_ms = clock.business ? cal.working_time_between(now_, clock.due).count()
                                     : (clock.due - now_).count();
    clock.warn_ms = clock.target_ms * sla_->warning_percent / 100;
    clock.warn_at = position(clock, now_, clock.warn_ms);
    clock.running_since = now_;
    clock.status = "running";
    // A paused clock never sits in this state: a new start replaces the clock outright.
    cancel_timer("sla:" + name + ":warning");
    cancel_timer("sla:" + name + ":breach");
    emit("sla.started", clock);
    set_timer("sla:" + name + ":warning", "sla_warning", clock.warn_at);
    set_timer("sla:" + name + ":breach", "sla_breach", clock.due);
  }

  void pause_clocks() {
    for (const auto& clock : std::vector<SlaClock>(working_.slas)) {
      if (clock.status != "running" || !clock.running_since) continue;
      const auto consumed = clock.consumed_ms + elapsed(clock, *clock.running_since, now_);
      emit("sla.paused", {{"clock", clock.name}, {"consumed_ms", consumed}});
      cancel_timer("sla:" + clock.name + ":warning");
      cancel_timer("sla:" + clock.name + ":breach");
    }
  }

  void resume_clocks() {
    for (const auto& clock : std::vector<SlaClock>(working_.slas)) {
      if (clock.status != "paused") continue;
      const auto due =
          position(clock, now_, std::max<std::int64_t>(0, clock.target_ms - clock.consumed_ms));
      const auto warn_at =
          position(clock, now_, std::max<std::int64_t>(0, clock.warn_ms - clock.consumed_ms));
      emit("sla.resumed", {{"clock", clock.name},
                           {"due", format_rfc3339(due)},
                           {"warn_at", format_rfc3339(warn_at)}});
      if (!clock.warned) set_timer("sla:" + clock.name + ":warning", "sla_warning", warn_at);
      if (!clock.breached) set_timer("sla:" + clock.name + ":breach", "sla_breach", due);
    }
  }

  void meet_clock(const std::string& name) {
    const auto* clock = working_.sla(name);
    if (!clock || clock->status == "met") return;
    auto consumed = clock->consumed_ms;
    if (clock->running_since) consumed += elapsed(*clock, *clock->running_since, now_);
    const bool late = clock->breached;
    emit("sla.met", {{"clock", name}, {"consumed_ms", consumed}, {"late", late}});
    cancel_timer("sla:" + name + ":warning");
    cancel_timer("sla:" + name + ":breach");
  }

  std::optional<Duration> stage_target(const StateDef& state) const {
    if (state.sla.empty()) return std::nullopt;
    if (const auto it = state.sla.find(working_.severity); it != state.sla.end()) return it->second;
    if (const auto it = state.sla.find("default"); it != state.sla.end()) return it->second;
    return std::nullopt;
  }

  // --- escalation ---------------------------------------------------------------------------
  void escalate(EscalationSituation situation) {
    situation.severity = working_.severity;
    situation.segment = working_.customer.segment;
    situation.tier = working_.customer.tier;
    situation.now = now_;
    situation.current_level = level_rank(working_.escalation_level);
    for (const auto& outcome : escalation_->evaluate(situation)) apply_escalation(outcome);
  }

  void raise_level(int to_rank, const std::string& reason, const std::string& rule_id) {
    const int from_rank = level_rank(working_.escalation_level);
    if (to_rank <= from_rank) return;
    EscalationRecord record{
        now_, working_.escalation_level, level_name(to_rank), reason, rule_id, actor_.id};
    emit("case.escalated", record);
    webhook("case.escalated", {{"from_level", record.from_level},
                               {"to_level", record.to_level},
                               {"reason", reason},
                               {"rule", rule_id}});
  }

  void route(const std::string& assignee, const std::string& team, const std::string& queue_role) {
    if (working_.assignee == assignee && working_.team == team &&
        working_.queue_role == queue_role) {
      return;
    }
    emit("case.assigned", {{"assignee", assignee}, {"team", team}, {"queue_role", queue_role}});
    webhook("case.assigned");
  }

  void apply_escalation(const EscalationOutcome& o) {
    raise_level(o.new_level, o.reason, o.rule_id);
    if (o.priority && EscalationPolicy::priority_rank(*o.priority) >
                          EscalationPolicy::priority_rank(working_.priority)) {
      emit("case.priority_changed",
           {{"from", working_.priority}, {"to", *o.priority}, {"reason", o.reason}});
    }
    if (o.reassign_to_role || o.team) {
      route("", o.team.value_or(working_.team),
            o.reassign_to_role ? role_name(*o.reassign_to_role) : working_.queue_role);
    }
  }

  // --- state entry and exit -----------------------------------------------------------------
  void exit_state(const StateDef& from) {
    for (const auto& name : from.timers) cancel_timer("timer:" + name);
  }

  void start_named_timer(const std::string& name) {
    const auto* def = wf_.timer(name);
    if (!def) throw std::logic_error("unknown timer " + name);  // validated at load
    set_timer("timer:" + name, name, calendar_or_default(def->calendar).add(now_, def->after));
  }

  void enter_state(const StateDef* from, const StateDef& to) {
    if (to.final) {
      for (const auto& clock : std::vector<SlaClock>(working_.slas)) meet_clock(clock.name);
      for (const auto& timer : std::vector<CaseTimer>(working_.timers)) cancel_timer(timer.key);
      return;
    }
    if (from && from->stage == Stage::kFollowUp && to.stage != Stage::kFollowUp) {
      // The case reopened: the follow-up it was waiting for no longer applies, and the
      // customer's problem is unresolved again, so the resolution target runs anew.
      cancel_timer("follow_up");
      const auto* resolution = working_.sla("resolution");
      if (resolution && resolution->status == "met") {
        start_clock("resolution", sla_->targets.at(working_.severity).resolution, "");
      }
    }
    if (to.waiting_on_customer) {
      pause_clocks();
    } else {
      if (from && from->waiting_on_customer) resume_clocks();
      const auto* stage_clock = working_.sla("stage");
      const bool same_stage =
          stage_clock && stage_clock->stage == stage_name(to.stage) && stage_clock->status != "met";
      if (!same_stage) {
        if (stage_clock) meet_clock("stage");
        if (const auto target = stage_target(to))
          start_clock("stage", *target, stage_name(to.stage));
      }
    }
    if (to.resolves) meet_clock("resolution");
    for (const auto& name : to.timers) start_named_timer(name);
  }

  // --- compensation totals --------------------------------------------------------------------
  Money currency_zero() const { return Money{0, compensation_->currency()}; }

  Money order_paid() const {
    return working_.order.paid.currency.empty() ? currency_zero() : working_.order.paid;
  }

  // Refunds granted so far: before the case, plus approved or executed refunds on it.
  Money refunded_so_far() const {
    Money total = working_.order.refunded.currency.empty() ? Money{0, order_paid().currency}
                                                           : working_.order.refunded;
    for (const auto& c : working_.compensations) {
      const auto type = parse_compensation_type(c.type);
      if (!type || !is_refund(*type) || c.value.currency != total.currency) continue;
      if (c.status == "approved" || c.status == "executed") {
        total.amount = saturating_add(total.amount, c.value.amount);
      }
    }
    return total;
  }

  Money customer_granted_30d() const {
    Money total = history_.compensation_granted_30d.currency.empty()
                      ? currency_zero()
                      : history_.compensation_granted_30d;
    for (const auto& c : working_.compensations) {
      if ((c.status == "approved" || c.status == "executed") && c.decided_at &&
          *c.decided_at > now_ - kThirtyDays && c.value.currency == total.currency) {
        total.amount = saturating_add(total.amount, c.value.amount);
      }
    }
    return total;
  }

  // What the compensation policy needs to judge `value` of `type` granted by the acting role,
  // against the case and the customer as they are now.
  ProposalInput proposal_input(CompensationType type, const Money& value) const {
    ProposalInput input;
    input.type = type;
    input.value = value;
    input.proposer_role = actor_.role;
    input.order_paid = order_paid();
    input.order_refunded = refunded_so_far();
    input.case_granted =
        compensation_total(working_, compensation_->currency(), {"approved", "executed"});
    input.customer_granted_30d = customer_granted_30d();
    return input;
  }

  const CompensationPolicy& compensation() const { return *compensation_; }
  const EscalationPolicy& escalation_policy() const { return *escalation_; }
  const SlaPolicy& sla() const { return *sla_; }

 private:
  const WorkflowCatalog& catalog_;
  const WorkflowDefinition& wf_;
  const Actor& actor_;
  const Instant now_;
  const CustomerHistory& history_;
  const BusinessCalendar* calendar_ = nullptr;
  const SlaPolicy* sla_ = nullptr;
  const EscalationPolicy* escalation_ = nullptr;
  const CompensationPolicy* compensation_ = nullptr;
  CaseSnapshot working_;
  std::int64_t new_version_;
  std::vector<Effect> effects_;
};

// The rejection for a compensation policy's refusal: its own code where the client can act on
// that code, INVALID_FIELD (the proposed value is wrong) for the rest.
RejectionCode map_policy_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCurrencyMismatch:
    case ErrorCode::kRefundExceedsPaid:
    case ErrorCode::kExceedsAuthority:
    case ErrorCode::kSelfApproval:
    case ErrorCode::kRoleNotPermitted:
      return code;
    default:
      return ErrorCode::kInvalidField;
  }
}

// Validates and canonicalises command data against the workflow's fields, reporting every field
// at fault (each with its pointer under `base`, "/data" or "/fields"); money fields are bounded by
// the compensation policy's maximum amount. `allowed` limits the names
// accepted (nullptr = any declared field); `editable_only` refuses fields marked not editable.
std::variant<nlohmann::json, Rejection> canonical_data(
    const WorkflowDefinition& wf, const nlohmann::json& data,
    const std::vector<std::string>* allowed, const std::string& context, const std::string& base,
    const CompensationPolicy& policy, bool editable_only, bool allow_null) {
  if (data.is_null()) return nlohmann::json::object();  // no data given
  if (!data.is_object()) {
    return reject(RejectionCode::kInvalidField, "data must be a JSON object of field values", base);
  }
  if (data.size() > kMaxFieldsPerCommand) {
    return reject(RejectionCode::kInvalidField,
                  "data has " + std::to_string(data.size()) + " fields; at most " +
                      std::to_string(kMaxFieldsPerCommand) + " are allowed",
                  base);
  }
  InputProblems problems;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : data.items()) {
    const std::string pointer = base + "/" + pointer_token(key);
    const auto* field = wf.field(key);
    if (!field) {
      problems.add(RejectionCode::kInvalidField, pointer,
                   "unknown field " + quote_name(key) + " for workflow " + quote_name(wf.id));
      continue;
    }
    if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      problems.add(
          RejectionCode::kInvalidField, pointer,
          "field " + quote_name(key) + " is not accepted by " + context +
              (allowed->empty() ? "; it takes no fields" : "; it accepts: " + join(*allowed)));
      continue;
    }
    if (editable_only && !field->editable) {
      problems.add(RejectionCode::kInvalidField, pointer,
                   "field " + quote_name(key) + " can only be set by a transition");
      continue;
    }
    if (value.is_null() && allow_null) {
      out[key] = nullptr;
      continue;
    }
    auto canonical = canonical_field_value(*field, value);
    if (!canonical.ok()) {
      problems.add(RejectionCode::kInvalidField, pointer, canonical.error().message);
      continue;
    }
    if (field->type == FieldType::kMoney) {
      const auto amount = money_from_json(canonical.value());
      if (auto bounded = policy.check_amount(amount.value(), "field " + quote_name(key));
          !bounded.ok()) {
        problems.add(RejectionCode::kInvalidField, pointer + bounded.error().pointer,
                     bounded.error().message);
        continue;
      }
    }
    out[key] = canonical.value();
  }
  if (!problems.empty()) return problems.rejection();
  return out;
}

class CommandHandler {
 public:
  explicit CommandHandler(DecisionBuilder& b) : b_(b) {}

  std::optional<Rejection> operator()(const CreateCase&) { return std::nullopt; }  // handled apart

  std::optional<Rejection> operator()(const FireTransition& cmd) {
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
    if (snap.is_closed()) {
      return reject(RejectionCode::kCaseClosed, "case " + snap.id + " is closed (state " +
                                                    quote_name(snap.state) +
                                                    "); it takes no transitions");
    }
    const auto* from = wf.state(snap.state);
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
      return reject(RejectionCode::kRoleNotPermitted,
                    "role " + quote_name(role_name(b_.actor().role)) + " may not fire " +
                        quote_name(name) + "; allowed roles: " + role_list(t->roles));
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
        problems.add(RejectionCode::kMissingField, "/data/" + pointer_token(required),
                     "transition " + quote_name(name) + " requires field " + quote_name(required) +
                         " (" + field_type_name(f->type) + ")");
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
                      "/data/" + pointer_token(a.due_field));
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
    b_.emit("case.transitioned", {{"transition", name},
                                  {"from", from_name},
                                  {"to", to->name},
                                  {"stage", stage_name(to->stage)},
                                  {"final", to->final},
                                  {"waiting_on_customer", to->waiting_on_customer}});
    if (from) b_.exit_state(*from);
    for (const auto& a : t->actions) run_action(a, *t);
    b_.enter_state(from, *to);
    b_.webhook("case.transitioned", {{"transition", name}, {"from", from_name}, {"to", to->name}});
    if (to->final) b_.webhook("case.closed", {{"transition", name}});
    return std::nullopt;
  }

  std::optional<Rejection> check_promise_due(Instant due, const std::string& pointer) {
    if (due <= b_.now()) {
      return reject(RejectionCode::kInvalidField,
                    "a promise must be due in the future; " + format_rfc3339(due) +
                        " is not after " + format_rfc3339(b_.now()),
                    pointer);
    }
    if (due > b_.now() + kMaxPromiseHorizon) {
      return reject(RejectionCode::kInvalidField, "a promise may be at most 90 days ahead",
                    pointer);
    }
    return std::nullopt;
  }

  void record_promise(Instant due, const std::string& text) {
    Promise p{b_.allocate_id("prm"), due, text, b_.actor().id, "open"};
    b_.emit("promise.recorded", p);
    b_.set_timer("promise:" + p.id, "promise", due);
  }

  void request_approval(const std::string& kind, const std::string& subject, Role role,
                        const std::string& on_approved, const std::string& on_rejected,
                        const std::string& reason) {
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
    b_.emit("approval.requested", a);
    b_.add_effect(ApprovalRequest{b_.working().id, a.id, kind, a.required_role});
    b_.webhook("approval.requested", {{"approval_id", a.id},
                                      {"kind", kind},
                                      {"subject", subject},
                                      {"required_role", a.required_role}});
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
      return reject(RejectionCode::kMissingField, "give at least one field to update", "/fields");
    }
    auto canonical = canonical_data(b_.wf(), cmd.fields, nullptr, "a field update", "/fields",
                                    b_.compensation(), true, true);
    if (auto* r = std::get_if<Rejection>(&canonical)) return *r;
    b_.emit("case.fields_set", {{"fields", std::get<nlohmann::json>(canonical)}});
    b_.webhook("case.updated", {{"fields", std::get<nlohmann::json>(canonical)}});
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
    b_.route(cmd.assignee, cmd.team.empty() ? b_.working().team : cmd.team,
             b_.working().queue_role);
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
    b_.emit("reply.sent", {{"text", cmd.text}});
    b_.meet_clock("first_response");
    // Replying by the promised time keeps the promise (the handbooks: reply when you said).
    for (const auto& p : std::vector<Promise>(b_.working().promises)) {
      if (p.status == "open" && p.due >= b_.now()) {
        b_.emit("promise.kept", {{"id", p.id}});
        b_.cancel_timer("promise:" + p.id);
      }
    }
    return std::nullopt;
  }

  std::optional<Rejection> operator()(const AddComment& cmd) {
    if (auto r = check_text(cmd.text, "comment", kMaxMessageLength, false, "/text")) return r;
    b_.emit("comment.added", {{"text", cmd.text}});
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
      return reject(RejectionCode::kInvalidField,
                    "unknown compensation type " + quote_name(cmd.type) +
                        "; expected full_refund, partial_refund, return_and_refund, exchange, "
                        "reshipment, repair, coupon, next_order_discount, full_reduction_voucher, "
                        "gift, points, membership_upgrade or apology_only",
                    "/type");
    }
    if (auto r = check_text(cmd.note, "note", kMaxReasonLength, true, "/note")) return r;
    const auto& snap = b_.working();
    const ProposalInput input = b_.proposal_input(*type, cmd.value);
    const auto outcome = b_.compensation().evaluate(input);
    if (!outcome.ok()) {
      return reject(map_policy_error(outcome.error().code), outcome.error().message,
                    "/value" + outcome.error().pointer);
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
      return std::nullopt;
    }
    const Role required = outcome.value().required_role;
    c.status = "pending";
    c.required_role = role_name(required);
    // The approval gets the id after the compensation's.
    c.approval_id = "apr-" + std::to_string(snap.next_id + 1);
    b_.emit("compensation.proposed", c);
    request_approval("compensation", c.id, required, "", "", outcome.value().reason);
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
    b_.webhook("compensation.executed",
               {{"compensation_id", comp->id}, {"type", comp->type}, {"reference", cmd.reference}});
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
        return reject(RejectionCode::kInvalidField,
                      "escalation level must be team_lead, supervisor or manager", "/to_level");
      }
      target = *ladder_rank(*role);
    }
    if (target <= current || target > kLadderTop) {
      return reject(RejectionCode::kInvalidField,
                    "case is already at level " + quote_name(b_.working().escalation_level) +
                        "; escalation must go higher",
                    "/to_level");
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
        return reject(RejectionCode::kInvalidField,
                      "level must be agent, team_lead, supervisor or manager", "/to_level");
      }
      target = *ladder_rank(*role);
    }
    if (target >= current || target < 0) {
      return reject(RejectionCode::kInvalidField,
                    "case is at level " + quote_name(b_.working().escalation_level) +
                        "; de-escalation must go lower",
                    "/to_level");
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
      const auto* c = b_.working().sla(clock);
      if (!c) throw std::logic_error("SLA timer without its clock");
      b_.emit(breach ? "sla.breached" : "sla.warning", {{"clock", clock}});
      b_.webhook(breach ? "case.sla_breached" : "case.sla_warning",
                 {{"clock", clock}, {"due", format_rfc3339(c->due)}});
      EscalationSituation situation;
      situation.trigger = breach ? EscalationTrigger::kSlaBreach : EscalationTrigger::kSlaWarning;
      situation.sla_clock = clock;
      b_.escalate(situation);
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
          b_.emit("timer.skipped", {{"key", key}, {"reason", r->message}});
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

Engine::Engine(std::shared_ptr<const WorkflowCatalog> catalog) : catalog_(std::move(catalog)) {}

namespace {

// A creation command checked against the catalog: its workflow and canonical fields, or every
// problem with its inputs.
struct CheckedCreation {
  std::shared_ptr<const WorkflowDefinition> wf;
  nlohmann::json fields;
};

// `check_case_id`: false before the store has allocated the id (the API's early check).
std::variant<CheckedCreation, Rejection> check_creation(const WorkflowCatalog& catalog,
                                                        const CreateCase& cmd, const Actor& actor,
                                                        bool check_case_id) {
  auto wf = cmd.workflow_version ? catalog.find(cmd.workflow_id, *cmd.workflow_version)
                                 : catalog.latest(cmd.workflow_id);
  if (!wf) {
    return reject(
        RejectionCode::kUnknownWorkflow,
        "no workflow " + quote_name(cmd.workflow_id) +
            (cmd.workflow_version ? " version " + std::to_string(*cmd.workflow_version) : ""),
        "/workflow_id");
  }
  if (std::find(wf->create.roles.begin(), wf->create.roles.end(), actor.role) ==
      wf->create.roles.end()) {
    return reject(RejectionCode::kRoleNotPermitted,
                  "role " + quote_name(role_name(actor.role)) + " may not open " +
                      quote_name(wf->id) + " cases; allowed roles: " + role_list(wf->create.roles));
  }
  const auto* compensation = catalog.compensation_policy(wf->policies.compensation);
  if (!compensation) {
    // The catalog cross-checks references at load, so this is a broken invariant.
    throw std::logic_error("workflow " + wf->id + " refers to a policy the catalog lacks");
  }
  // From here on every input is checked and every problem reported.
  InputProblems problems;
  if (check_case_id && (cmd.case_id.empty() || cmd.case_id.size() > kMaxIdLength)) {
    problems.add(RejectionCode::kInvalidField, "/id", "case id must be 1-128 characters");
  }
  if (!is_severity(cmd.severity)) {
    problems.add(
        RejectionCode::kInvalidField, "/severity",
        "severity " + quote_name(cmd.severity) + " is not one of low, normal, high, critical");
  }
  for (const auto& [value, pointer] : std::vector<std::pair<const std::string*, const char*>>{
           {&cmd.category, "/category"},
           {&cmd.customer.id, "/customer/id"},
           {&cmd.customer.segment, "/customer/segment"},
           {&cmd.customer.tier, "/customer/tier"},
           {&cmd.order.id, "/order/id"},
           {&cmd.team, "/team"},
           {&cmd.assignee, "/assignee"}}) {
    if (auto r = check_text(*value, std::string(pointer + 1), kMaxIdLength, true, pointer)) {
      problems.add(*r);
    }
  }
  if (!cmd.order.paid.currency.empty() && !cmd.order.refunded.currency.empty() &&
      cmd.order.paid.currency != cmd.order.refunded.currency) {
    problems.add(RejectionCode::kCurrencyMismatch, "/order/refunded",
                 "order paid and refunded amounts differ in currency");
  } else if (cmd.order.refunded.amount > cmd.order.paid.amount) {
    problems.add(RejectionCode::kInvalidField, "/order/refunded",
                 "order refunded amount exceeds the amount paid");
  }
  struct NamedAmount {
    const Money* amount;
    const char* pointer;
    const char* name;
  };
  for (const auto& [amount, pointer, name] :
       {NamedAmount{&cmd.order.paid, "/order/paid", "order paid"},
        NamedAmount{&cmd.order.refunded, "/order/refunded", "order refunded"}}) {
    if (auto bounded = compensation->check_amount(*amount, name); !bounded.ok()) {
      problems.add(RejectionCode::kInvalidField, pointer + bounded.error().pointer,
                   bounded.error().message);
    }
  }
  std::vector<std::string> allowed = wf->create.requires_fields;
  allowed.insert(allowed.end(), wf->create.accepts_fields.begin(), wf->create.accepts_fields.end());
  auto canonical = canonical_data(*wf, cmd.fields, &allowed, "case creation", "/fields",
                                  *compensation, false, false);
  if (auto* r = std::get_if<Rejection>(&canonical)) problems.add(*r);
  for (const auto& required : wf->create.requires_fields) {
    // A required field given is either valid or already reported as invalid.
    if (!cmd.fields.is_object() || !cmd.fields.contains(required)) {
      problems.add(
          RejectionCode::kMissingField, "/fields/" + pointer_token(required),
          "opening a " + quote_name(wf->id) + " case requires field " + quote_name(required));
    }
  }
  if (!problems.empty()) return problems.rejection();
  return CheckedCreation{std::move(wf), std::get<nlohmann::json>(std::move(canonical))};
}

Decision create_case(const WorkflowCatalog& catalog, const CreateCase& cmd, const Actor& actor,
                     Instant now, const CustomerHistory& history) {
  auto checked = check_creation(catalog, cmd, actor, /*check_case_id=*/true);
  if (auto* r = std::get_if<Rejection>(&checked)) return std::move(*r);
  const auto& wf = std::get<CheckedCreation>(checked).wf;
  const auto& fields = std::get<CheckedCreation>(checked).fields;
  const auto* initial = wf->state(wf->initial_state);

  CaseSnapshot initial_snapshot;
  initial_snapshot.id = cmd.case_id;
  initial_snapshot.workflow_id = wf->id;
  initial_snapshot.workflow_version = wf->version;
  initial_snapshot.state = initial->name;
  initial_snapshot.stage = stage_name(initial->stage);
  initial_snapshot.version = 1;
  initial_snapshot.created_at = now;
  initial_snapshot.updated_at = now;
  initial_snapshot.severity = cmd.severity;
  initial_snapshot.category = cmd.category;
  if (initial_snapshot.category.empty() && fields.contains("category") &&
      fields["category"].is_string()) {
    initial_snapshot.category = fields["category"].get<std::string>();
  }
  initial_snapshot.customer = cmd.customer;
  initial_snapshot.order = cmd.order;
  initial_snapshot.team = cmd.team;
  initial_snapshot.assignee = cmd.assignee;
  initial_snapshot.queue_role = "agent";
  initial_snapshot.fields = fields;

  CaseSnapshot empty;
  empty.version = 0;
  DecisionBuilder b(catalog, *wf, actor, now, history, empty);
  b.emit("case.created", snapshot_to_json(initial_snapshot));
  const auto& targets = b.sla().targets.at(cmd.severity);
  b.start_clock("first_response", targets.first_response, "");
  b.start_clock("resolution", targets.resolution, "");
  b.enter_state(nullptr, *initial);
  b.webhook("case.created", {{"category", initial_snapshot.category}});

  EscalationSituation situation;
  situation.trigger = EscalationTrigger::kSeverityAtCreation;
  b.escalate(situation);
  if (!cmd.customer.segment.empty()) {
    situation.trigger = EscalationTrigger::kCustomerSegment;
    b.escalate(situation);
  }
  if (!cmd.customer.tier.empty()) {
    situation.trigger = EscalationTrigger::kCustomerTier;
    b.escalate(situation);
  }
  if (!cmd.customer.id.empty()) {
    situation.trigger = EscalationTrigger::kRepeatComplainant;
    situation.customer_cases_opened_at = history.other_cases_opened_at;
    situation.customer_cases_opened_at.push_back(now);
    b.escalate(situation);
  }
  return b.finish();
}

}  // namespace

Decision Engine::decide(const CaseSnapshot* current, const Command& command, const Actor& actor,
                        Instant now, const CustomerHistory& history) const {
  // The one role table (engine/command_roles.h) is the outer gate of every command, checked
  // before anything about the case, as the router checks it before reading the request.
  if (auto refused = check_command_role(command_kind_of(command.body), actor.role)) {
    return std::move(*refused);
  }
  if (const auto* create = std::get_if<CreateCase>(&command.body)) {
    if (current) {
      return reject(RejectionCode::kAlreadyExists, "case " + current->id + " already exists");
    }
    return create_case(*catalog_, *create, actor, now, history);
  }
  if (!current) return reject(RejectionCode::kNotFound, "no such case");
  if (command.expected_version && *command.expected_version != current->version) {
    return reject(RejectionCode::kVersionConflict, "case " + current->id + " is at version " +
                                                       std::to_string(current->version) + ", not " +
                                                       std::to_string(*command.expected_version) +
                                                       "; reload it and try again");
  }
  const auto wf = catalog_->find(current->workflow_id, current->workflow_version);
  if (!wf) {
    return reject(RejectionCode::kUnknownWorkflow,
                  "case " + current->id + " is pinned to workflow " +
                      quote_name(current->workflow_id) + " version " +
                      std::to_string(current->workflow_version) + ", which is not loaded");
  }
  DecisionBuilder builder(*catalog_, *wf, actor, now, history, *current);
  CommandHandler handler(builder);
  if (auto rejection = std::visit(handler, command.body)) return *rejection;
  return builder.finish();
}

std::optional<Rejection> Engine::check_creation(const CreateCase& command,
                                                const Actor& actor) const {
  if (auto refused = check_command_role(CommandKind::kCreate, actor.role)) return refused;
  auto checked = redress::check_creation(*catalog_, command, actor, /*check_case_id=*/false);
  if (auto* r = std::get_if<Rejection>(&checked)) return std::move(*r);
  return std::nullopt;
}

std::vector<const TransitionDef*> Engine::available_transitions(const CaseSnapshot& snapshot,
                                                                const Actor& actor) const {
  std::vector<const TransitionDef*> out;
  const auto wf = catalog_->find(snapshot.workflow_id, snapshot.workflow_version);
  if (!wf || snapshot.is_closed() || !command_allowed(CommandKind::kFireTransition, actor.role)) {
    return out;
  }
  for (const auto& t : wf->transitions) {
    if (t.allowed_from(snapshot.state, false) && t.role_allowed(actor.role)) out.push_back(&t);
  }
  return out;
}

std::vector<SuggestedRemedy> Engine::suggest_remedies(const CaseSnapshot& snapshot) const {
  const auto wf = catalog_->find(snapshot.workflow_id, snapshot.workflow_version);
  if (!wf) return {};
  const auto* policy = catalog_->compensation_policy(wf->policies.compensation);
  if (!policy) return {};
  RemedyQuery q;
  q.category = snapshot.category;
  q.fault_party = snapshot.fields.value("fault_party", std::string());
  q.severity = snapshot.severity;
  q.segment = snapshot.customer.segment;
  q.order_paid =
      snapshot.order.paid.currency.empty() ? Money{0, policy->currency()} : snapshot.order.paid;
  return policy->suggest(q);
}

}  // namespace redress
