#include "api/http/problem.h"

#include <algorithm>
#include <cctype>

namespace redress::api {
namespace {

struct ProblemKind {
  http::status status;
  const char* title;
};

// The one mapping from codes to HTTP. A switch without `default`: -Wswitch (an error under
// -Werror) refuses a code that has no status. Client mistakes are 4xx; only faults of the server,
// its disk or its own code are 5xx. A store's INVALID_ARGUMENT means a route passed it something
// the route should have checked: a server bug (500), so every route must refuse bad client input
// itself with a precise 4xx before it reaches a store.
ProblemKind problem_kind(ErrorCode code) {
  using S = http::status;
  switch (code) {
    // Requests the server cannot read.
    case ErrorCode::kMalformedJson:
      return {S::bad_request, "Malformed JSON"};
    case ErrorCode::kInvalidUtf8:
      return {S::bad_request, "Invalid UTF-8"};
    case ErrorCode::kBadRequest:
      return {S::bad_request, "Bad request"};
    case ErrorCode::kInvalidQuery:
      return {S::bad_request, "Invalid query parameter"};
    case ErrorCode::kInvalidHeader:
      return {S::bad_request, "Invalid header"};
    case ErrorCode::kBodyTooLarge:
      return {S::payload_too_large, "Request body too large"};
    case ErrorCode::kHeadersTooLarge:
      return {S::request_header_fields_too_large, "Request headers too large"};
    case ErrorCode::kUnsupportedMediaType:
      return {S::unsupported_media_type, "Unsupported media type"};
    case ErrorCode::kAttachmentTypeRefused:
      return {S::unsupported_media_type, "Attachment type refused"};
    case ErrorCode::kNotAcceptable:
      return {S::not_acceptable, "Not acceptable"};
    case ErrorCode::kRouteNotFound:
      return {S::not_found, "No such endpoint"};
    case ErrorCode::kMethodNotAllowed:
      return {S::method_not_allowed, "Method not allowed"};
    // Who is asking.
    case ErrorCode::kUnauthenticated:
      return {S::unauthorized, "Authentication required"};
    case ErrorCode::kForbidden:
      return {S::forbidden, "Forbidden"};
    case ErrorCode::kInsufficientScope:
      return {S::forbidden, "Insufficient scope"};
    case ErrorCode::kRateLimited:
      return {S::too_many_requests, "Too many requests"};
    // Validation of what the client sent.
    case ErrorCode::kValidationFailed:
      return {S::unprocessable_entity, "Validation failed"};
    case ErrorCode::kInvalidField:
      return {S::unprocessable_entity, "Invalid field"};
    case ErrorCode::kMissingField:
      return {S::unprocessable_entity, "Missing field"};
    case ErrorCode::kInvalidDefinition:
      return {S::unprocessable_entity, "Invalid definition"};
    case ErrorCode::kInvalidAmount:
      return {S::unprocessable_entity, "Invalid amount"};
    case ErrorCode::kOverflow:
      return {S::unprocessable_entity, "Amount out of range"};
    case ErrorCode::kAmountTooLarge:
      return {S::unprocessable_entity, "Amount too large"};
    case ErrorCode::kBadDuration:
      return {S::unprocessable_entity, "Invalid duration"};
    case ErrorCode::kBadType:
      return {S::unprocessable_entity, "Wrong JSON type"};
    case ErrorCode::kBadValue:
      return {S::unprocessable_entity, "Invalid value"};
    // Conditional and idempotent requests.
    case ErrorCode::kPreconditionRequired:
      return {S::precondition_required, "If-Match required"};
    case ErrorCode::kVersionConflict:
      return {S::precondition_failed, "Version conflict"};
    case ErrorCode::kIdempotencyKeyReused:
      return {S::unprocessable_entity, "Idempotency key reused with a different request"};
    // The engine's rejections.
    case ErrorCode::kNotAllowedFromState:
      return {S::conflict, "Not allowed from this state"};
    case ErrorCode::kRoleNotPermitted:
      return {S::forbidden, "Role not permitted"};
    case ErrorCode::kConditionFailed:
      return {S::unprocessable_entity, "Condition failed"};
    case ErrorCode::kApprovalRequired:
      return {S::conflict, "Approval required"};
    case ErrorCode::kUnknownWorkflow:
      return {S::unprocessable_entity, "Unknown workflow"};
    case ErrorCode::kUnknownTransition:
      return {S::unprocessable_entity, "Unknown transition"};
    case ErrorCode::kNotFound:
      return {S::not_found, "Not found"};
    case ErrorCode::kCaseClosed:
      return {S::conflict, "Case closed"};
    case ErrorCode::kAlreadyExists:
      return {S::conflict, "Already exists"};
    case ErrorCode::kLastAdmin:
      return {S::conflict, "Last administrator"};
    case ErrorCode::kSelfApproval:
      return {S::forbidden, "Self-approval is not allowed"};
    case ErrorCode::kExceedsAuthority:
      return {S::forbidden, "Exceeds your authority"};
    case ErrorCode::kRefundExceedsPaid:
      return {S::unprocessable_entity, "Refund exceeds amount paid"};
    case ErrorCode::kCurrencyMismatch:
      return {S::unprocessable_entity, "Currency mismatch"};
    case ErrorCode::kInvalidState:
      return {S::conflict, "Invalid state"};
    case ErrorCode::kVersionChanged:
      return {S::conflict, "Workflow version changed"};
    case ErrorCode::kOutsideCallWindow:
      return {S::conflict, "Outside the call windows"};
    case ErrorCode::kFollowUpAttemptRequired:
      return {S::conflict, "Record the follow-up attempt"};
    // Transient conditions of the server: the detail is safe to send, a retry may succeed.
    case ErrorCode::kStorageFull:
      return {S::insufficient_storage, "Storage full"};
    case ErrorCode::kStorageBusy:
      return {S::service_unavailable, "Storage busy"};
    case ErrorCode::kStorageOverloaded:
      return {S::service_unavailable, "Server overloaded"};
    case ErrorCode::kStorageClosed:
      return {S::service_unavailable, "Server shutting down"};
    case ErrorCode::kStorageReadonly:
      return {S::service_unavailable, "Storage read-only"};
    case ErrorCode::kShuttingDown:
      return {S::service_unavailable, "Server shutting down"};
    // Faults: 500, their internal message is logged and never sent.
    case ErrorCode::kStorageIo:
      return {S::internal_server_error, "Storage I/O error"};
    case ErrorCode::kStorageCorrupt:
      return {S::internal_server_error, "Storage corrupt"};
    case ErrorCode::kStorageCantOpen:
      return {S::internal_server_error, "Storage cannot be opened"};
    case ErrorCode::kStorageNoMemory:
      return {S::internal_server_error, "Storage out of memory"};
    case ErrorCode::kStorageConstraint:
      return {S::internal_server_error, "Storage constraint failed"};
    case ErrorCode::kStorageError:
      return {S::internal_server_error, "Storage error"};
    case ErrorCode::kBadSnapshot:
      return {S::internal_server_error, "Stored snapshot malformed"};
    case ErrorCode::kBadEvent:
      return {S::internal_server_error, "Stored event malformed"};
    case ErrorCode::kNotARedressDatabase:
      return {S::internal_server_error, "Not a Redress database"};
    case ErrorCode::kSchemaTooNew:
      return {S::internal_server_error, "Database schema too new"};
    case ErrorCode::kDestinationExists:
      return {S::internal_server_error, "Destination exists"};
    case ErrorCode::kInvalidConfig:
      return {S::internal_server_error, "Invalid configuration"};
    case ErrorCode::kListenFailed:
      return {S::internal_server_error, "Cannot listen"};
    case ErrorCode::kInvalidArgument:
      return {S::internal_server_error, "Invalid argument"};
    case ErrorCode::kInternal:
      return {S::internal_server_error, "Internal error"};
  }
  return {S::internal_server_error, "Internal error"};  // not a valid enumerator
}

// Faults whose internal message must stay in the log: every 500. (503 and 507 say something
// true and useful to the client: retry later, the disk is full.)
bool is_server_fault(ErrorCode code) {
  return problem_kind(code).status == http::status::internal_server_error;
}

// What the client sees instead of a fault's own code: STORAGE_ERROR for the database's faults,
// INTERNAL for the rest.
ErrorCode masked_fault(ErrorCode code) {
  switch (code) {
    case ErrorCode::kStorageIo:
    case ErrorCode::kStorageCorrupt:
    case ErrorCode::kStorageCantOpen:
    case ErrorCode::kStorageNoMemory:
    case ErrorCode::kStorageConstraint:
    case ErrorCode::kStorageError:
      return ErrorCode::kStorageError;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

http::status problem_status(ErrorCode code) {
  return problem_kind(code).status;
}

std::string problem_type(ErrorCode code) {
  std::string slug;
  for (const char c : std::string_view(error_code_name(code))) {
    slug += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return "https://redress.dev/problems/" + slug;
}

std::string problem_title(ErrorCode code) {
  return problem_kind(code).title;
}

namespace {

// Codes arrive here as wire names until every producer carries an ErrorCode; a name the enum does
// not know is a server bug and answers as INTERNAL.
ErrorCode known_code(const std::string& name) {
  return parse_error_code(name).value_or(ErrorCode::kInternal);
}

}  // namespace

http::status problem_status(const std::string& code) {
  return problem_status(known_code(code));
}

nlohmann::json problem_body(const ApiProblem& problem, const std::string& instance) {
  const ErrorCode code = problem.code;
  nlohmann::json body =
      problem.extensions.is_object() ? problem.extensions : nlohmann::json::object();
  body["type"] = problem_type(code);
  body["title"] = problem_title(code);
  body["status"] = static_cast<int>(problem_status(code));
  body["code"] = error_code_name(code);
  body["detail"] = problem.detail;
  if (!instance.empty()) body["instance"] = instance;
  if (!problem.errors.empty()) {
    auto& errors = body["errors"] = nlohmann::json::array();
    for (const auto& e : problem.errors) {
      errors.push_back({{"pointer", e.pointer},
                        {"code", error_code_name(e.code)},
                        {"params", e.params.is_object() ? e.params : nlohmann::json::object()},
                        {"message", e.message}});
    }
  }
  return body;
}

Response problem_response(const ApiProblem& problem, const Request& request) {
  const auto status = problem_status(problem.code);
  Response response{status, request.version()};
  response.set(http::field::content_type, "application/problem+json");
  response.set(http::field::cache_control, "no-store");
  if (problem.retry_after_seconds) {
    response.set(http::field::retry_after, std::to_string(*problem.retry_after_seconds));
  }
  if (status == http::status::unauthorized) {
    response.set(http::field::www_authenticate, "Bearer realm=\"redress\"");
  }
  // The instance is the path without the query (which may carry cursors or search text).
  std::string_view target = request.target();
  target = target.substr(0, target.find('?'));
  // Invalid UTF-8 in the path must not make the error body itself unserialisable.
  response.body() = problem_body(problem, std::string(target))
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

ApiProblem from_rejection(const Rejection& rejection) {
  ApiProblem problem{rejection.code, rejection.message};
  for (const auto& p : rejection.problems) {
    problem.errors.push_back({p.pointer, p.message, p.code, p.params});
  }
  if (!rejection.allowed_roles.empty()) {
    auto roles = nlohmann::json::array();
    for (const Role role : rejection.allowed_roles) roles.push_back(role_name(role));
    problem.extensions["allowed_roles"] = std::move(roles);
  }
  return problem;
}

ApiProblem from_error(const Error& error) {
  if (is_server_fault(error.code)) {
    // The internal message (SQLite's words, file paths) goes to the log, not to the client.
    ApiProblem problem{masked_fault(error.code),
                       "the server could not complete the request because of an internal fault; "
                       "nothing was changed; the fault is in the server log"};
    problem.cause = std::string(error.code_name()) + ": " + error.message;
    return problem;
  }
  ApiProblem problem{error.code, error.message};
  if (error.code == ErrorCode::kStorageBusy || error.code == ErrorCode::kStorageOverloaded) {
    problem.retry_after_seconds = 1;
  }
  if (!error.pointer.empty()) {
    problem.errors.push_back({error.pointer, error.message, error.code, error.params});
  }
  return problem;
}

ApiProblem from_validation(ErrorCode code, const std::string& detail, const Problems& problems) {
  ApiProblem problem{code, detail};
  auto findings = nlohmann::json::array();
  for (const auto& p : problems) {
    // The finding's own code (UNKNOWN_STATE, ...) is the sub-reason of the field problem.
    if (p.severity == Severity::kError) {
      problem.errors.push_back(
          {p.pointer, p.message, code, problem_params("definition", {{"finding", p.code}})});
    }
    findings.push_back(problem_to_json(p));
  }
  problem.extensions["findings"] = std::move(findings);
  return problem;
}

}  // namespace redress::api
