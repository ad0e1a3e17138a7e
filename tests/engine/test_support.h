// Helpers shared by the engine test suites: reading shipped definition files and checking
// reported problems.
#pragma once

#include <fstream>
#include <string>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "engine/validation_problem.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace redress::testing {

// A shipped file from workflows/, parsed.
inline nlohmann::json load_shipped(const std::string& name) {
  const std::string path = std::string(REDRESS_SOURCE_DIR) + "/workflows/" + name;
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path << " (run from the repo root)");
  return nlohmann::json::parse(in);
}

// The problems as text, for failure messages.
inline std::string describe(const Problems& problems) {
  std::string out;
  for (const auto& p : problems) out += "\n  " + p.code + " at '" + p.pointer + "': " + p.message;
  return out.empty() ? " (none)" : out;
}

inline bool has_problem(const Problems& problems, const std::string& code,
                        const std::string& pointer) {
  for (const auto& p : problems) {
    if (p.code == code && p.pointer == pointer) return true;
  }
  return false;
}

}  // namespace redress::testing
