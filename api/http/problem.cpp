#include "api/http/problem.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace redress::api {
namespace {

struct ProblemKind {
  http::status status;
  const char* title;
};

// The one table from codes to HTTP. Client mistakes are 4xx; only faults of the server or its
// disk are 5xx.
const std::map<std::string, ProblemKind>& problem_table() {
  static const std::map<std::string, ProblemKind> table = {
      // Requests the server cannot read.
      {"MALFORMED_JSON", {http::status::bad_request, "Malformed JSON"}},
      {"INVALID_UTF8", {http::status::bad_request, "Invalid UTF-8"}},
      {"BAD_REQUEST", {http::status::bad_request, "Bad request"}},
      {"INVALID_QUERY", {http::status::bad_request, "Invalid query parameter"}},
      {"INVALID_HEADER", {http::status::bad_request, "Invalid header"}},
      {"BODY_TOO_LARGE", {http::status::payload_too_large, "Request body too large"}},
      {"HEADERS_TOO_LARGE",
       {http::status::request_header_fields_too_large, "Request headers too large"}},
      {"UNSUPPORTED_MEDIA_TYPE", {http::status::unsupported_media_type, "Unsupported media type"}},
      {"NOT_ACCEPTABLE", {http::status::not_acceptable, "Not acceptable"}},
      {"ROUTE_NOT_FOUND", {http::status::not_found, "No such endpoint"}},
      {"METHOD_NOT_ALLOWED", {http::status::method_not_allowed, "Method not allowed"}},
      // Who is asking.
      {"UNAUTHENTICATED", {http::status::unauthorized, "Authentication required"}},
      {"FORBIDDEN", {http::status::forbidden, "Forbidden"}},
      {"RATE_LIMITED", {http::status::too_many_requests, "Too many requests"}},
      // Validation of the body.
      {"VALIDATION_FAILED", {http::status::unprocessable_entity, "Validation failed"}},
      {"INVALID_FIELD", {http::status::unprocessable_entity, "Invalid field"}},
      {"MISSING_FIELD", {http::status::unprocessable_entity, "Missing field"}},
      {"INVALID_DEFINITION", {http::status::unprocessable_entity, "Invalid definition"}},
      // Conditional and idempotent requests.
      {"PRECONDITION_REQUIRED", {http::status::precondition_required, "If-Match required"}},
      {"VERSION_CONFLICT", {http::status::precondition_failed, "Version conflict"}},
      {"IDEMPOTENCY_KEY_REUSED",
       {http::status::unprocessable_entity, "Idempotency key reused with a different request"}},
      {"IDEMPOTENCY_IN_PROGRESS",
       {http::status::conflict, "A request with this idempotency key is still running"}},
      // The engine's rejections.
      {"NOT_ALLOWED_FROM_STATE", {http::status::conflict, "Not allowed from this state"}},
      {"ROLE_NOT_PERMITTED", {http::status::forbidden, "Role not permitted"}},
      {"CONDITION_FAILED", {http::status::unprocessable_entity, "Condition failed"}},
      {"APPROVAL_REQUIRED", {http::status::conflict, "Approval required"}},
      {"UNKNOWN_WORKFLOW", {http::status::unprocessable_entity, "Unknown workflow"}},
      {"UNKNOWN_TRANSITION", {http::status::unprocessable_entity, "Unknown transition"}},
      {"NOT_FOUND", {http::status::not_found, "Not found"}},
      {"CASE_CLOSED", {http::status::conflict, "Case closed"}},
      {"ALREADY_EXISTS", {http::status::conflict, "Already exists"}},
      {"LAST_ADMIN", {http::status::conflict, "Last administrator"}},
      {"SELF_APPROVAL", {http::status::forbidden, "Self-approval is not allowed"}},
      {"EXCEEDS_AUTHORITY", {http::status::forbidden, "Exceeds your authority"}},
      {"REFUND_EXCEEDS_PAID", {http::status::unprocessable_entity, "Refund exceeds amount paid"}},
      {"CURRENCY_MISMATCH", {http::status::unprocessable_entity, "Currency mismatch"}},
      {"INVALID_STATE", {http::status::conflict, "Invalid state"}},
      {"VERSION_CHANGED", {http::status::conflict, "Workflow version changed"}},
      // The server and its disk.
      {"STORAGE_FULL", {http::status::insufficient_storage, "Storage full"}},
      {"STORAGE_BUSY", {http::status::service_unavailable, "Storage busy"}},
      {"STORAGE_OVERLOADED", {http::status::service_unavailable, "Server overloaded"}},
      {"STORAGE_CLOSED", {http::status::service_unavailable, "Server shutting down"}},
      {"STORAGE_READONLY", {http::status::service_unavailable, "Storage read-only"}},
      {"SHUTTING_DOWN", {http::status::service_unavailable, "Server shutting down"}},
      {"STORAGE_IO", {http::status::internal_server_error, "Storage I/O error"}},
      {"STORAGE_CORRUPT", {http::status::internal_server_error, "Storage corrupt"}},
      {"STORAGE_ERROR", {http::status::internal_server_error, "Storage error"}},
      {"INTERNAL", {http::status::internal_server_error, "Internal error"}},
  };
  return table;
}

// Faults whose internal message must stay in the log. Codes the table does not know are treated
// the same way: they are a server bug, not the client's mistake.
bool is_server_fault(const std::string& code) {
  return code == "STORAGE_IO" || code == "STORAGE_CORRUPT" || code == "STORAGE_ERROR" ||
         code == "INTERNAL" || !problem_table().count(code);
}

}  // namespace

