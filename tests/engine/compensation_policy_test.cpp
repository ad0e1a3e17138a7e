// Tests for CompensationPolicy: parsing (the shipped policy and every problem code), the
// authority decision at its edges, approver checks, refund caps and suggestions.
#include "engine/compensation_policy.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

// How Boost.Test prints the engine's values in failure messages (found by ADL).
namespace redress {
static std::ostream& boost_test_print_type(std::ostream& out, CompensationType type) {
  return out << compensation_type_name(type);
}
}  // namespace redress

namespace {

using nlohmann::json;
using redress::Actor;
using redress::CompensationPolicy;
using redress::CompensationType;
using redress::Money;
using redress::Problems;
using redress::ProposalInput;
using redress::RemedyQuery;
using redress::Role;

using redress::testing::describe;
using redress::testing::has_problem;
using redress::testing::load_shipped;
using redress::testing::engine_cases::cny;

// The error message of a failed result, for test failure output (never touches a value).
template <typename T>
std::string error_of(const redress::Result<T>& r) {
  return r.ok() ? std::string("(ok)")
                : std::string(r.error().code_name()) + ": " + r.error().message;
}

// A small valid policy; tests break one thing at a time. The manager is limited here so that
// "beyond every limit" is reachable.
json base_compensation_policy() {
  return json::parse(R"({
    "kind": "compensation_policy", "id": "test", "title": "Test", "description": "for tests",
    "currency": "CNY",
    "authority": [
      {"role": "agent", "per_case": 5000, "per_customer_30d": 10000},
      {"role": "team_lead", "per_case": 20000, "per_customer_30d": 40000},
      {"role": "supervisor", "per_case": 100000, "per_customer_30d": 200000},
      {"role": "manager", "per_case": 500000, "per_customer_30d": 1000000}
    ],
    "suggestions": [
      {"id": "quality_shop_fault",
       "when": {"category": ["quality"], "fault_party": ["shop", "supplier"]},
       "remedies": [
         {"type": "coupon", "cost": {"amount": 1000, "currency": "CNY"}, "note": {"en": "coupon", "zh": "优惠券"}},
         {"type": "exchange", "cost": {"percent_of_order": 30}, "note": {"en": "exchange", "zh": "换货"}},
         {"type": "gift", "cost": {"amount": 1000, "currency": "CNY"}, "note": {"en": "gift", "zh": "赠品"}},
         {"type": "apology_only", "note": {"en": "apologise", "zh": "致歉"}},
         {"type": "partial_refund", "cost": {"percent_of_order": 12.5}, "note": {"en": "partial", "zh": "部分退款"}}
       ]},
      {"id": "fallback", "when": {},
       "remedies": [
         {"type": "coupon", "cost": {"amount": 500, "currency": "CNY"}},
         {"type": "apology_only", "cost": {"amount": 0, "currency": "CNY"}}
       ]}
    ]
  })");
}

CompensationPolicy parse_compensation_ok(const json& definition) {
  Problems problems;
  auto policy = CompensationPolicy::parse(definition, "", problems);
  BOOST_REQUIRE_MESSAGE(policy.has_value() && problems.empty(),
                        "expected a valid policy; problems:" << describe(problems));
  return std::move(*policy);
}

// Parses a broken definition and requires that it fails with `code` at `pointer`.
Problems expect_compensation_problem(const json& definition, const std::string& code,
                                     const std::string& pointer, const std::string& prefix = "") {
  Problems problems;
  const auto policy = CompensationPolicy::parse(definition, prefix, problems);
  BOOST_CHECK_MESSAGE(!policy.has_value(), "a broken definition must not parse");
  BOOST_CHECK_MESSAGE(has_problem(problems, code, pointer),
                      "expected " << code << " at '" << pointer << "'; got:" << describe(problems));
  return problems;
}

ProposalInput proposal(CompensationType type, std::int64_t value, Role proposer = Role::kAgent) {
  ProposalInput in;
  in.type = type;
  in.value = cny(value);
  in.proposer_role = proposer;
  in.order_paid = cny(100000);
  in.order_refunded = cny(0);
  in.case_granted = cny(0);
  in.customer_granted_30d = cny(0);
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(compensation_policy)

// ---- the shipped policy ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(shipped_policy_is_valid) {
  const auto policy = parse_compensation_ok(load_shipped("compensation.json"));
  BOOST_TEST(policy.currency() == "CNY");
  BOOST_REQUIRE_EQUAL(policy.limits().size(), 4u);
  BOOST_TEST(policy.limits()[0].role == Role::kAgent);
  BOOST_TEST(policy.limits()[0].per_case.value_or(-1) == 5000);
  BOOST_TEST(policy.limits()[0].per_customer_30d.value_or(-1) == 10000);
  BOOST_TEST(policy.limits()[1].role == Role::kTeamLead);
  BOOST_TEST(policy.limits()[2].role == Role::kSupervisor);
  BOOST_TEST(policy.limits()[3].role == Role::kManager);
  BOOST_TEST(!policy.limits()[3].per_case.has_value());
  BOOST_TEST(!policy.limits()[3].per_customer_30d.has_value());
}

