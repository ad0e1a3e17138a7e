// Tests for conditions: parsing and type checks, evaluation of every operator against a
// condition view, money and datetime comparisons, missing operands, explanations and nesting.
#include "engine/condition.h"

#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

namespace {

using nlohmann::json;
using redress::Condition;
using redress::FieldDef;
using redress::FieldType;
using redress::JsonReader;
using redress::Problems;
using redress::testing::describe;
using redress::testing::has_problem;

std::vector<FieldDef> declared_fields() {
  std::vector<FieldDef> out;
  auto add = [&](const std::string& name, FieldType type) -> FieldDef& {
    FieldDef f;
    f.name = name;
    f.type = type;
    out.push_back(f);
    return out.back();
  };
  add("confirmed", FieldType::kBool);
  add("count", FieldType::kInteger);
  add("amount", FieldType::kMoney);
  add("due", FieldType::kDatetime);
  add("category", FieldType::kEnum).values = {"quality", "delivery", "service"};
  add("note", FieldType::kString);
  add("tracking", FieldType::kString);
  return out;
}

std::optional<FieldDef> resolve(const std::string& path) {
  if (path.rfind("fields.", 0) == 0) {
    for (const auto& f : declared_fields()) {
      if (f.name == path.substr(7)) return f;
    }
    return std::nullopt;
  }
  return redress::builtin_operand(path);
}

Condition parse_condition_ok(const json& definition) {
  Problems problems;
  JsonReader reader(problems);
  auto c = redress::parse_condition(definition, "/c", reader, resolve);
  BOOST_TEST_REQUIRE(problems.empty(), definition.dump() << describe(problems));
  BOOST_TEST_REQUIRE(c.has_value());
  return *c;
}

Problems parse_bad(const json& definition) {
  Problems problems;
  JsonReader reader(problems);
  auto c = redress::parse_condition(definition, "/c", reader, resolve);
  BOOST_TEST(!c.has_value(), definition.dump());
  return problems;
}

json view() {
  return json::parse(R"({
    "fields": {"confirmed": true, "count": 3, "amount": {"amount": 1500, "currency": "CNY"},
               "due": "2026-11-22T09:30:00Z", "category": "quality", "note": "hello",
               "tracking": null},
    "case": {"severity": "high", "priority": "normal", "category": "quality", "state": "open",
             "escalation_level": "agent"},
    "customer": {"id": "c-1", "segment": "vip", "tier": "gold"},
    "order": {"paid": 10000, "refunded": 0},
    "compensation": {"granted": 500, "pending": 0, "pending_count": 1}
  })");
}

bool holds(const json& definition, const json& v = view()) {
  return redress::evaluate_condition(parse_condition_ok(definition), v).holds;
}

