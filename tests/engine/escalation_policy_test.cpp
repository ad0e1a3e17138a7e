// Tests for EscalationPolicy: parsing (the shipped policy and every problem code), each trigger
// matching its own situation and not a wrong one, level arithmetic, the repeat-complainant window
// and threat keyword detection in Chinese and English.
#include "engine/escalation_policy.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

using nlohmann::json;
using redress::EscalationOutcome;
using redress::EscalationPolicy;
using redress::EscalationSituation;
using redress::EscalationTrigger;
using redress::Instant;
using redress::Problems;
using redress::Role;
using redress::ThreatSignal;

using redress::testing::describe;
using redress::testing::has_problem;
using redress::testing::load_shipped;

// One rule per trigger type, each with values, so that wrong values can be tried.
json base_escalation_policy() {
  return json::parse(R"({
    "kind": "escalation_policy", "id": "test", "title": "Test", "description": "for tests",
    "signals": {
      "regulator": ["12315", "消协", "regulator"],
      "media": ["曝光", "媒体", "journalist", "go viral"],
      "lawyer": ["律师", "lawyer", "sue"]
    },
    "rules": [
      {"id": "resolution_breach", "trigger": {"type": "sla_breach", "clock": "resolution"},
       "effect": {"raise_to": "supervisor", "priority": "urgent", "reassign_to_role": "supervisor"},
       "reason": {"en": "Resolution overdue", "zh": "解决已超时"}},
      {"id": "any_warning", "trigger": {"type": "sla_warning"}, "effect": {"raise_by": 1}},
      {"id": "promise", "trigger": {"type": "promise_breach"},
       "effect": {"raise_by": 1, "priority": "high"}},
      {"id": "critical", "trigger": {"type": "severity_at_creation", "severities": ["critical"]},
       "effect": {"raise_to": "supervisor"}},
      {"id": "vip", "trigger": {"type": "customer_segment", "segments": ["vip", "champions"]},
       "effect": {"raise_to": "team_lead"}},
      {"id": "diamond", "trigger": {"type": "customer_tier", "tiers": ["diamond"]},
       "effect": {"team": "vip_care"}},
      {"id": "repeat", "trigger": {"type": "repeat_complainant", "cases": 3, "within_days": 30},
       "effect": {"raise_to": "team_lead"}},
      {"id": "threat", "trigger": {"type": "threat_signal", "signals": ["regulator", "lawyer"]},
       "effect": {"raise_to": "supervisor", "priority": "urgent"}},
      {"id": "over_authority", "trigger": {"type": "compensation_above_authority"},
       "effect": {"raise_by": 3}}
    ]
  })");
}

EscalationPolicy parse_escalation_ok(const json& definition) {
  Problems problems;
  auto policy = EscalationPolicy::parse(definition, "", problems);
  BOOST_REQUIRE_MESSAGE(policy.has_value(),
                        "expected a valid policy; problems:" << describe(problems));
  BOOST_REQUIRE_MESSAGE(problems.empty(), "unexpected problems:" << describe(problems));
  return std::move(*policy);
}

Problems expect_escalation_problem(const json& definition, const std::string& code,
                                   const std::string& pointer, const std::string& prefix = "") {
  Problems problems;
  const auto policy = EscalationPolicy::parse(definition, prefix, problems);
  BOOST_CHECK_MESSAGE(!policy.has_value(), "a broken definition must not parse");
  BOOST_CHECK_MESSAGE(has_problem(problems, code, pointer),
                      "expected " << code << " at '" << pointer << "'; got:" << describe(problems));
  return problems;
}

Instant at(const char* rfc3339_utc) {
  // Tiny parser for "YYYY-MM-DDTHH:MM:SSZ" so the test does not depend on time.cpp.
  int y, mo, d, h, mi, s;
  BOOST_REQUIRE(std::sscanf(rfc3339_utc, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s) == 6);
  const auto day =
      std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(mo) / std::chrono::day(d));
  return Instant(day) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s);
}

EscalationSituation situation(EscalationTrigger trigger, int current_level = 0) {
  EscalationSituation s;
  s.trigger = trigger;
  s.now = at("2026-11-22T09:30:00Z");
  s.current_level = current_level;
  return s;
}