BOOST_AUTO_TEST_CASE(shipped_policy_suggests_by_cause) {
  const auto policy = parse_compensation_ok(load_shipped("compensation.json"));
  const auto types_of = [&](const RemedyQuery& q) {
    std::vector<std::string> types;
    for (const auto& s : policy.suggest(q)) types.push_back(compensation_type_name(s.type));
    return types;
  };
  const auto contains = [](const std::vector<std::string>& v, const std::string& t) {
    return std::find(v.begin(), v.end(), t) != v.end();
  };

  // Quality fault of the shop: return or exchange under the rules, apology, maybe a gift.
  const auto quality = types_of({"quality", "shop", "normal", "regular", cny(20000)});
  BOOST_TEST(contains(quality, "return_and_refund"));
  BOOST_TEST(contains(quality, "exchange"));
  BOOST_TEST(contains(quality, "apology_only"));
  BOOST_TEST(contains(quality, "gift"));

  // Customer misuse: explanation and apology; a small coupon only for valued customers.
  const auto misuse = types_of({"quality", "customer", "normal", "regular", cny(20000)});
  BOOST_TEST(contains(misuse, "apology_only"));
  BOOST_TEST(!contains(misuse, "coupon"));
  BOOST_TEST(!contains(misuse, "return_and_refund"));
  const auto misuse_vip = types_of({"quality", "customer", "normal", "vip", cny(20000)});
  BOOST_TEST(contains(misuse_vip, "coupon"));

  // Out of stock: refund, exchange, membership upgrade, coupon.
  const auto stock = types_of({"out_of_stock", "shop", "normal", "new", cny(20000)});
  for (const char* t : {"full_refund", "exchange", "membership_upgrade", "coupon"}) {
    BOOST_TEST(contains(stock, t), "out_of_stock lacks " << t);
  }

  // Anything else falls back to apology and a coupon.
  const auto other = policy.suggest({"other", "unknown", "low", "new", cny(20000)});
  BOOST_REQUIRE(!other.empty());
  for (const auto& s : other) BOOST_TEST(s.rule_id == "fallback");

  // Every suggestion list from the shipped file is cheapest first.
  for (const char* category :
       {"wrong_item", "damaged", "quality", "late_delivery", "missing_item", "refund_dispute",
        "service_attitude", "bad_review", "out_of_stock", "other"}) {
    for (const char* fault : {"shop", "carrier", "supplier", "customer", "unknown"}) {
      const auto s = policy.suggest({category, fault, "high", "vip", cny(12345)});
      BOOST_TEST(!s.empty(), category << "/" << fault << " has no suggestion");
      for (size_t i = 1; i < s.size(); ++i) {
        BOOST_TEST(s[i - 1].estimated_cost.amount <= s[i].estimated_cost.amount);
      }
    }
  }
}

// ---- parse problems ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(base_definition_is_valid_and_ignores_file_header_keys) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  BOOST_TEST(policy.limits().size() == 4u);
}

