// Opening a case: the creation command checked against the catalog (every problem with its
// inputs reported at once) and the decision that starts the case, its SLA clocks and the
// escalation rules that apply at creation.
//
// Internal to engine/. Thread-safety: pure.
#pragma once

#include <memory>
#include <variant>

#include "engine/decision_builder.h"

namespace redress::detail {

// A creation command checked against the catalog: its workflow and canonical fields.
struct CheckedCreation {
  std::shared_ptr<const WorkflowDefinition> wf;
  nlohmann::json fields;
};

// `check_case_id`: false before the store has allocated the id (the API's early check).
std::variant<CheckedCreation, Rejection> check_creation(const WorkflowCatalog& catalog,
                                                        const CreateCase& cmd, const Actor& actor,
                                                        bool check_case_id);

Decision create_case(const WorkflowCatalog& catalog, const CreateCase& cmd, const Actor& actor,
                     Instant now, const CustomerHistory& history);

}  // namespace redress::detail
