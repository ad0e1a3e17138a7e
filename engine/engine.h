// Engine: decide(case, command, actor, now) -> Decision. Pure and deterministic.
//
// The engine validates a command against the case's pinned workflow version and the shared
// policies (SLA, escalation, compensation, calendars) of the catalog it was built with, and
// returns either a Rejection with a stable code and every problem found, or the new snapshot and
// the ordered effects the caller must apply atomically. It performs no I/O and reads no clock:
// `now` and the customer's history come from the caller. Same inputs, same decision.
//
// Thread-safety: const methods are safe to call concurrently; the catalog is immutable.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/command.h"
#include "engine/compensation_policy.h"
#include "engine/decision.h"
#include "engine/role.h"
#include "engine/workflow_catalog.h"

namespace redress {

// One suggested remedy judged for a proposer: what `decide` would make of a proposal of its
// estimated cost (the role table, the case being open, CompensationPolicy::evaluate).
struct RemedyAssessment {
  SuggestedRemedy remedy;
  bool within_authority = false;      // the proposal would be approved at once
  std::optional<Role> approver_role;  // else the role it would go to; nullopt when refused
};

// The remedies for a case as one proposer sees them: each judged against their authority, and
// the authority they have left (nullopt for a role without compensation authority).
struct RemedyAdvice {
  std::optional<RemainingAuthority> authority;
  std::vector<RemedyAssessment> remedies;  // cheapest first, as suggest_remedies
};

// A closed case the customer may still have reopened: the reopen transition out of its state
// and the end of its window (closed_at plus the transition's `within`, on the workflow's calendar).
struct ReopenOffer {
  const TransitionDef* transition = nullptr;
  Instant window_ends{};
};

class Engine {
 public:
  explicit Engine(std::shared_ptr<const WorkflowCatalog> catalog);

  // `current` is null only for CreateCase. The actor's role is checked first against the one
  // role table (engine/command_roles.h): ROLE_NOT_PERMITTED before anything else.
  Decision decide(const CaseSnapshot* current, const Command& command, const Actor& actor,
                  Instant now, const CustomerHistory& history = {}) const;

  // The rejection `decide` would give `command` for its inputs alone (workflow, role, ids,
  // severity, texts, order amounts, fields), listing every problem; nullopt when they are valid.
  // The case id is not checked: the store allocates an empty one after this check.
  // The API uses it to report the engine's findings together with its own when a request body
  // has problems of both kinds.
  std::optional<Rejection> check_creation(const CreateCase& command, const Actor& actor) const;

  // Transitions `actor` may fire from the case's current state (the role table, the transition's
  // roles and the state permitting; not the outcomes a follow-up attempt fires, see
  // is_follow_up_outcome; conditions and required fields are checked when fired). On a closed
  // case: its reopen transitions while their window is open at `now` (none when `now` is not
  // given).
  std::vector<const TransitionDef*> available_transitions(
      const CaseSnapshot& snapshot, const Actor& actor,
      std::optional<Instant> now = std::nullopt) const;

  // The reopen a closed case offers, whether or not its window is still open; nullopt for an
  // open case or a final state no reopen leaves.
  std::optional<ReopenOffer> reopen_offer(const CaseSnapshot& snapshot) const;

  // The compensation policy's remedy suggestions for the case, cheapest first.
  std::vector<SuggestedRemedy> suggest_remedies(const CaseSnapshot& snapshot) const;

  // The suggestions judged for `actor` at `now`: each one's proposal decided on a copy of the
  // case, and the authority left by the totals such a proposal is judged by (`history` as the
  // store gathers it for a proposal: the customer's other cases included). Empty when the
  // case's workflow is not loaded.
  RemedyAdvice advise_remedies(const CaseSnapshot& snapshot, const Actor& actor, Instant now,
                               const CustomerHistory& history) const;

  const WorkflowCatalog& catalog() const { return *catalog_; }

 private:
  std::shared_ptr<const WorkflowCatalog> catalog_;
};

}  // namespace redress
