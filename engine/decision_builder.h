// The working parts of one decision, shared by the command handlers (engine/command_handlers.cpp)
// and case creation (engine/case_creation.cpp): DecisionBuilder, which applies each event to a
// working snapshot as it is emitted, and the input checks every command uses.
//
// Internal to engine/: nothing outside it includes this header. Thread-safety: a DecisionBuilder
// belongs to the one decide() call that made it; the free functions are pure.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "engine/case_json.h"
#include "engine/case_vocabulary.h"
#include "engine/command.h"
#include "engine/compensation_policy.h"
#include "engine/decision.h"
#include "engine/role.h"
#include "engine/webhook_case_data.h"
#include "engine/workflow_catalog.h"

namespace redress::detail {

inline constexpr auto kThirtyDays = std::chrono::hours(24 * 30);
inline constexpr auto kMaxPromiseHorizon = std::chrono::hours(24 * 90);
inline constexpr size_t kMaxFieldsPerCommand = 100;

// A rejection with at most one problem: the message is both the summary and, when an input is at
// fault (`pointer` given), that input's problem, described as data by `params` (see
// RejectionProblem).
Rejection reject(RejectionCode code, std::string message, std::string pointer = {},
                 nlohmann::json params = nlohmann::json::object());

// Collects every problem with a command's inputs, so one rejection reports
// them at once. The rejection's code is MISSING_FIELD when every problem is a missing input,
// otherwise the code of the first other problem.
class InputProblems {
 public:
  void add(RejectionCode code, std::string pointer, std::string message,
           nlohmann::json params = nlohmann::json::object()) {
    if (code != RejectionCode::kMissingField && !code_) code_ = code;
    problems_.push_back({std::move(pointer), std::move(message), code, std::move(params)});
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
    return Rejection{
        code_.value_or(RejectionCode::kMissingField), std::move(summary), problems_, {}};
  }

 private:
  std::optional<RejectionCode> code_;
  std::vector<RejectionProblem> problems_;
};

// Text bounds shared by every free-text command member.
std::optional<Rejection> check_text(const std::string& text, const std::string& what,
                                    std::int64_t max_length, bool allow_empty,
                                    const std::string& pointer);

// The escalation ladder's rank of a level name ("agent" 0 ... ), and back.
int level_rank(const std::string& level);
std::string level_name(int rank);
std::string role_list(const std::vector<Role>& roles);

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
    if (!wf.policies.follow_up.empty()) {
      follow_up_ = catalog.follow_up_policy(wf.policies.follow_up);
      if (!follow_up_)
        throw std::logic_error("workflow " + wf.id + " refers to a policy the catalog lacks");
    }
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
    auto data = webhook_case_data(working_);
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
    // A cutoff's deadline is a closing time, so it is measured in working time like a business
    // target: warnings come at warning_percent of the working time until the deadline, and a
    // pause moves the deadline on by the working time spent paused.
    clock.business = target.kind != Duration::Kind::kCalendar;
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

  void restart_resolution_clock() {
    start_clock("resolution", sla_->targets.at(working_.severity).resolution, "");
  }

  // The workflow's calendar (deadlines of its own, such as a reopen window, are measured on it).
  const BusinessCalendar& calendar() const { return *calendar_; }

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

