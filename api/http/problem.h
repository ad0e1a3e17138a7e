// ApiProblem: every error the API returns, as RFC 9457 application/problem+json.
//
// One closed set of codes, each with a stable `type` URI and an HTTP status, mapped in ONE place
// (problem.cpp): engine rejections, storage errors and the server's own request errors. The
// `detail` is written for the person or system that sent the request; internal causes are
// logged, never sent (userver's split between the logged message and the client's body).
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/http/http_types.h"
#include "engine/decision.h"
#include "engine/error_code.h"
#include "engine/result.h"
#include "engine/validation_problem.h"

namespace redress::api {

// One invalid input: where it is (RFC 6901 pointer into the request body, or "/query/name",
// "/header/name"), what is wrong with it in English, and the same as data — a stable `code`
// (MISSING_FIELD, INVALID_FIELD, CURRENCY_MISMATCH, ...; the OpenAPI FieldProblemCode enum) and
// `params`, a JSON object with the sub-reason and its arguments ({"reason": "too_long",
// "max_length": 200}; docs/api.md) — so the console says it in the reader's language.
struct FieldProblem {
  std::string pointer;
  std::string message;
  ErrorCode code = ErrorCode::kInvalidField;
  nlohmann::json params = nlohmann::json::object();
};

// One problem: its code (which decides status, type and title), the detail for the client, and
// what else the body carries. Build one with a named constructor (ApiProblem::not_found(detail));
// the general constructor is for codes passed along from an Error or a Rejection.
struct ApiProblem {
  ErrorCode code = ErrorCode::kInternal;
  std::string detail;
  std::vector<FieldProblem> errors;  // for validation failures
  std::optional<int> retry_after_seconds;
  // Extra members for the body ("allowed_methods", "current_version", ...).
  nlohmann::json extensions = nlohmann::json::object();
  // Why a 5xx happened, in the server's own words (SQLite's message, a file path): written to the
  // log under the request id, never sent. Empty: the detail says it all.
  std::string cause;

  ApiProblem(ErrorCode problem_code, std::string problem_detail,
             std::vector<FieldProblem> field_problems = {})
      : code(problem_code), detail(std::move(problem_detail)), errors(std::move(field_problems)) {}

  // Client mistakes; `errors` lists each offending input when there are several or a pointer
  // helps.
  static ApiProblem bad_request(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kBadRequest, std::move(detail), std::move(errors)};
  }
  static ApiProblem malformed_json(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kMalformedJson, std::move(detail), std::move(errors)};
  }
  static ApiProblem invalid_utf8(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kInvalidUtf8, std::move(detail), std::move(errors)};
  }
  static ApiProblem invalid_query(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kInvalidQuery, std::move(detail), std::move(errors)};
  }
  static ApiProblem invalid_header(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kInvalidHeader, std::move(detail), std::move(errors)};
  }
  static ApiProblem body_too_large(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kBodyTooLarge, std::move(detail), std::move(errors)};
  }
  static ApiProblem headers_too_large(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kHeadersTooLarge, std::move(detail), std::move(errors)};
  }
  static ApiProblem unsupported_media_type(std::string detail,
                                           std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kUnsupportedMediaType, std::move(detail), std::move(errors)};
  }
  static ApiProblem route_not_found(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kRouteNotFound, std::move(detail), std::move(errors)};
  }
  static ApiProblem method_not_allowed(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kMethodNotAllowed, std::move(detail), std::move(errors)};
  }
  static ApiProblem unauthenticated(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kUnauthenticated, std::move(detail), std::move(errors)};
  }
  static ApiProblem forbidden(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kForbidden, std::move(detail), std::move(errors)};
  }
  static ApiProblem validation_failed(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kValidationFailed, std::move(detail), std::move(errors)};
  }
  static ApiProblem invalid_field(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kInvalidField, std::move(detail), std::move(errors)};
  }
  static ApiProblem not_found(std::string detail, std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kNotFound, std::move(detail), std::move(errors)};
  }
  static ApiProblem precondition_required(std::string detail,
                                          std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kPreconditionRequired, std::move(detail), std::move(errors)};
  }
  static ApiProblem idempotency_key_reused(std::string detail,
                                           std::vector<FieldProblem> errors = {}) {
    return {ErrorCode::kIdempotencyKeyReused, std::move(detail), std::move(errors)};
  }
  // Refusals that a later retry may overcome: Retry-After says when.
  static ApiProblem rate_limited(std::string detail, int retry_after_seconds) {
    return with_retry_after({ErrorCode::kRateLimited, std::move(detail)}, retry_after_seconds);
  }
  // The server's storage or its blocking worker has more waiting than it takes (503).
  static ApiProblem overloaded(std::string detail, int retry_after_seconds) {
    return with_retry_after({ErrorCode::kStorageOverloaded, std::move(detail)},
                            retry_after_seconds);
  }
  static ApiProblem shutting_down(std::string detail, int retry_after_seconds) {
    return with_retry_after({ErrorCode::kShuttingDown, std::move(detail)}, retry_after_seconds);
  }
  // A fault of the server (500): `detail` is for the client, `cause` for the log.
  static ApiProblem internal(std::string detail, std::string cause = {}) {
    ApiProblem problem{ErrorCode::kInternal, std::move(detail)};
    problem.cause = std::move(cause);
    return problem;
  }

 private:
  static ApiProblem with_retry_after(ApiProblem problem, int seconds) {
    problem.retry_after_seconds = seconds;
    return problem;
  }
};

// The HTTP status of a code: one switch over ErrorCode (problem.cpp), checked by -Wswitch.
http::status problem_status(ErrorCode code);
// "https://redress.dev/problems/version-conflict" for VERSION_CONFLICT.
std::string problem_type(ErrorCode code);
// A short title for the code ("Version conflict").
std::string problem_title(ErrorCode code);

// The problem+json body of `problem`, with status, type, title, detail and, when present,
// errors, the request path as `instance`, and the extensions.
nlohmann::json problem_body(const ApiProblem& problem, const std::string& instance);

// A complete response: status, Content-Type application/problem+json, Retry-After when set,
// WWW-Authenticate for 401, Cache-Control no-store.
Response problem_response(const ApiProblem& problem, const Request& request);

// Engine rejection -> problem: its summary becomes the detail and each of its problems an entry
// of `errors`.
ApiProblem from_rejection(const Rejection& rejection);
// Module error (storage, validation) -> problem. Storage faults keep a generic detail; the
// internal message is for the log.
ApiProblem from_error(const Error& error);
// Definition validation findings -> one problem listing each as {pointer, message, code}.
ApiProblem from_validation(ErrorCode code, const std::string& detail, const Problems& problems);

}  // namespace redress::api