json leaf(const std::string& op, const std::string& field, const json& value) {
  return {{op, {{"field", field}, {"value", value}}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(condition)

BOOST_AUTO_TEST_CASE(eq_and_ne) {
  BOOST_TEST(holds(leaf("eq", "fields.confirmed", true)));
  BOOST_TEST(!holds(leaf("eq", "fields.confirmed", false)));
  BOOST_TEST(holds(leaf("ne", "fields.confirmed", false)));
  BOOST_TEST(!holds(leaf("ne", "fields.confirmed", true)));
  BOOST_TEST(holds(leaf("eq", "fields.category", "quality")));
  BOOST_TEST(holds(leaf("ne", "case.severity", "low")));
  BOOST_TEST(holds(leaf("eq", "customer.segment", "vip")));
  BOOST_TEST(holds(leaf("eq", "fields.note", "hello")));
  BOOST_TEST(!holds(leaf("eq", "fields.note", "Hello")));
}

BOOST_AUTO_TEST_CASE(ordering_on_integers) {
  BOOST_TEST(holds(leaf("lt", "fields.count", 4)));
  BOOST_TEST(!holds(leaf("lt", "fields.count", 3)));
  BOOST_TEST(holds(leaf("le", "fields.count", 3)));
  BOOST_TEST(!holds(leaf("le", "fields.count", 2)));
  BOOST_TEST(holds(leaf("gt", "fields.count", 2)));
  BOOST_TEST(!holds(leaf("gt", "fields.count", 3)));
  BOOST_TEST(holds(leaf("ge", "fields.count", 3)));
  BOOST_TEST(!holds(leaf("ge", "fields.count", 4)));
  BOOST_TEST(holds(leaf("ge", "compensation.pending_count", 1)));
  BOOST_TEST(holds(leaf("gt", "fields.count", -1)));
}

BOOST_AUTO_TEST_CASE(in_operator) {
  BOOST_TEST(holds({{"in", {{"field", "case.severity"}, {"values", {"high", "critical"}}}}}));
  BOOST_TEST(!holds({{"in", {{"field", "case.severity"}, {"values", {"low", "normal"}}}}}));
  BOOST_TEST(holds({{"in", {{"field", "fields.count"}, {"values", {1, 3}}}}}));
  BOOST_TEST(holds({{"in", {{"field", "order.paid"}, {"values", {5, 10000}}}}}));
  BOOST_TEST(!holds({{"in", {{"field", "fields.note"}, {"values", {"x"}}}}}));
}

BOOST_AUTO_TEST_CASE(exists_operator) {
  BOOST_TEST(holds({{"exists", {{"field", "fields.note"}}}}));
  BOOST_TEST(!holds({{"exists", {{"field", "fields.tracking"}}}}));  // null counts as not set
  json v = view();
  v["fields"].erase("note");
  BOOST_TEST(!holds({{"exists", {{"field", "fields.note"}}}}, v));
  const auto out =
      redress::evaluate_condition(parse_condition_ok({{"exists", {{"field", "fields.note"}}}}), v);
  BOOST_TEST(out.explanation == "fields.note is not set");
}

BOOST_AUTO_TEST_CASE(and_or_not) {
  const json yes = leaf("eq", "fields.confirmed", true);
  const json no = leaf("eq", "fields.count", 99);
  BOOST_TEST(holds({{"and", {yes, yes}}}));
  BOOST_TEST(!holds({{"and", {yes, no}}}));
  BOOST_TEST(holds({{"or", {no, yes}}}));
  BOOST_TEST(!holds({{"or", {no, no}}}));
  BOOST_TEST(holds({{"not", no}}));
  BOOST_TEST(!holds({{"not", yes}}));
  BOOST_TEST(holds({{"not", {{"and", {yes, no}}}}}));
  BOOST_TEST(holds({{"or", {{{"not", yes}}, {{"and", {yes, {{"not", no}}}}}}}}));
}

BOOST_AUTO_TEST_CASE(money_compares_minor_units) {
  // The view carries minor units (integers); a money field may also be stored as an object.
  BOOST_TEST(holds(leaf("ge", "order.paid", 10000)));
  BOOST_TEST(!holds(leaf("gt", "order.paid", 10000)));
  BOOST_TEST(holds(leaf("ge", "order.paid", json{{"amount", 10000}, {"currency", "CNY"}})));
  BOOST_TEST(holds(leaf("lt", "order.paid", json{{"amount", 10001}, {"currency", "CNY"}})));
  BOOST_TEST(holds(leaf("eq", "fields.amount", 1500)));
  BOOST_TEST(holds(leaf("eq", "fields.amount", json{{"amount", 1500}, {"currency", "CNY"}})));
  BOOST_TEST(holds(leaf("gt", "fields.amount", 1499)));
  BOOST_TEST(!holds(leaf("gt", "fields.amount", 1500)));
  BOOST_TEST(holds(leaf("lt", "compensation.granted", 501)));
  // Stored canonically as minor units.
  BOOST_TEST(parse_condition_ok(leaf("eq", "order.paid", json{{"amount", 7}, {"currency", "CNY"}}))
                 .value == json(7));
}

BOOST_AUTO_TEST_CASE(datetime_compares_instants_across_offsets) {
  // 09:30Z == 17:30+08:00.
  BOOST_TEST(holds(leaf("eq", "fields.due", "2026-11-22T17:30:00+08:00")));
  BOOST_TEST(holds(leaf("ge", "fields.due", "2026-11-22T17:30:00+08:00")));
  BOOST_TEST(!holds(leaf("gt", "fields.due", "2026-11-22T17:30:00+08:00")));
  BOOST_TEST(holds(leaf("lt", "fields.due", "2026-11-22T09:30:00.001Z")));
  // Textually "10:00+08:00" sorts after "09:00Z", but as instants it is 02:00Z: earlier.
  json v = view();
  v["fields"]["due"] = "2026-11-22T10:00:00+08:00";
  BOOST_TEST(holds(leaf("lt", "fields.due", "2026-11-22T09:00:00Z"), v));
  BOOST_TEST(holds(leaf("eq", "fields.due", "2026-11-21T21:00:00-05:00"), v));
  // The comparison value is stored in canonical UTC form.
  BOOST_TEST(parse_condition_ok(leaf("eq", "fields.due", "2026-11-22T17:30:00+08:00")).value ==
             json("2026-11-22T09:30:00Z"));
}

BOOST_AUTO_TEST_CASE(missing_operand_semantics) {
  json v = view();
  v["fields"].erase("count");
  v.erase("order");
  BOOST_TEST(!holds(leaf("eq", "fields.count", 3), v));
  BOOST_TEST(holds(leaf("ne", "fields.count", 3), v));
  BOOST_TEST(!holds(leaf("lt", "fields.count", 100), v));
  BOOST_TEST(!holds(leaf("ge", "fields.count", -100), v));
  BOOST_TEST(!holds({{"in", {{"field", "fields.count"}, {"values", {3}}}}}, v));
  BOOST_TEST(!holds({{"exists", {{"field", "fields.count"}}}}, v));
  BOOST_TEST(!holds(leaf("ge", "order.paid", 0), v));
  BOOST_TEST(holds(leaf("ne", "order.paid", 0), v));
  BOOST_TEST(holds({{"not", {{"exists", {{"field", "fields.count"}}}}}}, v));
}

BOOST_AUTO_TEST_CASE(explanations) {
  json v = view();
  v["fields"]["confirmed"] = false;
  const auto fail =
      redress::evaluate_condition(parse_condition_ok(leaf("eq", "fields.confirmed", true)), v);
  BOOST_TEST(!fail.holds);
  BOOST_TEST(fail.explanation == "fields.confirmed eq true (was false)");

  v["fields"].erase("count");
  const auto unset =
      redress::evaluate_condition(parse_condition_ok(leaf("ge", "fields.count", 2)), v);
  BOOST_TEST(unset.explanation == "fields.count ge 2 (not set)");

  // "and" explains its first failing leaf.
  const auto both = redress::evaluate_condition(
      parse_condition_ok(
          {{"and", {leaf("eq", "fields.note", "hello"), leaf("eq", "fields.confirmed", true)}}}),
      v);
  BOOST_TEST(both.explanation == "fields.confirmed eq true (was false)");

  const auto neg = redress::evaluate_condition(
      parse_condition_ok({{"not", leaf("eq", "fields.note", "hello")}}), v);
  BOOST_TEST(!neg.holds);
  BOOST_TEST(neg.explanation == "not (fields.note eq \"hello\")");

  const auto either = redress::evaluate_condition(
      parse_condition_ok(
          {{"or", {leaf("eq", "fields.confirmed", true), leaf("gt", "order.paid", 20000)}}}),
      v);
  BOOST_TEST(either.explanation ==
             "none of: fields.confirmed eq true (was false); order.paid gt 20000 (was 10000)");

  const auto in = redress::evaluate_condition(
      parse_condition_ok({{"in", {{"field", "case.severity"}, {"values", {"low", "normal"}}}}}), v);
  BOOST_TEST(in.explanation == "case.severity in [\"low\",\"normal\"] (was \"high\")");

  const auto ok =
      redress::evaluate_condition(parse_condition_ok(leaf("eq", "fields.note", "hello")), v);
  BOOST_TEST(ok.holds);
  BOOST_TEST(ok.explanation.empty());
}

BOOST_AUTO_TEST_CASE(describe_condition_text) {
  const auto c = parse_condition_ok(
      {{"and", {leaf("eq", "fields.confirmed", true), {{"not", leaf("lt", "fields.count", 2)}}}}});
  BOOST_TEST(redress::describe_condition(c) ==
             "(fields.confirmed eq true and not fields.count lt 2)");
}

BOOST_AUTO_TEST_CASE(parse_builds_the_tree) {
  const auto c = parse_condition_ok(
      {{"or", {leaf("eq", "case.priority", "urgent"), {{"exists", {{"field", "fields.note"}}}}}}});
  BOOST_TEST((c.op == Condition::Op::kOr));
  BOOST_TEST_REQUIRE(c.children.size() == 2u);
  BOOST_TEST((c.children[0].op == Condition::Op::kEq));
  BOOST_TEST(c.children[0].path == "case.priority");
  BOOST_TEST((c.children[0].type == FieldType::kEnum));
  BOOST_TEST((c.children[1].op == Condition::Op::kExists));
}

BOOST_AUTO_TEST_CASE(type_errors_at_parse) {
  // Ordering on a string, a bool compared with a number, an enum value that does not exist.
  BOOST_TEST(
      has_problem(parse_bad(leaf("lt", "fields.note", "m")), "CONDITION_TYPE_MISMATCH", "/c/lt"));
  BOOST_TEST(has_problem(parse_bad(leaf("ge", "case.severity", "high")), "CONDITION_TYPE_MISMATCH",
                         "/c/ge"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "fields.confirmed", 1)), "CONDITION_TYPE_MISMATCH",
                         "/c/eq/value"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "fields.category", "weather")),
                         "CONDITION_TYPE_MISMATCH", "/c/eq/value"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "fields.count", 1.5)), "CONDITION_TYPE_MISMATCH",
                         "/c/eq/value"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "fields.count", "3")), "CONDITION_TYPE_MISMATCH",
                         "/c/eq/value"));
  BOOST_TEST(has_problem(parse_bad(leaf("gt", "order.paid", 12.5)), "CONDITION_TYPE_MISMATCH",
                         "/c/gt/value"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "fields.due", "tomorrow")), "CONDITION_TYPE_MISMATCH",
                         "/c/eq/value"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "fields.note", 5)), "CONDITION_TYPE_MISMATCH",
                         "/c/eq/value"));
  BOOST_TEST(
      has_problem(parse_bad({{"in", {{"field", "case.severity"}, {"values", {"high", "urgent"}}}}}),
                  "CONDITION_TYPE_MISMATCH", "/c/in/values/1"));
}