  // Gives every clock that is not met the target `severity` sets, keeping the time it has
  // consumed: a running clock's timers move to the new deadlines, a paused clock keeps its
  // pause (resuming computes from the new target), and a clock already past its new warning
  // point or deadline warns or breaches at once.
  void retarget_clocks(const std::string& severity) {
    for (const auto& clock : std::vector<SlaClock>(working_.slas)) {
      if (clock.status == "met") continue;
      std::optional<Duration> target;
      if (clock.name == "first_response") {
        target = sla_->targets.at(severity).first_response;
      } else if (clock.name == "resolution") {
        target = sla_->targets.at(severity).resolution;
      } else if (clock.name == "supervisor_contact") {
        if (const auto it = sla_->supervisor_contact.find(severity);
            it != sla_->supervisor_contact.end()) {
          target = it->second;
        }
      } else if (clock.name == "stage") {
        if (const auto* state = wf_.state(working_.state)) target = stage_target(*state, severity);
      }
      if (!target) continue;  // no target for this severity: the clock keeps its own
      const auto& cal = calendar_or_default(clock.calendar);
      const bool business = target->kind == Duration::Kind::kBusiness;
      // A day target's working time depends on where it starts: measured from now, as a new
      // clock would be.
      const Instant end = cal.add(now_, *target);
      const std::int64_t target_ms =
          business ? cal.working_time_between(now_, end).count() : (end - now_).count();
      const std::int64_t warn_ms = target_ms * sla_->warning_percent / 100;
      if (target_ms == clock.target_ms && business == clock.business) continue;
      SlaClock moved = clock;
      moved.business = business;
      nlohmann::json data{{"clock", clock.name},
                          {"business", business},
                          {"target_ms", target_ms},
                          {"warn_ms", warn_ms},
                          {"previous_target_ms", clock.target_ms}};
      std::int64_t consumed = clock.consumed_ms;
      if (clock.status == "running" && clock.running_since) {
        consumed += elapsed(clock, *clock.running_since, now_);
        data["due"] =
            format_rfc3339(position(moved, now_, std::max<std::int64_t>(0, target_ms - consumed)));
        data["warn_at"] =
            format_rfc3339(position(moved, now_, std::max<std::int64_t>(0, warn_ms - consumed)));
      }
      data["consumed_ms"] = consumed;
      emit("sla.retargeted", data);
      if (clock.status != "running") continue;
      if (!clock.warned) {
        if (consumed >= warn_ms) {
          cancel_timer("sla:" + clock.name + ":warning");
          sla_alarm(clock.name, false);
        } else {
          set_timer("sla:" + clock.name + ":warning", "sla_warning",
                    *parse_rfc3339(data["warn_at"].get<std::string>()));
        }
      }
      if (!clock.breached) {
        if (consumed >= target_ms) {
          cancel_timer("sla:" + clock.name + ":breach");
          sla_alarm(clock.name, true);
        } else {
          set_timer("sla:" + clock.name + ":breach", "sla_breach",
                    *parse_rfc3339(data["due"].get<std::string>()));
        }
      }
    }
  }

  // A clock reached its warning point or deadline: journaled, sent, and escalated by the policy.
  void sla_alarm(const std::string& clock_name, bool breach) {
    const auto* c = working_.sla(clock_name);
    if (!c) throw std::logic_error("SLA alarm without its clock");
    const auto due = c->due;
    emit(breach ? "sla.breached" : "sla.warning", {{"clock", clock_name}});
    webhook(breach ? "case.sla_breached" : "case.sla_warning",
            {{"clock", clock_name}, {"due", format_rfc3339(due)}});
    EscalationSituation situation;
    situation.trigger = breach ? EscalationTrigger::kSlaBreach : EscalationTrigger::kSlaWarning;
    situation.sla_clock = clock_name;
    escalate(situation);
  }

  std::optional<Duration> stage_target(const StateDef& state) const {
    return stage_target(state, working_.severity);
  }

