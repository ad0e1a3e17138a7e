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
  BOOST_TEST(r.snap().workflow_version == 1);
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

BOOST_AUTO_TEST_SUITE_END()
