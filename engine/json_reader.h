// JsonReader: walks a JSON definition and records every problem it meets instead of stopping.
// It is the one problem collector of every definition parser in engine/ (workflows, calendars,
// SLA, escalation and compensation policies).
//
// Definition loaders use it so that one pass reports all the problems in a
// file, each with an RFC 6901 pointer and a precise message. Reading a missing or mistyped member
// records MISSING_KEY / BAD_TYPE and returns nullopt; `check_keys` records UNKNOWN_KEY for members
// a definition does not know (so a typo like "trasitions" is not silently ignored).
//
// Thread-safety: not thread-safe; one reader per load.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/validation_problem.h"

namespace redress {

class JsonReader {
 public:
  // Appends to `problems`, which may already hold other files' problems.
  explicit JsonReader(Problems& problems) : problems_(problems), first_(problems.size()) {}

  void error(std::string code, std::string pointer, std::string message) {
    problems_.push_back(
        {Severity::kError, std::move(code), std::move(pointer), std::move(message), {}});
  }
  void warning(std::string code, std::string pointer, std::string message) {
    problems_.push_back(
        {Severity::kWarning, std::move(code), std::move(pointer), std::move(message), {}});
  }

  // The errors added to the list since this reader was made, by it or by any other reader of the
  // same list (a parser may read one part with a reader of its own); not those the list held
  // before. A parser compares the count before and after a part to know whether it was valid.
  std::size_t error_count() const {
    std::size_t errors = 0;
    for (std::size_t i = first_; i < problems_.size(); ++i) {
      if (problems_[i].severity == Severity::kError) ++errors;
    }
    return errors;
  }
  bool has_new_errors() const { return error_count() > 0; }

  // Records UNKNOWN_KEY for every member of `object` not in `allowed`; `what` names the object
  // in the message ("a holiday range") when the pointer alone would not.
  void check_keys(const nlohmann::json& object, const std::string& pointer,
                  std::initializer_list<std::string_view> allowed, std::string_view what = {});

  // True when `value` is an object; otherwise records BAD_TYPE ("<what> must be an object").
  bool expect_object(const nlohmann::json& value, const std::string& pointer,
                     std::string_view what);
  bool expect_array(const nlohmann::json& value, const std::string& pointer, std::string_view what);

  // Required / optional typed members. Missing required -> MISSING_KEY; wrong type -> BAD_TYPE.
  std::optional<std::string> required_string(const nlohmann::json& object,
                                             const std::string& pointer, const std::string& key);
  std::optional<std::string> optional_string(const nlohmann::json& object,
                                             const std::string& pointer, const std::string& key);
  std::optional<std::int64_t> required_integer(const nlohmann::json& object,
                                               const std::string& pointer, const std::string& key);
  std::optional<std::int64_t> optional_integer(const nlohmann::json& object,
                                               const std::string& pointer, const std::string& key);
  std::optional<bool> optional_bool(const nlohmann::json& object, const std::string& pointer,
                                    const std::string& key);
  // An array of strings; nullopt (with BAD_TYPE) when any element is not a string.
  std::optional<std::vector<std::string>> optional_string_array(const nlohmann::json& object,
                                                                const std::string& pointer,
                                                                const std::string& key);

  // Checks a name against [a-z][a-z0-9_]{0,63}; records BAD_NAME otherwise.
  bool check_name(const std::string& name, const std::string& pointer, std::string_view what);

  Problems& problems() { return problems_; }

 private:
  Problems& problems_;
  std::size_t first_;  // problems_.size() when the reader was made
};

// True for [a-z][a-z0-9_]{0,63}.
bool is_valid_name(std::string_view name);

// Quotes a string for a message: 'name'.
inline std::string quote_name(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Joins any range of strings with ", ".
template <typename Names>
std::string join(const Names& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// JSON type name for messages ("string", "number", "object", ...).
const char* json_type_name(const nlohmann::json& value);

}  // namespace redress
