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
// "/header/name") and what is wrong with it.
struct FieldProblem {
  std::string pointer;
  std::string message;
};

struct ApiProblem {
  std::string code;  // UPPER_SNAKE_CASE, stable (e.g. VERSION_CONFLICT)
  std::string detail;
  std::vector<FieldProblem> errors;  // for validation failures
  std::optional<int> retry_after_seconds;
  // Extra members for the body ("allowed_methods", "current_version", ...).
  nlohmann::json extensions = nlohmann::json::object();
};

// The HTTP status of a code: one switch over ErrorCode (problem.cpp), checked by -Wswitch.
http::status problem_status(ErrorCode code);
// The same for a wire name; a name ErrorCode does not know is a server bug: 500.
http::status problem_status(const std::string& code);
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
ApiProblem from_validation(const std::string& code, const std::string& detail,
                           const Problems& problems);

}  // namespace redress::api
