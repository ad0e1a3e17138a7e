// Instants in JSON answers: RFC 3339 text in UTC, or null for an instant that has not happened
// (a token never used, a job not finished).
//
// Thread-safety: a pure function.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "engine/time.h"

namespace redress::api {

inline nlohmann::json time_or_null(const std::optional<Instant>& at) {
  return at ? nlohmann::json(format_rfc3339(*at)) : nlohmann::json(nullptr);
}

}  // namespace redress::api
