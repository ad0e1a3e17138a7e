#include "engine/field.h"

#include <algorithm>

#include "engine/money.h"
#include "engine/time.h"

namespace redress {

std::optional<FieldType> parse_field_type(std::string_view name) {
  if (name == "string") return FieldType::kString;
  if (name == "text") return FieldType::kText;
  if (name == "enum") return FieldType::kEnum;
  if (name == "bool") return FieldType::kBool;
  if (name == "integer") return FieldType::kInteger;
  if (name == "money") return FieldType::kMoney;
  if (name == "datetime") return FieldType::kDatetime;
  if (name == "reference") return FieldType::kReference;
  return std::nullopt;
}

const char* field_type_name(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kText:
      return "text";
    case FieldType::kEnum:
      return "enum";
    case FieldType::kBool:
      return "bool";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kMoney:
      return "money";
    case FieldType::kDatetime:
      return "datetime";
    case FieldType::kReference:
      return "reference";
  }
  return "unknown";
}

std::optional<FieldDef> parse_field_def(const std::string& name, const nlohmann::json& definition,
                                        const std::string& pointer, JsonReader& reader) {
  if (!reader.expect_object(definition, pointer, "field " + quote_name(name))) return std::nullopt;
  reader.check_keys(definition, pointer,
                    {"type", "title", "values", "value_titles", "max_length", "min", "max",
                     "target", "editable", "customer_visible"});
  const size_t before = reader.problems().size();
  reader.check_name(name, pointer, "field name");
  FieldDef field;
  field.name = name;
  field.title =
      read_label(reader, definition, pointer, "title", "the title of field " + quote_name(name))
          .value_or(LocalizedText{});
  field.editable = reader.optional_bool(definition, pointer, "editable").value_or(true);
  const auto type_name = reader.required_string(definition, pointer, "type");
  if (type_name) {
    const auto type = parse_field_type(*type_name);
    if (!type) {
      reader.error("BAD_FIELD_TYPE", pointer + "/type",
                   "field " + quote_name(name) + " has unknown type " + quote_name(*type_name) +
                       "; expected one of: string, text, enum, bool, integer, money, datetime, "
                       "reference");
    } else {
      field.type = *type;
    }
  }
  field.customer_visible =
      reader.optional_bool(definition, pointer, "customer_visible").value_or(false);
  if (field.customer_visible && field.type != FieldType::kString &&
      field.type != FieldType::kText) {
    reader.error("BAD_VALUE", pointer + "/customer_visible",
                 "field " + quote_name(name) +
                     " is not text: only string and text fields hold words a customer wrote or "
                     "reads, which the threat scan reads");
  }
  switch (field.type) {
    case FieldType::kString:
      field.max_length = kDefaultStringMax;
      break;
    case FieldType::kText:
      field.max_length = kDefaultTextMax;
      break;
    case FieldType::kReference:
      field.max_length = kDefaultReferenceMax;
      break;
    default:
      break;
  }
  if (const auto max_length = reader.optional_integer(definition, pointer, "max_length")) {
    if (*max_length < 1 || *max_length > 100000) {
      reader.error("BAD_VALUE", pointer + "/max_length",
                   "max_length of field " + quote_name(name) + " must be between 1 and 100000");
    }
    field.max_length = *max_length;
  }
  field.min = reader.optional_integer(definition, pointer, "min");
  field.max = reader.optional_integer(definition, pointer, "max");
  if (field.min && field.max && *field.min > *field.max) {
    reader.error("BAD_VALUE", pointer + "/min",
                 "field " + quote_name(name) + " has min greater than max");
  }
  if (field.type == FieldType::kEnum) {
    const auto values = reader.optional_string_array(definition, pointer, "values");
    if (!definition.contains("values")) {
      reader.error("MISSING_KEY", pointer + "/values",
                   "enum field " + quote_name(name) + " needs a 'values' list");
    } else if (values) {
      if (values->empty()) {
        reader.error("BAD_VALUE", pointer + "/values",
                     "enum field " + quote_name(name) + " needs at least one value");
      }
      for (size_t i = 0; i < values->size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if ((*values)[i] == (*values)[j]) {
            reader.error(
                "DUPLICATE_NAME", pointer + "/values/" + std::to_string(i),
                "enum field " + quote_name(name) + " lists " + quote_name((*values)[i]) + " twice");
          }
        }
      }
      field.values = *values;
    }
  } else if (definition.is_object() && definition.contains("values")) {
    reader.error("BAD_VALUE", pointer + "/values",
                 "'values' only applies to enum fields; field " + quote_name(name) + " is " +
                     field_type_name(field.type));
  }
  if (definition.is_object() && definition.contains("value_titles")) {
    const auto& titles = definition["value_titles"];
    const std::string at = pointer + "/value_titles";
    if (field.type != FieldType::kEnum) {
      reader.error("BAD_VALUE", at,
                   "'value_titles' only applies to enum fields; field " + quote_name(name) +
                       " is " + field_type_name(field.type));
    } else if (reader.expect_object(titles, at, "'value_titles' of field " + quote_name(name))) {
      for (const auto& [value, ignored] : titles.items()) {
        if (std::find(field.values.begin(), field.values.end(), value) == field.values.end()) {
          reader.error("UNKNOWN_VALUE", at + "/" + pointer_token(value),
                       "field " + quote_name(name) + " has no value " + quote_name(value) +
                           " to give a title; its values: " + join(field.values));
          continue;
        }
        if (auto title = read_label(
                reader, titles, at, value,
                "the title of value " + quote_name(value) + " of field " + quote_name(name))) {
          field.value_titles.emplace(value, std::move(*title));
        }
      }
    }
  }
  if (field.type == FieldType::kReference) {
    field.target = reader.optional_string(definition, pointer, "target").value_or("");
  }
  // Fail only when this field itself added an error (earlier problems belong to other parts).
  for (size_t i = before; i < reader.problems().size(); ++i) {
    if (reader.problems()[i].severity == Severity::kError) return std::nullopt;
  }
  return field;
}

