#include "api/http/json_body.h"

#include <algorithm>
#include <charconv>

#include "api/http/router.h"
#include "engine/json_reader.h"
#include "engine/json_text.h"
#include "engine/utf8.h"

namespace redress::api {

std::variant<nlohmann::json, ApiProblem> parse_json_object(const Request& request,
                                                           bool empty_is_object) {
  const std::string& body = request.body();
  if (body.empty()) {
    if (empty_is_object) return nlohmann::json::object();
    return ApiProblem::malformed_json("this endpoint needs a JSON object as the request body");
  }
  if (!is_valid_utf8(body)) {
    return ApiProblem::invalid_utf8("the request body is not valid UTF-8");
  }
  auto result = parse_json_text(body);
  if (auto* error = std::get_if<JsonTextError>(&result)) {
    ApiProblem problem =
        ApiProblem::malformed_json("the request body cannot be read as JSON: " + error->reason);
    if (error->byte_offset) problem.extensions["byte_offset"] = *error->byte_offset;
    return problem;
  }
  auto& parsed = std::get<nlohmann::json>(result);
  if (!parsed.is_object()) {
    return ApiProblem::validation_failed(
        std::string("the request body must be a JSON object, not ") + json_type_name(parsed),
        {{"", "must be an object", ErrorCode::kInvalidField,
          problem_params("wrong_type", {{"type", "object"}})}});
  }
  return std::move(parsed);
}

std::optional<nlohmann::json> body_object(const RequestContext& ctx, const Responder& respond,
                                          bool empty_is_object) {
  auto parsed = parse_json_object(ctx.request, empty_is_object);
  if (auto* problem = std::get_if<ApiProblem>(&parsed)) {
    respond.problem(ctx, *problem);
    return std::nullopt;
  }
  return std::get<nlohmann::json>(std::move(parsed));
}

BodyReader::BodyReader(const nlohmann::json& object, std::string pointer,
                       std::initializer_list<std::string_view> allowed)
    : object_(object), pointer_(std::move(pointer)) {
  if (!object_.is_object()) {
    add(pointer_, std::string("must be an object, not ") + json_type_name(object_),
        problem_params("wrong_type", {{"type", "object"}}));
    return;
  }
  for (const auto& [key, value] : object_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      auto allowed_names = nlohmann::json::array();
      for (auto a : allowed) {
        names += (names.empty() ? "" : ", ") + std::string(a);
        allowed_names.push_back(std::string(a));
      }
      add(this->pointer(key), "unknown field '" + key + "'; allowed: " + names,
          problem_params("unknown_field", {{"field", key}, {"allowed", std::move(allowed_names)}}));
    }
  }
}

std::string BodyReader::pointer(const std::string& key) const {
  return pointer_ + "/" + pointer_token(key);
}

void BodyReader::add(const std::string& pointer, const std::string& message, nlohmann::json params,
                     ErrorCode code) {
  errors_.push_back({pointer, message, code, std::move(params)});
}

void BodyReader::merge(const BodyReader& other) {
  errors_.insert(errors_.end(), other.errors_.begin(), other.errors_.end());
}

void BodyReader::add_missing(const Rejection& rejection) {
  if (rejection.code == RejectionCode::kUnknownWorkflow ||
      rejection.code == RejectionCode::kRoleNotPermitted) {
    return;
  }
  const auto covered = [this](const std::string& pointer) {
    return std::any_of(errors_.begin(), errors_.end(), [&](const FieldProblem& known) {
      return pointer == known.pointer || pointer.rfind(known.pointer + "/", 0) == 0;
    });
  };
  for (const auto& p : rejection.problems) {
    if (!covered(p.pointer)) add(p.pointer, p.message, p.params, p.code);
  }
}

ApiProblem BodyReader::problem() const {
  std::string detail = errors_.size() == 1
                           ? errors_.front().pointer + ": " + errors_.front().message
                           : std::to_string(errors_.size()) + " problems in the request body";
  return ApiProblem::validation_failed(detail, errors_);
}

