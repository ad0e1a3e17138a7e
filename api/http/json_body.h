// Strict decoding of JSON request bodies and query parameters.
//
// A body must be valid UTF-8 (else INVALID_UTF8), valid JSON (else MALFORMED_JSON with the
// byte offset) and an object. Fields are read through BodyReader, which collects EVERY problem —
// missing fields, wrong types, unknown fields, out-of-range values — each with an RFC 6901
// pointer, and turns them into one VALIDATION_FAILED problem, so a client fixes its request in
// one round trip.
//
// Thread-safety: plain values; one reader per request.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http/problem.h"
#include "api/http/request_context.h"
#include "engine/money.h"
#include "engine/time.h"

namespace redress::api {

// The body as a JSON object. An empty body is `{}` when `empty_is_object`, else an error.
std::variant<nlohmann::json, ApiProblem> parse_json_object(const Request& request,
                                                           bool empty_is_object = false);

// The request's body as a JSON object; otherwise answers its problem through `respond` and
// returns nullopt (the handler then returns).
std::optional<nlohmann::json> body_object(const RequestContext& ctx, const Responder& respond,
                                          bool empty_is_object = false);

class BodyReader {
 public:
  // `allowed` lists every member the object may have; others are reported as unknown.
  BodyReader(const nlohmann::json& object, std::string pointer,
             std::initializer_list<std::string_view> allowed);

  std::optional<std::string> string(const std::string& key, bool required, size_t max_bytes,
                                    bool allow_empty = false);
  std::optional<std::int64_t> integer(const std::string& key, bool required, std::int64_t min,
                                      std::int64_t max);
  std::optional<bool> boolean(const std::string& key, bool required);
  std::optional<Instant> instant(const std::string& key, bool required);
  std::optional<Money> money(const std::string& key, bool required);
  // An object member (for nested readers and free-form field maps).
  std::optional<nlohmann::json> object(const std::string& key, bool required,
                                       size_t max_members = 200);
  std::optional<std::vector<std::string>> string_array(const std::string& key, bool required,
                                                       size_t max_items, size_t max_bytes);

  // Records a problem the caller found: `params` says it as data (see FieldProblem), `code` is
  // MISSING_FIELD for an absent member, else INVALID_FIELD or a more precise code.
  void add(const std::string& pointer, const std::string& message, nlohmann::json params,
           ErrorCode code = ErrorCode::kInvalidField);
  std::string pointer(const std::string& key) const;
  bool ok() const { return errors_.empty(); }
  // Folds another reader's findings into this one.
  void merge(const BodyReader& other);
  // Adds the input problems of an engine rejection that this reader has not already reported at
  // or above the same pointer (a member this reader could not read was replaced by a default the
  // engine accepts, or found wanting for a reason already given). A rejection that is not about
  // inputs (role, unknown workflow) adds nothing.
  void add_missing(const Rejection& rejection);
  // VALIDATION_FAILED listing every finding (call when !ok()).
  ApiProblem problem() const;

 private:
  const nlohmann::json* member(const std::string& key, bool required);

  const nlohmann::json& object_;
  std::string pointer_;
  std::vector<FieldProblem> errors_;
};

// Query parameters, each bounded; problems use pointers "/query/<name>".
class QueryReader {
 public:
  explicit QueryReader(const RequestContext& ctx) : ctx_(ctx) {}
  // Refuses parameters not in `allowed` (a typo must not silently widen a listing).
  void allow_only(std::initializer_list<std::string_view> allowed);
  void allow_only(std::span<const std::string_view> allowed);
  std::optional<std::string> string(const std::string& name, size_t max_bytes);
  // A value of a closed vocabulary (a severity, a stage, a state of the loaded workflows): any
  // other value is a problem naming the allowed ones, never a filter that matches nothing.
  std::optional<std::string> one_of(const std::string& name,
                                    const std::vector<std::string>& allowed);
  std::optional<std::int64_t> integer(const std::string& name, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(const std::string& name);
  std::optional<Instant> instant(const std::string& name);
  // Records a problem with parameter `name` found by the caller (a page token it cannot decode);
  // `params` says it as data (see FieldProblem).
  void add(const std::string& name, const std::string& message, nlohmann::json params);
  bool ok() const { return errors_.empty(); }
  ApiProblem problem() const;

 private:
  const std::string* single(const std::string& name);
  const RequestContext& ctx_;
  std::vector<FieldProblem> errors_;
};

}  // namespace redress::api