BOOST_AUTO_TEST_CASE(non_object_definition_is_bad_type) {
  expect_compensation_problem(json::array(), "BAD_TYPE", "/policy", "/policy");
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_reported_under_the_prefix) {
  auto d = base_compensation_policy();
  d["colour"] = "red";
  d["authority"][0]["per_order"] = 1;
  d["suggestions"][0]["when"]["weather"] = json::array({"rain"});
  d["suggestions"][0]["remedies"][0]["cost"]["tax"] = 1;
  d["suggestions"][0]["remedies"][1]["cost"]["amount"] = 1;
  const auto problems =
      expect_compensation_problem(d, "UNKNOWN_KEY", "/policies/0/colour", "/policies/0");
  BOOST_TEST(has_problem(problems, "UNKNOWN_KEY", "/policies/0/authority/0/per_order"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_KEY", "/policies/0/suggestions/0/when/weather"));
  // money_from_json reports the unknown key of a fixed cost as a money problem.
  BOOST_TEST(has_problem(problems, "BAD_MONEY", "/policies/0/suggestions/0/remedies/0/cost/tax"));
  BOOST_TEST(
      has_problem(problems, "UNKNOWN_KEY", "/policies/0/suggestions/0/remedies/1/cost/amount"));
}

BOOST_AUTO_TEST_CASE(missing_keys) {
  auto d = base_compensation_policy();
  d.erase("currency");
  expect_compensation_problem(d, "MISSING_KEY", "/currency");

  d = base_compensation_policy();
  d.erase("authority");
  expect_compensation_problem(d, "MISSING_KEY", "/authority");

  d = base_compensation_policy();
  d["authority"].erase(1);  // team_lead gone
  const auto problems = expect_compensation_problem(d, "MISSING_KEY", "/authority");
  BOOST_TEST(problems.size() == 1u, describe(problems));
  BOOST_TEST(problems[0].message.find("team_lead") != std::string::npos, problems[0].message);

  d = base_compensation_policy();
  d["authority"][2].erase("role");
  expect_compensation_problem(d, "MISSING_KEY", "/authority/2/role");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1].erase("cost");
  expect_compensation_problem(d, "MISSING_KEY", "/suggestions/0/remedies/1/cost");

  d = base_compensation_policy();
  d["suggestions"][0].erase("remedies");
  expect_compensation_problem(d, "MISSING_KEY", "/suggestions/0/remedies");

  d = base_compensation_policy();
  d["suggestions"][1].erase("id");
  expect_compensation_problem(d, "MISSING_KEY", "/suggestions/1/id");
}

BOOST_AUTO_TEST_CASE(bad_types) {
  auto d = base_compensation_policy();
  d["authority"][0]["per_case"] = "5000";
  expect_compensation_problem(d, "BAD_TYPE", "/authority/0/per_case");

  d = base_compensation_policy();
  d["authority"][1]["per_customer_30d"] = 400.5;
  expect_compensation_problem(d, "BAD_TYPE", "/authority/1/per_customer_30d");

  d = base_compensation_policy();
  d["authority"] = json::object();
  expect_compensation_problem(d, "BAD_TYPE", "/authority");

  d = base_compensation_policy();
  d["suggestions"] = "none";
  expect_compensation_problem(d, "BAD_TYPE", "/suggestions");

  d = base_compensation_policy();
  d["suggestions"][0]["when"]["category"] = "quality";
  expect_compensation_problem(d, "BAD_TYPE", "/suggestions/0/when/category");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][2]["note"] = 7;
  expect_compensation_problem(d, "BAD_TYPE", "/suggestions/0/remedies/2/note");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1]["cost"]["percent_of_order"] = "30";
  expect_compensation_problem(d, "BAD_TYPE", "/suggestions/0/remedies/1/cost/percent_of_order");

  d = base_compensation_policy();
  d["currency"] = 156;
  expect_compensation_problem(d, "BAD_TYPE", "/currency");
}

BOOST_AUTO_TEST_CASE(unknown_and_duplicate_roles) {
  auto d = base_compensation_policy();
  d["authority"].push_back({{"role", "admin"}, {"per_case", 1}});
  expect_compensation_problem(d, "UNKNOWN_ROLE", "/authority/4/role");

  d = base_compensation_policy();
  d["authority"][3]["role"] = "boss";
  auto problems = expect_compensation_problem(d, "UNKNOWN_ROLE", "/authority/3/role");
  BOOST_TEST(has_problem(problems, "MISSING_KEY", "/authority"));  // and manager is missing

  d = base_compensation_policy();
  d["authority"].push_back({{"role", "agent"}, {"per_case", 1}});
  problems = expect_compensation_problem(d, "DUPLICATE_NAME", "/authority/4/role");
  BOOST_TEST(problems.size() == 1u, describe(problems));
}

BOOST_AUTO_TEST_CASE(authority_given_in_any_order_is_sorted_up_the_ladder) {
  auto d = base_compensation_policy();
  d["authority"] = json::parse(R"([
    {"role": "manager"},
    {"role": "agent", "per_case": 5000},
    {"role": "supervisor"},
    {"role": "team_lead", "per_case": 20000}])");
  const auto policy = parse_compensation_ok(d);
  BOOST_REQUIRE_EQUAL(policy.limits().size(), 4u);
  BOOST_TEST(policy.limits()[0].role == Role::kAgent);
  BOOST_TEST(policy.limits()[1].role == Role::kTeamLead);
  BOOST_TEST(policy.limits()[2].role == Role::kSupervisor);
  BOOST_TEST(policy.limits()[3].role == Role::kManager);
}

BOOST_AUTO_TEST_CASE(higher_role_with_lower_limit_is_bad_limit) {
  auto d = base_compensation_policy();
  d["authority"][1]["per_case"] = 4999;  // team_lead below agent's 5000
  auto problems = expect_compensation_problem(d, "BAD_LIMIT", "/authority/1/per_case");
  BOOST_TEST(problems.size() == 1u, describe(problems));
  BOOST_TEST(problems[0].message.find("CNY 49.99") != std::string::npos, problems[0].message);
  BOOST_TEST(problems[0].message.find("CNY 50.00") != std::string::npos, problems[0].message);

  // Equal limits are fine.
  d = base_compensation_policy();
  d["authority"][1]["per_case"] = 5000;
  parse_compensation_ok(d);

  // Unlimited below, limited above.
  d = base_compensation_policy();
  d["authority"][1].erase("per_customer_30d");
  expect_compensation_problem(d, "BAD_LIMIT", "/authority/2/per_customer_30d");

  // Negative limit.
  d = base_compensation_policy();
  d["authority"][0]["per_case"] = -1;
  expect_compensation_problem(d, "BAD_LIMIT", "/authority/0/per_case");
}