const nlohmann::json* BodyReader::member(const std::string& key, bool required) {
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required)
      add(pointer(key), "is required", problem_params("required"), ErrorCode::kMissingField);
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> BodyReader::string(const std::string& key, bool required,
                                              size_t max_bytes, bool allow_empty) {
  const auto* v = member(key, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    add(pointer(key), std::string("must be a string, not ") + json_type_name(*v),
        problem_params("wrong_type", {{"type", "string"}}));
    return std::nullopt;
  }
  auto s = v->get<std::string>();
  if (s.empty() && !allow_empty) {
    add(pointer(key), "must not be empty", problem_params("empty"), ErrorCode::kMissingField);
    return std::nullopt;
  }
  if (s.size() > max_bytes) {
    add(pointer(key), "must be at most " + std::to_string(max_bytes) + " bytes",
        problem_params("too_many_bytes", {{"max_bytes", max_bytes}}));
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> BodyReader::integer(const std::string& key, bool required,
                                                std::int64_t min, std::int64_t max) {
  const auto* v = member(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    add(pointer(key), std::string("must be a whole number, not ") + json_type_name(*v),
        problem_params("wrong_type", {{"type", "integer"}}));
    return std::nullopt;
  }
  // Unsigned values above int64 are out of range rather than wrapped.
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    add(pointer(key), "must be at most " + std::to_string(max),
        problem_params("out_of_range", {{"minimum", min}, {"maximum", max}}));
    return std::nullopt;
  }
  const auto n = v->get<std::int64_t>();
  if (n < min || n > max) {
    add(pointer(key), "must be between " + std::to_string(min) + " and " + std::to_string(max),
        problem_params("out_of_range", {{"minimum", min}, {"maximum", max}}));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> BodyReader::boolean(const std::string& key, bool required) {
  const auto* v = member(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    add(pointer(key), std::string("must be true or false, not ") + json_type_name(*v),
        problem_params("wrong_type", {{"type", "bool"}}));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<Instant> BodyReader::instant(const std::string& key, bool required) {
  auto text = string(key, required, 64);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  if (!t) {
    add(pointer(key), "must be an RFC 3339 time such as 2026-11-23T09:30:00Z",
        problem_params("not_datetime"));
  }
  return t;
}

std::optional<Money> BodyReader::money(const std::string& key, bool required) {
  const auto* v = member(key, required);
  if (!v) return std::nullopt;
  auto m = money_from_json(*v);
  if (!m.ok()) {
    add(pointer(key) + m.error().pointer, m.error().message, m.error().params);
    return std::nullopt;
  }
  return m.value();
}

std::optional<nlohmann::json> BodyReader::object(const std::string& key, bool required,
                                                 size_t max_members) {
  const auto* v = member(key, required);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    add(pointer(key), std::string("must be an object, not ") + json_type_name(*v),
        problem_params("wrong_type", {{"type", "object"}}));
    return std::nullopt;
  }
  if (v->size() > max_members) {
    add(pointer(key), "must have at most " + std::to_string(max_members) + " members",
        problem_params("too_many_members", {{"maximum", max_members}}));
    return std::nullopt;
  }
  return *v;
}

std::optional<std::vector<std::string>> BodyReader::string_array(const std::string& key,
                                                                 bool required, size_t max_items,
                                                                 size_t max_bytes) {
  const auto* v = member(key, required);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    add(pointer(key), std::string("must be an array of strings, not ") + json_type_name(*v),
        problem_params("wrong_type", {{"type", "array"}}));
    return std::nullopt;
  }
  if (v->size() > max_items) {
    add(pointer(key), "must have at most " + std::to_string(max_items) + " items",
        problem_params("too_many_items", {{"maximum", max_items}}));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty() ||
        item.get_ref<const std::string&>().size() > max_bytes) {
      add(pointer(key) + "/" + std::to_string(i),
          "must be a non-empty string of at most " + std::to_string(max_bytes) + " bytes",
          problem_params("length_out_of_range", {{"min_length", 1}, {"max_bytes", max_bytes}}));
      continue;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

void QueryReader::allow_only(std::initializer_list<std::string_view> allowed) {
  allow_only(std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

void QueryReader::allow_only(std::span<const std::string_view> allowed) {
  for (const auto& [name, value] : ctx_.query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string names;
      auto allowed_names = nlohmann::json::array();
      for (auto a : allowed) {
        names += (names.empty() ? "" : ", ") + std::string(a);
        allowed_names.push_back(std::string(a));
      }
      add(name, "unknown query parameter '" + name + "'; allowed: " + names,
          problem_params("unknown_parameter", {{"allowed", std::move(allowed_names)}}));
    }
  }
}

const std::string* QueryReader::single(const std::string& name) {
  const auto range = ctx_.query.equal_range(name);
  if (range.first == range.second) return nullptr;
  if (std::next(range.first) != range.second) {
    add(name, "may be given only once", problem_params("repeated"));
    return nullptr;
  }
  return &range.first->second;
}

std::optional<std::string> QueryReader::string(const std::string& name, size_t max_bytes) {
  const auto* v = single(name);
  if (!v) return std::nullopt;
  if (v->empty() || v->size() > max_bytes) {
    add(name, "must be 1 to " + std::to_string(max_bytes) + " bytes",
        problem_params("length_out_of_range", {{"min_length", 1}, {"max_bytes", max_bytes}}));
    return std::nullopt;
  }
  return *v;
}

std::optional<std::string> QueryReader::one_of(const std::string& name,
                                               const std::vector<std::string>& allowed) {
  const auto* v = single(name);
  if (!v) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *v) != allowed.end()) return *v;
  std::string names;
  for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
  // The value is not echoed: it may be any bytes, and the client knows what it sent.
  add(name, "unknown " + name + "; allowed: " + names,
      problem_params("not_one_of", {{"allowed", allowed}}));
  return std::nullopt;
}

std::optional<std::int64_t> QueryReader::integer(const std::string& name, std::int64_t min,
                                                 std::int64_t max) {
  const auto* v = single(name);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  const auto* end = v->data() + v->size();
  const auto [ptr, ec] = std::from_chars(v->data(), end, n);
  if (v->empty() || ec != std::errc() || ptr != end || n < min || n > max) {
    add(name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max),
        problem_params("out_of_range", {{"minimum", min}, {"maximum", max}}));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> QueryReader::boolean(const std::string& name) {
  const auto* v = single(name);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  add(name, "must be true or false", problem_params("wrong_type", {{"type", "bool"}}));
  return std::nullopt;
}

std::optional<Instant> QueryReader::instant(const std::string& name) {
  const auto* v = single(name);
  if (!v) return std::nullopt;
  auto t = parse_rfc3339(*v);
  if (!t) {
    add(name, "must be an RFC 3339 time such as 2026-11-23T09:30:00Z",
        problem_params("not_datetime"));
  }
  return t;
}

void QueryReader::add(const std::string& name, const std::string& message, nlohmann::json params) {
  errors_.push_back(
      {"/query/" + pointer_token(name), message, ErrorCode::kInvalidField, std::move(params)});
}

ApiProblem QueryReader::problem() const {
  std::string detail = errors_.size() == 1
                           ? errors_.front().pointer + ": " + errors_.front().message
                           : std::to_string(errors_.size()) + " problems in the query";
  return ApiProblem::invalid_query(detail, errors_);
}

}  // namespace redress::api
