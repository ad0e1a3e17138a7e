// FollowUpPolicy: how follow-up visits (回访) are made, from workflows/follow_up.json.
//
//   {"kind": "follow_up_policy", "id": "default",
//    "call_windows": "phone_hours", "chat_hours": "cn_office",
//    "max_attempts": 3, "retry_after": "2h calendar",
//    "phone_outside_window": "flag", "satisfied_min_csat": 4, "coverage_target_percent": 80}
//
// A workflow names it in `policies.follow_up`; the workflow then records follow-up attempts
// (RecordFollowUp) and must have the transitions the outcomes fire (kFollowUpTransitions). The
// two calendars are ids of calendars.json, checked by the catalog. A phone call may only be made
// inside `call_windows`; a chat at any working hour of `chat_hours`. When the customer is not
// reached, the next attempt is due `retry_after` later, moved to the next window of the channel
// just tried; after `max_attempts` unreached attempts the case closes as not reached.
// `phone_outside_window` says what a phone attempt logged outside the windows does: "refuse" it
// (OUTSIDE_CALL_WINDOW) or "flag" it (journaled with outside_window: true). A reached customer
// whose satisfaction (CSAT, 1-5) is at least `satisfied_min_csat` is satisfied.
// `coverage_target_percent` is the share of follow-ups the coverage report expects completed;
// an integer percent, so the target is exact.
//
// Thread-safety: immutable after construction.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/business_calendar.h"
#include "engine/json_reader.h"

namespace redress {

// The transitions a workflow with a follow-up policy must have, fired by a recorded attempt:
// reached and satisfied, reached and not satisfied, not reached after the last attempt.
inline constexpr std::array<const char*, 3> kFollowUpTransitions = {
    "follow_up_satisfied", "follow_up_unsatisfied", "follow_up_not_reached"};

// Whether `transition` is one of those outcomes in a workflow whose `policies.follow_up` is
// `follow_up_policy` (empty: the workflow records no attempts). Such a transition is only fired
// by a recorded attempt, never directly: the satisfied/unsatisfied choice is the policy's, from
// the CSAT the attempt carries, so firing it by name would close a case with no CSAT on record
// (FOLLOW_UP_ATTEMPT_REQUIRED), and the transitions a person is offered leave it out.
inline bool is_follow_up_outcome(std::string_view follow_up_policy, std::string_view transition) {
  if (follow_up_policy.empty()) return false;
  return std::find(kFollowUpTransitions.begin(), kFollowUpTransitions.end(), transition) !=
         kFollowUpTransitions.end();
}

inline constexpr std::array<const char*, 2> kFollowUpChannels = {"phone", "chat"};
inline constexpr std::array<const char*, 2> kFollowUpOutcomes = {"reached", "not_reached"};

struct FollowUpPolicy {
  std::string id;
  std::string call_windows;  // calendar id: when phone calls may be made
  std::string chat_hours;    // calendar id: when chat follow-ups may be made
  int max_attempts = 3;      // 1..10
  Duration retry_after{Duration::Kind::kCalendar, Duration::Unit::kHours, 2, 0};
  bool refuse_phone_outside_window = false;  // "refuse"; false = "flag"
  int satisfied_min_csat = 4;                // 1..5
  int coverage_target_percent = 80;          // 1..100

  static std::optional<FollowUpPolicy> parse(const nlohmann::json& definition,
                                             const std::string& pointer, JsonReader& reader);
};

}  // namespace redress
