#include "engine/condition.h"

#include "engine/case_vocabulary.h"

#include <algorithm>

#include "engine/time.h"

namespace redress {
namespace {

constexpr int kMaxDepth = 16;

const char* op_name(Condition::Op op) {
  switch (op) {
    case Condition::Op::kEq:
      return "eq";
    case Condition::Op::kNe:
      return "ne";
    case Condition::Op::kLt:
      return "lt";
    case Condition::Op::kLe:
      return "le";
    case Condition::Op::kGt:
      return "gt";
    case Condition::Op::kGe:
      return "ge";
    case Condition::Op::kIn:
      return "in";
    case Condition::Op::kExists:
      return "exists";
    case Condition::Op::kAnd:
      return "and";
    case Condition::Op::kOr:
      return "or";
    case Condition::Op::kNot:
      return "not";
  }
  return "?";
}

std::optional<Condition::Op> parse_op(const std::string& name) {
  static const Condition::Op all[] = {
      Condition::Op::kEq,  Condition::Op::kNe, Condition::Op::kLt, Condition::Op::kLe,
      Condition::Op::kGt,  Condition::Op::kGe, Condition::Op::kIn, Condition::Op::kExists,
      Condition::Op::kAnd, Condition::Op::kOr, Condition::Op::kNot};
  for (auto op : all) {
    if (name == op_name(op)) return op;
  }
  return std::nullopt;
}

bool is_ordered(FieldType type) {
  return type == FieldType::kInteger || type == FieldType::kMoney || type == FieldType::kDatetime;
}

// Checks a comparison value against the operand's type and returns its canonical form.
std::optional<nlohmann::json> typed_value(const FieldDef& operand, const nlohmann::json& value,
                                          const std::string& pointer, JsonReader& reader) {
  auto mismatch = [&](const std::string& expected) {
    reader.error("CONDITION_TYPE_MISMATCH", pointer,
                 "operand " + quote_name(operand.name) + " is " + field_type_name(operand.type) +
                     " but is compared with " + json_type_name(value) + "; expected " + expected);
    return std::nullopt;
  };
  switch (operand.type) {
    case FieldType::kMoney:
      // Money operands compare by minor units; the value may be an integer or a money object.
      if (value.is_number_integer()) return value;
      if (value.is_object() && value.contains("amount") && value["amount"].is_number_integer()) {
        return value["amount"];
      }
      return mismatch("an integer number of minor units");
    case FieldType::kInteger:
      if (value.is_number_integer()) return value;
      return mismatch("an integer");
    case FieldType::kBool:
      if (value.is_boolean()) return value;
      return mismatch("true or false");
    case FieldType::kDatetime:
      if (value.is_string()) {
        if (const auto t = parse_rfc3339(value.get<std::string>())) return format_rfc3339(*t);
      }
      return mismatch("an RFC 3339 date-time string");
    case FieldType::kEnum:
      if (value.is_string()) {
        const auto s = value.get<std::string>();
        if (std::find(operand.values.begin(), operand.values.end(), s) != operand.values.end()) {
          return value;
        }
        reader.error("CONDITION_TYPE_MISMATCH", pointer,
                     "operand " + quote_name(operand.name) + " has no value " + quote_name(s) +
                         "; expected one of: " + join(operand.values));
        return std::nullopt;
      }
      return mismatch("one of: " + join(operand.values));
    case FieldType::kString:
    case FieldType::kText:
    case FieldType::kReference:
      if (value.is_string()) return value;
      return mismatch("a string");
  }
  return std::nullopt;
}

std::optional<Condition> parse_node(const nlohmann::json& definition, const std::string& pointer,
                                    JsonReader& reader, const OperandResolver& resolve, int depth) {
  if (depth > kMaxDepth) {
    reader.error("BAD_CONDITION", pointer,
                 "condition is nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return std::nullopt;
  }
  if (!definition.is_object() || definition.size() != 1) {
    reader.error("BAD_CONDITION", pointer,
                 "a condition is an object with exactly one operator key (eq, ne, lt, le, gt, ge, "
                 "in, exists, and, or, not)");
    return std::nullopt;
  }
  // Copy the key: items() hands out a temporary proxy whose key() must not outlive it.
  const std::string key = definition.begin().key();
  const nlohmann::json& body = definition.begin().value();
  const auto op = parse_op(key);
  const std::string body_pointer = pointer + "/" + pointer_token(key);
  if (!op) {
    reader.error("BAD_CONDITION", body_pointer,
                 "unknown condition operator " + quote_name(key) +
                     "; expected one of: eq, ne, lt, le, gt, ge, in, exists, and, or, not");
    return std::nullopt;
  }
  Condition node;
  node.op = *op;
  if (*op == Condition::Op::kAnd || *op == Condition::Op::kOr) {
    if (!body.is_array() || body.empty()) {
      reader.error("BAD_CONDITION", body_pointer,
                   quote_name(key) + " takes a non-empty array of conditions");
      return std::nullopt;
    }
    bool ok = true;
    for (size_t i = 0; i < body.size(); ++i) {
      auto child =
          parse_node(body[i], body_pointer + "/" + std::to_string(i), reader, resolve, depth + 1);
      if (child) {
        node.children.push_back(std::move(*child));
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return node;
  }
  if (*op == Condition::Op::kNot) {
    auto child = parse_node(body, body_pointer, reader, resolve, depth + 1);
    if (!child) return std::nullopt;
    node.children.push_back(std::move(*child));
    return node;
  }
  // Leaf operators: {"field": path, "value": v} / {"field": path, "values": [..]} / {"field":
  // path}.
  if (!body.is_object()) {
    reader.error("BAD_CONDITION", body_pointer,
                 quote_name(key) + " takes an object with a 'field' and its comparison value");
    return std::nullopt;
  }
  const size_t before = reader.problems().size();
  if (*op == Condition::Op::kExists) {
    reader.check_keys(body, body_pointer, {"field"});
  } else if (*op == Condition::Op::kIn) {
    reader.check_keys(body, body_pointer, {"field", "values"});
  } else {
    reader.check_keys(body, body_pointer, {"field", "value"});
  }
  const auto path = reader.required_string(body, body_pointer, "field");
  if (!path) return std::nullopt;
  node.path = *path;
  const auto operand = resolve(*path);
  if (!operand) {
    reader.error("UNKNOWN_FIELD", body_pointer + "/field",
                 "condition refers to unknown operand " + quote_name(*path) +
                     "; use fields.<declared field>, case.severity, case.priority, case.category, "
                     "case.state, case.escalation_level, customer.id, customer.segment, "
                     "customer.tier, order.paid, order.refunded, compensation.granted, "
                     "compensation.pending or compensation.pending_count");
    return std::nullopt;
  }
  node.type = operand->type;
  FieldDef named = *operand;
  named.name = *path;
  if (*op == Condition::Op::kExists) {
    return reader.problems().size() == before ? std::optional<Condition>(node) : std::nullopt;
  }
  if (*op == Condition::Op::kIn) {
    if (!body.contains("values") || !body["values"].is_array() || body["values"].empty()) {
      reader.error("BAD_CONDITION", body_pointer + "/values",
                   "'in' needs a non-empty array 'values'");
      return std::nullopt;
    }
    bool ok = true;
    for (size_t i = 0; i < body["values"].size(); ++i) {
      auto v = typed_value(named, body["values"][i], body_pointer + "/values/" + std::to_string(i),
                           reader);
      if (v) {
        node.values.push_back(std::move(*v));
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return node;
  }
  if (!body.contains("value")) {
    reader.error("MISSING_KEY", body_pointer + "/value",
                 quote_name(key) + " needs a 'value' to compare " + quote_name(*path) + " with");
    return std::nullopt;
  }
  if ((*op == Condition::Op::kLt || *op == Condition::Op::kLe || *op == Condition::Op::kGt ||
       *op == Condition::Op::kGe) &&
      !is_ordered(operand->type)) {
    reader.error("CONDITION_TYPE_MISMATCH", body_pointer,
                 "operator " + quote_name(key) +
                     " needs an ordered operand (integer, money or "
                     "datetime), but " +
                     quote_name(*path) + " is " + field_type_name(operand->type));
    return std::nullopt;
  }
  auto v = typed_value(named, body["value"], body_pointer + "/value", reader);
  if (!v) return std::nullopt;
  node.value = std::move(*v);
  return node;
}

// Looks up "a.b" in the view; returns nullptr when absent or null.
const nlohmann::json* lookup(const nlohmann::json& view, const std::string& path) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) return nullptr;
  const auto head = path.substr(0, dot);
  const auto tail = path.substr(dot + 1);
  const auto outer = view.find(head);
  if (outer == view.end() || !outer->is_object()) return nullptr;
  const auto inner = outer->find(tail);
  if (inner == outer->end() || inner->is_null()) return nullptr;
  return &*inner;
}

// Normalises an operand value for comparison: money -> amount, datetime -> epoch millis.
nlohmann::json comparable(const nlohmann::json& v, FieldType type) {
  if (type == FieldType::kMoney && v.is_object() && v.contains("amount")) return v["amount"];
  if (type == FieldType::kDatetime && v.is_string()) {
    if (const auto t = parse_rfc3339(v.get<std::string>())) {
      return t->time_since_epoch().count();
    }
  }
  return v;
}

std::string leaf_text(const Condition& c) {
  std::string out = c.path + " " + op_name(c.op);
  if (c.op == Condition::Op::kIn) {
    nlohmann::json arr = c.values;
    out += " " + arr.dump();
  } else if (c.op != Condition::Op::kExists) {
    out += " " + c.value.dump();
  }
  return out;
}

}  // namespace

std::optional<FieldDef> builtin_operand(const std::string& path) {
  FieldDef f;
  f.name = path;
  if (path == "case.severity") {
    f.type = FieldType::kEnum;
    f.values.assign(kSeverities.begin(), kSeverities.end());
  } else if (path == "case.priority") {
    f.type = FieldType::kEnum;
    f.values.assign(kPriorities.begin(), kPriorities.end());
  } else if (path == "case.escalation_level") {
    f.type = FieldType::kEnum;
    f.values = {"agent", "team_lead", "supervisor", "manager"};
  } else if (path == "case.category" || path == "case.state" || path == "customer.id" ||
             path == "customer.segment" || path == "customer.tier") {
    f.type = FieldType::kString;
  } else if (path == "order.paid" || path == "order.refunded" || path == "compensation.granted" ||
             path == "compensation.pending") {
    f.type = FieldType::kMoney;
  } else if (path == "compensation.pending_count") {
    f.type = FieldType::kInteger;
  } else {
    return std::nullopt;
  }
  return f;
}

std::optional<Condition> parse_condition(const nlohmann::json& definition,
                                         const std::string& pointer, JsonReader& reader,
                                         const OperandResolver& resolve) {
  return parse_node(definition, pointer, reader, resolve, 0);
}

ConditionOutcome evaluate_condition(const Condition& c, const nlohmann::json& view) {
  switch (c.op) {
    case Condition::Op::kAnd:
      for (const auto& child : c.children) {
        auto r = evaluate_condition(child, view);
        if (!r.holds) return r;
      }
      return {true, ""};
    case Condition::Op::kOr: {
      std::vector<std::string> failures;
      for (const auto& child : c.children) {
        auto r = evaluate_condition(child, view);
        if (r.holds) return r;
        failures.push_back(r.explanation);
      }
      return {false, "none of: " + join(failures, "; ")};
    }
    case Condition::Op::kNot: {
      auto r = evaluate_condition(c.children.front(), view);
      if (r.holds) return {false, "not (" + describe_condition(c.children.front()) + ")"};
      return {true, ""};
    }
    default:
      break;
  }
  const nlohmann::json* actual = lookup(view, c.path);
  const std::string was = actual ? " (was " + actual->dump() + ")" : " (not set)";
  if (c.op == Condition::Op::kExists) {
    return {actual != nullptr, actual ? "" : c.path + " is not set"};
  }
  if (!actual) {
    const bool holds = c.op == Condition::Op::kNe;
    return {holds, holds ? "" : leaf_text(c) + was};
  }
  const nlohmann::json lhs = comparable(*actual, c.type);
  bool holds = false;
  if (c.op == Condition::Op::kIn) {
    holds = std::any_of(c.values.begin(), c.values.end(),
                        [&](const nlohmann::json& v) { return comparable(v, c.type) == lhs; });
  } else {
    const nlohmann::json rhs = comparable(c.value, c.type);
    switch (c.op) {
      case Condition::Op::kEq:
        holds = lhs == rhs;
        break;
      case Condition::Op::kNe:
        holds = lhs != rhs;
        break;
      case Condition::Op::kLt:
        holds = lhs < rhs;
        break;
      case Condition::Op::kLe:
        holds = lhs <= rhs;
        break;
      case Condition::Op::kGt:
        holds = lhs > rhs;
        break;
      case Condition::Op::kGe:
        holds = lhs >= rhs;
        break;
      default:
        break;
    }
  }
  return {holds, holds ? "" : leaf_text(c) + was};
}

std::string describe_condition(const Condition& c) {
  switch (c.op) {
    case Condition::Op::kAnd:
    case Condition::Op::kOr: {
      std::vector<std::string> parts;
      for (const auto& child : c.children) parts.push_back(describe_condition(child));
      return "(" + join(parts, c.op == Condition::Op::kAnd ? " and " : " or ") + ")";
    }
    case Condition::Op::kNot:
      return "not " + describe_condition(c.children.front());
    default:
      return leaf_text(c);
  }
}

}  // namespace redress