BOOST_AUTO_TEST_CASE(bad_money) {
  auto d = base_compensation_policy();
  d["currency"] = "cny";
  expect_compensation_problem(d, "BAD_MONEY", "/currency");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][0]["cost"]["currency"] = "USD";
  expect_compensation_problem(d, "BAD_MONEY", "/suggestions/0/remedies/0/cost/currency");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][0]["cost"]["amount"] = 10.5;
  expect_compensation_problem(d, "BAD_MONEY", "/suggestions/0/remedies/0/cost/amount");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][0]["cost"]["amount"] = -100;
  expect_compensation_problem(d, "BAD_MONEY", "/suggestions/0/remedies/0/cost/amount");
}

BOOST_AUTO_TEST_CASE(unknown_compensation_type) {
  auto d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1]["type"] = "cash";
  const auto problems =
      expect_compensation_problem(d, "UNKNOWN_COMPENSATION_TYPE", "/suggestions/0/remedies/1/type");
  BOOST_TEST(problems[0].message.find("full_reduction_voucher") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_values) {
  auto d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1]["cost"]["percent_of_order"] = 12.345;
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/remedies/1/cost/percent_of_order");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1]["cost"]["percent_of_order"] = 100.01;
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/remedies/1/cost/percent_of_order");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1]["cost"]["percent_of_order"] = -5;
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/remedies/1/cost/percent_of_order");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][3]["cost"] = {{"amount", 1}, {"currency", "CNY"}};
  expect_compensation_problem(d, "BAD_VALUE",
                              "/suggestions/0/remedies/3/cost");  // apology_only costs 0

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1] = {{"type", "full_refund"},
                                        {"cost", {{"percent_of_order", 90}}}};
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/remedies/1/cost");

  d = base_compensation_policy();
  d["suggestions"][0]["when"]["fault_party"][1] = "aliens";
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/when/fault_party/1");

  d = base_compensation_policy();
  d["suggestions"][0]["when"]["severity"] = json::array({"urgent"});
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/when/severity/0");

  d = base_compensation_policy();
  d["suggestions"][0]["when"]["segment"] = json::array();
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/when/segment");

  d = base_compensation_policy();
  d["suggestions"][0]["remedies"] = json::array();
  expect_compensation_problem(d, "BAD_VALUE", "/suggestions/0/remedies");
}

BOOST_AUTO_TEST_CASE(bad_and_duplicate_suggestion_ids) {
  auto d = base_compensation_policy();
  d["suggestions"][0]["id"] = "Quality Fault";
  expect_compensation_problem(d, "BAD_NAME", "/suggestions/0/id");

  d = base_compensation_policy();
  d["suggestions"][1]["id"] = "quality_shop_fault";
  expect_compensation_problem(d, "DUPLICATE_NAME", "/suggestions/1/id");
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_at_once) {
  auto d = base_compensation_policy();
  d["colour"] = "red";
  d["authority"][1]["per_case"] = 1;
  d["suggestions"][0]["remedies"][0]["type"] = "cash";
  d["suggestions"][1]["id"] = "quality_shop_fault";
  Problems problems;
  BOOST_TEST(!CompensationPolicy::parse(d, "", problems).has_value());
  BOOST_TEST(has_problem(problems, "UNKNOWN_KEY", "/colour"));
  BOOST_TEST(has_problem(problems, "BAD_LIMIT", "/authority/1/per_case"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_COMPENSATION_TYPE", "/suggestions/0/remedies/0/type"));
  BOOST_TEST(has_problem(problems, "DUPLICATE_NAME", "/suggestions/1/id"));
  BOOST_TEST(problems.size() == 4u, describe(problems));
}

BOOST_AUTO_TEST_CASE(problems_from_earlier_files_do_not_fail_this_one) {
  Problems problems{{redress::Severity::kError, "UNKNOWN_STATE", "/x", "elsewhere", "other.json"}};
  BOOST_TEST(CompensationPolicy::parse(base_compensation_policy(), "", problems).has_value());
  BOOST_TEST(problems.size() == 1u);
}

// ---- evaluate: authority -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(exactly_at_agent_per_case_limit_is_approved_now) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  const auto r = policy.evaluate(proposal(CompensationType::kCoupon, 5000));
  BOOST_REQUIRE_MESSAGE(r.ok(), error_of(r));
  BOOST_TEST(r.value().approved_now);
  BOOST_TEST(r.value().required_role == Role::kAgent);
}

BOOST_AUTO_TEST_CASE(one_minor_unit_above_agent_limit_needs_team_lead) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  const auto r = policy.evaluate(proposal(CompensationType::kCoupon, 5001));
  BOOST_REQUIRE_MESSAGE(r.ok(), error_of(r));
  BOOST_TEST(!r.value().approved_now);
  BOOST_TEST(r.value().required_role == Role::kTeamLead);
  BOOST_TEST(r.value().reason ==
             "agent authority per case is CNY 50.00; this case would total CNY 50.01 — needs "
             "team_lead approval");
}

