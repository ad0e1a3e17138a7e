#include "engine/sla_policy.h"

#include <algorithm>

#include "engine/case_vocabulary.h"

namespace redress {

std::optional<SlaPolicy> SlaPolicy::parse(const nlohmann::json& definition,
                                          const std::string& pointer, JsonReader& reader) {
  const size_t errors_before = reader.problems().size();
  reader.check_keys(definition, pointer,
                    {"kind", "id", "title", "description", "calendar", "warning_percent", "targets",
                     "paused_by", "supervisor_contact", "severity_revision", "wait_targets"});
  SlaPolicy policy;
  policy.id = reader.required_string(definition, pointer, "id").value_or("");
  if (!policy.id.empty()) reader.check_name(policy.id, pointer + "/id", "SLA policy id");
  policy.calendar = reader.required_string(definition, pointer, "calendar").value_or("");
  if (const auto pct = reader.optional_integer(definition, pointer, "warning_percent")) {
    if (*pct < 1 || *pct > 99) {
      reader.error("BAD_VALUE", pointer + "/warning_percent",
                   "warning_percent must be between 1 and 99, not " + std::to_string(*pct));
    } else {
      policy.warning_percent = static_cast<int>(*pct);
    }
  }
  if (!definition.contains("targets")) {
    reader.error("MISSING_KEY", pointer + "/targets", "missing required key 'targets'");
  } else if (reader.expect_object(definition["targets"], pointer + "/targets", "'targets'")) {
    const auto& targets = definition["targets"];
    for (const auto& [severity, body] : targets.items()) {
      const std::string p = pointer + "/targets/" + pointer_token(severity);
      if (!is_severity(severity)) {
        reader.error("BAD_VALUE", p,
                     "unknown severity " + quote_name(severity) +
                         "; expected low, normal, high or critical");
        continue;
      }
      if (!reader.expect_object(body, p, "SLA targets of " + quote_name(severity))) continue;
      reader.check_keys(body, p, {"first_response", "resolution"});
      SlaTargets t;
      bool ok = true;
      for (const char* clock : {"first_response", "resolution"}) {
        const auto text = reader.required_string(body, p, clock);
        if (!text) {
          ok = false;
          continue;
        }
        auto d = parse_duration(*text);
        if (!d.ok()) {
          reader.error("BAD_DURATION", p + "/" + clock, d.error().message);
          ok = false;
          continue;
        }
        (std::string(clock) == "first_response" ? t.first_response : t.resolution) = d.value();
      }
      if (ok) policy.targets[severity] = t;
    }
    for (const char* severity : kSeverities) {
      if (!targets.contains(severity)) {
        reader.error("MISSING_KEY", pointer + "/targets/" + severity,
                     std::string("SLA targets for severity '") + severity + "' are missing");
      }
    }
  }
  if (auto waits = reader.optional_string_array(definition, pointer, "paused_by")) {
    for (size_t i = 0; i < waits->size(); ++i) {
      if (!is_wait_party((*waits)[i])) {
        reader.error("BAD_VALUE", pointer + "/paused_by/" + std::to_string(i),
                     "unknown wait " + quote_name((*waits)[i]) +
                         "; expected customer, carrier, warehouse or supplier");
      }
    }
    policy.paused_by = *waits;
  }
  if (definition.contains("supervisor_contact")) {
    const std::string p = pointer + "/supervisor_contact";
    const auto& contact = definition["supervisor_contact"];
    const auto read = [&](const nlohmann::json& value, const std::string& at) {
      std::optional<Duration> out;
      if (!value.is_string()) {
        reader.error("BAD_TYPE", at, "a supervisor contact target must be a duration string");
        return out;
      }
      auto d = parse_duration(value.get<std::string>());
      if (!d.ok()) {
        reader.error("BAD_DURATION", at, d.error().message);
        return out;
      }
      out = d.value();
      return out;
    };
    if (contact.is_string()) {
      if (const auto d = read(contact, p)) {
        for (const char* severity : kSeverities) policy.supervisor_contact[severity] = *d;
      }
    } else if (reader.expect_object(contact, p, "'supervisor_contact'")) {
      for (const auto& [severity, value] : contact.items()) {
        const std::string sp = p + "/" + pointer_token(severity);
        if (!is_severity(severity)) {
          reader.error("BAD_VALUE", sp,
                       "unknown severity " + quote_name(severity) +
                           "; expected low, normal, high or critical");
          continue;
        }
        if (const auto d = read(value, sp)) policy.supervisor_contact[severity] = *d;
      }
      for (const char* severity : kSeverities) {
        if (!contact.contains(severity)) {
          reader.error("MISSING_KEY", p + "/" + severity,
                       std::string("supervisor_contact has no target for severity '") + severity +
                           "' (give one duration string to use the same for all)");
        }
      }
    }
  }
  if (definition.contains("severity_revision")) {
    const std::string p = pointer + "/severity_revision";
    const auto& revision = definition["severity_revision"];
    if (reader.expect_object(revision, p, "'severity_revision'")) {
      reader.check_keys(revision, p, {"raise", "lower"});
      for (const char* key : {"raise", "lower"}) {
        const auto name = reader.optional_string(revision, p, key);
        if (!name) continue;
        const auto role = parse_role(*name);
        if (!role || !ladder_rank(*role)) {
          reader.error("UNKNOWN_ROLE", p + "/" + key,
                       std::string(key) +
                           " must be a ladder role (agent, team_lead, supervisor or manager), "
                           "not " +
                           quote_name(*name));
          continue;
        }
        (std::string(key) == "raise" ? policy.revise_raise_min : policy.revise_lower_min) = *role;
      }
    }
  }
  if (definition.contains("wait_targets")) {
    const std::string p = pointer + "/wait_targets";
    const auto& waits = definition["wait_targets"];
    if (reader.expect_object(waits, p, "'wait_targets'")) {
      for (const auto& [party, value] : waits.items()) {
        const std::string wp = p + "/" + pointer_token(party);
        if (!is_wait_party(party)) {
          reader.error("BAD_VALUE", wp,
                       "unknown wait " + quote_name(party) +
                           "; expected customer, carrier, warehouse or supplier");
          continue;
        }
        if (policy.pauses_for(party)) {
          reader.error("BAD_VALUE", wp,
                       "a wait on " + quote_name(party) +
                           " pauses the case's clocks (paused_by), so it cannot also run a "
                           "clock of its own");
          continue;
        }
        if (!value.is_string()) {
          reader.error("BAD_TYPE", wp, "a wait target must be a duration string");
          continue;
        }
        auto d = parse_duration(value.get<std::string>());
        if (!d.ok()) {
          reader.error("BAD_DURATION", wp, d.error().message);
          continue;
        }
        if (d.value().kind == Duration::Kind::kCutoff) {
          reader.error("BAD_DURATION", wp,
                       "a wait target measures how long the wait lasts; a cutoff is not allowed");
          continue;
        }
        policy.wait_targets[party] = d.value();
      }
    }
  }
  for (size_t i = errors_before; i < reader.problems().size(); ++i) {
    if (reader.problems()[i].severity == Severity::kError) return std::nullopt;
  }
  return policy;
}

bool SlaPolicy::pauses_for(const std::string& waiting_on) const {
  return !waiting_on.empty() &&
         std::find(paused_by.begin(), paused_by.end(), waiting_on) != paused_by.end();
}

std::string wait_clock_name(const std::string& party) {
  return "wait_" + party;
}

bool is_wait_party(std::string_view name) {
  return name == "customer" || name == "carrier" || name == "warehouse" || name == "supplier";
}

}  // namespace redress