BOOST_AUTO_TEST_CASE(structural_errors_at_parse) {
  json two = leaf("eq", "fields.confirmed", true);
  two["ne"] = {{"field", "fields.confirmed"}, {"value", false}};
  BOOST_TEST(has_problem(parse_bad(two), "BAD_CONDITION", "/c"));
  BOOST_TEST(has_problem(parse_bad(json::object()), "BAD_CONDITION", "/c"));
  BOOST_TEST(has_problem(parse_bad(json::array()), "BAD_CONDITION", "/c"));
  BOOST_TEST(has_problem(parse_bad(leaf("like", "fields.note", "x")), "BAD_CONDITION", "/c/like"));
  BOOST_TEST(has_problem(parse_bad({{"and", json::array()}}), "BAD_CONDITION", "/c/and"));
  BOOST_TEST(
      has_problem(parse_bad({{"or", leaf("eq", "fields.note", "x")}}), "BAD_CONDITION", "/c/or"));
  BOOST_TEST(has_problem(parse_bad({{"in", {{"field", "fields.note"}, {"values", json::array()}}}}),
                         "BAD_CONDITION", "/c/in/values"));
  BOOST_TEST(has_problem(parse_bad({{"eq", "fields.note"}}), "BAD_CONDITION", "/c/eq"));
  BOOST_TEST(
      has_problem(parse_bad({{"eq", {{"field", "fields.note"}}}}), "MISSING_KEY", "/c/eq/value"));
  BOOST_TEST(has_problem(parse_bad({{"eq", {{"value", 1}}}}), "MISSING_KEY", "/c/eq/field"));
  BOOST_TEST(has_problem(parse_bad({{"exists", {{"field", "fields.note"}, {"value", 1}}}}),
                         "UNKNOWN_KEY", "/c/exists/value"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "fields.nope", 1)), "UNKNOWN_FIELD", "/c/eq/field"));
  BOOST_TEST(has_problem(parse_bad(leaf("eq", "order.total", 1)), "UNKNOWN_FIELD", "/c/eq/field"));
  // Problems in several children are all reported.
  const auto many =
      parse_bad({{"and", {leaf("eq", "fields.nope", 1), leaf("lt", "fields.note", "x")}}});
  BOOST_TEST(has_problem(many, "UNKNOWN_FIELD", "/c/and/0/eq/field"), describe(many));
  BOOST_TEST(has_problem(many, "CONDITION_TYPE_MISMATCH", "/c/and/1/lt"), describe(many));
}

