#include "engine/webhook_case_data.h"

namespace redress {

nlohmann::json webhook_case_data(const CaseSnapshot& snapshot) {
  return {{"case_id", snapshot.id},
          {"workflow", snapshot.workflow_id},
          {"workflow_version", snapshot.workflow_version},
          {"state", snapshot.state},
          {"stage", snapshot.stage},
          {"severity", snapshot.severity},
          {"priority", snapshot.priority},
          {"escalation_level", snapshot.escalation_level},
          {"assignee", snapshot.assignee},
          {"team", snapshot.team},
          {"customer_id", snapshot.customer.id},
          {"order_id", snapshot.order.id},
          {"version", snapshot.version}};
}

}  // namespace redress
