// JSON request bodies and query parameters without a socket: the body must be UTF-8, JSON and an
// object, each refused with its own precise problem; BodyReader and QueryReader report EVERY
// problem at once, each with its RFC 6901 pointer. (The Content-Type check is the pipeline's and
// the size bound the transport's: tests/api/request_pipeline_test.cpp and http_session_test.cpp.)
#include "api/http/json_body.h"

#include <string>
#include <variant>

#include <boost/test/unit_test.hpp>

#include "engine/json_text.h"

namespace redress::api {
namespace {

using nlohmann::json;

Request request_with(std::string body) {
  Request request{http::verb::post, "/v1/cases", 11};
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

ApiProblem refused_body(std::string body, bool empty_is_object = false) {
  auto result = parse_json_object(request_with(std::move(body)), empty_is_object);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiProblem>(result), "the body was accepted");
  return std::get<ApiProblem>(std::move(result));
}

json parsed_body(std::string body, bool empty_is_object = false) {
  auto result = parse_json_object(request_with(std::move(body)), empty_is_object);
  const auto* problem = std::get_if<ApiProblem>(&result);
  BOOST_REQUIRE_MESSAGE(problem == nullptr, "refused: " << (problem ? problem->detail : ""));
  return std::get<json>(std::move(result));
}

std::vector<std::string> pointers(const ApiProblem& problem) {
  std::vector<std::string> out;
  for (const auto& e : problem.errors) out.push_back(e.pointer);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_body)

BOOST_AUTO_TEST_CASE(an_object_is_parsed) {
  const json body =
      parsed_body(R"({"summary":"split seam","amount":{"amount":1299,"currency":"CNY"}})");
  BOOST_TEST(body.at("summary") == "split seam");
  BOOST_TEST(body.at("amount").at("amount") == 1299);
}

BOOST_AUTO_TEST_CASE(an_empty_body_is_malformed_unless_the_route_takes_it_as_an_object) {
  BOOST_TEST(refused_body("").code == ErrorCode::kMalformedJson);
  BOOST_TEST(parsed_body("", /*empty_is_object=*/true) == json::object());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused_before_parsing) {
  const ApiProblem problem = refused_body("{\"summary\":\"\xC3\x28\"}");
  BOOST_TEST(problem.code == ErrorCode::kInvalidUtf8);
  BOOST_TEST(problem_status(problem.code) == http::status::bad_request);
}

BOOST_AUTO_TEST_CASE(malformed_json_names_the_byte_offset) {
  const ApiProblem problem = refused_body(R"({"summary": "x",})");
  BOOST_TEST(problem.code == ErrorCode::kMalformedJson);
  BOOST_TEST(problem_status(problem.code) == http::status::bad_request);
  BOOST_TEST(problem.detail.rfind("the request body cannot be read as JSON: ", 0) == 0u);
  BOOST_REQUIRE(problem.extensions.contains("byte_offset"));
  BOOST_TEST(problem.extensions.at("byte_offset").get<std::size_t>() == 16u);
  // The detail is ASCII even when the offending bytes are not.
  const ApiProblem truncated = refused_body("{\"summary\": \"\xE4\xBD\xA0");
  BOOST_TEST(truncated.code == ErrorCode::kMalformedJson);
  for (const char c : truncated.detail) BOOST_TEST((c >= 0x20 && c < 0x7F));
}

BOOST_AUTO_TEST_CASE(nesting_beyond_the_limit_is_malformed_not_a_crash) {
  const int depth = kMaxJsonNesting + 1;
  std::string deep = "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  BOOST_TEST(refused_body(deep).code == ErrorCode::kMalformedJson);
  const int fits = kMaxJsonNesting - 1;
  std::string shallow = "{\"a\":" + std::string(fits, '[') + std::string(fits, ']') + "}";
  BOOST_TEST(parsed_body(shallow).contains("a"));
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_an_object_is_a_validation_failure_at_the_root) {
  for (const char* text : {"[]", "42", "\"text\"", "null", "true"}) {
    BOOST_TEST_CONTEXT(text) {
      const ApiProblem problem = refused_body(text);
      BOOST_TEST(problem.code == ErrorCode::kValidationFailed);
      BOOST_TEST(problem_status(problem.code) == http::status::unprocessable_entity);
      BOOST_TEST((pointers(problem) == std::vector<std::string>{""}));
    }
  }
}

BOOST_AUTO_TEST_CASE(the_reader_reports_every_problem_at_once) {
  const json body = json::parse(R"({
    "summary": "",
    "count": "three",
    "urgent": "yes",
    "due": "tomorrow",
    "tags": ["ok", "", 7],
    "colour": "red",
    "a/b~c": 1
  })");
  BodyReader reader(body, "", {"summary", "count", "urgent", "due", "tags", "team", "amount"});
  BOOST_TEST(!reader.string("summary", true, 100));
  BOOST_TEST(!reader.integer("count", true, 0, 10));
  BOOST_TEST(!reader.boolean("urgent", true));
  BOOST_TEST(!reader.instant("due", true));
  const auto tags = reader.string_array("tags", true, 10, 20);
  BOOST_TEST(!reader.string("team", true, 100));
  BOOST_TEST(!reader.money("amount", false));  // optional and absent: no problem
  BOOST_TEST(!reader.ok());
  // The good item of the array is kept; each bad one is named by its index.
  BOOST_REQUIRE(tags);
  BOOST_TEST((*tags == std::vector<std::string>{"ok"}));

