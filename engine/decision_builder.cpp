#include "engine/decision_builder.h"

#include "engine/utf8.h"

namespace redress::detail {

Rejection reject(RejectionCode code, std::string message, std::string pointer,
                 nlohmann::json params) {
  Rejection rejection{code, message, {}, {}};
  if (!pointer.empty()) {
    rejection.problems.push_back({std::move(pointer), std::move(message), code, std::move(params)});
  }
  return rejection;
}

// Text bounds shared by every free-text command member.
std::optional<Rejection> check_text(const std::string& text, const std::string& what,
                                    std::int64_t max_length, bool allow_empty,
                                    const std::string& pointer) {
  const auto length = utf8_length(text);
  if (!length) {
    return reject(RejectionCode::kInvalidField, what + " is not valid UTF-8", pointer,
                  problem_params("not_utf8"));
  }
  if (*length == 0 && !allow_empty) {
    return reject(RejectionCode::kMissingField, what + " must not be empty", pointer,
                  problem_params("empty"));
  }
  if (*length > max_length) {
    return reject(RejectionCode::kInvalidField,
                  what + " is " + std::to_string(*length) + " characters long; the maximum is " +
                      std::to_string(max_length),
                  pointer,
                  problem_params("too_long", {{"max_length", max_length}, {"length", *length}}));
  }
  return std::nullopt;
}

int level_rank(const std::string& level) {
  const auto role = parse_role(level);
  const auto rank = role ? ladder_rank(*role) : std::nullopt;
  return rank.value_or(0);
}

std::string level_name(int rank) {
  const auto role = ladder_role(std::clamp(rank, 0, kLadderTop));
  return role_name(*role);
}

std::string role_list(const std::vector<Role>& roles) {
  std::vector<std::string> names;
  for (auto r : roles) names.push_back(role_name(r));
  return join(names);
}

RejectionCode map_policy_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCurrencyMismatch:
    case ErrorCode::kRefundExceedsPaid:
    case ErrorCode::kExceedsAuthority:
    case ErrorCode::kSelfApproval:
    case ErrorCode::kRoleNotPermitted:
      return code;
    default:
      return ErrorCode::kInvalidField;
  }
}

std::variant<nlohmann::json, Rejection> canonical_data(
    const WorkflowDefinition& wf, const nlohmann::json& data,
    const std::vector<std::string>* allowed, const std::string& context, const std::string& base,
    const CompensationPolicy& policy, bool editable_only, bool allow_null) {
  if (data.is_null()) return nlohmann::json::object();  // no data given
  if (!data.is_object()) {
    return reject(RejectionCode::kInvalidField, "data must be a JSON object of field values", base,
                  problem_params("wrong_type", {{"type", "object"}}));
  }
  if (data.size() > kMaxFieldsPerCommand) {
    return reject(RejectionCode::kInvalidField,
                  "data has " + std::to_string(data.size()) + " fields; at most " +
                      std::to_string(kMaxFieldsPerCommand) + " are allowed",
                  base, problem_params("too_many_members", {{"maximum", kMaxFieldsPerCommand}}));
  }
  InputProblems problems;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : data.items()) {
    const std::string pointer = base + "/" + pointer_token(key);
    const auto* field = wf.field(key);
    if (!field) {
      problems.add(RejectionCode::kInvalidField, pointer,
                   "unknown field " + quote_name(key) + " for workflow " + quote_name(wf.id),
                   problem_params("unknown_field", {{"field", key}}));
      continue;
    }
    if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      problems.add(
          RejectionCode::kInvalidField, pointer,
          "field " + quote_name(key) + " is not accepted by " + context +
              (allowed->empty() ? "; it takes no fields" : "; it accepts: " + join(*allowed)),
          problem_params("not_accepted", {{"field", key}, {"allowed", *allowed}}));
      continue;
    }
    if (editable_only && !field->editable) {
      problems.add(RejectionCode::kInvalidField, pointer,
                   "field " + quote_name(key) + " can only be set by a transition",
                   problem_params("not_editable", {{"field", key}}));
      continue;
    }
    if (value.is_null() && allow_null) {
      out[key] = nullptr;
      continue;
    }
    auto canonical = canonical_field_value(*field, value);
    if (!canonical.ok()) {
      problems.add(RejectionCode::kInvalidField, pointer, canonical.error().message,
                   canonical.error().params);
      continue;
    }
    if (field->type == FieldType::kMoney) {
      const auto amount = money_from_json(canonical.value());
      if (auto bounded = policy.check_amount(amount.value(), "field " + quote_name(key));
          !bounded.ok()) {
        auto params = bounded.error().params;
        params["field"] = key;
        params["type"] = field_type_name(field->type);
        problems.add(RejectionCode::kInvalidField, pointer + bounded.error().pointer,
                     bounded.error().message, std::move(params));
        continue;
      }
    }
    out[key] = canonical.value();
  }
  if (!problems.empty()) return problems.rejection();
  return out;
}

}  // namespace redress::detail
