// Case fields: the typed data a workflow collects (problem summary, category, desired outcome...).
//
// A workflow declares its fields once with a type; transitions then name the fields they require
// or accept, and conditions compare them. Values are validated here, on every write, so a case
// never holds a value of the wrong type. Canonical stored forms: datetime as UTC RFC 3339 text,
// money as {"amount", "currency"}, everything else as its JSON value.
//
// Thread-safety: plain values.
#pragma once

#include "engine/utf8.h"  // utf8_length, used with every text field

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/json_reader.h"
#include "engine/localized_text.h"
#include "engine/result.h"

namespace redress {

enum class FieldType { kString, kText, kEnum, kBool, kInteger, kMoney, kDatetime, kReference };

std::optional<FieldType> parse_field_type(std::string_view name);
const char* field_type_name(FieldType type);

struct FieldDef {
  std::string name;
  FieldType type = FieldType::kString;
  LocalizedText title;                                // empty when the definition gives none
  std::vector<std::string> values;                    // kEnum: the allowed values
  std::map<std::string, LocalizedText> value_titles;  // kEnum: words for (some of) the values
  std::int64_t max_length = 0;                        // kString/kText/kReference: code points
  std::optional<std::int64_t> min, max;               // kInteger bounds, inclusive
  std::string target;    // kReference: "order", "customer", "case", "user", ...
  bool editable = true;  // may be changed by a field update outside transitions
  // Written by the customer or shown to them (string and text fields only): scanned for threat
  // signals (12315, media, lawyer ...) whenever it is set, like a customer's message.
  bool customer_visible = false;
};

// Default maximum lengths, in Unicode code points.
inline constexpr std::int64_t kDefaultStringMax = 200;
inline constexpr std::int64_t kDefaultTextMax = 10000;
inline constexpr std::int64_t kDefaultReferenceMax = 128;

// Parses one field declaration {"type": ..., ...} named `name`; problems recorded via `reader`.
std::optional<FieldDef> parse_field_def(const std::string& name, const nlohmann::json& definition,
                                        const std::string& pointer, JsonReader& reader);

// Validates `value` for `field` and returns its canonical stored form. Error code INVALID_FIELD
// with a message naming the field and what is expected.
Result<nlohmann::json> canonical_field_value(const FieldDef& field, const nlohmann::json& value);

}  // namespace redress