std::vector<std::string> rule_ids(const std::vector<EscalationOutcome>& outcomes) {
  std::vector<std::string> ids;
  for (const auto& o : outcomes) ids.push_back(o.rule_id);
  return ids;
}

using Ids = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(escalation_policy)

// ---- the shipped policy ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(shipped_policy_is_valid) {
  const auto policy = parse_escalation_ok(load_shipped("escalation.json"));
  auto s = situation(EscalationTrigger::kSlaBreach);
  s.sla_clock = "resolution";
  const auto out = policy.evaluate(s);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].rule_id == "resolution_breach");
  BOOST_TEST(out[0].new_level == 1);  // one level per breach (limits)
  BOOST_TEST(out[0].priority.value_or("") == "urgent");
  BOOST_TEST(!out[0].reassign_to_role.has_value());
}

BOOST_AUTO_TEST_CASE(shipped_policy_detects_threats) {
  const auto policy = parse_escalation_ok(load_shipped("escalation.json"));
  auto found = policy.detect_threats("我要打12315投诉你们");
  BOOST_REQUIRE_EQUAL(found.size(), 1u);
  BOOST_TEST(found[0].kind == "regulator");
  BOOST_TEST(found[0].keyword == "12315");

  found = policy.detect_threats("再不处理我就找媒体曝光");
  BOOST_REQUIRE_EQUAL(found.size(), 2u);
  BOOST_TEST(found[0].kind == "media");
  BOOST_TEST(found[0].keyword == "曝光");  // policy order, not message order
  BOOST_TEST(found[1].keyword == "媒体");

  found = policy.detect_threats("I will contact my lawyer");
  BOOST_REQUIRE_EQUAL(found.size(), 1u);
  BOOST_TEST(found[0].kind == "lawyer");
  BOOST_TEST(found[0].keyword == "lawyer");

  found = policy.detect_threats("I'll SUE you");
  BOOST_REQUIRE_EQUAL(found.size(), 1u);
  BOOST_TEST(found[0].keyword == "sue");

  BOOST_TEST(policy.detect_threats("this is an issue").empty());
  BOOST_TEST(policy.detect_threats("we will pursue a replacement").empty());
  BOOST_TEST(policy.detect_threats("").empty());
  BOOST_TEST(policy.detect_threats("谢谢, 东西很好").empty());

  // The shipped threat rule turns a detection into an urgent supervisor escalation.
  auto s = situation(EscalationTrigger::kThreatSignal);
  s.signals = policy.detect_threats("我要打12315投诉你们");
  const auto out = policy.evaluate(s);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].new_level == 2);
  BOOST_TEST(out[0].reason.find("customer mentioned regulator (\"12315\")") != std::string::npos,
             out[0].reason);
}

// ---- parse problems ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(base_definition_is_valid) {
  parse_escalation_ok(base_escalation_policy());
}

BOOST_AUTO_TEST_CASE(unknown_keys) {
  auto d = base_escalation_policy();
  d["colour"] = "red";
  d["rules"][0]["when"] = "now";
  d["rules"][4]["trigger"]["clock"] = "resolution";  // not a key of customer_segment
  d["rules"][1]["effect"]["raise"] = 1;
  const auto problems = expect_escalation_problem(d, "UNKNOWN_KEY", "/esc/colour", "/esc");
  BOOST_TEST(has_problem(problems, "UNKNOWN_KEY", "/esc/rules/0/when"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_KEY", "/esc/rules/4/trigger/clock"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_KEY", "/esc/rules/1/effect/raise"));
  BOOST_TEST(problems.size() == 4u, describe(problems));
}

BOOST_AUTO_TEST_CASE(missing_keys) {
  auto d = base_escalation_policy();
  d.erase("rules");
  expect_escalation_problem(d, "MISSING_KEY", "/rules");

  d = base_escalation_policy();
  d["rules"][0].erase("trigger");
  expect_escalation_problem(d, "MISSING_KEY", "/rules/0/trigger");

  d = base_escalation_policy();
  d["rules"][0].erase("effect");
  expect_escalation_problem(d, "MISSING_KEY", "/rules/0/effect");

  d = base_escalation_policy();
  d["rules"][0].erase("id");
  expect_escalation_problem(d, "MISSING_KEY", "/rules/0/id");

  d = base_escalation_policy();
  d["rules"][2]["trigger"].erase("type");
  expect_escalation_problem(d, "MISSING_KEY", "/rules/2/trigger/type");

  d = base_escalation_policy();
  d["rules"][6]["trigger"].erase("cases");
  expect_escalation_problem(d, "MISSING_KEY", "/rules/6/trigger/cases");
}