http::status problem_status(const std::string& code) {
  const auto& table = problem_table();
  const auto it = table.find(code);
  return it == table.end() ? http::status::internal_server_error : it->second.status;
}

std::string problem_type(const std::string& code) {
  std::string slug;
  for (char c : code) slug += c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return "https://redress.dev/problems/" + slug;
}

std::string problem_title(const std::string& code) {
  const auto& table = problem_table();
  const auto it = table.find(code);
  return it == table.end() ? "Internal error" : it->second.title;
}

nlohmann::json problem_body(const ApiProblem& problem, const std::string& instance) {
  const std::string code = problem_table().count(problem.code) ? problem.code : "INTERNAL";
  nlohmann::json body =
      problem.extensions.is_object() ? problem.extensions : nlohmann::json::object();
  body["type"] = problem_type(code);
  body["title"] = problem_title(code);
  body["status"] = static_cast<int>(problem_status(code));
  body["code"] = code;
  body["detail"] = problem.detail;
  if (!instance.empty()) body["instance"] = instance;
  if (!problem.errors.empty()) {
    auto& errors = body["errors"] = nlohmann::json::array();
    for (const auto& e : problem.errors) {
      errors.push_back({{"pointer", e.pointer}, {"message", e.message}});
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
  ApiProblem problem{rejection_code_name(rejection.code), rejection.message, {}, {}, {}};
  for (const auto& p : rejection.problems) problem.errors.push_back({p.pointer, p.message});
  return problem;
}

ApiProblem from_error(const Error& error) {
  if (is_server_fault(error.code)) {
    // The internal message (SQLite's words, file paths) goes to the log, not to the client.
    return {error.code.rfind("STORAGE", 0) == 0 ? "STORAGE_ERROR" : "INTERNAL",
            "the server could not complete the request because of an internal fault; nothing was "
            "changed; the fault is in the server log",
            {},
            {},
            {}};
  }
  ApiProblem problem{error.code, error.message, {}, {}, {}};
  if (error.code == "STORAGE_BUSY" || error.code == "STORAGE_OVERLOADED") {
    problem.retry_after_seconds = 1;
  }
  if (!error.pointer.empty()) problem.errors.push_back({error.pointer, error.message});
  return problem;
}

ApiProblem from_validation(const std::string& code, const std::string& detail,
                           const Problems& problems) {
  ApiProblem problem{code, detail, {}, {}, {}};
  auto findings = nlohmann::json::array();
  for (const auto& p : problems) {
    if (p.severity == Severity::kError) problem.errors.push_back({p.pointer, p.message});
    findings.push_back(problem_to_json(p));
  }
  problem.extensions["findings"] = std::move(findings);
  return problem;
}

const std::vector<std::string>& problem_codes() {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> out;
    for (const auto& [code, kind] : problem_table()) out.push_back(code);
    return out;
  }();
  return codes;
}

}  // namespace redress::api