BOOST_AUTO_TEST_CASE(case_total_includes_what_was_already_granted) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kGift, 2000);
  in.case_granted = cny(3000);
  in.customer_granted_30d = cny(3000);
  BOOST_TEST(policy.evaluate(in).value().approved_now);  // exactly 5000
  in.value = cny(2001);
  const auto r = policy.evaluate(in);
  BOOST_TEST(!r.value().approved_now);
  BOOST_TEST(r.value().required_role == Role::kTeamLead);
}

BOOST_AUTO_TEST_CASE(per_customer_30d_cap_across_cases_routes_higher) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  // Small on this case, but the customer already got CNY 90.00 on other cases.
  auto in = proposal(CompensationType::kCoupon, 1000);
  in.customer_granted_30d = cny(9000);
  BOOST_TEST(policy.evaluate(in).value().approved_now);  // exactly 10000
  in.value = cny(1001);
  auto r = policy.evaluate(in);
  BOOST_TEST(!r.value().approved_now);
  BOOST_TEST(r.value().required_role == Role::kTeamLead);
  BOOST_TEST(r.value().reason ==
             "agent authority per customer over 30 days is CNY 100.00; this customer would total "
             "CNY 100.01 — needs team_lead approval");

  // Team lead's 30-day cap is exhausted too: supervisor.
  in.customer_granted_30d = cny(39500);
  r = policy.evaluate(in);
  BOOST_TEST(r.value().required_role == Role::kSupervisor);

  // A team lead proposing it still needs a supervisor.
  in.proposer_role = Role::kTeamLead;
  r = policy.evaluate(in);
  BOOST_TEST(!r.value().approved_now);
  BOOST_TEST(r.value().required_role == Role::kSupervisor);
}

BOOST_AUTO_TEST_CASE(both_limits_exceeded_are_both_named) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kCoupon, 6000);
  in.customer_granted_30d = cny(5000);
  const auto r = policy.evaluate(in);
  BOOST_TEST(r.value().reason ==
             "agent authority per case is CNY 50.00; this case would total CNY 60.00; agent "
             "authority per customer over 30 days is CNY 100.00; this customer would total CNY "
             "110.00 — needs team_lead approval");
}

BOOST_AUTO_TEST_CASE(higher_proposer_is_approved_within_own_authority) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto r = policy.evaluate(proposal(CompensationType::kPartialRefund, 20000, Role::kTeamLead));
  BOOST_TEST(r.value().approved_now);
  BOOST_TEST(r.value().required_role == Role::kTeamLead);
  r = policy.evaluate(proposal(CompensationType::kPartialRefund, 20001, Role::kTeamLead));
  BOOST_TEST(!r.value().approved_now);
  BOOST_TEST(r.value().required_role == Role::kSupervisor);
}

BOOST_AUTO_TEST_CASE(beyond_every_limit_exceeds_authority) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kCoupon, 500001, Role::kManager);
  const auto r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kExceedsAuthority);
  BOOST_TEST(
      r.error().message.find("manager authority per case is CNY 5000.00") != std::string::npos,
      r.error().message);

  // The shipped policy leaves the manager unlimited: the same proposal goes to a manager.
  const auto shipped = parse_compensation_ok(load_shipped("compensation.json"));
  in.proposer_role = Role::kAgent;
  const auto s = shipped.evaluate(in);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(!s.value().approved_now);
  BOOST_TEST(s.value().required_role == Role::kManager);
}

BOOST_AUTO_TEST_CASE(off_ladder_proposer_has_no_authority) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  for (const Role role : {Role::kIntegration, Role::kAdmin, Role::kSystem}) {
    auto r = policy.evaluate(proposal(CompensationType::kCoupon, 100, role));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(!r.value().approved_now);
    BOOST_TEST(r.value().required_role == Role::kAgent);  // the lowest covering role
    r = policy.evaluate(proposal(CompensationType::kCoupon, 15000, role));
    BOOST_TEST(r.value().required_role == Role::kTeamLead);
  }
  const auto r = policy.evaluate(proposal(CompensationType::kCoupon, 100, Role::kIntegration));
  BOOST_TEST(r.value().reason ==
             "integration has no compensation authority — needs agent approval");
}

BOOST_AUTO_TEST_CASE(apology_only_must_be_zero) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto r = policy.evaluate(proposal(CompensationType::kApologyOnly, 0));
  BOOST_TEST(r.value().approved_now);
  r = policy.evaluate(proposal(CompensationType::kApologyOnly, 1));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kInvalidAmount);
}

