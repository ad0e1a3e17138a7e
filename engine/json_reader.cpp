#include "engine/json_reader.h"

#include <algorithm>

namespace redress {

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

const char* json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float:
      return "number";
    default:
      return "value";
  }
}

void JsonReader::check_keys(const nlohmann::json& object, const std::string& pointer,
                            std::initializer_list<std::string_view> allowed,
                            std::string_view what) {
  if (!object.is_object()) return;
  for (const auto& [key, _] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      error("UNKNOWN_KEY", pointer + "/" + pointer_token(key),
            "unknown key " + quote_name(key) +
                (what.empty() ? std::string() : " in " + std::string(what)) +
                "; expected one of: " + join(allowed));
    }
  }
}

bool JsonReader::expect_object(const nlohmann::json& value, const std::string& pointer,
                               std::string_view what) {
  if (value.is_object()) return true;
  error("BAD_TYPE", pointer,
        std::string(what) + " must be an object, not " + json_type_name(value));
  return false;
}

bool JsonReader::expect_array(const nlohmann::json& value, const std::string& pointer,
                              std::string_view what) {
  if (value.is_array()) return true;
  error("BAD_TYPE", pointer, std::string(what) + " must be an array, not " + json_type_name(value));
  return false;
}

std::optional<std::string> JsonReader::required_string(const nlohmann::json& object,
                                                       const std::string& pointer,
                                                       const std::string& key) {
  if (!object.is_object() || !object.contains(key)) {
    error("MISSING_KEY", pointer + "/" + pointer_token(key),
          "missing required key " + quote_name(key));
    return std::nullopt;
  }
  return optional_string(object, pointer, key);
}

std::optional<std::string> JsonReader::optional_string(const nlohmann::json& object,
                                                       const std::string& pointer,
                                                       const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const auto& v = object.at(key);
  if (!v.is_string()) {
    error("BAD_TYPE", pointer + "/" + pointer_token(key),
          quote_name(key) + " must be a string, not " + json_type_name(v));
    return std::nullopt;
  }
  return v.get<std::string>();
}

std::optional<std::int64_t> JsonReader::required_integer(const nlohmann::json& object,
                                                         const std::string& pointer,
                                                         const std::string& key) {
  if (!object.is_object() || !object.contains(key)) {
    error("MISSING_KEY", pointer + "/" + pointer_token(key),
          "missing required key " + quote_name(key));
    return std::nullopt;
  }
  return optional_integer(object, pointer, key);
}

std::optional<std::int64_t> JsonReader::optional_integer(const nlohmann::json& object,
                                                         const std::string& pointer,
                                                         const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const auto& v = object.at(key);
  if (!v.is_number_integer() ||
      (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
    error("BAD_TYPE", pointer + "/" + pointer_token(key),
          quote_name(key) + " must be an integer, not " + json_type_name(v));
    return std::nullopt;
  }
  return v.get<std::int64_t>();
}

std::optional<bool> JsonReader::optional_bool(const nlohmann::json& object,
                                              const std::string& pointer, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const auto& v = object.at(key);
  if (!v.is_boolean()) {
    error("BAD_TYPE", pointer + "/" + pointer_token(key),
          quote_name(key) + " must be true or false, not " + json_type_name(v));
    return std::nullopt;
  }
  return v.get<bool>();
}

std::optional<std::vector<std::string>> JsonReader::optional_string_array(
    const nlohmann::json& object, const std::string& pointer, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const auto& v = object.at(key);
  const std::string p = pointer + "/" + pointer_token(key);
  if (!v.is_array()) {
    error("BAD_TYPE", p,
          quote_name(key) + " must be an array of strings, not " + json_type_name(v));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      error("BAD_TYPE", p + "/" + std::to_string(i),
            "element " + std::to_string(i) + " of " + quote_name(key) + " must be a string, not " +
                json_type_name(v[i]));
      ok = false;
    } else {
      out.push_back(v[i].get<std::string>());
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

bool JsonReader::check_name(const std::string& name, const std::string& pointer,
                            std::string_view what) {
  if (is_valid_name(name)) return true;
  error(
      "BAD_NAME", pointer,
      std::string(what) + " " + quote_name(name) +
          " must be 1-64 characters of lower-case letters, digits and '_' starting with a letter");
  return false;
}

}  // namespace redress
