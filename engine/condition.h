// Condition: a structured predicate over case data, written as JSON in workflow definitions.
//
//   {"eq": {"field": "fields.customer_confirmed", "value": true}}
//   {"ge": {"field": "order.paid", "value": 10000}}          money compares minor units
//   {"in": {"field": "case.severity", "values": ["high", "critical"]}}
//   {"exists": {"field": "fields.tracking_number"}}
//   {"and": [c1, c2]}, {"or": [c1, c2]}, {"not": c}
//
// Operands are paths into the case's condition view (see `condition_view` in case_snapshot.h):
// fields.<name>, case.severity|priority|category|state|escalation_level,
// customer.id|segment|tier, order.paid|refunded, compensation.granted|pending|pending_count.
// Conditions are type-checked when the definition loads (an ordering on a text field, an enum
// value that does not exist, a bool compared with a number are load errors), so evaluation never
// meets a type surprise. A missing operand makes eq/lt/le/gt/ge/in false and ne true.
//
// Thread-safety: immutable values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/field.h"
#include "engine/json_reader.h"

namespace redress {

struct Condition {
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kExists, kAnd, kOr, kNot };
  Op op = Op::kEq;
  std::string path;                     // leaf operand
  FieldType type = FieldType::kString;  // the operand's type, resolved at load
  nlohmann::json value;                 // comparison value (canonical form)
  std::vector<nlohmann::json> values;   // kIn
  std::vector<Condition> children;      // kAnd, kOr, kNot
};

// Resolves an operand path to the field declaration describing its type, or nullopt when the
// path names nothing.
using OperandResolver = std::function<std::optional<FieldDef>(const std::string& path)>;

// Parses a condition, recording BAD_CONDITION, UNKNOWN_FIELD and CONDITION_TYPE_MISMATCH
// problems. nullopt when any were recorded.
std::optional<Condition> parse_condition(const nlohmann::json& definition,
                                         const std::string& pointer, JsonReader& reader,
                                         const OperandResolver& resolve);

struct ConditionOutcome {
  bool holds = false;
  std::string
      explanation;  // when !holds: the first failing leaf, e.g. "fields.x eq true (was false)"
};

// Evaluates against a condition view (object with "fields", "case", "customer", "order",
// "compensation" members).
ConditionOutcome evaluate_condition(const Condition& condition, const nlohmann::json& view);

// The text form of a condition, for messages.
std::string describe_condition(const Condition& condition);

// Operand types of the built-in (non-"fields.") paths; nullopt for unknown paths.
std::optional<FieldDef> builtin_operand(const std::string& path);

}  // namespace redress