  const ApiProblem problem = reader.problem();
  BOOST_TEST(problem.code == ErrorCode::kValidationFailed);
  // Unknown members first (found when the reader is made, in key order), then each read.
  const std::vector<std::string> expected = {"/a~1b~0c", "/colour", "/summary", "/count", "/urgent",
                                             "/due",     "/tags/1", "/tags/2",  "/team"};
  BOOST_TEST(pointers(problem) == expected, boost::test_tools::per_element());
  BOOST_TEST(problem.detail == "9 problems in the request body");
}

BOOST_AUTO_TEST_CASE(one_problem_is_its_own_detail) {
  const json body = json::parse(R"({"count": 11})");
  BodyReader reader(body, "/filters", {"count"});
  BOOST_TEST(!reader.integer("count", true, 0, 10));
  const ApiProblem problem = reader.problem();
  // JSON's non-negative numbers parse as unsigned: above the range, the message names the top.
  BOOST_TEST(problem.detail == "/filters/count: must be at most 10");
}

BOOST_AUTO_TEST_CASE(numbers_out_of_range_are_refused_not_wrapped) {
  const json body = json::parse(R"({"big": 18446744073709551615, "low": -1, "float": 1.5})");
  BodyReader reader(body, "", {"big", "low", "float"});
  BOOST_TEST(!reader.integer("big", true, 0, INT64_MAX));
  BOOST_TEST(!reader.integer("low", true, 0, 10));
  BOOST_TEST(!reader.integer("float", true, 0, 10));
  const auto problem = reader.problem();
  BOOST_REQUIRE(problem.errors.size() == 3u);
  BOOST_TEST(problem.errors[0].message == "must be at most 9223372036854775807");
  BOOST_TEST(problem.errors[1].message == "must be between 0 and 10");
  BOOST_TEST(problem.errors[2].message == "must be a whole number, not number");
}

BOOST_AUTO_TEST_CASE(strings_are_bounded_and_null_counts_as_absent) {
  const json body = json::parse(R"({"name": "abcdef", "note": null, "empty": ""})");
  BodyReader reader(body, "", {"name", "note", "empty"});
  BOOST_TEST(!reader.string("name", true, 5));
  BOOST_TEST(!reader.string("note", true, 5));
  BOOST_TEST(
      (reader.string("empty", true, 5, /*allow_empty=*/true) == std::optional<std::string>("")));
  const auto problem = reader.problem();
  BOOST_REQUIRE(problem.errors.size() == 2u);
  BOOST_TEST(problem.errors[0].message == "must be at most 5 bytes");
  BOOST_TEST(problem.errors[1].pointer == "/note");
  BOOST_TEST(problem.errors[1].message == "is required");
}

BOOST_AUTO_TEST_CASE(money_problems_point_inside_the_amount) {
  const json body = json::parse(R"({"amount": {"amount": 12.5, "currency": "CNY"}})");
  BodyReader reader(body, "", {"amount"});
  BOOST_TEST(!reader.money("amount", true));
  const auto problem = reader.problem();
  BOOST_REQUIRE(problem.errors.size() == 1u);
  BOOST_TEST(problem.errors[0].pointer.rfind("/amount", 0) == 0u);

  const json good = json::parse(R"({"amount": {"amount": 1299, "currency": "CNY"}})");
  BodyReader fine(good, "", {"amount"});
  const auto money = fine.money("amount", true);
  BOOST_REQUIRE(money);
  BOOST_TEST(money->amount == 1299);
  BOOST_TEST(money->currency == "CNY");
  BOOST_TEST(fine.ok());
}

BOOST_AUTO_TEST_CASE(nested_readers_merge_with_their_pointers) {
  const json body = json::parse(R"({"customer": {"id": 7}})");
  BodyReader outer(body, "", {"customer"});
  const auto customer = outer.object("customer", true);
  BOOST_REQUIRE(customer);
  BodyReader inner(*customer, outer.pointer("customer"), {"id", "tier"});
  BOOST_TEST(!inner.string("id", true, 64));
  BOOST_TEST(!inner.string("tier", true, 64));
  outer.merge(inner);
  BOOST_TEST(
      (pointers(outer.problem()) == std::vector<std::string>{"/customer/id", "/customer/tier"}));
}

BOOST_AUTO_TEST_CASE(engine_problems_already_reported_are_not_repeated) {
  const json body = json::parse(R"({"fields": {"cause": 5}})");
  BodyReader reader(body, "", {"fields"});
  reader.add("/fields/cause", "must be a string", redress::problem_params("wrong_type"));
  Rejection rejection;
  rejection.code = ErrorCode::kInvalidField;
  rejection.problems = {{"/fields/cause", "is required"}, {"/fields/fault_party", "is required"}};
  reader.add_missing(rejection);
  BOOST_TEST((pointers(reader.problem()) ==
              std::vector<std::string>{"/fields/cause", "/fields/fault_party"}));

  // A rejection about the role is not about inputs.
  BodyReader untouched(body, "", {"fields"});
  rejection.code = ErrorCode::kRoleNotPermitted;
  untouched.add_missing(rejection);
  BOOST_TEST(untouched.ok());
}

BOOST_AUTO_TEST_CASE(query_readers_report_every_parameter) {
  RequestContext ctx;
  ctx.query = {{"page_size", "0"}, {"severity", "critcal"}, {"stage", "a"},   {"stage", "b"},
               {"open", "yes"},    {"since", "yesterday"},  {"colour", "red"}};
  QueryReader query(ctx);
  query.allow_only({"page_size", "severity", "stage", "open", "since"});
  BOOST_TEST(!query.integer("page_size", 1, 1000));
  BOOST_TEST(!query.one_of("severity", {"low", "normal", "high", "critical"}));
  BOOST_TEST(!query.string("stage", 64));
  BOOST_TEST(!query.boolean("open"));
  BOOST_TEST(!query.instant("since"));
  BOOST_TEST(!query.ok());
  const ApiProblem problem = query.problem();
  BOOST_TEST(problem.code == ErrorCode::kInvalidQuery);
  BOOST_TEST(problem_status(problem.code) == http::status::bad_request);
  const std::vector<std::string> expected = {"/query/colour", "/query/page_size", "/query/severity",
                                             "/query/stage",  "/query/open",      "/query/since"};
  BOOST_TEST(pointers(problem) == expected, boost::test_tools::per_element());
  BOOST_TEST(problem.errors[2].message == "unknown severity; allowed: low, normal, high, critical");
  BOOST_TEST(problem.errors[3].message == "may be given only once");
}

BOOST_AUTO_TEST_CASE(query_values_in_range_are_read) {
  RequestContext ctx;
  ctx.query = {{"page_size", "1000"}, {"open", "false"}, {"severity", "high"}};
  QueryReader query(ctx);
  query.allow_only({"page_size", "open", "severity"});
  BOOST_TEST((query.integer("page_size", 1, 1000) == std::optional<std::int64_t>(1000)));
  BOOST_TEST((query.boolean("open") == std::optional<bool>(false)));
  BOOST_TEST((query.one_of("severity", {"normal", "high"}) == std::optional<std::string>("high")));
  BOOST_TEST(!query.integer("absent", 1, 10));
  BOOST_TEST(query.ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
