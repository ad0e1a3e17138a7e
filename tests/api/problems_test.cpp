// ApiProblem without a socket: every ErrorCode maps to a 4xx or 5xx status and a title, the
// problem+json body has RFC 9457's shape, the named constructors set their code, field problems
// keep their pointers, and a server fault's internal message never reaches the body.
#include "api/http/problem.h"

#include <set>
#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/error_code.h"

namespace redress::api {
namespace {

using nlohmann::json;

Request request_for(std::string target, bool keep_alive = true) {
  Request request{http::verb::post, target, 11};
  request.keep_alive(keep_alive);
  return request;
}

json body_of(const Response& response) {
  return json::parse(response.body());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(problems)

BOOST_AUTO_TEST_CASE(every_code_has_an_error_status_a_title_and_its_own_type) {
  std::set<std::string> types;
  for (const ErrorCode code : all_error_codes()) {
    const auto status = static_cast<int>(problem_status(code));
    BOOST_TEST_CONTEXT(error_code_name(code)) {
      BOOST_TEST((status >= 400 && status <= 599));
      BOOST_TEST(!problem_title(code).empty());
      const std::string type = problem_type(code);
      BOOST_TEST(type.rfind("https://redress.dev/problems/", 0) == 0u);
      BOOST_TEST(type.find('_') == std::string::npos);
      BOOST_TEST(types.insert(type).second, "type shared with another code");
    }
  }
  BOOST_TEST(types.size() == all_error_codes().size());
}

BOOST_AUTO_TEST_CASE(client_mistakes_are_4xx_and_server_faults_5xx) {
  using S = http::status;
  const std::pair<ErrorCode, S> expected[] = {
      {ErrorCode::kMalformedJson, S::bad_request},
      {ErrorCode::kInvalidQuery, S::bad_request},
      {ErrorCode::kBodyTooLarge, S::payload_too_large},
      {ErrorCode::kHeadersTooLarge, S::request_header_fields_too_large},
      {ErrorCode::kUnsupportedMediaType, S::unsupported_media_type},
      {ErrorCode::kRouteNotFound, S::not_found},
      {ErrorCode::kMethodNotAllowed, S::method_not_allowed},
      {ErrorCode::kUnauthenticated, S::unauthorized},
      {ErrorCode::kForbidden, S::forbidden},
      {ErrorCode::kRoleNotPermitted, S::forbidden},
      {ErrorCode::kSelfApproval, S::forbidden},
      {ErrorCode::kRateLimited, S::too_many_requests},
      {ErrorCode::kValidationFailed, S::unprocessable_entity},
      {ErrorCode::kRefundExceedsPaid, S::unprocessable_entity},
      {ErrorCode::kPreconditionRequired, S::precondition_required},
      {ErrorCode::kVersionConflict, S::precondition_failed},
      {ErrorCode::kIdempotencyKeyReused, S::unprocessable_entity},
      {ErrorCode::kNotAllowedFromState, S::conflict},
      {ErrorCode::kStorageFull, S::insufficient_storage},
      {ErrorCode::kStorageBusy, S::service_unavailable},
      {ErrorCode::kShuttingDown, S::service_unavailable},
      {ErrorCode::kStorageIo, S::internal_server_error},
      {ErrorCode::kInvalidArgument, S::internal_server_error},
      {ErrorCode::kInternal, S::internal_server_error},
  };
  for (const auto& [code, status] : expected) {
    BOOST_TEST_CONTEXT(error_code_name(code)) {
      BOOST_TEST(problem_status(code) == status);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_body_has_the_rfc_9457_members_and_the_stable_code) {
  ApiProblem problem = ApiProblem::validation_failed(
      "2 problems in the request body",
      {{"/amount", "must be a whole number, not string", ErrorCode::kInvalidField,
        json{{"reason", "wrong_type"}, {"type", "integer"}}},
       {"/currency", "is required", ErrorCode::kMissingField, json{{"reason", "required"}}}});
  problem.extensions["current_version"] = 4;
  const json body = problem_body(problem, "/v1/cases/C-7/compensations");
  BOOST_TEST(body.at("type") == "https://redress.dev/problems/validation-failed");
  BOOST_TEST(body.at("title") == "Validation failed");
  BOOST_TEST(body.at("status") == 422);
  BOOST_TEST(body.at("code") == "VALIDATION_FAILED");
  BOOST_TEST(body.at("detail") == "2 problems in the request body");
  BOOST_TEST(body.at("instance") == "/v1/cases/C-7/compensations");
  BOOST_TEST(body.at("current_version") == 4);
  // Each error says in data (code, params) what its message says in English.
  BOOST_TEST(body.at("errors") == json::parse(R"([
    {"pointer": "/amount", "code": "INVALID_FIELD",
     "params": {"reason": "wrong_type", "type": "integer"},
     "message": "must be a whole number, not string"},
    {"pointer": "/currency", "code": "MISSING_FIELD", "params": {"reason": "required"},
     "message": "is required"}])"));
}

BOOST_AUTO_TEST_CASE(optional_members_are_left_out_and_extensions_cannot_override_the_core) {
  ApiProblem problem = ApiProblem::not_found("no case C-9");
  problem.extensions["status"] = 200;  // a careless extension must not change what is reported
  problem.extensions["code"] = "OK";
  const json body = problem_body(problem, "");
  BOOST_TEST(!body.contains("errors"));
  BOOST_TEST(!body.contains("instance"));
  BOOST_TEST(body.at("status") == 404);
  BOOST_TEST(body.at("code") == "NOT_FOUND");
}

BOOST_AUTO_TEST_CASE(named_constructors_set_their_codes) {
  const std::pair<ApiProblem, ErrorCode> made[] = {
      {ApiProblem::bad_request("x"), ErrorCode::kBadRequest},
      {ApiProblem::malformed_json("x"), ErrorCode::kMalformedJson},
      {ApiProblem::invalid_utf8("x"), ErrorCode::kInvalidUtf8},
      {ApiProblem::invalid_query("x"), ErrorCode::kInvalidQuery},
      {ApiProblem::invalid_header("x"), ErrorCode::kInvalidHeader},
      {ApiProblem::body_too_large("x"), ErrorCode::kBodyTooLarge},
      {ApiProblem::headers_too_large("x"), ErrorCode::kHeadersTooLarge},
      {ApiProblem::unsupported_media_type("x"), ErrorCode::kUnsupportedMediaType},
      {ApiProblem::route_not_found("x"), ErrorCode::kRouteNotFound},
      {ApiProblem::method_not_allowed("x"), ErrorCode::kMethodNotAllowed},
      {ApiProblem::unauthenticated("x"), ErrorCode::kUnauthenticated},
      {ApiProblem::forbidden("x"), ErrorCode::kForbidden},
      {ApiProblem::validation_failed("x"), ErrorCode::kValidationFailed},
      {ApiProblem::invalid_field("x"), ErrorCode::kInvalidField},
      {ApiProblem::not_found("x"), ErrorCode::kNotFound},
      {ApiProblem::precondition_required("x"), ErrorCode::kPreconditionRequired},
      {ApiProblem::idempotency_key_reused("x"), ErrorCode::kIdempotencyKeyReused},
      {ApiProblem::rate_limited("x", 3), ErrorCode::kRateLimited},
      {ApiProblem::shutting_down("x", 5), ErrorCode::kShuttingDown},
      {ApiProblem::internal("x"), ErrorCode::kInternal},
  };
  for (const auto& [problem, code] : made) {
    BOOST_TEST_CONTEXT(error_code_name(code)) {
      BOOST_TEST(problem.code == code);
      BOOST_TEST(problem.detail == "x");
      BOOST_TEST(problem.errors.empty());
      BOOST_TEST(problem.cause.empty());
    }
  }
  BOOST_TEST((ApiProblem::rate_limited("x", 3).retry_after_seconds == std::optional<int>(3)));
  BOOST_TEST((ApiProblem::shutting_down("x", 5).retry_after_seconds == std::optional<int>(5)));
  BOOST_TEST(!ApiProblem::bad_request("x").retry_after_seconds.has_value());
  const ApiProblem with_fields = ApiProblem::invalid_field("x", {{"/team", "no such team"}});
  BOOST_TEST(with_fields.errors.size() == 1u);
  BOOST_TEST(with_fields.errors.front().pointer == "/team");
}

BOOST_AUTO_TEST_CASE(the_response_carries_the_headers_each_status_needs) {
  const Response limited =
      problem_response(ApiProblem::rate_limited("slow down", 7), request_for("/v1/cases?q=x"));
  BOOST_TEST(limited.result() == http::status::too_many_requests);
  BOOST_TEST(limited[http::field::content_type] == "application/problem+json");
  BOOST_TEST(limited[http::field::cache_control] == "no-store");
  BOOST_TEST(limited[http::field::retry_after] == "7");
  BOOST_TEST(limited.count(http::field::www_authenticate) == 0u);
  // The instance is the path only: the query may carry cursors or search text.
  BOOST_TEST(body_of(limited).at("instance") == "/v1/cases");
  BOOST_TEST(limited[http::field::content_length] == std::to_string(limited.body().size()));

  const Response unauthenticated =
      problem_response(ApiProblem::unauthenticated("send a bearer token"), request_for("/v1/me"));
  BOOST_TEST(unauthenticated.result() == http::status::unauthorized);
  BOOST_TEST(unauthenticated[http::field::www_authenticate] == "Bearer realm=\"redress\"");
  BOOST_TEST(unauthenticated.count(http::field::retry_after) == 0u);

  const Response closing = problem_response(ApiProblem::not_found("gone"),
                                            request_for("/v1/cases/C-1", /*keep_alive=*/false));
  BOOST_TEST(!closing.keep_alive());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_the_path_still_gives_a_json_body) {
  const Response response =
      problem_response(ApiProblem::bad_request("bad path"), request_for("/v1/\xff\xfe"));
  const json body = body_of(response);
  BOOST_TEST(body.at("code") == "BAD_REQUEST");
  BOOST_TEST(body.at("instance").get<std::string>().rfind("/v1/", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(a_rejection_keeps_its_code_message_and_every_pointer) {
  Rejection rejection;
  rejection.code = ErrorCode::kConditionFailed;
  rejection.message = "2 fields are missing";
  rejection.problems = {
      {"/fields/cause", "is required", ErrorCode::kMissingField, json{{"reason", "required"}}},
      {"/fields/fault_party", "is required", ErrorCode::kMissingField,
       json{{"reason", "required"}, {"field", "fault_party"}}}};
  const ApiProblem problem = from_rejection(rejection);
  BOOST_TEST(problem.code == ErrorCode::kConditionFailed);
  BOOST_TEST(problem.detail == "2 fields are missing");
  BOOST_TEST(problem.errors.size() == 2u);
  BOOST_TEST(problem.errors[0].pointer == "/fields/cause");
  BOOST_TEST(problem.errors[1].pointer == "/fields/fault_party");
  BOOST_TEST(problem.errors[1].message == "is required");
  BOOST_TEST((problem.errors[1].code == ErrorCode::kMissingField));
  BOOST_TEST(problem.errors[1].params == (json{{"reason", "required"}, {"field", "fault_party"}}));
}

BOOST_AUTO_TEST_CASE(a_server_fault_is_masked_and_its_cause_kept_for_the_log) {
  Error io{ErrorCode::kStorageIo, "disk I/O error at /var/lib/redress/redress.db"};
  const ApiProblem storage = from_error(io);
  BOOST_TEST(storage.code == ErrorCode::kStorageError);
  BOOST_TEST(storage.detail.find("/var/lib") == std::string::npos);
  BOOST_TEST(storage.cause == "STORAGE_IO: disk I/O error at /var/lib/redress/redress.db");
  BOOST_TEST(problem_body(storage, "/v1/cases").dump().find("/var/lib") == std::string::npos);

  const ApiProblem argument = from_error(Error{ErrorCode::kInvalidArgument, "page size 0"});
  BOOST_TEST(argument.code == ErrorCode::kInternal);
  BOOST_TEST(argument.detail.find("page size") == std::string::npos);
  BOOST_TEST(!argument.cause.empty());
}

BOOST_AUTO_TEST_CASE(a_client_error_passes_its_message_and_pointer_and_busy_asks_for_a_retry) {
  Error missing{ErrorCode::kNotFound, "no team 'night_shift'"};
  missing.pointer = "/team";
  const ApiProblem problem = from_error(missing);
  BOOST_TEST(problem.code == ErrorCode::kNotFound);
  BOOST_TEST(problem.detail == "no team 'night_shift'");
  BOOST_TEST(problem.errors.size() == 1u);
  BOOST_TEST(problem.errors.front().pointer == "/team");
  BOOST_TEST(problem.cause.empty());

  BOOST_TEST((from_error(Error{ErrorCode::kStorageBusy, "busy"}).retry_after_seconds ==
              std::optional<int>(1)));
  BOOST_TEST((from_error(Error{ErrorCode::kStorageOverloaded, "queue full"}).retry_after_seconds ==
              std::optional<int>(1)));
  BOOST_TEST(!from_error(Error{ErrorCode::kStorageFull, "disk full"}).retry_after_seconds);
}

BOOST_AUTO_TEST_CASE(validation_findings_list_errors_and_every_finding) {
  Problems findings;
  findings.push_back(ValidationProblem{Severity::kError, "UNKNOWN_STATE", "/transitions/0/to",
                                       "no state 'closd'", ""});
  findings.push_back(ValidationProblem{Severity::kWarning, "UNREACHABLE_STATE", "/states/limbo",
                                       "unreachable", ""});
  const ApiProblem problem =
      from_validation(ErrorCode::kInvalidDefinition, "the definition is invalid", findings);
  BOOST_TEST(problem.code == ErrorCode::kInvalidDefinition);
  // Only errors are `errors`; warnings are findings too.
  BOOST_TEST(problem.errors.size() == 1u);
  BOOST_TEST(problem.errors.front().pointer == "/transitions/0/to");
  BOOST_TEST(problem.extensions.at("findings").size() == 2u);
  BOOST_TEST(problem.extensions.at("findings")[1].at("code") == "UNREACHABLE_STATE");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
