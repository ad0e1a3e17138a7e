#include "engine/case_creation.h"

namespace redress::detail {

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
        "/workflow_id", problem_params("unknown_workflow", {{"workflow", cmd.workflow_id}}));
  }
  if (std::find(wf->create.roles.begin(), wf->create.roles.end(), actor.role) ==
      wf->create.roles.end()) {
    auto refusal =
        reject(RejectionCode::kRoleNotPermitted,
               "role " + quote_name(role_name(actor.role)) + " may not open " + quote_name(wf->id) +
                   " cases; allowed roles: " + role_list(wf->create.roles));
    refusal.allowed_roles = wf->create.roles;
    return refusal;
  }
  const auto* compensation = catalog.compensation_policy(wf->policies.compensation);
  if (!compensation) {
    // The catalog cross-checks references at load, so this is a broken invariant.
    throw std::logic_error("workflow " + wf->id + " refers to a policy the catalog lacks");
  }
  // From here on every input is checked and every problem reported.
  InputProblems problems;
  if (check_case_id && (cmd.case_id.empty() || cmd.case_id.size() > kMaxIdLength)) {
    problems.add(
        RejectionCode::kInvalidField, "/id", "case id must be 1-128 characters",
        problem_params("length_out_of_range", {{"min_length", 1}, {"max_length", kMaxIdLength}}));
  }
  if (!is_severity(cmd.severity)) {
    problems.add(RejectionCode::kInvalidField, "/severity",
                 "severity " + quote_name(cmd.severity) + " is not one of " + join(kSeverities),
                 problem_params("not_one_of", {{"allowed", kSeverities}}));
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
    problems.add(
        RejectionCode::kCurrencyMismatch, "/order/refunded",
        "order paid and refunded amounts differ in currency",
        problem_params("order_currency", {{"expected_currency", cmd.order.paid.currency}}));
  } else if (cmd.order.refunded.amount > cmd.order.paid.amount) {
    problems.add(RejectionCode::kInvalidField, "/order/refunded",
                 "order refunded amount exceeds the amount paid",
                 problem_params("refund_exceeds_refundable",
                                {{"refundable", money_to_json(cmd.order.paid)}}));
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
                   bounded.error().message, bounded.error().params);
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
          "opening a " + quote_name(wf->id) + " case requires field " + quote_name(required),
          problem_params("required", {{"field", required}}));
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
  // An assignment by the policy is journaled as its own entry, with its reason (below).
  initial_snapshot.assignee = cmd.assignment_reason.is_null() ? cmd.assignee : std::string();
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
  if (!wf->create.emit.empty()) {
    // The workflow's own name for "opened" (invoice.requested), for systems that subscribe to
    // one kind of case rather than filtering every case.created.
    b.emit("event.emitted", {{"event", wf->create.emit}});
    b.webhook(wf->create.emit);
  }
  if (!cmd.assignment_reason.is_null()) {
    // The policy's choice, as the API made it: the case is opened in the team queue and the
    // assignment follows with its reason, also when the choice was to leave it there.
    if (cmd.assignee.empty()) {
      b.emit("case.assigned", {{"assignee", ""},
                               {"team", initial_snapshot.team},
                               {"queue_role", initial_snapshot.queue_role},
                               {"reason", cmd.assignment_reason}});
    } else {
      b.route(cmd.assignee, initial_snapshot.team, initial_snapshot.queue_role,
              cmd.assignment_reason);
    }
  }

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
  // The opening summary and every customer-visible field are read like a customer's message.
  b.scan_customer_visible(fields);
  return b.finish();
}

}  // namespace redress::detail