BOOST_AUTO_TEST_CASE(bad_types) {
  auto d = base_escalation_policy();
  d["rules"] = json::object();
  expect_escalation_problem(d, "BAD_TYPE", "/rules");

  d = base_escalation_policy();
  d["signals"]["media"] = "曝光";
  expect_escalation_problem(d, "BAD_TYPE", "/signals/media");

  d = base_escalation_policy();
  d["signals"]["lawyer"][1] = 7;
  expect_escalation_problem(d, "BAD_TYPE", "/signals/lawyer/1");

  d = base_escalation_policy();
  d["rules"][1]["effect"]["raise_by"] = "1";
  expect_escalation_problem(d, "BAD_TYPE", "/rules/1/effect/raise_by");

  d = base_escalation_policy();
  d["rules"][6]["trigger"]["within_days"] = 7.5;
  expect_escalation_problem(d, "BAD_TYPE", "/rules/6/trigger/within_days");

  d = base_escalation_policy();
  d["rules"][4]["trigger"]["segments"] = "vip";
  expect_escalation_problem(d, "BAD_TYPE", "/rules/4/trigger/segments");

  d = base_escalation_policy();
  d["rules"][0]["reason"] = json::array();
  expect_escalation_problem(d, "BAD_TYPE", "/rules/0/reason");
}

// A rule's reason is a label like a workflow title: words per language, of which the English
// lead the outcome's reason; a plain string is English only and warns that Chinese is missing.
BOOST_AUTO_TEST_CASE(rule_reasons_are_labels) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  const auto reasons = policy.rule_reasons();
  BOOST_TEST_REQUIRE(reasons.size() == 1u);  // only the rules that give one
  BOOST_TEST(reasons.at("resolution_breach").in("zh") == "解决已超时");
  BOOST_TEST(reasons.at("resolution_breach").english() == "Resolution overdue");

  auto english_only = base_escalation_policy();
  english_only["rules"][0]["reason"] = "Resolution overdue";
  Problems problems;
  const auto parsed = EscalationPolicy::parse(english_only, "", problems);
  BOOST_TEST_REQUIRE(parsed.has_value(), describe(problems));  // a warning does not stop loading
  BOOST_TEST(has_problem(problems, "MISSING_LANGUAGE", "/rules/0/reason"), describe(problems));
  auto s = situation(EscalationTrigger::kSlaBreach);
  s.sla_clock = "resolution";
  BOOST_TEST(parsed->evaluate(s).at(0).reason == "Resolution overdue: SLA 'resolution' breached");

  auto unknown_language = base_escalation_policy();
  unknown_language["rules"][0]["reason"] = {{"en", "Resolution overdue"}, {"cn", "解决已超时"}};
  expect_escalation_problem(unknown_language, "UNKNOWN_LANGUAGE", "/rules/0/reason/cn");
  auto blank = base_escalation_policy();
  blank["rules"][0]["reason"] = {{"en", "  "}, {"zh", "解决已超时"}};
  expect_escalation_problem(blank, "BAD_VALUE", "/rules/0/reason");
}

