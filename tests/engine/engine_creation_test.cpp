// Engine tests: Case creation: refusals with stable codes, and every invalid input reported at
// once. The shared drivers (CaseRun, actors, cases) are in tests/engine/test_support.h.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

BOOST_AUTO_TEST_SUITE(engine_creation)

BOOST_AUTO_TEST_CASE(creation_refusals) {
  CaseRun r;
  auto unknown = complaint("C-11");
  unknown.workflow_id = "nope";
  BOOST_TEST(outcome(r.attempt(kAgent, unknown)) == "UNKNOWN_WORKFLOW");
  auto unknown_version = complaint("C-11");
  unknown_version.workflow_version = 9;
  BOOST_TEST(outcome(r.attempt(kAgent, unknown_version)) == "UNKNOWN_WORKFLOW");
  BOOST_TEST(outcome(r.attempt(kSystem, complaint("C-11"))) == "ROLE_NOT_PERMITTED");
  auto bad_severity = complaint("C-11");
  bad_severity.severity = "apocalyptic";
  BOOST_TEST(outcome(r.attempt(kAgent, bad_severity)) == "INVALID_FIELD");
  auto bad_field = complaint("C-11");
  bad_field.fields["cause"] = "factory";  // not accepted at creation
  const auto d = r.attempt(kAgent, bad_field);
  BOOST_TEST(outcome(d) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(d) == "/fields/cause");
  // return_exchange requires request_type.
  const auto missing = r.attempt(kAgent, other("R-9", "return_exchange", json::object()));
  BOOST_TEST(outcome(missing) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(missing) == "/fields/request_type");
  // Commands other than creation need a case.
  BOOST_TEST(outcome(r.attempt(kAgent, RecordReply{"hi"})) == "NOT_FOUND");
  r.run(kAgent, complaint("C-11"));
  BOOST_TEST(r.snap().workflow_version == 3);  // the latest
  BOOST_TEST(outcome(r.attempt(kAgent, complaint("C-11"))) == "ALREADY_EXISTS");
}

BOOST_AUTO_TEST_CASE(creation_reports_every_invalid_input) {
  CaseRun r;
  auto bad = complaint("C-12");
  bad.severity = "apocalyptic";
  bad.customer.segment = std::string(129, 'v');  // longer than an id may be
  bad.order.refunded = cny(30000);               // more than the 299.00 paid
  bad.fields["cause"] = "factory";               // a declared field creation does not accept
  bad.fields["category"] = "alien_abduction";    // not one of the enum's values
  const auto d = r.attempt(kAgent, bad);
  BOOST_TEST(outcome(d) == "INVALID_FIELD");
  const std::vector<std::string> expected{"/severity", "/customer/segment", "/order/refunded",
                                          "/fields/category", "/fields/cause"};
  BOOST_TEST(pointers_of(d) == expected, boost::test_tools::per_element());
  BOOST_TEST(d.rejection().message.rfind("5 problems: ", 0) == 0);
  for (const auto& p : d.rejection().problems) {
    BOOST_TEST(d.rejection().message.find(p.message) != std::string::npos);
  }
  // Missing required fields are listed beside invalid ones; all missing is MISSING_FIELD.
  auto review = other("V-1", "review_recovery", json::object());
  const auto missing = r.attempt(kAgent, review);
  BOOST_TEST(outcome(missing) == "MISSING_FIELD");
  const std::vector<std::string> both{"/fields/review_text", "/fields/rating"};
  BOOST_TEST(pointers_of(missing) == both, boost::test_tools::per_element());
  review.severity = "urgent";
  const auto mixed = r.attempt(kAgent, review);
  BOOST_TEST(outcome(mixed) == "INVALID_FIELD");
  BOOST_TEST(pointers_of(mixed).size() == 3u);
}

// Each problem says as data what its message says in English: a stable code and params with the
// precise reason and its arguments, so a client can word it in its reader's language.
BOOST_AUTO_TEST_CASE(field_problems_carry_a_code_and_params) {
  CaseRun r;
  const auto problem_at = [](const Decision& d, const std::string& pointer) {
    BOOST_TEST_REQUIRE(!d.accepted());
    for (const auto& p : d.rejection().problems) {
      if (p.pointer == pointer) return p;
    }
    BOOST_FAIL("no problem at " + pointer);
    return redress::RejectionProblem{};
  };

  // A missing field.
  const auto missing = r.attempt(kAgent, other("R-9", "return_exchange", json::object()));
  const auto required = problem_at(missing, "/fields/request_type");
  BOOST_TEST(redress::error_code_name(required.code) == "MISSING_FIELD");
  BOOST_TEST(required.params == (json{{"reason", "required"}, {"field", "request_type"}}));

  // A wrong enum value and a string over its maximum length, in one rejection.
  auto bad = complaint("C-13");
  bad.fields["category"] = "alien_abduction";
  bad.fields["summary"] = std::string(4001, 'x');
  const auto d = r.attempt(kAgent, bad);
  const auto category = problem_at(d, "/fields/category");
  BOOST_TEST(redress::error_code_name(category.code) == "INVALID_FIELD");
  BOOST_TEST(category.params.at("reason") == "not_one_of");
  BOOST_TEST(category.params.at("field") == "category");
  BOOST_TEST(category.params.at("type") == "enum");
  BOOST_TEST(category.params.at("allowed").size() == 10u);
  BOOST_TEST(category.params.at("allowed").at(0) == "wrong_item");
  const auto summary = problem_at(d, "/fields/summary");
  BOOST_TEST(redress::error_code_name(summary.code) == "INVALID_FIELD");
  BOOST_TEST(summary.params == (json{{"reason", "too_long"},
                                     {"field", "summary"},
                                     {"type", "text"},
                                     {"max_length", 4000},
                                     {"length", 4001}}));

  // Bad money values: a negative amount, an unknown currency, a currency unlike the order's.
  auto mixed = complaint("C-14");
  mixed.order.refunded = {100, "USD"};
  const auto currency = problem_at(r.attempt(kAgent, mixed), "/order/refunded");
  BOOST_TEST(redress::error_code_name(currency.code) == "CURRENCY_MISMATCH");
  BOOST_TEST(currency.params == (json{{"reason", "order_currency"}, {"expected_currency", "CNY"}}));
  r.run(kAgent, other("R-10", "return_exchange", {{"request_type", "return_refund"}}, 1));
  const auto negative = r.attempt(
      kAgent, redress::UpdateFields{{{"refund_amount", {{"amount", -5}, {"currency", "CNY"}}}}});
  const auto amount = problem_at(negative, "/fields/refund_amount");
  BOOST_TEST(redress::error_code_name(amount.code) == "INVALID_FIELD");
  BOOST_TEST(amount.params ==
             (json{{"reason", "amount_negative"}, {"field", "refund_amount"}, {"type", "money"}}));
  const auto unknown = r.attempt(
      kAgent, redress::UpdateFields{{{"refund_amount", {{"amount", 500}, {"currency", "XYZ"}}}}});
  BOOST_TEST(problem_at(unknown, "/fields/refund_amount").params.at("reason") ==
             "unknown_currency");
}

BOOST_AUTO_TEST_SUITE_END()
