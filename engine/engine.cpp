#include "engine/engine.h"

#include "engine/case_creation.h"
#include "engine/command_handlers.h"
#include "engine/command_roles.h"

namespace redress {

using detail::reject;

std::vector<Event> Decision::events() const {
  std::vector<Event> out;
  if (!accepted()) return out;
  for (const auto& effect : result().effects) {
    if (const auto* j = std::get_if<JournalAppend>(&effect)) out.push_back(j->event);
  }
  return out;
}

Engine::Engine(std::shared_ptr<const WorkflowCatalog> catalog) : catalog_(std::move(catalog)) {}

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
    return detail::create_case(*catalog_, *create, actor, now, history);
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
  detail::DecisionBuilder builder(*catalog_, *wf, actor, now, history, *current);
  if (auto rejection = detail::handle_case_command(builder, command.body)) return *rejection;
  return builder.finish();
}

std::optional<Rejection> Engine::check_creation(const CreateCase& command,
                                                const Actor& actor) const {
  if (auto refused = check_command_role(CommandKind::kCreate, actor.role)) return refused;
  auto checked = detail::check_creation(*catalog_, command, actor, /*check_case_id=*/false);
  if (auto* r = std::get_if<Rejection>(&checked)) return std::move(*r);
  return std::nullopt;
}

std::optional<ReopenOffer> Engine::reopen_offer(const CaseSnapshot& snapshot) const {
  if (!snapshot.closed_at) return std::nullopt;
  const auto wf = catalog_->find(snapshot.workflow_id, snapshot.workflow_version);
  if (!wf) return std::nullopt;
  for (const auto& t : wf->transitions) {
    if (!t.reopen || !t.allowed_from(snapshot.state, true)) continue;
    const auto* calendar = catalog_->calendar(wf->policies.calendar);
    if (!calendar) return std::nullopt;  // a loaded workflow's calendar is always loaded
    return ReopenOffer{&t, calendar->add(*snapshot.closed_at, t.reopen->within)};
  }
  return std::nullopt;
}

std::vector<const TransitionDef*> Engine::available_transitions(const CaseSnapshot& snapshot,
                                                                const Actor& actor,
                                                                std::optional<Instant> now) const {
  std::vector<const TransitionDef*> out;
  const auto wf = catalog_->find(snapshot.workflow_id, snapshot.workflow_version);
  if (!wf || !command_allowed(CommandKind::kFireTransition, actor.role)) return out;
  if (snapshot.is_closed()) {
    const auto offer = reopen_offer(snapshot);
    if (now && offer && *now <= offer->window_ends) {
      for (const auto& t : wf->transitions) {
        if (t.reopen && t.allowed_from(snapshot.state, true) && t.role_allowed(actor.role)) {
          out.push_back(&t);
        }
      }
    }
    return out;
  }
  for (const auto& t : wf->transitions) {
    if (t.allowed_from(snapshot.state, false) && t.role_allowed(actor.role) &&
        !is_follow_up_outcome(wf->policies.follow_up, t.name)) {
      out.push_back(&t);
    }
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

RemedyAdvice Engine::advise_remedies(const CaseSnapshot& snapshot, const Actor& actor, Instant now,
                                     const CustomerHistory& history) const {
  RemedyAdvice advice;
  const auto wf = catalog_->find(snapshot.workflow_id, snapshot.workflow_version);
  if (!wf) return advice;
  // The builder a ProposeCompensation would be decided with, so that the totals are the ones
  // the proposal's evaluate() sees, not a copy of how they are summed.
  const detail::DecisionBuilder builder(*catalog_, *wf, actor, now, history, snapshot);
  const auto& policy = builder.compensation();
  advice.authority = policy.remaining_authority(
      builder.proposal_input(CompensationType::kApologyOnly, Money{0, policy.currency()}));
  // Each remedy is proposed for real, on a copy: whatever would refuse the proposal (the role
  // table, a closed case, the policy) refuses it here too, and an accepted one says whether it
  // was approved at once or which role it went to.
  for (auto& remedy : suggest_remedies(snapshot)) {
    RemedyAssessment assessed;
    const ProposeCompensation proposal{compensation_type_name(remedy.type), remedy.estimated_cost,
                                       ""};
    const auto decided = decide(&snapshot, Command{proposal, std::nullopt}, actor, now, history);
    if (decided.accepted() && !decided.result().snapshot.compensations.empty()) {
      const auto& record = decided.result().snapshot.compensations.back();
      assessed.within_authority = record.status == "approved";
      if (!assessed.within_authority) assessed.approver_role = parse_role(record.required_role);
    }
    assessed.remedy = std::move(remedy);
    advice.remedies.push_back(std::move(assessed));
  }
  return advice;
}

}  // namespace redress