BOOST_AUTO_TEST_CASE(unknown_trigger) {
  auto d = base_escalation_policy();
  d["rules"][2]["trigger"]["type"] = "full_moon";
  const auto problems = expect_escalation_problem(d, "UNKNOWN_TRIGGER", "/rules/2/trigger/type");
  BOOST_TEST(problems.size() == 1u, describe(problems));
  BOOST_TEST(problems[0].message.find("repeat_complainant") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_roles) {
  auto d = base_escalation_policy();
  d["rules"][3]["effect"]["raise_to"] = "admin";  // off the ladder
  expect_escalation_problem(d, "UNKNOWN_ROLE", "/rules/3/effect/raise_to");

  d = base_escalation_policy();
  d["rules"][0]["effect"]["reassign_to_role"] = "boss";
  expect_escalation_problem(d, "UNKNOWN_ROLE", "/rules/0/effect/reassign_to_role");
}

BOOST_AUTO_TEST_CASE(unknown_signal) {
  auto d = base_escalation_policy();
  d["rules"][7]["trigger"]["signals"] = json::array({"lawyer", "media", "weather"});
  const auto problems =
      expect_escalation_problem(d, "UNKNOWN_SIGNAL", "/rules/7/trigger/signals/2");
  BOOST_TEST(problems.size() == 1u, describe(problems));

  // Without a "signals" section no kind is defined.
  d = base_escalation_policy();
  d.erase("signals");
  expect_escalation_problem(d, "UNKNOWN_SIGNAL", "/rules/7/trigger/signals/0");
}

BOOST_AUTO_TEST_CASE(bad_durations) {
  auto d = base_escalation_policy();
  d["rules"][6]["trigger"]["within_days"] = 0;
  expect_escalation_problem(d, "BAD_DURATION", "/rules/6/trigger/within_days");
  d["rules"][6]["trigger"]["within_days"] = 3651;
  expect_escalation_problem(d, "BAD_DURATION", "/rules/6/trigger/within_days");
  d["rules"][6]["trigger"]["within_days"] = 3650;
  parse_escalation_ok(d);
  d["rules"][6]["trigger"]["within_days"] = 1;
  parse_escalation_ok(d);
}

BOOST_AUTO_TEST_CASE(bad_values) {
  auto d = base_escalation_policy();
  d["rules"][6]["trigger"]["cases"] = 1;
  expect_escalation_problem(d, "BAD_VALUE", "/rules/6/trigger/cases");
  d["rules"][6]["trigger"]["cases"] = 2;
  parse_escalation_ok(d);

  d = base_escalation_policy();
  d["rules"][0]["trigger"]["clock"] = "lunch";
  expect_escalation_problem(d, "BAD_VALUE", "/rules/0/trigger/clock");

  d = base_escalation_policy();
  d["rules"][1]["effect"] = json::object();
  expect_escalation_problem(d, "BAD_VALUE", "/rules/1/effect");

  d = base_escalation_policy();
  d["rules"][3]["effect"]["raise_by"] = 1;  // beside raise_to
  expect_escalation_problem(d, "BAD_VALUE", "/rules/3/effect/raise_by");

  d = base_escalation_policy();
  d["rules"][1]["effect"]["raise_by"] = 0;
  expect_escalation_problem(d, "BAD_VALUE", "/rules/1/effect/raise_by");

  d = base_escalation_policy();
  d["rules"][2]["effect"]["priority"] = "asap";
  expect_escalation_problem(d, "BAD_VALUE", "/rules/2/effect/priority");

  d = base_escalation_policy();
  d["rules"][5]["effect"]["team"] = "VIP Care";
  expect_escalation_problem(d, "BAD_VALUE", "/rules/5/effect/team");

  d = base_escalation_policy();
  d["rules"][3]["trigger"]["severities"] = json::array({"urgent"});
  expect_escalation_problem(d, "BAD_VALUE", "/rules/3/trigger/severities/0");

  d = base_escalation_policy();
  d["rules"][4]["trigger"]["segments"] = json::array();
  expect_escalation_problem(d, "BAD_VALUE", "/rules/4/trigger/segments");

  d = base_escalation_policy();
  d["signals"]["media"][0] = " ";
  expect_escalation_problem(d, "BAD_VALUE", "/signals/media/0");
}

BOOST_AUTO_TEST_CASE(bad_and_duplicate_names) {
  auto d = base_escalation_policy();
  d["rules"][2]["id"] = "Promise Breach";
  expect_escalation_problem(d, "BAD_NAME", "/rules/2/id");

  d = base_escalation_policy();
  d["rules"][8]["id"] = "vip";
  const auto problems = expect_escalation_problem(d, "DUPLICATE_NAME", "/rules/8/id");
  BOOST_TEST(problems.size() == 1u, describe(problems));
  BOOST_TEST(problems[0].message.find("/rules/4") != std::string::npos, problems[0].message);
}

BOOST_AUTO_TEST_CASE(duplicate_keyword_is_only_a_warning) {
  auto d = base_escalation_policy();
  d["signals"]["lawyer"].push_back("sue");
  Problems problems;
  const auto policy = EscalationPolicy::parse(d, "", problems);
  BOOST_TEST(policy.has_value());
  BOOST_REQUIRE_EQUAL(problems.size(), 1u);
  BOOST_TEST(problems[0].code == "DUPLICATE_NAME");
  BOOST_TEST(problems[0].pointer == "/signals/lawyer/3");
  BOOST_TEST((problems[0].severity == redress::Severity::kWarning));
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_at_once) {
  auto d = base_escalation_policy();
  d["rules"][0]["trigger"]["clock"] = "lunch";
  d["rules"][3]["effect"]["raise_to"] = "admin";
  d["rules"][7]["trigger"]["signals"][0] = "weather";
  d["rules"][8]["id"] = "vip";
  Problems problems;
  BOOST_TEST(!EscalationPolicy::parse(d, "", problems).has_value());
  BOOST_TEST(has_problem(problems, "BAD_VALUE", "/rules/0/trigger/clock"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_ROLE", "/rules/3/effect/raise_to"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_SIGNAL", "/rules/7/trigger/signals/0"));
  BOOST_TEST(has_problem(problems, "DUPLICATE_NAME", "/rules/8/id"));
  BOOST_TEST(problems.size() == 4u, describe(problems));
}

BOOST_AUTO_TEST_CASE(non_object_definition_is_bad_type) {
  Problems problems;
  BOOST_TEST(!EscalationPolicy::parse(json("escalate"), "/x", problems).has_value());
  BOOST_TEST(has_problem(problems, "BAD_TYPE", "/x"));
}

// ---- evaluate: each trigger --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sla_breach_matches_its_clock_only) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kSlaBreach);
  s.sla_clock = "resolution";
  auto out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == Ids{"resolution_breach"});
  BOOST_TEST(out[0].reason == "Resolution overdue: SLA 'resolution' breached");
  BOOST_TEST(out[0].reassign_to_role.value_or(Role::kAgent) == Role::kSupervisor);

  s.sla_clock = "first_response";
  BOOST_TEST(policy.evaluate(s).empty());

  // A warning is not a breach, and vice versa.
  s.trigger = EscalationTrigger::kSlaWarning;
  s.sla_clock = "resolution";
  out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == Ids{"any_warning"});  // no clock in the rule: any clock
  BOOST_TEST(out[0].reason == "SLA 'resolution' reached its warning point");
  s.sla_clock = "stage";
  BOOST_TEST(rule_ids(policy.evaluate(s)) == Ids{"any_warning"});
}