BOOST_AUTO_TEST_CASE(negative_value_is_invalid) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  const auto r = policy.evaluate(proposal(CompensationType::kCoupon, -1));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kInvalidAmount);
}

BOOST_AUTO_TEST_CASE(negative_history_is_invalid) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kCoupon, 6000);
  in.case_granted = cny(-1000);  // would bring the case total under the agent's limit
  const auto r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kInvalidAmount);
}

BOOST_AUTO_TEST_CASE(totals_past_int64_saturate_above_every_limit) {
  // Totals granted before amounts were bounded may not fit in int64 with one more proposal: they
  // count as above every limit (here EXCEEDS_AUTHORITY, since even the manager is limited), never
  // as an overflow error or a wrapped, negative total.
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kCoupon, 1);
  in.case_granted = cny(std::numeric_limits<std::int64_t>::max());
  auto r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kExceedsAuthority);
  in.case_granted = cny(0);
  in.customer_granted_30d = cny(std::numeric_limits<std::int64_t>::max());
  r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kExceedsAuthority);
  // With an unlimited manager the proposal goes to the manager.
  auto d = base_compensation_policy();
  d["authority"][3].erase("per_case");
  d["authority"][3].erase("per_customer_30d");
  const auto unlimited = parse_compensation_ok(d);
  const auto to_manager = unlimited.evaluate(in);
  BOOST_REQUIRE_MESSAGE(to_manager.ok(), (to_manager.ok() ? "" : to_manager.error().message));
  BOOST_TEST(!to_manager.value().approved_now);
  BOOST_TEST(role_name(to_manager.value().required_role) == std::string("manager"));
}

BOOST_AUTO_TEST_CASE(amounts_are_bounded_per_currency) {
  auto d = base_compensation_policy();
  d["max_amount"] = {{"CNY", 100000000}};  // CNY 1,000,000.00
  const auto policy = parse_compensation_ok(d);
  BOOST_TEST(policy.max_amount("CNY") == 100000000);
  BOOST_TEST(policy.max_amount("USD") == redress::kMaxMoneyAmount);  // unlisted: the ceiling
  BOOST_TEST(policy.check_amount(cny(100000000), "coupon value").ok());
  const auto above = policy.check_amount(cny(100000001), "coupon value");
  BOOST_REQUIRE(!above.ok());
  BOOST_TEST(above.error().code == redress::ErrorCode::kAmountTooLarge);
  BOOST_TEST(above.error().pointer == "/amount");
  BOOST_TEST(above.error().message ==
             "coupon value of CNY 1000000.01 is above the largest amount accepted, CNY "
             "1000000.00");

  // The 9.2e18 coupon a manager with unlimited authority could once approve.
  auto huge = proposal(CompensationType::kCoupon, 9200000000000000000, Role::kManager);
  const auto r = policy.evaluate(huge);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kAmountTooLarge);
  BOOST_TEST(parse_compensation_ok(base_compensation_policy()).evaluate(huge).error().code ==
             redress::ErrorCode::kAmountTooLarge);

  // redress validate: codes, amounts and the ceiling are checked.
  for (const auto& [bad, pointer, code] : std::vector<std::tuple<json, std::string, std::string>>{
           {{{"cny", 100}}, "/max_amount/cny", "BAD_MONEY"},
           {{{"CNY", 0}}, "/max_amount/CNY", "BAD_LIMIT"},
           {{{"CNY", -5}}, "/max_amount/CNY", "BAD_LIMIT"},
           {{{"CNY", redress::kMaxMoneyAmount + 1}}, "/max_amount/CNY", "BAD_LIMIT"},
           {{{"CNY", "lots"}}, "/max_amount/CNY", "BAD_TYPE"},
           {json::array(), "/max_amount", "BAD_TYPE"}}) {
    auto broken = base_compensation_policy();
    broken["max_amount"] = bad;
    expect_compensation_problem(broken, code, pointer);
  }
}

// ---- evaluate: refunds and currency ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(refund_above_paid_minus_refunded_is_refused) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kPartialRefund, 12000, Role::kSupervisor);
  in.order_paid = cny(15000);
  in.order_refunded = cny(5000);
  auto r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kRefundExceedsPaid);
  BOOST_TEST(r.error().message ==
             "refund of CNY 120.00 exceeds the refundable CNY 100.00 (paid CNY 150.00, already "
             "refunded CNY 50.00)");

  in.type = CompensationType::kReturnAndRefund;
  BOOST_TEST(policy.evaluate(in).error().code == redress::ErrorCode::kRefundExceedsPaid);

  in.value = cny(10000);  // exactly the remainder
  BOOST_TEST(policy.evaluate(in).ok());
  in.value = cny(10001);
  BOOST_TEST(policy.evaluate(in).error().code == redress::ErrorCode::kRefundExceedsPaid);
}

