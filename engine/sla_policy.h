// SlaPolicy: response and resolution targets per case severity, on a business calendar.
//
//   {"kind": "sla_policy", "id": "default", "calendar": "cn_office", "warning_percent": 80,
//    "targets": {"critical": {"first_response": "30m business", "resolution": "1d business"},
//                "high": {...}, "normal": {...}, "low": {...}}}
//
// Every severity (low, normal, high, critical) must have both targets. `warning_percent` (1-99,
// default 80) is where the warning timer fires, as a share of the target's working time. Stage
// targets live on the workflow's states; they use this policy's warning point and calendar too.
// Optional:
//   "supervisor_contact": "1h business", or one duration per severity (all four): once a case is
//     escalated to a supervisor or above, how soon a supervisor (or above) must reply to the
//     customer or log a call (the handbooks: contact the customer without delay);
//   "severity_revision": {"raise": "agent", "lower": "team_lead"}: the lowest ladder role that
//     may raise / lower a case's severity (these are the defaults).
//
// `paused_by` (optional) names the waits — a state's `waiting_on`: customer, carrier, warehouse,
// supplier — during which every clock of the case pauses, by default ["customer", "carrier"]:
// the time a customer takes to answer or a parcel spends in the post is not the shop's. Waits on
// the warehouse or a supplier are the shop's own delays, and keep the customer's clocks running.
//
// `wait_targets` (optional): {"warehouse": "4h business", "supplier": "2d business"}: while the
// case waits on that party, an internal clock `wait_<party>` runs with that target, so the shop's
// own delay is visible and its breach escalates to whoever owns it (escalation rules on the
// clock). A wait in `paused_by` cannot have one.
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
#include "engine/role.h"

namespace redress {

// customer, carrier, warehouse, supplier: whom a case's state may wait on.
bool is_wait_party(std::string_view name);

// The clock a wait on `party` runs ("wait_warehouse", "wait_supplier").
std::string wait_clock_name(const std::string& party);

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

  // By wait (warehouse, supplier): the target of the internal clock that runs while the case
  // waits on that party (see wait_clock_name). Such a wait never pauses the customer's clocks.
  std::map<std::string, Duration> wait_targets;

  // By severity; empty = no supervisor contact deadline.
  std::map<std::string, Duration> supervisor_contact;
  Role revise_raise_min = Role::kAgent;     // lowest ladder role that may raise a severity
  Role revise_lower_min = Role::kTeamLead;  // ... that may lower it

  static std::optional<SlaPolicy> parse(const nlohmann::json& definition,
                                        const std::string& pointer, JsonReader& reader);
};

}  // namespace redress