BOOST_AUTO_TEST_CASE(severity_at_creation) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kSeverityAtCreation);
  s.severity = "critical";
  const auto out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == Ids{"critical"});
  BOOST_TEST(out[0].new_level == 2);
  BOOST_TEST(out[0].reason == "case opened with severity 'critical'");
  s.severity = "high";
  BOOST_TEST(policy.evaluate(s).empty());
}

BOOST_AUTO_TEST_CASE(customer_segment) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kCustomerSegment);
  s.segment = "vip";
  const auto out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == Ids{"vip"});
  BOOST_TEST(out[0].new_level == 1);
  BOOST_TEST(out[0].reason == "customer segment 'vip'");
  s.segment = "champions";
  BOOST_TEST(rule_ids(policy.evaluate(s)) == Ids{"vip"});
  s.segment = "regular";
  BOOST_TEST(policy.evaluate(s).empty());
  // The segment is not the tier.
  s.trigger = EscalationTrigger::kCustomerTier;
  s.segment = "vip";
  s.tier = "gold";
  BOOST_TEST(policy.evaluate(s).empty());
}

BOOST_AUTO_TEST_CASE(customer_tier) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kCustomerTier, 1);
  s.tier = "diamond";
  const auto out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == Ids{"diamond"});
  BOOST_TEST(out[0].new_level == 1);  // team only: level unchanged, still reported
  BOOST_TEST(out[0].team.value_or("") == "vip_care");
  BOOST_TEST(!out[0].priority.has_value());
  BOOST_TEST(out[0].reason == "customer tier 'diamond'");
  s.tier = "gold";
  BOOST_TEST(policy.evaluate(s).empty());
}

BOOST_AUTO_TEST_CASE(promise_breach_and_compensation_above_authority) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto out = policy.evaluate(situation(EscalationTrigger::kPromiseBreach));
  BOOST_TEST(rule_ids(out) == Ids{"promise"});
  BOOST_TEST(out[0].new_level == 1);
  BOOST_TEST(out[0].priority.value_or("") == "high");
  out = policy.evaluate(situation(EscalationTrigger::kCompensationAboveAuthority));
  BOOST_TEST(rule_ids(out) == Ids{"over_authority"});
}