BOOST_AUTO_TEST_CASE(full_refund_must_equal_the_remainder) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kFullRefund, 8000);
  in.order_paid = cny(15000);
  in.order_refunded = cny(5000);
  auto r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kInvalidAmount);
  BOOST_TEST(r.error().message.find("exactly the refundable CNY 100.00") != std::string::npos,
             r.error().message);

  in.value = cny(10000);
  r = policy.evaluate(in);
  BOOST_REQUIRE_MESSAGE(r.ok(), error_of(r));
  BOOST_TEST(r.value().required_role == Role::kTeamLead);  // CNY 100.00 > agent's CNY 50.00
}

BOOST_AUTO_TEST_CASE(zero_refund_is_invalid) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  const auto r = policy.evaluate(proposal(CompensationType::kPartialRefund, 0));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kInvalidAmount);
}

BOOST_AUTO_TEST_CASE(currency_mismatch) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto in = proposal(CompensationType::kCoupon, 100);
  in.value = Money{100, "USD"};
  auto r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kCurrencyMismatch);

  // A refund in the policy currency for an order paid in another.
  in = proposal(CompensationType::kPartialRefund, 100);
  in.order_paid = Money{100000, "USD"};
  in.order_refunded = Money{0, "USD"};
  r = policy.evaluate(in);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().code == redress::ErrorCode::kCurrencyMismatch);

  // A coupon does not move the order's money, so the order's currency does not matter.
  in.type = CompensationType::kCoupon;
  BOOST_TEST(policy.evaluate(in).ok());
}

BOOST_AUTO_TEST_CASE(unset_prior_totals_count_as_zero) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  ProposalInput in;
  in.type = CompensationType::kCoupon;
  in.value = cny(5000);
  const auto r = policy.evaluate(in);
  BOOST_REQUIRE_MESSAGE(r.ok(), error_of(r));
  BOOST_TEST(r.value().approved_now);
}

// ---- approvers ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(self_approval_is_refused_first) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto s = policy.check_approver(Actor{"u-7", Role::kManager, ""}, "u-7", Role::kTeamLead);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().code == redress::ErrorCode::kSelfApproval);
  // Even when the role would not be permitted either, self-approval is the reason given.
  s = policy.check_approver(Actor{"u-7", Role::kAgent, ""}, "u-7", Role::kSupervisor);
  BOOST_TEST(s.error().code == redress::ErrorCode::kSelfApproval);
}

BOOST_AUTO_TEST_CASE(lower_or_off_ladder_approver_is_refused) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  auto s = policy.check_approver(Actor{"a-1", Role::kAgent, ""}, "a-2", Role::kTeamLead);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().code == redress::ErrorCode::kRoleNotPermitted);
  BOOST_TEST(s.error().message.find("team_lead") != std::string::npos);
  s = policy.check_approver(Actor{"adm", Role::kAdmin, ""}, "a-2", Role::kAgent);
  BOOST_TEST(s.error().code == redress::ErrorCode::kRoleNotPermitted);
  s = policy.check_approver(Actor{"svc", Role::kIntegration, ""}, "a-2", Role::kAgent);
  BOOST_TEST(s.error().code == redress::ErrorCode::kRoleNotPermitted);

  BOOST_TEST(policy.check_approver(Actor{"t-1", Role::kTeamLead, ""}, "a-2", Role::kTeamLead).ok());
  BOOST_TEST(policy.check_approver(Actor{"m-1", Role::kManager, ""}, "a-2", Role::kTeamLead).ok());
}

// ---- suggestions -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(suggestions_cheapest_first_with_stable_ties) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  const auto s = policy.suggest({"quality", "supplier", "normal", "regular", cny(10000)});
  BOOST_REQUIRE_EQUAL(s.size(), 5u);
  // apology 0, coupon 1000 and gift 1000 (policy order kept), partial 12.5% = 1250, exchange
  // 30% = 3000.
  BOOST_TEST(s[0].type == CompensationType::kApologyOnly);
  BOOST_TEST(s[0].estimated_cost.amount == 0);
  BOOST_TEST(s[1].type == CompensationType::kCoupon);
  BOOST_TEST(s[2].type == CompensationType::kGift);
  BOOST_TEST(s[2].estimated_cost.amount == 1000);
  BOOST_TEST(s[3].type == CompensationType::kPartialRefund);
  BOOST_TEST(s[3].estimated_cost == cny(1250));
  BOOST_TEST(s[4].type == CompensationType::kExchange);
  BOOST_TEST(s[4].estimated_cost == cny(3000));
  BOOST_TEST(s[4].note.english() == "exchange");
  for (const auto& r : s) BOOST_TEST(r.rule_id == "quality_shop_fault");

  // A cheap order reorders them: 30% of CNY 20.00 is CNY 6.00, below the CNY 10.00 coupon.
  const auto cheap = policy.suggest({"quality", "shop", "normal", "regular", cny(2000)});
  BOOST_REQUIRE_EQUAL(cheap.size(), 5u);
  BOOST_TEST(cheap[1].type == CompensationType::kPartialRefund);  // 250
  BOOST_TEST(cheap[2].type == CompensationType::kExchange);       // 600
  BOOST_TEST(cheap[3].type == CompensationType::kCoupon);         // 1000
  BOOST_TEST(cheap[4].type == CompensationType::kGift);           // 1000
}

