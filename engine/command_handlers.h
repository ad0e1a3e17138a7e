// The handlers of every command on an existing case (all but CreateCase): each checks its
// inputs against the case and the workflow and emits its events through a DecisionBuilder.
//
// Internal to engine/. Thread-safety: pure; the builder belongs to one decide() call.
#pragma once

#include <optional>

#include "engine/decision_builder.h"

namespace redress::detail {

// Runs `body` on the builder's working case: nullopt when accepted (the builder holds the events),
// or the rejection with every problem found. CreateCase is not handled here (case_creation.h).
std::optional<Rejection> handle_case_command(DecisionBuilder& builder, const CommandBody& body);

}  // namespace redress::detail