BOOST_AUTO_TEST_CASE(threat_signal_matches_listed_kinds_only) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kThreatSignal);
  s.signals = {ThreatSignal{"regulator", "12315"}};
  auto out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == Ids{"threat"});
  BOOST_TEST(out[0].reason == "customer mentioned regulator (\"12315\")");
  BOOST_TEST(out[0].priority.value_or("") == "urgent");

  // media is defined but not listed by the rule.
  s.signals = {ThreatSignal{"media", "曝光"}};
  BOOST_TEST(policy.evaluate(s).empty());

  // Nothing detected: nothing to escalate.
  s.signals.clear();
  BOOST_TEST(policy.evaluate(s).empty());

  // Only the listed kinds are named, grouped by kind.
  s.signals = {{"lawyer", "律师"}, {"media", "曝光"}, {"lawyer", "sue"}, {"regulator", "消协"}};
  out = policy.evaluate(s);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].reason ==
             "customer mentioned lawyer (\"律师\", \"sue\"), regulator (\"消协\")");
}

BOOST_AUTO_TEST_CASE(repeat_complainant_window_edges) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kRepeatComplainant);
  const auto day = std::chrono::hours(24);
  const auto ms = std::chrono::milliseconds(1);
  // Exactly 3 in the window (the oldest 1 ms inside it, the newest right now): match.
  s.customer_cases_opened_at = {s.now - 30 * day + ms, s.now - 2 * day, s.now};
  auto out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == Ids{"repeat"});
  BOOST_TEST(out[0].reason == "3 cases in 30 days");
  BOOST_TEST(out[0].new_level == 1);

  // The oldest exactly 30 days ago has left the window: 2 of 3, no match.
  s.customer_cases_opened_at = {s.now - 30 * day, s.now - 2 * day, s.now};
  BOOST_TEST(policy.evaluate(s).empty());

  // N - 1 cases: no match.
  s.customer_cases_opened_at = {s.now - 2 * day, s.now};
  BOOST_TEST(policy.evaluate(s).empty());

  // A case stamped after now does not count.
  s.customer_cases_opened_at = {s.now - 2 * day, s.now, s.now + ms};
  BOOST_TEST(policy.evaluate(s).empty());

  // More than N is a match too, and the reason gives the actual count.
  s.customer_cases_opened_at = {s.now - 3 * day, s.now - 2 * day, s.now - day, s.now};
  out = policy.evaluate(s);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].reason == "4 cases in 30 days");
}

BOOST_AUTO_TEST_CASE(a_trigger_never_matches_another_type) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  // A situation that carries every trigger's values at once: switching only its type selects
  // exactly that type's rule, so no rule fires for another trigger's situation.
  auto s = situation(EscalationTrigger::kSlaBreach);
  s.sla_clock = "resolution";
  s.severity = "critical";
  s.segment = "vip";
  s.tier = "diamond";
  s.signals = {{"regulator", "12315"}};
  s.customer_cases_opened_at = {s.now, s.now, s.now};
  const std::vector<std::pair<EscalationTrigger, std::string>> expected{
      {EscalationTrigger::kSlaBreach, "resolution_breach"},
      {EscalationTrigger::kSlaWarning, "any_warning"},
      {EscalationTrigger::kPromiseBreach, "promise"},
      {EscalationTrigger::kSeverityAtCreation, "critical"},
      {EscalationTrigger::kCustomerSegment, "vip"},
      {EscalationTrigger::kCustomerTier, "diamond"},
      {EscalationTrigger::kRepeatComplainant, "repeat"},
      {EscalationTrigger::kThreatSignal, "threat"},
      {EscalationTrigger::kCompensationAboveAuthority, "over_authority"},
  };
  for (const auto& [trigger, id] : expected) {
    s.trigger = trigger;
    BOOST_TEST(rule_ids(policy.evaluate(s)) == Ids{id}, redress::escalation_trigger_name(trigger));
  }
}

// ---- evaluate: levels and order ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(raise_to_never_lowers) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kCustomerSegment, 3);  // already with a manager
  s.segment = "vip";
  auto out = policy.evaluate(s);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].new_level == 3);
  s.current_level = 1;  // equal: unchanged
  BOOST_TEST(policy.evaluate(s)[0].new_level == 1);
  s.current_level = 0;
  BOOST_TEST(policy.evaluate(s)[0].new_level == 1);
}