BOOST_AUTO_TEST_CASE(nesting_depth_limit) {
  auto nested = [](int levels) {
    json c = leaf("eq", "fields.confirmed", true);
    for (int i = 0; i < levels; ++i) c = json{{"not", c}};
    return c;
  };
  const auto sixteen = parse_condition_ok(nested(16));
  BOOST_TEST(redress::evaluate_condition(sixteen, view()).holds);  // even number of negations
  const auto problems = parse_bad(nested(17));
  BOOST_TEST_REQUIRE(problems.size() == 1u, describe(problems));
  BOOST_TEST(problems[0].code == "BAD_CONDITION");
  std::string pointer = "/c";
  for (int i = 0; i < 17; ++i) pointer += "/not";
  BOOST_TEST(problems[0].pointer == pointer);
  // Deep "and" chains are limited the same way.
  json deep = leaf("eq", "fields.confirmed", true);
  for (int i = 0; i < 40; ++i) deep = json{{"and", {deep}}};
  const auto deep_problems = parse_bad(deep);
  BOOST_TEST_REQUIRE(deep_problems.size() == 1u, describe(deep_problems));
  BOOST_TEST(deep_problems[0].code == "BAD_CONDITION");
}

BOOST_AUTO_TEST_CASE(builtin_operands) {
  BOOST_TEST((redress::builtin_operand("case.severity")->type == FieldType::kEnum));
  BOOST_TEST((redress::builtin_operand("order.refunded")->type == FieldType::kMoney));
  BOOST_TEST((redress::builtin_operand("compensation.pending_count")->type == FieldType::kInteger));
  BOOST_TEST((redress::builtin_operand("customer.tier")->type == FieldType::kString));
  BOOST_TEST(redress::builtin_operand("case.escalation_level")->values.size() == 4u);
  BOOST_TEST(!redress::builtin_operand("fields.anything"));
  BOOST_TEST(!redress::builtin_operand("order"));
}

BOOST_AUTO_TEST_SUITE_END()
