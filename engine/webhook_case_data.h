// The case data every webhook carries (OpenAPI WebhookCaseData): the case as it is after the
// change the webhook reports. One builder for every sender: the engine's decisions
// (DecisionBuilder::webhook) and the webhooks storage writes itself (parcel.event), so a
// subscriber reads the same members whoever sent the event.
//
// Thread-safety: a pure function.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/case_snapshot.h"

namespace redress {

// {case_id, workflow, workflow_version, state, stage, severity, priority, escalation_level,
// assignee, team, customer_id, order_id, version} of `snapshot`; each event type adds its own
// members beside these.
nlohmann::json webhook_case_data(const CaseSnapshot& snapshot);

}  // namespace redress