BOOST_AUTO_TEST_CASE(raise_by_is_capped_at_manager) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  auto s = situation(EscalationTrigger::kPromiseBreach, 2);
  BOOST_TEST(policy.evaluate(s)[0].new_level == 3);
  s.current_level = 3;
  BOOST_TEST(policy.evaluate(s)[0].new_level == 3);
  s = situation(EscalationTrigger::kCompensationAboveAuthority, 1);  // raise_by 3
  BOOST_TEST(policy.evaluate(s)[0].new_level == 3);
  s.current_level = 0;
  BOOST_TEST(policy.evaluate(s)[0].new_level == 3);
}

BOOST_AUTO_TEST_CASE(every_matching_rule_in_policy_order) {
  auto d = base_escalation_policy();
  d["rules"].push_back(json::parse(
      R"({"id": "late_resolution_team", "trigger": {"type": "sla_breach"},
          "effect": {"team": "escalations"}})"));
  d["rules"].insert(d["rules"].begin(),
                    json::parse(R"({"id": "any_breach", "trigger": {"type": "sla_breach"},
                                    "effect": {"raise_by": 1}})"));
  const auto policy = parse_escalation_ok(d);
  auto s = situation(EscalationTrigger::kSlaBreach);
  s.sla_clock = "resolution";
  const auto out = policy.evaluate(s);
  BOOST_TEST(rule_ids(out) == (Ids{"any_breach", "resolution_breach", "late_resolution_team"}));
  BOOST_TEST(out[0].new_level == 1);
  BOOST_TEST(out[1].new_level == 2);
  BOOST_TEST(out[2].new_level == 0);  // a team-only rule does not raise the level
  BOOST_TEST(out[2].reason == "SLA 'resolution' breached");
}

// ---- threat detection --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(ascii_keywords_match_whole_words_ignoring_case) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  const auto kinds = [&](std::string_view message) {
    std::vector<std::string> out;
    for (const auto& t : policy.detect_threats(message)) out.push_back(t.kind + ":" + t.keyword);
    return out;
  };
  BOOST_TEST(kinds("I'll SUE you") == Ids{"lawyer:sue"});
  BOOST_TEST(kinds("Sue.") == Ids{"lawyer:sue"});
  BOOST_TEST(kinds("(sue)") == Ids{"lawyer:sue"});
  BOOST_TEST(kinds("我要sue你们") == Ids{"lawyer:sue"});  // Chinese characters are boundaries
  BOOST_TEST(kinds("this is an issue").empty());
  BOOST_TEST(kinds("pursue").empty());
  BOOST_TEST(kinds("suede shoes").empty());
  BOOST_TEST(kinds("sue2").empty());
  BOOST_TEST(kinds("A Journalist friend") == Ids{"media:journalist"});
  BOOST_TEST(kinds("this will GO VIRAL") == Ids{"media:go viral"});
  BOOST_TEST(kinds("go  viral").empty());  // spacing must match
  // Digits are word characters: an order number containing 12315 is not the hotline.
  BOOST_TEST(kinds("order 9123150").empty());
  BOOST_TEST(kinds("call 12315!") == Ids{"regulator:12315"});
}

BOOST_AUTO_TEST_CASE(each_signal_reported_once_in_policy_order) {
  const auto policy = parse_escalation_ok(base_escalation_policy());
  const auto found =
      policy.detect_threats("sue sue SUE! 媒体 and 曝光, 律师 says the regulator, 消协 and 12315");
  std::vector<std::string> got;
  for (const auto& t : found) got.push_back(t.kind + ":" + t.keyword);
  // Kinds in the order the parsed "signals" object yields them (nlohmann::json sorts keys),
  // keywords in array order.
  BOOST_TEST(got == (Ids{"lawyer:律师", "lawyer:sue", "media:曝光", "media:媒体", "regulator:12315",
                         "regulator:消协", "regulator:regulator"}));
}

