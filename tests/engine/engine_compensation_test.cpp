// Engine tests: Compensation: authority, approvals, refund and customer caps, the policy's maximum
// per currency, and self-approval. The shared drivers (CaseRun, actors, cases) are in
// tests/engine/test_support.h.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

BOOST_AUTO_TEST_SUITE(engine_compensation)

BOOST_AUTO_TEST_CASE(compensation_within_authority_is_approved_at_once) {
  CaseRun r;
  r.run(kAgent, complaint("C-40"));
  const auto d = r.run(kAgent, ProposeCompensation{"coupon", cny(5000), "sorry"});
  BOOST_REQUIRE(r.snap().compensations.size() == 1u);
  const auto& c = r.snap().compensations.front();
  BOOST_TEST(c.status == "approved");
  BOOST_TEST(c.decided_by == kAgent.id);
  BOOST_TEST(c.approval_id == "");
  BOOST_TEST(r.snap().approvals.empty());
  BOOST_TEST(find_webhook(d.result().effects, "compensation.approved") != nullptr);
  for (const auto& e : d.result().effects) BOOST_TEST(!std::holds_alternative<ApprovalRequest>(e));

  BOOST_TEST(outcome(r.attempt(kAgent, ProposeCompensation{"bribe", cny(1), ""})) ==
             "INVALID_FIELD");
  BOOST_TEST(outcome(r.attempt(kAgent, ProposeCompensation{"coupon", Money{100, "USD"}, ""})) ==
             "CURRENCY_MISMATCH");
  BOOST_TEST(outcome(r.attempt(kIntegration, ProposeCompensation{"coupon", cny(100), ""})) ==
             "ROLE_NOT_PERMITTED");

  // Executed only once approved; the reference is kept.
  r.run(kIntegration, MarkCompensationExecuted{c.id, "CPN-778"});
  BOOST_TEST(r.snap().compensations.front().status == "executed");
  BOOST_TEST(r.snap().compensations.front().reference == "CPN-778");
  BOOST_TEST(outcome(r.attempt(kIntegration, MarkCompensationExecuted{c.id, "again"})) ==
             "INVALID_STATE");
  BOOST_TEST(outcome(r.attempt(kIntegration, MarkCompensationExecuted{"cmp-99", "x"})) ==
             "NOT_FOUND");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(compensation_above_authority_needs_approval) {
  CaseRun r;
  r.run(kAgent, complaint("C-41"));
  const auto d = r.run(kAgent, ProposeCompensation{"coupon", cny(5001), "bigger coupon"});
  BOOST_REQUIRE(r.snap().compensations.size() == 1u);
  const auto comp = r.snap().compensations.front();
  BOOST_TEST(comp.status == "pending");
  BOOST_TEST(comp.required_role == "team_lead");
  BOOST_REQUIRE(r.snap().approvals.size() == 1u);
  const auto approval = r.snap().approvals.front();
  BOOST_TEST(approval.id == comp.approval_id);
  BOOST_TEST(approval.kind == "compensation");
  BOOST_TEST(approval.subject == comp.id);
  BOOST_TEST(approval.required_role == "team_lead");
  BOOST_TEST(approval.status == "pending");
  bool requested = false;
  for (const auto& e : d.result().effects) {
    if (const auto* a = std::get_if<ApprovalRequest>(&e))
      requested = a->approval_id == approval.id && a->required_role == "team_lead";
  }
  BOOST_TEST(requested);
  BOOST_TEST(r.snap().escalation_level == "team_lead");  // over_authority: one level up
  // The journal says why as data too (a reader words it in its language): the agent's per-case
  // limit of CNY 50.00 against the CNY 50.01 this case would total.
  const auto requested_events = last_decision_events(r);
  const auto approval_event =
      std::find_if(requested_events.begin(), requested_events.end(),
                   [](const Event& e) { return e.type == "approval.requested"; });
  BOOST_REQUIRE(approval_event != requested_events.end());
  BOOST_TEST(approval_event->data.at("authority").dump() ==
             json::parse(R"({"proposer_role": "agent", "exceeded": [{"scope": "per_case",
               "limit": {"amount": 5000, "currency": "CNY"},
               "total": {"amount": 5001, "currency": "CNY"}}]})")
                 .dump());

  BOOST_TEST(outcome(r.attempt(kAgent, MarkCompensationExecuted{comp.id, "x"})) == "INVALID_STATE");
  // The proposer is an agent, whom the role table refuses before the self-approval rule is
  // reached (a_promoted_proposer_still_may_not_approve_their_own_proposal covers that rule).
  BOOST_TEST(outcome(r.attempt(kAgent, DecideApproval{approval.id, true, ""})) ==
             "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(r.attempt(kAgent2, DecideApproval{approval.id, true, ""})) ==
             "ROLE_NOT_PERMITTED");
  const auto no_reason = r.attempt(kLead, DecideApproval{approval.id, false, ""});
  BOOST_TEST(outcome(no_reason) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(no_reason) == "/reason");
  BOOST_TEST(outcome(r.attempt(kLead, DecideApproval{"apr-99", true, ""})) == "NOT_FOUND");

  const auto ok = r.run(kLead, DecideApproval{approval.id, true, "reasonable"});
  BOOST_TEST(r.snap().compensations.front().status == "approved");
  BOOST_TEST(r.snap().compensations.front().decided_by == kLead.id);
  BOOST_TEST(approval_of(r.snap(), approval.id)->status == "approved");
  BOOST_TEST(find_webhook(ok.result().effects, "compensation.approved") != nullptr);
  BOOST_TEST(outcome(r.attempt(kSupervisor, DecideApproval{approval.id, false, "no"})) ==
             "INVALID_STATE");
  r.run(kIntegration, MarkCompensationExecuted{comp.id, "CPN-1"});
  BOOST_TEST(r.snap().compensations.front().status == "executed");

  // A rejection with a reason.
  r.run(kAgent, ProposeCompensation{"gift", cny(9000), "gift box"});
  const auto second = r.snap().compensations.back();
  BOOST_TEST(second.status == "pending");
  r.run(kSupervisor, DecideApproval{second.approval_id, false, "too generous"});
  BOOST_TEST(r.snap().compensations.back().status == "rejected");
  BOOST_TEST(approval_of(r.snap(), second.approval_id)->decision_reason == "too generous");
  BOOST_TEST(outcome(r.attempt(kAgent, MarkCompensationExecuted{second.id, "x"})) ==
             "INVALID_STATE");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(an_approval_request_names_the_customer_limit_it_exceeds) {
  CaseRun r;
  r.history.compensation_granted_30d = cny(9000);  // granted on the customer's other cases
  r.run(kAgent, complaint("C-42"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(2000), "goodwill"});
  BOOST_REQUIRE(r.snap().compensations.back().status == "pending");
  json authority;
  for (const auto& e : last_decision_events(r)) {
    if (e.type == "approval.requested") authority = e.data.at("authority");
  }
  // Within the agent's CNY 50.00 per case; over its CNY 100.00 per customer in 30 days.
  BOOST_TEST(authority.dump() ==
             json::parse(R"({"proposer_role": "agent", "exceeded": [{"scope": "per_customer_30d",
               "limit": {"amount": 10000, "currency": "CNY"},
               "total": {"amount": 11000, "currency": "CNY"}}]})")
                 .dump());
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(the_proposer_withdraws_a_pending_proposal_and_its_approval_is_cancelled) {
  CaseRun r;
  r.run(kAgent, complaint("C-43"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(6000), "bigger coupon"});
  const auto comp = r.snap().compensations.back();
  BOOST_REQUIRE(comp.status == "pending");

  BOOST_TEST(outcome(r.attempt(kAgent2, WithdrawCompensation{comp.id, ""})) == "FORBIDDEN");
  BOOST_TEST(outcome(r.attempt(kLead, WithdrawCompensation{comp.id, ""})) == "FORBIDDEN");
  const auto unknown = r.attempt(kAgent, WithdrawCompensation{"cmp-99", ""});
  BOOST_TEST(outcome(unknown) == "NOT_FOUND");
  BOOST_TEST(pointer_of(unknown) == "/compensation_id");
  BOOST_TEST(outcome(r.attempt(kIntegration, WithdrawCompensation{comp.id, ""})) ==
             "ROLE_NOT_PERMITTED");

  const auto d = r.run(kAgent, WithdrawCompensation{comp.id, "the customer took the exchange"});
  BOOST_TEST(r.snap().compensations.back().status == "withdrawn");
  BOOST_TEST(r.snap().compensations.back().reason == "the customer took the exchange");
  const auto* approval = approval_of(r.snap(), comp.approval_id);
  BOOST_REQUIRE(approval);
  BOOST_TEST(approval->status == "cancelled");
  for (const auto& e : last_decision_events(r)) {
    if (e.type == "compensation.withdrawn" || e.type == "approval.cancelled") {
      BOOST_TEST(e.data.at("cause") == "withdrawn");
    }
  }
  BOOST_TEST(has_event(d, "compensation.withdrawn"));
  BOOST_TEST(has_event(d, "approval.cancelled"));
  BOOST_TEST(find_webhook(d.result().effects, "compensation.withdrawn") != nullptr);
  BOOST_TEST(find_webhook(d.result().effects, "approval.cancelled") != nullptr);

  // Settled: neither withdrawn again nor decided.
  BOOST_TEST(outcome(r.attempt(kAgent, WithdrawCompensation{comp.id, ""})) == "INVALID_STATE");
  BOOST_TEST(outcome(r.attempt(kLead, DecideApproval{comp.approval_id, true, ""})) ==
             "INVALID_STATE");
  // One approved at once is not withdrawn: it is granted (it may still be executed).
  r.run(kAgent, ProposeCompensation{"coupon", cny(500), "small"});
  BOOST_REQUIRE(r.snap().compensations.back().status == "approved");
  BOOST_TEST(outcome(r.attempt(kAgent, WithdrawCompensation{r.snap().compensations.back().id,
                                                            ""})) == "INVALID_STATE");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(a_closed_case_leaves_nothing_in_an_approval_queue) {
  CaseRun r;
  r.run(kAgent, complaint("C-44"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(6000), "bigger coupon"});
  r.run(kAgent, ProposeCompensation{"gift", cny(9000), "gift box"});
  BOOST_REQUIRE(r.snap().approvals.size() == 2u);
  r.fire(kAgent, "withdraw", {{"cancel_reason", "the customer withdrew"}});
  BOOST_TEST(r.snap().state == "cancelled");
  for (const auto& c : r.snap().compensations) BOOST_TEST(c.status == "withdrawn");
  for (const auto& a : r.snap().approvals) BOOST_TEST(a.status == "cancelled");
  int settled = 0;
  for (const auto& e : last_decision_events(r)) {
    if (e.type == "compensation.withdrawn" || e.type == "approval.cancelled") {
      BOOST_TEST(e.data.at("cause") == "case_closed");
      ++settled;
    }
  }
  BOOST_TEST(settled == 4);
  BOOST_TEST(r.replay_matches());
}

// Others granted this customer more than an agent's 30-day limit: an apology (it costs nothing)
// is still the agent's to give, anything that costs something goes to an approver.
BOOST_AUTO_TEST_CASE(a_remedy_that_costs_nothing_never_needs_approval) {
  CaseRun r;
  r.history.compensation_granted_30d = cny(20000);
  r.run(kAgent, complaint("C-45"));
  r.run(kAgent, ProposeCompensation{"apology_only", cny(0), "sorry for the wait"});
  BOOST_TEST(r.snap().compensations.back().status == "approved");
  BOOST_TEST(r.snap().approvals.empty());
  r.run(kAgent, ProposeCompensation{"coupon", cny(100), "small coupon"});
  BOOST_TEST(r.snap().compensations.back().status == "pending");
  const auto advice = r.engine().advise_remedies(r.snap(), kAgent, r.now, r.history);
  bool apology_advised = false;
  for (const auto& assessed : advice.remedies) {
    if (assessed.remedy.type == redress::CompensationType::kApologyOnly) {
      apology_advised = true;
      BOOST_TEST(assessed.within_authority);
    }
  }
  BOOST_TEST(apology_advised);
  BOOST_TEST(r.replay_matches());
}

// The shipped policy gives an approved compensation one business day to be carried out.
BOOST_AUTO_TEST_CASE(an_approved_compensation_not_executed_in_time_raises_an_alert) {
  CaseRun r;
  r.run(kAgent, complaint("C-46"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(500), "late"});
  const auto late = r.snap().compensations.back().id;
  r.run(kAgent, ProposeCompensation{"coupon", cny(600), "on time"});
  const auto on_time = r.snap().compensations.back().id;
  BOOST_REQUIRE(r.snap().timer("execution:" + late));
  BOOST_REQUIRE(r.snap().timer("execution:" + on_time));
  r.advance(hours(1));
  r.run(kIntegration, MarkCompensationExecuted{on_time, "CPN-1"});
  BOOST_TEST(!r.snap().timer("execution:" + on_time));  // executed in time: nothing to watch

  r.advance(hours(24 * 4));
  int overdue = 0;
  for (const auto& e : r.journal) {
    if (e.type != "compensation.execution_overdue") continue;
    ++overdue;
    BOOST_TEST(e.data.at("id") == late);
  }
  BOOST_TEST(overdue == 1);
  BOOST_TEST(r.webhook_seen("compensation.execution_overdue"));
  auto after_alert = r.snap();
  BOOST_TEST(after_alert.compensation(late)->status == "approved");  // still to be carried out
  r.run(kIntegration, MarkCompensationExecuted{late, "CPN-2"});
  auto executed = r.snap();
  BOOST_TEST(executed.compensation(late)->status == "executed");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(compensation_refund_cap_and_customer_cap) {
  {
    CaseRun r;
    r.run(kAgent, complaint("C-42"));
    BOOST_TEST(outcome(r.attempt(kManager, ProposeCompensation{"full_refund", cny(29901), ""})) ==
               "REFUND_EXCEEDS_PAID");
    r.run(kManager, ProposeCompensation{"partial_refund", cny(20000), "most of it"});
    BOOST_TEST(r.snap().compensations.back().status == "approved");
    // Only 99.00 remains refundable.
    BOOST_TEST(outcome(r.attempt(kManager, ProposeCompensation{"partial_refund", cny(9901), ""})) ==
               "REFUND_EXCEEDS_PAID");
    r.run(kManager, ProposeCompensation{"partial_refund", cny(9900), "the rest"});
    BOOST_TEST(r.replay_matches());
  }
  const auto required_for = [](std::int64_t granted_30d) {
    CaseRun r;
    r.history.compensation_granted_30d = cny(granted_30d);
    r.run(kAgent, complaint("C-43"));
    r.run(kAgent, ProposeCompensation{"coupon", cny(2000), "goodwill"});
    const auto& c = r.snap().compensations.back();
    return c.status == "approved" ? std::string("approved") : c.required_role;
  };
  BOOST_TEST(required_for(0) == "approved");
  BOOST_TEST(required_for(8000) == "approved");     // 10000 exactly: within the agent cap
  BOOST_TEST(required_for(8001) == "team_lead");    // one unit over the agent's 30-day cap
  BOOST_TEST(required_for(39000) == "supervisor");  // over the team lead's 30-day cap
  BOOST_TEST(required_for(198001) == "manager");    // over the supervisor's
}

BOOST_AUTO_TEST_CASE(amounts_above_the_policy_maximum_are_refused_naming_the_field) {
  // The shipped policy bounds a single CNY amount at CNY 1,000,000.00.
  CaseRun r;
  r.run(kAgent, complaint("C-14"));
  // The 9.2e18 coupon that a manager's unlimited authority once let through.
  const auto huge =
      r.attempt(kManager, ProposeCompensation{"coupon", cny(9200000000000000000), ""});
  BOOST_TEST(outcome(huge) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(huge) == "/value/amount");
  BOOST_TEST(huge.rejection().message.find("CNY 1000000.00") != std::string::npos,
             huge.rejection().message);
  const auto above = r.attempt(kManager, ProposeCompensation{"coupon", cny(100000001), ""});
  BOOST_TEST(pointer_of(above) == "/value/amount");
  r.run(kManager, ProposeCompensation{"coupon", cny(100000000), "the most one amount may be"});
  BOOST_TEST(r.snap().compensations.back().status == "approved");

  // Order amounts at creation, each named.
  auto rich = complaint("C-15");
  rich.order.paid = cny(100000001);
  rich.order.refunded = cny(100000001);
  const auto refused = CaseRun().attempt(kAgent, rich);
  BOOST_TEST(outcome(refused) == "INVALID_FIELD");
  const std::vector<std::string> both{"/order/paid/amount", "/order/refunded/amount"};
  BOOST_TEST(pointers_of(refused) == both, boost::test_tools::per_element());

  // Money fields (checked alike in field updates, transitions and creation).
  CaseRun ret;
  ret.run(kAgent, other("R-15", "return_exchange", {{"request_type", "return_refund"}}, 1));
  const json too_much{{"refund_amount", {{"amount", 9200000000000000000}, {"currency", "CNY"}}}};
  const auto update = ret.attempt(kAgent, redress::UpdateFields{too_much});
  BOOST_TEST(outcome(update) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(update) == "/fields/refund_amount/amount");
}

BOOST_AUTO_TEST_CASE(a_promoted_proposer_still_may_not_approve_their_own_proposal) {
  CaseRun r;
  r.run(kAgent, complaint("C-16"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(6000), "above the agent's authority"});
  const auto approval_id = r.snap().compensations.back().approval_id;
  BOOST_TEST(r.snap().approvals.back().required_role == "team_lead");
  // The same person, now a team lead: the role may approve, the person may not.
  const redress::Actor promoted{kAgent.id, Role::kTeamLead, kAgent.team};
  const auto own = r.attempt(promoted, DecideApproval{approval_id, true, ""});
  BOOST_TEST(outcome(own) == "SELF_APPROVAL");
  BOOST_TEST(outcome(r.attempt(promoted, DecideApproval{approval_id, false, "no"})) ==
             "SELF_APPROVAL");
  r.run(kLead, DecideApproval{approval_id, true, ""});  // another team lead may
  BOOST_TEST(r.snap().compensations.back().status == "approved");
}

// Regression: two proposals each within a team lead's authority must not add up past it
// when the same lead approves both.

BOOST_AUTO_TEST_CASE(approval_rechecks_the_approvers_authority_against_the_case_total) {
  CaseRun r;
  r.run(kAgent, complaint("C-81"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(15000), "first"});
  r.run(kAgent, ProposeCompensation{"gift", cny(15000), "second"});
  BOOST_REQUIRE(r.snap().approvals.size() == 2u);
  const auto first = r.snap().approvals[0].id;
  const auto second = r.snap().approvals[1].id;
  r.run(kLead, redress::DecideApproval{first, true, "fair"});
  const auto refused = r.attempt(kLead, redress::DecideApproval{second, true, "also fair"});
  BOOST_TEST(outcome(refused) == "EXCEEDS_AUTHORITY");
  BOOST_TEST(refused.rejection().message.find("team_lead") != std::string::npos);
  // A supervisor's authority covers the total, so the supervisor may approve it.
  r.run(kSupervisor, redress::DecideApproval{second, true, "approved above the lead"});
  BOOST_TEST(r.snap().compensations[1].status == "approved");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(remedy_advice_agrees_with_what_each_proposal_would_decide) {
  CaseRun r;
  r.history.compensation_granted_30d = cny(6000);  // granted on the customer's other cases
  r.run(kAgent, complaint("C-60"));
  to_negotiating(r);
  r.run(kAgent, ProposeCompensation{"coupon", cny(1000), "goodwill"});
  BOOST_REQUIRE(r.snap().compensations.back().status == "approved");

  const auto advice = r.engine().advise_remedies(r.snap(), kAgent, r.now, r.history);
  BOOST_REQUIRE(advice.authority.has_value());
  const auto& authority = *advice.authority;
  BOOST_TEST(redress::role_name(authority.role) == std::string("agent"));
  BOOST_TEST(authority.currency == "CNY");
  BOOST_TEST((authority.per_case.limit == std::optional<std::int64_t>(5000)));
  BOOST_TEST(authority.per_case.granted == 1000);
  BOOST_TEST((authority.per_case.remaining == std::optional<std::int64_t>(4000)));
  BOOST_TEST((authority.per_customer_30d.limit == std::optional<std::int64_t>(10000)));
  BOOST_TEST(authority.per_customer_30d.granted == 7000);  // 6000 elsewhere + 1000 here
  BOOST_TEST((authority.per_customer_30d.remaining == std::optional<std::int64_t>(3000)));

  // quality_fault for a CNY 299.00 order, cheapest first: apology 0, gift 10.00, repair 44.85,
  // exchange 89.70, return_and_refund 299.00.
  BOOST_REQUIRE(advice.remedies.size() == 5u);
  const std::vector<std::pair<bool, std::optional<Role>>> expected = {
      {true, std::nullopt},       {true, std::nullopt},
      {false, Role::kTeamLead},    // this case would total 54.85, over the agent's 50.00
      {false, Role::kTeamLead},    // 99.70 on the case, 159.70 for the customer
      {false, Role::kSupervisor},  // 309.00 on the case, over the team lead's 200.00
  };
  for (size_t i = 0; i < advice.remedies.size(); ++i) {
    const auto& assessed = advice.remedies[i];
    const std::string type = redress::compensation_type_name(assessed.remedy.type);
    BOOST_TEST(assessed.within_authority == expected[i].first, type);
    BOOST_TEST((assessed.approver_role == expected[i].second), type);
    // The same inputs through a real proposal decide the same.
    const auto proposed =
        r.attempt(kAgent, ProposeCompensation{type, assessed.remedy.estimated_cost, ""});
    BOOST_REQUIRE_MESSAGE(proposed.accepted(), type + ": " + outcome(proposed));
    const auto& record = proposed.result().snapshot.compensations.back();
    BOOST_TEST((record.status == "approved") == assessed.within_authority, type);
    if (assessed.approver_role) {
      BOOST_TEST(record.required_role == redress::role_name(*assessed.approver_role), type);
    }
  }

  // A manager's limits are unlimited; admins have no compensation authority of their own.
  const auto manager = r.engine().advise_remedies(r.snap(), kManager, r.now, r.history);
  BOOST_REQUIRE(manager.authority.has_value());
  BOOST_TEST(!manager.authority->per_case.limit.has_value());
  BOOST_TEST(!manager.authority->per_case.remaining.has_value());
  BOOST_TEST(manager.authority->per_case.granted == 1000);
  for (const auto& assessed : manager.remedies) BOOST_TEST(assessed.within_authority);
  // Admins may not propose at all: nothing is within their authority, nothing goes anywhere.
  const redress::Actor admin{"admin", Role::kAdmin, ""};
  const auto for_admin = r.engine().advise_remedies(r.snap(), admin, r.now, r.history);
  BOOST_TEST(!for_admin.authority.has_value());
  BOOST_TEST(for_admin.remedies.size() == 5u);
  for (const auto& assessed : for_admin.remedies) {
    BOOST_TEST(!assessed.within_authority);
    BOOST_TEST(!assessed.approver_role.has_value());
  }
  // Nor may anyone on a closed case; the authority is still shown.
  r.fire(kAgent, "withdraw", {{"cancel_reason", "customer withdrew"}});
  BOOST_REQUIRE(r.snap().is_closed());
  const auto closed = r.engine().advise_remedies(r.snap(), kAgent, r.now, r.history);
  BOOST_TEST(closed.authority.has_value());
  for (const auto& assessed : closed.remedies) {
    BOOST_TEST(!assessed.within_authority);
    BOOST_TEST(!assessed.approver_role.has_value());
  }
}

BOOST_AUTO_TEST_CASE(remedy_advice_counts_nothing_pending_or_older_than_thirty_days) {
  CaseRun r;
  r.run(kAgent, complaint("C-61"));
  to_negotiating(r);
  r.run(kAgent, ProposeCompensation{"coupon", cny(3000), "within"});
  r.run(kAgent, ProposeCompensation{"coupon", cny(4000), "needs a team lead"});
  BOOST_REQUIRE(r.snap().compensations.back().status == "pending");
  const auto advice = r.engine().advise_remedies(r.snap(), kAgent, r.now, r.history);
  BOOST_REQUIRE(advice.authority.has_value());
  // evaluate() counts approved and executed compensation only: the pending 40.00 is not spent.
  BOOST_TEST(advice.authority->per_case.granted == 3000);
  BOOST_TEST((advice.authority->per_case.remaining == std::optional<std::int64_t>(2000)));
  // Thirty days on, the grant has left the customer's rolling window but not the case.
  const auto later =
      r.engine().advise_remedies(r.snap(), kAgent, r.now + hours(24 * 30 + 1), r.history);
  BOOST_TEST(later.authority->per_case.granted == 3000);
  BOOST_TEST(later.authority->per_customer_30d.granted == 0);
  BOOST_TEST((later.authority->per_customer_30d.remaining == std::optional<std::int64_t>(10000)));
}

BOOST_AUTO_TEST_SUITE_END()