BOOST_AUTO_TEST_CASE(first_matching_rule_wins_and_fallback_catches_the_rest) {
  const auto policy = parse_compensation_ok(base_compensation_policy());
  // Fault party outside the specific rule: the fallback applies, alone.
  auto s = policy.suggest({"quality", "customer", "normal", "regular", cny(10000)});
  BOOST_REQUIRE_EQUAL(s.size(), 2u);
  BOOST_TEST(s[0].type == CompensationType::kApologyOnly);
  BOOST_TEST(s[1].type == CompensationType::kCoupon);
  BOOST_TEST(s[1].estimated_cost == cny(500));
  for (const auto& r : s) BOOST_TEST(r.rule_id == "fallback");

  // The specific rule does not also pull in the fallback's remedies.
  s = policy.suggest({"quality", "shop", "normal", "regular", cny(10000)});
  for (const auto& r : s) BOOST_TEST(r.rule_id == "quality_shop_fault");

  // Without a fallback, nothing matches.
  auto d = base_compensation_policy();
  d["suggestions"].erase(1);
  BOOST_TEST(
      parse_compensation_ok(d).suggest({"late_delivery", "carrier", "low", "new", cny(1)}).empty());
}

BOOST_AUTO_TEST_CASE(percent_costs_are_exact_and_round_half_up) {
  auto d = base_compensation_policy();
  d["suggestions"] = json::parse(R"([{"id": "p", "remedies": [
      {"type": "partial_refund", "cost": {"percent_of_order": 0.29}},
      {"type": "exchange", "cost": {"percent_of_order": 50}},
      {"type": "repair", "cost": {"percent_of_order": 1e1}}]}])");
  const auto policy = parse_compensation_ok(d);
  // 0.29% is 29 bp exactly (0.29 * 100 in double is 28.999...).
  auto s = policy.suggest({"x", "shop", "low", "new", cny(10000)});
  BOOST_REQUIRE_EQUAL(s.size(), 3u);
  BOOST_TEST(s[0].estimated_cost == cny(29));
  BOOST_TEST(s[1].estimated_cost == cny(1000));  // 1e1 = 10%
  BOOST_TEST(s[2].estimated_cost == cny(5000));
  // 50% of 1 fen is half a fen: rounds up to 1. 0.29% of 172 fen is 0.4988: rounds down to 0.
  s = policy.suggest({"x", "shop", "low", "new", cny(1)});
  BOOST_TEST(s.back().estimated_cost == cny(1));
  s = policy.suggest({"x", "shop", "low", "new", cny(172)});
  BOOST_TEST(s.front().estimated_cost == cny(0));
  // No overflow on the largest amounts: 50% of INT64_MAX.
  const auto big = std::numeric_limits<std::int64_t>::max();
  s = policy.suggest({"x", "shop", "low", "new", cny(big)});
  BOOST_TEST(s.back().estimated_cost.amount == big / 2 + 1);
}

BOOST_AUTO_TEST_CASE(two_decimal_percent_is_accepted) {
  auto d = base_compensation_policy();
  d["suggestions"][0]["remedies"][1]["cost"]["percent_of_order"] = 33.33;
  const auto policy = parse_compensation_ok(d);
  const auto s = policy.suggest({"quality", "shop", "low", "new", cny(30000)});
  BOOST_TEST(s.back().estimated_cost == cny(9999));
}

BOOST_AUTO_TEST_CASE(type_names_round_trip) {
  for (const char* name :
       {"full_refund", "partial_refund", "return_and_refund", "exchange", "reshipment", "repair",
        "coupon", "next_order_discount", "full_reduction_voucher", "gift", "points",
        "membership_upgrade", "apology_only"}) {
    const auto type = redress::parse_compensation_type(name);
    BOOST_REQUIRE_MESSAGE(type.has_value(), name);
    BOOST_TEST(std::string(redress::compensation_type_name(*type)) == name);
  }
  BOOST_TEST(!redress::parse_compensation_type("cash").has_value());
  BOOST_TEST(redress::is_refund(CompensationType::kFullRefund));
  BOOST_TEST(redress::is_refund(CompensationType::kPartialRefund));
  BOOST_TEST(redress::is_refund(CompensationType::kReturnAndRefund));
  BOOST_TEST(!redress::is_refund(CompensationType::kExchange));
  BOOST_TEST(!redress::is_refund(CompensationType::kCoupon));
}

BOOST_AUTO_TEST_SUITE_END()