BOOST_AUTO_TEST_CASE(limits_are_validated) {
  auto d = base_escalation_policy();
  d["limits"] = {{"sla_warning_raises", "no"},
                 {"sla_breach_max_raise", 0},
                 {"level_cap_by_severity", {{"low", "boss"}, {"urgent", "manager"}}},
                 {"cap", 1}};
  const auto problems = expect_escalation_problem(d, "BAD_TYPE", "/limits/sla_warning_raises");
  BOOST_TEST(has_problem(problems, "BAD_VALUE", "/limits/sla_breach_max_raise"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_ROLE", "/limits/level_cap_by_severity/low"));
  BOOST_TEST(has_problem(problems, "BAD_VALUE", "/limits/level_cap_by_severity/urgent"));
  // Every severity needs its cap, or it would escape it silently.
  BOOST_TEST(has_problem(problems, "MISSING_KEY", "/limits/level_cap_by_severity/normal"));
  BOOST_TEST(has_problem(problems, "UNKNOWN_KEY", "/limits/cap"));

  // A warning that notifies only cannot also raise (the base's any_warning raises by one).
  auto contradiction = base_escalation_policy();
  contradiction["limits"] = {{"sla_warning_raises", false}};
  expect_escalation_problem(contradiction, "BAD_VALUE", "/rules/1/effect");

  auto bypass = base_escalation_policy();
  bypass["rules"][2]["effect"] = {{"priority", "high"}, {"bypass_cap", true}};
  expect_escalation_problem(bypass, "BAD_VALUE", "/rules/2/effect/bypass_cap");
  bypass["rules"][2]["effect"] = {{"raise_by", 1}, {"bypass_cap", 1}};
  expect_escalation_problem(bypass, "BAD_TYPE", "/rules/2/effect/bypass_cap");
}

BOOST_AUTO_TEST_CASE(limits_cap_breaches_by_severity_and_bypass_rules_pass) {
  auto d = base_escalation_policy();
  d["limits"] = {{"sla_breach_max_raise", 1},
                 {"level_cap_by_severity",
                  {{"low", "team_lead"},
                   {"normal", "team_lead"},
                   {"high", "supervisor"},
                   {"critical", "manager"}}}};
  d["rules"][7]["effect"]["bypass_cap"] = true;  // threat
  const auto policy = parse_escalation_ok(d);
  // resolution_breach raises to supervisor: one level per breach, then the severity's cap.
  auto s = situation(EscalationTrigger::kSlaBreach);
  s.sla_clock = "resolution";
  s.severity = "critical";
  BOOST_TEST(policy.evaluate(s).at(0).new_level == 1);
  s.current_level = 1;
  BOOST_TEST(policy.evaluate(s).at(0).new_level == 2);
  s.severity = "low";
  BOOST_TEST(policy.evaluate(s).at(0).new_level == 1);  // held at team lead
  s.current_level = 2;
  BOOST_TEST(policy.evaluate(s).at(0).new_level == 2);  // never lowered by the cap
  // A promise breach (no bypass) is capped too; a threat bypasses it.
  auto promise = situation(EscalationTrigger::kPromiseBreach, 1);
  promise.severity = "normal";
  BOOST_TEST(policy.evaluate(promise).at(0).new_level == 1);
  auto threat = situation(EscalationTrigger::kThreatSignal);
  threat.severity = "low";
  threat.signals = {{"regulator", "12315"}};
  BOOST_TEST(policy.evaluate(threat).at(0).new_level == 2);
}

BOOST_AUTO_TEST_CASE(priority_ranks) {
  BOOST_TEST(EscalationPolicy::priority_rank("low") == 0);
  BOOST_TEST(EscalationPolicy::priority_rank("normal") == 1);
  BOOST_TEST(EscalationPolicy::priority_rank("high") == 2);
  BOOST_TEST(EscalationPolicy::priority_rank("urgent") == 3);
  BOOST_TEST(EscalationPolicy::priority_rank("asap") == -1);
  BOOST_TEST(EscalationPolicy::priority_rank("") == -1);
  BOOST_TEST(EscalationPolicy::priority_rank("URGENT") == -1);
}

BOOST_AUTO_TEST_CASE(trigger_names) {
  BOOST_TEST(std::string(redress::escalation_trigger_name(EscalationTrigger::kSlaBreach)) ==
             "sla_breach");
  BOOST_TEST(std::string(redress::escalation_trigger_name(
                 EscalationTrigger::kCompensationAboveAuthority)) ==
             "compensation_above_authority");
}

BOOST_AUTO_TEST_SUITE_END()
