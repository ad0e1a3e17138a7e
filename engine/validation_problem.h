// ValidationProblem: one finding about a workflow or policy definition.
//
// Loaders report every problem at once (never stop at the first), each with a stable `code`
// (UNKNOWN_STATE, BAD_DURATION, ...), a JSON pointer into the offending file and a message
// that names the thing and says what would be valid.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace redress {

enum class Severity { kError, kWarning };

struct ValidationProblem {
  Severity severity = Severity::kError;
  std::string code;
  std::string pointer;  // RFC 6901, e.g. "/transitions/3/to"
  std::string message;
  std::string file;  // the file the problem is in, when known

  bool operator==(const ValidationProblem&) const = default;
};

using Problems = std::vector<ValidationProblem>;

inline bool has_errors(const Problems& problems) {
  for (const auto& p : problems) {
    if (p.severity == Severity::kError) return true;
  }
  return false;
}

inline const char* severity_name(Severity s) {
  return s == Severity::kError ? "error" : "warning";
}

inline nlohmann::json problem_to_json(const ValidationProblem& p) {
  nlohmann::json j{{"severity", severity_name(p.severity)},
                   {"code", p.code},
                   {"pointer", p.pointer},
                   {"message", p.message}};
  if (!p.file.empty()) j["file"] = p.file;
  return j;
}

// Escapes a JSON object key for use as one reference token of a JSON pointer (RFC 6901).
inline std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace redress
