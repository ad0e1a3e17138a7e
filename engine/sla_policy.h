// SlaPolicy: response and resolution targets per case severity, on a business calendar.
//
//   {"kind": "sla_policy", "id": "default", "calendar": "cn_office", "warning_percent": 80,
//    "targets": {"critical": {"first_response": "30m business", "resolution": "1d business"},
//                "high": {...}, "normal": {...}, "low": {...}}}
//
// Every severity (low, normal, high, critical) must have both targets. `warning_percent` (1-99,
// default 80) is where the warning timer fires, as a share of the target's working time. Stage
// targets live on the workflow's states; they use this policy's warning point and calendar too.
//
// Thread-safety: immutable after construction.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/business_calendar.h"
#include "engine/json_reader.h"

namespace redress {

struct SlaTargets {
  Duration first_response;
  Duration resolution;
};

struct SlaPolicy {
  std::string id;
  std::string calendar;  // calendar id; checked against the catalog's calendars
  int warning_percent = 80;
  std::map<std::string, SlaTargets> targets;  // by severity

  static std::optional<SlaPolicy> parse(const nlohmann::json& definition,
                                        const std::string& pointer, JsonReader& reader);
};

}  // namespace redress
