// The fixed vocabularies of a case's attributes: severities and priorities, each listed once,
// lowest first. Policy files, the engine and the HTTP filters all check against these lists.
// (Stages are the Stage enum of workflow_definition.h; escalation levels are the ladder roles of
// role.h.)
//
// Thread-safety: constants and pure functions.
#pragma once

#include <array>
#include <string_view>

namespace redress {

inline constexpr std::array<const char*, 4> kSeverities{"low", "normal", "high", "critical"};
inline constexpr std::array<const char*, 4> kPriorities{"low", "normal", "high", "urgent"};

bool is_severity(std::string_view name);
bool is_priority(std::string_view name);

}  // namespace redress
