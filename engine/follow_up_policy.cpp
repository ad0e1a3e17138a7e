#include "engine/follow_up_policy.h"

namespace redress {

namespace {

std::optional<int> bounded(JsonReader& reader, const nlohmann::json& definition,
                           const std::string& pointer, const std::string& key, int low, int high) {
  const auto value = reader.optional_integer(definition, pointer, key);
  if (!value) return std::nullopt;
  if (*value < low || *value > high) {
    reader.error("BAD_VALUE", pointer + "/" + key,
                 key + " must be between " + std::to_string(low) + " and " + std::to_string(high) +
                     ", not " + std::to_string(*value));
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

}  // namespace

std::optional<FollowUpPolicy> FollowUpPolicy::parse(const nlohmann::json& definition,
                                                    const std::string& pointer,
                                                    JsonReader& reader) {
  const size_t errors_before = reader.error_count();
  reader.check_keys(
      definition, pointer,
      {"kind", "id", "title", "description", "call_windows", "chat_hours", "max_attempts",
       "retry_after", "phone_outside_window", "satisfied_min_csat", "coverage_target_percent"});
  FollowUpPolicy policy;
  policy.id = reader.required_string(definition, pointer, "id").value_or("");
  if (!policy.id.empty()) reader.check_name(policy.id, pointer + "/id", "follow-up policy id");
  policy.call_windows = reader.required_string(definition, pointer, "call_windows").value_or("");
  policy.chat_hours = reader.required_string(definition, pointer, "chat_hours").value_or("");
  if (const auto n = bounded(reader, definition, pointer, "max_attempts", 1, 10)) {
    policy.max_attempts = *n;
  }
  if (const auto text = reader.optional_string(definition, pointer, "retry_after")) {
    auto d = parse_duration(*text);
    if (!d.ok()) {
      reader.error("BAD_DURATION", pointer + "/retry_after", d.error().message);
    } else if (d.value().is_cutoff()) {
      reader.error("BAD_DURATION", pointer + "/retry_after",
                   cutoff_refusal(d.value(), "'retry_after'"));
    } else {
      policy.retry_after = d.value();
    }
  }
  if (const auto rule = reader.optional_string(definition, pointer, "phone_outside_window")) {
    if (*rule == "refuse" || *rule == "flag") {
      policy.refuse_phone_outside_window = *rule == "refuse";
    } else {
      reader.error("BAD_VALUE", pointer + "/phone_outside_window",
                   "phone_outside_window must be 'refuse' or 'flag', not " + quote_name(*rule));
    }
  }
  if (const auto n = bounded(reader, definition, pointer, "satisfied_min_csat", 1, 5)) {
    policy.satisfied_min_csat = *n;
  }
  if (const auto n = bounded(reader, definition, pointer, "coverage_target_percent", 1, 100)) {
    policy.coverage_target_percent = *n;
  }
  if (reader.error_count() > errors_before) return std::nullopt;
  return policy;
}

}  // namespace redress