  std::optional<Duration> stage_target(const StateDef& state, const std::string& severity) const {
    if (state.sla.empty()) return std::nullopt;
    if (const auto it = state.sla.find(severity); it != state.sla.end()) return it->second;
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

  // Threat signals in the customer-visible fields among `values` (field name -> value just
  // set): recorded as threat.detected, naming each field, and escalated as the policy's threat
  // rule says, as for a customer's message.
  void scan_customer_visible(const nlohmann::json& values) {
    if (!values.is_object()) return;
    std::vector<ThreatSignal> all;
    nlohmann::json by_field = nlohmann::json::object();
    for (const auto& [name, value] : values.items()) {
      const auto* field = wf_.field(name);
      if (!field || !field->customer_visible || !value.is_string()) continue;
      const auto signals = escalation_->detect_threats(value.get_ref<const std::string&>());
      if (signals.empty()) continue;
      auto& listed = by_field[name] = nlohmann::json::array();
      for (const auto& s : signals) {
        listed.push_back({{"kind", s.kind}, {"keyword", s.keyword}});
        all.push_back(s);
      }
    }
    if (all.empty()) return;
    nlohmann::json signal_json = nlohmann::json::array();
    for (const auto& s : all) signal_json.push_back({{"kind", s.kind}, {"keyword", s.keyword}});
    emit("threat.detected", {{"fields", by_field}, {"signals", signal_json}});
    if (working_.is_closed()) return;
    EscalationSituation situation;
    situation.trigger = EscalationTrigger::kThreatSignal;
    situation.signals = std::move(all);
    escalate(situation);
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
    // The supervisor contacts the customer without delay (不可拖延): reaching the supervisor's
    // level starts that deadline, met by a supervisor's reply or logged call.
    const int supervisor = *ladder_rank(Role::kSupervisor);
    if (from_rank < supervisor && to_rank >= supervisor && !working_.is_closed()) {
      if (const auto it = sla_->supervisor_contact.find(working_.severity);
          it != sla_->supervisor_contact.end()) {
        start_clock("supervisor_contact", it->second, "");
      }
    }
  }

  // `reason`: why, recorded in the journal entry (a person's words as a string, the assignment
  // policy's choice as an object); null records none.
  void route(const std::string& assignee, const std::string& team, const std::string& queue_role,
             nlohmann::json reason = nullptr) {
    if (working_.assignee == assignee && working_.team == team &&
        working_.queue_role == queue_role) {
      return;
    }
    nlohmann::json data{{"assignee", assignee}, {"team", team}, {"queue_role", queue_role}};
    if (!reason.is_null()) data["reason"] = std::move(reason);
    emit("case.assigned", std::move(data));
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
    // A wait on the warehouse or a supplier is the shop's own delay: it leaves the customer's
    // clocks running and runs an internal clock of its own (the policy's wait_targets), met when
    // the case stops waiting on that party, whose breach escalates to the wait's owner.
    const std::string left_wait = from ? from->waiting_on : std::string();
    if (left_wait != to.waiting_on) {
      if (!left_wait.empty() && working_.sla(wait_clock_name(left_wait))) {
        meet_clock(wait_clock_name(left_wait));
      }
      if (const auto it = sla_->wait_targets.find(to.waiting_on); it != sla_->wait_targets.end()) {
        start_clock(wait_clock_name(to.waiting_on), it->second, "");
      }
    }
    // Waits on the customer or the carrier (the policy's paused_by) stop every clock; leaving
    // such a wait for a state that does not pause resumes them.
    if (sla_->pauses_for(to.waiting_on)) {
      if (!from || !sla_->pauses_for(from->waiting_on)) pause_clocks();
    } else {
      if (from && sla_->pauses_for(from->waiting_on)) resume_clocks();
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
    if (history_.order && !history_.order->paid.currency.empty()) return history_.order->paid;
    return working_.order.paid.currency.empty() ? currency_zero() : working_.order.paid;
  }

  // Refunds granted so far on the case's order: outside Redress and on its other cases (from the
  // order's record, else what the case saw at creation), plus approved or executed refunds on
  // this case.
  Money refunded_so_far() const {
    Money total = working_.order.refunded.currency.empty() ? Money{0, order_paid().currency}
                                                           : working_.order.refunded;
    if (history_.order) {
      const auto& order = *history_.order;
      total = Money{0, order_paid().currency};
      for (const Money* part : {&order.refunded_outside, &order.refunded_by_other_cases}) {
        if (part->currency == total.currency) {
          total.amount = saturating_add(total.amount, part->amount);
        } else if (part->amount != 0) {
          total.currency = part->currency;  // the policy check reports the mismatch
        }
      }
    }
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
  // Null when the workflow records no follow-up attempts (no policies.follow_up).
  const FollowUpPolicy* follow_up() const { return follow_up_; }

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
  const FollowUpPolicy* follow_up_ = nullptr;
  CaseSnapshot working_;
  std::int64_t new_version_;
  std::vector<Effect> effects_;
};

// The rejection for a compensation policy's refusal: its own code where the client can act on
// that code, INVALID_FIELD (the proposed value is wrong) for the rest.
RejectionCode map_policy_error(ErrorCode code);

// Validates and canonicalises command data against the workflow's fields, reporting every field
// at fault (each with its pointer under `base`, "/data" or "/fields"); money fields are bounded
// by the compensation policy's maximum amount. `allowed` limits the names accepted (nullptr = any
// declared field); `editable_only` refuses fields marked not editable.
std::variant<nlohmann::json, Rejection> canonical_data(
    const WorkflowDefinition& wf, const nlohmann::json& data,
    const std::vector<std::string>* allowed, const std::string& context, const std::string& base,
    const CompensationPolicy& policy, bool editable_only, bool allow_null);

}  // namespace redress::detail
