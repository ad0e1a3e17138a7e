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
// `paused_by` (optional) names the waits — a state's `waiting_on`: customer, carrier, warehouse,
// supplier — during which every clock of the case pauses, by default ["customer", "carrier"]:
// the time a customer takes to answer or a parcel spends in the post is not the shop's. Waits on
// the warehouse or a supplier are the shop's own delays, and keep the customer's clocks running.
//
// Thread-safety: immutable after construction.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/business_calendar.h"
#include "engine/json_reader.h"

namespace redress {

// customer, carrier, warehouse, supplier: whom a case's state may wait on.
bool is_wait_party(std::string_view name);

struct SlaTargets {
  Duration first_response;
  Duration resolution;
};

struct SlaPolicy {
  std::string id;
  std::string calendar;  // calendar id; checked against the catalog's calendars
  int warning_percent = 80;
  std::map<std::string, SlaTargets> targets;  // by severity
  std::vector<std::string> paused_by = {"customer", "carrier"};

  // Whether the case's clocks pause while it waits on `waiting_on` ("" waits on nobody).
  bool pauses_for(const std::string& waiting_on) const;

  static std::optional<SlaPolicy> parse(const nlohmann::json& definition,
                                        const std::string& pointer, JsonReader& reader);
};

}  // namespace redress