Result<nlohmann::json> canonical_field_value(const FieldDef& field, const nlohmann::json& value) {
  const std::string pointer = "/" + pointer_token(field.name);
  // What every problem of this field says as data: the field and its type.
  const auto params = [&](std::string_view reason,
                          nlohmann::json arguments = nlohmann::json::object()) {
    arguments["field"] = field.name;
    arguments["type"] = field_type_name(field.type);
    return problem_params(reason, std::move(arguments));
  };
  auto fail = [&](const std::string& expected) -> Result<nlohmann::json> {
    auto arguments = nlohmann::json::object();
    if (field.type == FieldType::kEnum) arguments["allowed"] = field.values;
    return Error::invalid_field("field " + quote_name(field.name) + " must be " + expected +
                                    ", not " + json_type_name(value),
                                pointer, params("wrong_type", std::move(arguments)));
  };
  switch (field.type) {
    case FieldType::kString:
    case FieldType::kText:
    case FieldType::kReference: {
      if (!value.is_string()) return fail("a string");
      const auto& text = value.get_ref<const std::string&>();
      const auto length = utf8_length(text);
      if (!length) {
        return Error::invalid_field("field " + quote_name(field.name) + " is not valid UTF-8",
                                    pointer, params("not_utf8"));
      }
      if (*length > field.max_length) {
        return Error::invalid_field(
            "field " + quote_name(field.name) + " is " + std::to_string(*length) +
                " characters long; the maximum is " + std::to_string(field.max_length),
            pointer, params("too_long", {{"max_length", field.max_length}, {"length", *length}}));
      }
      if (field.type != FieldType::kText && *length == 0) {
        return Error::invalid_field("field " + quote_name(field.name) + " must not be empty",
                                    pointer, params("empty"));
      }
      return value;
    }
    case FieldType::kEnum: {
      if (!value.is_string()) return fail("one of: " + join(field.values));
      const auto& text = value.get_ref<const std::string&>();
      if (std::find(field.values.begin(), field.values.end(), text) == field.values.end()) {
        return Error::invalid_field("field " + quote_name(field.name) + " has value " +
                                        quote_name(text) +
                                        "; expected one of: " + join(field.values),
                                    pointer, params("not_one_of", {{"allowed", field.values}}));
      }
      return value;
    }
    case FieldType::kBool:
      if (!value.is_boolean()) return fail("true or false");
      return value;
    case FieldType::kInteger: {
      if (!value.is_number_integer() ||
          (value.is_number_unsigned() &&
           value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
        return fail("an integer");
      }
      const auto n = value.get<std::int64_t>();
      if ((field.min && n < *field.min) || (field.max && n > *field.max)) {
        return Error::invalid_field(
            "field " + quote_name(field.name) + " is " + std::to_string(n) + "; allowed range is " +
                (field.min ? std::to_string(*field.min) : std::string("-inf")) + " to " +
                (field.max ? std::to_string(*field.max) : std::string("+inf")),
            pointer, [&] {
              auto arguments = nlohmann::json::object();
              if (field.min) arguments["minimum"] = *field.min;
              if (field.max) arguments["maximum"] = *field.max;
              return params("out_of_range", std::move(arguments));
            }());
      }
      return value;
    }
    case FieldType::kMoney: {
      auto money = money_from_json(value);
      if (!money.ok()) {
        return Error::invalid_field(
            "field " + quote_name(field.name) + ": " + money.error().message,
            pointer + money.error().pointer, [&] {
              auto arguments = money.error().params;
              arguments["field"] = field.name;
              arguments["type"] = field_type_name(field.type);
              return arguments;
            }());
      }
      return money_to_json(money.value());
    }
    case FieldType::kDatetime: {
      if (!value.is_string()) return fail("an RFC 3339 date-time string");
      const auto instant = parse_rfc3339(value.get_ref<const std::string&>());
      if (!instant) {
        return Error::invalid_field(
            "field " + quote_name(field.name) + " has " + quote_name(value.get<std::string>()) +
                ", which is not an RFC 3339 date-time such as 2026-11-22T09:30:00+08:00",
            pointer, params("not_datetime"));
      }
      return nlohmann::json(format_rfc3339(*instant));
    }
  }
  return fail("a valid value");
}

}  // namespace redress
