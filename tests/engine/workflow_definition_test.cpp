// Tests for WorkflowDefinition and WorkflowCatalog loading: a small valid workflow built here,
// then one mutation per validation code (checking code, JSON pointer and file), several problems
// reported together, no half-loading, the shipped files, file errors and versioning.
#include "engine/json_text.h"
#include "engine/workflow_catalog.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

using nlohmann::json;
using redress::CatalogLoad;
using redress::DefinitionSource;
using redress::Problems;
using redress::WorkflowCatalog;
using redress::testing::describe;

const char* const kWorkflowFile = "mini.json";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The shipped shared policies, as definition sources.
std::vector<DefinitionSource> policy_sources() {
  std::vector<DefinitionSource> out;
  for (const char* name : {"calendars.json", "sla.json", "escalation.json", "compensation.json"}) {
    const std::string path = std::string(REDRESS_SOURCE_DIR) + "/workflows/" + name;
    out.push_back({name, read_text(path)});
  }
  return out;
}

// A small workflow that exercises most of the format and loads without problems.
json valid_workflow() {
  return json::parse(R"({
    "kind": "workflow", "id": "mini", "version": 1, "title": {"en": "Mini", "zh": "迷你"},
    "initial_state": "open",
    "policies": {"calendar": "cn_office", "sla": "default", "escalation": "default",
                 "compensation": "default"},
    "fields": [
      {"name": "summary", "type": "text", "max_length": 4000},
      {"name": "category", "type": "enum", "values": ["quality", "delivery"]},
      {"name": "confirmed", "type": "bool"},
      {"name": "amount", "type": "money"},
      {"name": "due", "type": "datetime"},
      {"name": "note", "type": "string"}
    ],
    "create": {"roles": ["agent", "integration"], "requires": ["summary"], "accepts": ["category"]},
    "states": [
      {"name": "open", "stage": "confirm", "sla": {"default": "4h business"}, "timers": ["reminder"]},
      {"name": "working", "stage": "analyse"},
      {"name": "closed", "stage": "closed", "final": true, "resolves": true}
    ],
    "transitions": [
      {"name": "start", "from": "open", "to": "working", "roles": ["agent"],
       "requires": ["confirmed"], "accepts": ["note", "due"],
       "conditions": [{"eq": {"field": "fields.confirmed", "value": true}}],
       "actions": [{"set": {"field": "note", "value": "started"}},
                   {"record_promise": {"due_field": "due", "text_field": "note"}}]},
      {"name": "close", "from": ["working"], "to": "closed", "roles": ["agent", "team_lead"],
       "actions": [{"cancel_timer": "reminder"}, {"emit": "case.closed"}]},
      {"name": "auto_close", "from": "*", "to": "closed", "roles": ["system"]}
    ],
    "timers": [
      {"name": "reminder", "after": "1d business", "transition": "auto_close",
       "emit": "case.reminder_due"}
    ]
  })");
}

CatalogLoad load_workflows(const std::vector<DefinitionSource>& workflows) {
  auto sources = policy_sources();
  sources.insert(sources.end(), workflows.begin(), workflows.end());
  return WorkflowCatalog::load(sources);
}

CatalogLoad load_workflow(const json& workflow) {
  return load_workflows({{kWorkflowFile, workflow.dump()}});
}

bool has_workflow_problem(const Problems& problems, const std::string& code,
                          const std::string& pointer, const std::string& file = kWorkflowFile) {
  return std::any_of(problems.begin(), problems.end(), [&](const redress::ValidationProblem& p) {
    return p.code == code && p.pointer == pointer && p.file == file;
  });
}

// Loads `workflow`, expects it rejected with `code` at `pointer` in the workflow file.
void expect_rejected(const json& workflow, const std::string& code, const std::string& pointer) {
  const auto load = load_workflow(workflow);
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_workflow_problem(load.problems, code, pointer),
             "expected " << code << " at " << pointer << "; got:" << describe(load.problems));
}

json& at(json& j, const std::string& pointer) {
  return j[json::json_pointer(pointer)];
}

void erase(json& j, const std::string& pointer) {
  const json::json_pointer ptr(pointer);
  j[ptr.parent_pointer()].erase(ptr.back());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workflow_definition)

BOOST_AUTO_TEST_CASE(valid_workflow_loads_with_every_part_read) {
  const auto load = load_workflow(valid_workflow());
  BOOST_TEST_REQUIRE(load.problems.empty(), describe(load.problems));
  BOOST_TEST_REQUIRE(load.catalog);
  const auto wf = load.catalog->find("mini", 1);
  BOOST_TEST_REQUIRE(wf);
  BOOST_TEST(wf->title.english() == "Mini");
  BOOST_TEST(wf->title.in("zh") == "迷你");
  BOOST_TEST(wf->initial_state == "open");
  BOOST_TEST(wf->policies.calendar == "cn_office");
  BOOST_TEST(wf->policies.compensation == "default");
  BOOST_TEST(wf->fields.size() == 6u);
  BOOST_TEST(wf->field("summary")->max_length == 4000);
  BOOST_TEST(wf->states.size() == 3u);
  BOOST_TEST(wf->state("closed")->final);
  BOOST_TEST(wf->state("closed")->resolves);
  BOOST_TEST(wf->state("open")->sla.count("default") == 1u);
  BOOST_TEST(wf->state("open")->timers == std::vector<std::string>{"reminder"});
  BOOST_TEST((wf->create.roles ==
              std::vector<redress::Role>{redress::Role::kAgent, redress::Role::kIntegration}));
  const auto* start = wf->transition("start");
  BOOST_TEST_REQUIRE(start);
  BOOST_TEST(start->from == std::vector<std::string>{"open"});
  BOOST_TEST(start->conditions.size() == 1u);
  BOOST_TEST_REQUIRE(start->actions.size() == 2u);
  BOOST_TEST((start->actions[0].kind == redress::Action::Kind::kSet));
  BOOST_TEST(start->actions[0].value == json("started"));
  BOOST_TEST((start->actions[1].kind == redress::Action::Kind::kRecordPromise));
  const auto* auto_close = wf->transition("auto_close");
  BOOST_TEST(auto_close->allowed_from("working", false));
  BOOST_TEST(!auto_close->allowed_from("closed", true));
  BOOST_TEST(auto_close->role_allowed(redress::Role::kSystem));
  BOOST_TEST(!auto_close->role_allowed(redress::Role::kAgent));
  const auto* reminder = wf->timer("reminder");
  BOOST_TEST_REQUIRE(reminder);
  BOOST_TEST(reminder->transition == "auto_close");
  BOOST_TEST(reminder->emit == "case.reminder_due");
  BOOST_TEST(wf->source == valid_workflow());
}

BOOST_AUTO_TEST_CASE(create_defaults_when_absent) {
  auto wf = valid_workflow();
  wf.erase("create");
  const auto load = load_workflow(wf);
  BOOST_TEST_REQUIRE(load.catalog, describe(load.problems));
  const auto& create = load.catalog->find("mini", 1)->create;
  BOOST_TEST(create.requires_fields.empty());
  BOOST_TEST((std::find(create.roles.begin(), create.roles.end(), redress::Role::kIntegration) !=
              create.roles.end()));
  BOOST_TEST((std::find(create.roles.begin(), create.roles.end(), redress::Role::kSystem) ==
              create.roles.end()));
}

BOOST_AUTO_TEST_CASE(missing_key) {
  auto wf = valid_workflow();
  erase(wf, "/transitions/0/to");
  expect_rejected(wf, "MISSING_KEY", "/transitions/0/to");
  wf = valid_workflow();
  wf.erase("states");
  expect_rejected(wf, "MISSING_KEY", "/states");
  wf = valid_workflow();
  wf.erase("policies");
  expect_rejected(wf, "MISSING_KEY", "/policies");
  wf = valid_workflow();
  erase(wf, "/policies/sla");
  expect_rejected(wf, "MISSING_KEY", "/policies/sla");
  wf = valid_workflow();
  erase(wf, "/transitions/1/roles");
  expect_rejected(wf, "MISSING_KEY", "/transitions/1/roles");
}

BOOST_AUTO_TEST_CASE(unknown_key) {
  auto wf = valid_workflow();
  wf["trasitions"] = json::array();
  expect_rejected(wf, "UNKNOWN_KEY", "/trasitions");
  wf = valid_workflow();
  at(wf, "/states/1/colour") = "red";
  expect_rejected(wf, "UNKNOWN_KEY", "/states/1/colour");
  wf = valid_workflow();
  at(wf, "/transitions/0/action") = json::array();
  expect_rejected(wf, "UNKNOWN_KEY", "/transitions/0/action");
  wf = valid_workflow();
  at(wf, "/fields/0/maxlength") = 3;
  expect_rejected(wf, "UNKNOWN_KEY", "/fields/0/maxlength");
  // Keys are escaped as JSON pointer tokens (RFC 6901).
  wf = valid_workflow();
  wf["states"][1]["a/b~c"] = 1;
  expect_rejected(wf, "UNKNOWN_KEY", "/states/1/a~1b~0c");
}

BOOST_AUTO_TEST_CASE(bad_type) {
  auto wf = valid_workflow();
  wf["version"] = "1";
  expect_rejected(wf, "BAD_TYPE", "/version");
  wf = valid_workflow();
  wf["states"] = json::object();
  expect_rejected(wf, "BAD_TYPE", "/states");
  wf = valid_workflow();
  at(wf, "/transitions/0/requires") = "confirmed";
  expect_rejected(wf, "BAD_TYPE", "/transitions/0/requires");
  wf = valid_workflow();
  at(wf, "/states/2/final") = "yes";
  expect_rejected(wf, "BAD_TYPE", "/states/2/final");
}

BOOST_AUTO_TEST_CASE(bad_name) {
  auto wf = valid_workflow();
  wf["fields"].push_back({{"name", "Bad-Name"}, {"type", "string"}});
  expect_rejected(wf, "BAD_NAME", "/fields/6/name");
  wf = valid_workflow();
  wf["id"] = "Mini";
  expect_rejected(wf, "BAD_NAME", "/id");
}

BOOST_AUTO_TEST_CASE(duplicate_names) {
  auto wf = valid_workflow();
  wf["states"].push_back({{"name", "working"}, {"stage", "analyse"}});
  expect_rejected(wf, "DUPLICATE_NAME", "/states/3/name");
  wf = valid_workflow();
  wf["transitions"].push_back(wf["transitions"][1]);
  expect_rejected(wf, "DUPLICATE_NAME", "/transitions/3/name");
  wf = valid_workflow();
  wf["fields"].push_back({{"name", "note"}, {"type", "text"}});
  expect_rejected(wf, "DUPLICATE_NAME", "/fields/6/name");
  wf = valid_workflow();
  wf["timers"].push_back({{"name", "reminder"}, {"after", "2h business"}, {"emit", "case.x_y"}});
  expect_rejected(wf, "DUPLICATE_NAME", "/timers/1/name");
}

BOOST_AUTO_TEST_CASE(missing_initial) {
  auto wf = valid_workflow();
  wf.erase("initial_state");
  expect_rejected(wf, "MISSING_INITIAL", "/initial_state");
}

BOOST_AUTO_TEST_CASE(unknown_state) {
  auto wf = valid_workflow();
  wf["initial_state"] = "nowhere";
  expect_rejected(wf, "UNKNOWN_STATE", "/initial_state");
  wf = valid_workflow();
  at(wf, "/transitions/0/from") = "nowhere";
  expect_rejected(wf, "UNKNOWN_STATE", "/transitions/0/from");
  wf = valid_workflow();
  at(wf, "/transitions/1/from") = json::array({"working", "nowhere"});
  expect_rejected(wf, "UNKNOWN_STATE", "/transitions/1/from/1");
  wf = valid_workflow();
  at(wf, "/transitions/0/to") = "nowhere";
  expect_rejected(wf, "UNKNOWN_STATE", "/transitions/0/to");
}

BOOST_AUTO_TEST_CASE(unreachable_state) {
  auto wf = valid_workflow();
  // Has a way out (the "*" transition) but no way in.
  wf["states"].push_back({{"name", "orphan"}, {"stage", "analyse"}});
  const auto load = load_workflow(wf);
  BOOST_TEST(!load.catalog);
  BOOST_TEST_REQUIRE(load.problems.size() == 1u, describe(load.problems));
  BOOST_TEST(load.problems[0].code == "UNREACHABLE_STATE");
  BOOST_TEST(load.problems[0].pointer == "/states/3");
  BOOST_TEST(load.problems[0].file == kWorkflowFile);
  BOOST_TEST(load.problems[0].message.find("'orphan'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(dead_end) {
  auto wf = valid_workflow();
  at(wf, "/transitions/2/from") = json::array({"working"});
  wf["states"].push_back({{"name", "stuck"}, {"stage", "analyse"}});
  wf["transitions"].push_back(
      {{"name", "park"}, {"from", "working"}, {"to", "stuck"}, {"roles", {"agent"}}});
  const auto load = load_workflow(wf);
  BOOST_TEST(!load.catalog);
  BOOST_TEST_REQUIRE(load.problems.size() == 1u, describe(load.problems));
  BOOST_TEST(has_workflow_problem(load.problems, "DEAD_END", "/states/3"));
}

BOOST_AUTO_TEST_CASE(final_state_has_exit) {
  auto wf = valid_workflow();
  wf["transitions"].push_back(
      {{"name", "reopen"}, {"from", {"closed"}}, {"to", "working"}, {"roles", {"agent"}}});
  expect_rejected(wf, "FINAL_STATE_HAS_EXIT", "/transitions/3/from/0");
}

// The one way out of a final state: a transition declared as a reopen, with a window.
json with_reopen(json reopen) {
  auto wf = valid_workflow();
  wf["fields"].push_back({{"name", "reopen_reason"}, {"type", "text"}, {"max_length", 2000}});
  wf["transitions"].push_back({{"name", "reopen"},
                               {"from", {"closed"}},
                               {"to", "working"},
                               {"roles", {"agent"}},
                               {"requires", {"reopen_reason"}},
                               {"reopen", std::move(reopen)}});
  return wf;
}

BOOST_AUTO_TEST_CASE(a_declared_reopen_leaves_a_final_state) {
  const auto load =
      load_workflow(with_reopen({{"within", "10d calendar"}, {"reason", "reopen_reason"}}));
  BOOST_REQUIRE_MESSAGE(load.catalog, describe(load.problems));
  const auto* t = load.catalog->latest("mini")->transition("reopen");
  BOOST_REQUIRE(t);
  BOOST_REQUIRE(t->reopen.has_value());
  BOOST_TEST(redress::format_duration(t->reopen->within) == "10d calendar");
  BOOST_TEST(t->reopen->reason_field == "reopen_reason");
  // The window is data; 15 calendar days when the definition gives none.
  const auto defaulted = load_workflow(with_reopen(json::object()));
  BOOST_REQUIRE_MESSAGE(defaulted.catalog, describe(defaulted.problems));
  const auto* d = defaulted.catalog->latest("mini")->transition("reopen");
  BOOST_TEST(redress::format_duration(d->reopen->within) == "15d calendar");
  BOOST_TEST(d->reopen->reason_field.empty());
  // A transition that is not declared a reopen still may not leave a final state.
  auto undeclared = with_reopen(json::object());
  undeclared["transitions"].back().erase("reopen");
  expect_rejected(undeclared, "FINAL_STATE_HAS_EXIT", "/transitions/3/from/0");
}

BOOST_AUTO_TEST_CASE(a_reopen_must_leave_only_final_states) {
  auto wf = with_reopen(json::object());
  wf["transitions"].back()["from"] = {"closed", "working"};
  expect_rejected(wf, "REOPEN_FROM_NOT_FINAL", "/transitions/3/from/1");
  wf = with_reopen(json::object());
  wf["transitions"].back()["from"] = "*";
  expect_rejected(wf, "REOPEN_FROM_NOT_FINAL", "/transitions/3/from");
  wf = with_reopen(json::object());
  wf["transitions"].back()["to"] = "closed";
  expect_rejected(wf, "REOPEN_TO_FINAL", "/transitions/3/to");
}

BOOST_AUTO_TEST_CASE(a_reopen_window_must_be_a_length_of_time) {
  expect_rejected(with_reopen({{"within", "cutoff 15:00"}}), "BAD_REOPEN_WINDOW",
                  "/transitions/3/reopen/within");
  expect_rejected(with_reopen({{"within", "0d calendar"}}), "BAD_REOPEN_WINDOW",
                  "/transitions/3/reopen/within");
  expect_rejected(with_reopen({{"within", "fortnight"}}), "BAD_DURATION",
                  "/transitions/3/reopen/within");
  expect_rejected(with_reopen({{"within", "15d calendar"}, {"until", "x"}}), "UNKNOWN_KEY",
                  "/transitions/3/reopen/until");
  expect_rejected(with_reopen(true), "BAD_TYPE", "/transitions/3/reopen");
}

BOOST_AUTO_TEST_CASE(a_reopen_reason_is_a_required_text_field) {
  expect_rejected(with_reopen({{"reason", "why"}}), "UNKNOWN_FIELD",
                  "/transitions/3/reopen/reason");
  expect_rejected(with_reopen({{"reason", "confirmed"}}), "FIELD_TYPE_MISMATCH",
                  "/transitions/3/reopen/reason");
  expect_rejected(with_reopen({{"reason", "note"}}), "REOPEN_REASON_NOT_REQUIRED",
                  "/transitions/3/reopen/reason");
}

BOOST_AUTO_TEST_CASE(no_final_state) {
  auto wf = valid_workflow();
  at(wf, "/states/2/final") = false;
  expect_rejected(wf, "NO_FINAL_STATE", "/states");
}

BOOST_AUTO_TEST_CASE(unknown_stage) {
  auto wf = valid_workflow();
  at(wf, "/states/1/stage") = "review";
  expect_rejected(wf, "UNKNOWN_STAGE", "/states/1/stage");
}

BOOST_AUTO_TEST_CASE(unknown_role) {
  auto wf = valid_workflow();
  at(wf, "/transitions/0/roles") = json::array({"agent", "clerk"});
  expect_rejected(wf, "UNKNOWN_ROLE", "/transitions/0/roles/1");
  wf = valid_workflow();
  at(wf, "/create/roles") = json::array({"robot"});
  expect_rejected(wf, "UNKNOWN_ROLE", "/create/roles/0");
  wf = valid_workflow();
  at(wf, "/transitions/1/actions/0") = json::parse(R"({"escalate": {"to": "ceo", "reason": "x"}})");
  expect_rejected(wf, "UNKNOWN_ROLE", "/transitions/1/actions/0/escalate/to");
}

// The role table is the outer gate: a workflow listing a role it refuses loads, with a warning
// that the entry has no effect.
BOOST_AUTO_TEST_CASE(a_role_the_role_table_refuses_is_a_warning) {
  auto wf = valid_workflow();
  at(wf, "/transitions/0/roles") = json::array({"agent", "admin", "system"});
  at(wf, "/create/roles") = json::array({"agent", "system"});
  const auto load = load_workflow(wf);
  BOOST_TEST(load.catalog != nullptr, describe(load.problems));
  BOOST_TEST(has_workflow_problem(load.problems, "ROLE_NEVER_PERMITTED", "/transitions/0/roles/1"),
             describe(load.problems));
  BOOST_TEST(has_workflow_problem(load.problems, "ROLE_NEVER_PERMITTED", "/create/roles/1"),
             describe(load.problems));
  for (const auto& p : load.problems) {
    BOOST_TEST((p.severity == redress::Severity::kWarning), p.code);
  }
  BOOST_TEST(
      !has_workflow_problem(load.problems, "ROLE_NEVER_PERMITTED", "/transitions/0/roles/0"));
  // Timers fire transitions as the system.
  BOOST_TEST(
      !has_workflow_problem(load.problems, "ROLE_NEVER_PERMITTED", "/transitions/0/roles/2"));
}

BOOST_AUTO_TEST_CASE(unknown_field) {
  auto wf = valid_workflow();
  at(wf, "/transitions/0/requires") = json::array({"confirmed", "colour"});
  expect_rejected(wf, "UNKNOWN_FIELD", "/transitions/0/requires/1");
  wf = valid_workflow();
  at(wf, "/transitions/0/accepts") = json::array({"note", "due", "colour"});
  expect_rejected(wf, "UNKNOWN_FIELD", "/transitions/0/accepts/2");
  wf = valid_workflow();
  at(wf, "/transitions/0/actions/0/set/field") = "colour";
  expect_rejected(wf, "UNKNOWN_FIELD", "/transitions/0/actions/0/set/field");
  wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0/eq/field") = "fields.colour";
  expect_rejected(wf, "UNKNOWN_FIELD", "/transitions/0/conditions/0/eq/field");
  wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0") =
      json::parse(R"({"eq": {"field": "case.colour", "value": "red"}})");
  expect_rejected(wf, "UNKNOWN_FIELD", "/transitions/0/conditions/0/eq/field");
  wf = valid_workflow();
  at(wf, "/create/requires") = json::array({"summary", "colour"});
  expect_rejected(wf, "UNKNOWN_FIELD", "/create/requires/1");
}

BOOST_AUTO_TEST_CASE(bad_field_type) {
  auto wf = valid_workflow();
  wf["fields"].push_back({{"name", "extra"}, {"type", "float"}});
  expect_rejected(wf, "BAD_FIELD_TYPE", "/fields/6/type");
}

BOOST_AUTO_TEST_CASE(record_promise_needs_datetime) {
  auto wf = valid_workflow();
  at(wf, "/transitions/0/actions/1/record_promise/due_field") = "note";
  expect_rejected(wf, "FIELD_TYPE_MISMATCH", "/transitions/0/actions/1/record_promise/due_field");
}

BOOST_AUTO_TEST_CASE(condition_type_mismatch) {
  auto wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0") =
      json::parse(R"({"lt": {"field": "fields.note", "value": "m"}})");
  expect_rejected(wf, "CONDITION_TYPE_MISMATCH", "/transitions/0/conditions/0/lt");
  wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0/eq/value") = 1;
  expect_rejected(wf, "CONDITION_TYPE_MISMATCH", "/transitions/0/conditions/0/eq/value");
  wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0") =
      json::parse(R"({"eq": {"field": "fields.category", "value": "weather"}})");
  expect_rejected(wf, "CONDITION_TYPE_MISMATCH", "/transitions/0/conditions/0/eq/value");
  wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0") =
      json::parse(R"({"in": {"field": "case.severity", "values": ["high", "urgent"]}})");
  expect_rejected(wf, "CONDITION_TYPE_MISMATCH", "/transitions/0/conditions/0/in/values/1");
}

BOOST_AUTO_TEST_CASE(bad_condition) {
  auto wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0") = json::parse(
      R"({"eq": {"field": "fields.confirmed", "value": true},
          "ne": {"field": "fields.confirmed", "value": false}})");
  expect_rejected(wf, "BAD_CONDITION", "/transitions/0/conditions/0");
  wf = valid_workflow();
  at(wf, "/transitions/0/conditions/0") =
      json::parse(R"({"like": {"field": "fields.note", "value": "x"}})");
  expect_rejected(wf, "BAD_CONDITION", "/transitions/0/conditions/0/like");
}

BOOST_AUTO_TEST_CASE(unknown_calendar) {
  auto wf = valid_workflow();
  at(wf, "/policies/calendar") = "mars_office";
  expect_rejected(wf, "UNKNOWN_CALENDAR", "/policies/calendar");
  wf = valid_workflow();
  at(wf, "/timers/0/calendar") = "moon";
  expect_rejected(wf, "UNKNOWN_CALENDAR", "/timers/0/calendar");
  wf = valid_workflow();
  at(wf, "/transitions/1/actions/1") =
      json::parse(R"({"schedule_follow_up": {"after": "2d business", "window": "night_shift"}})");
  expect_rejected(wf, "UNKNOWN_CALENDAR", "/transitions/1/actions/1/schedule_follow_up/window");
}

BOOST_AUTO_TEST_CASE(unknown_policy) {
  for (const char* kind : {"sla", "escalation", "compensation"}) {
    auto wf = valid_workflow();
    wf["policies"][kind] = "gold";
    expect_rejected(wf, "UNKNOWN_POLICY", std::string("/policies/") + kind);
  }
}

BOOST_AUTO_TEST_CASE(bad_duration) {
  auto wf = valid_workflow();
  at(wf, "/timers/0/after") = "1 week";
  expect_rejected(wf, "BAD_DURATION", "/timers/0/after");
  wf = valid_workflow();
  at(wf, "/states/0/sla/default") = "soon";
  expect_rejected(wf, "BAD_DURATION", "/states/0/sla/default");
}

BOOST_AUTO_TEST_CASE(a_cutoff_is_accepted_only_as_an_sla_target) {
  // A state's stage target may be a cutoff ...
  auto wf = valid_workflow();
  at(wf, "/states/0/sla/default") = "cutoff 15:00";
  const auto load = load_workflow(wf);
  BOOST_TEST(load.catalog != nullptr, describe(load.problems));
  // ... a malformed one is refused where it stands ...
  for (const char* text : {"cutoff 25:00", "cutoff", "cutoff 15:00 business"}) {
    wf = valid_workflow();
    at(wf, "/states/0/sla/default") = text;
    expect_rejected(wf, "BAD_DURATION", "/states/0/sla/default");
  }
  // ... and a length of time cannot be one: a timer's or a follow-up's "after".
  wf = valid_workflow();
  at(wf, "/timers/0/after") = "cutoff 15:00";
  const auto timer = load_workflow(wf);
  BOOST_TEST(!timer.catalog);
  BOOST_REQUIRE(has_workflow_problem(timer.problems, "BAD_DURATION", "/timers/0/after"));
  for (const auto& p : timer.problems) {
    if (p.pointer != "/timers/0/after") continue;
    BOOST_TEST(p.message.find("'after' of timer 'reminder' is 'cutoff 15:00'") != std::string::npos,
               p.message);
    BOOST_TEST(p.message.find("only SLA targets accept") != std::string::npos, p.message);
  }
  wf = valid_workflow();
  at(wf, "/transitions/1/actions")
      .push_back(json{{"schedule_follow_up", {{"after", "cutoff 10:00"}}}});
  expect_rejected(wf, "BAD_DURATION", "/transitions/1/actions/2/schedule_follow_up/after");
}

BOOST_AUTO_TEST_CASE(create_emit_names_an_event) {
  auto wf = valid_workflow();
  at(wf, "/create/emit") = "mini.requested";
  const auto load = load_workflow(wf);
  BOOST_REQUIRE_MESSAGE(load.catalog != nullptr, describe(load.problems));
  BOOST_TEST(load.catalog->latest("mini")->create.emit == "mini.requested");
  at(wf, "/create/emit") = "Mini Requested";
  expect_rejected(wf, "BAD_VALUE", "/create/emit");
}

BOOST_AUTO_TEST_CASE(unknown_timer) {
  auto wf = valid_workflow();
  at(wf, "/states/0/timers") = json::array({"reminder", "nap"});
  expect_rejected(wf, "UNKNOWN_TIMER", "/states/0/timers/1");
  wf = valid_workflow();
  at(wf, "/transitions/1/actions/0/cancel_timer") = "nap";
  expect_rejected(wf, "UNKNOWN_TIMER", "/transitions/1/actions/0/cancel_timer");
}

BOOST_AUTO_TEST_CASE(unknown_transition) {
  auto wf = valid_workflow();
  at(wf, "/timers/0/transition") = "vanish";
  expect_rejected(wf, "UNKNOWN_TRANSITION", "/timers/0/transition");
  wf = valid_workflow();
  at(wf, "/transitions/1/actions/1") =
      json::parse(R"({"request_approval": {"role": "supervisor", "on_approved": "ghost"}})");
  expect_rejected(wf, "UNKNOWN_TRANSITION",
                  "/transitions/1/actions/1/request_approval/on_approved");
}

BOOST_AUTO_TEST_CASE(timer_cannot_fire_transition_without_system_role) {
  auto wf = valid_workflow();
  at(wf, "/timers/0/transition") = "start";
  expect_rejected(wf, "TIMER_CANNOT_FIRE", "/timers/0/transition");
}

BOOST_AUTO_TEST_CASE(carrier_event_triggers_name_a_kind_a_string_field_and_an_integration) {
  auto wf = valid_workflow();
  at(wf, "/transitions/1/roles") = json::array({"agent", "integration"});
  at(wf, "/transitions/1/on_carrier_event") =
      json::parse(R"({"kind": "delivered", "tracking_field": "note"})");
  const auto load = load_workflow(wf);
  BOOST_TEST_REQUIRE(load.catalog.get() != nullptr, describe(load.problems));
  const auto* close = load.catalog->find("mini", 1)->transition("close");
  BOOST_TEST_REQUIRE(close->on_carrier_event.has_value());
  BOOST_TEST(close->on_carrier_event->kind == "delivered");
  BOOST_TEST(close->on_carrier_event->tracking_field == "note");

  auto lost = wf;
  at(lost, "/transitions/1/on_carrier_event/kind") = "lost";
  expect_rejected(lost, "UNKNOWN_CARRIER_EVENT", "/transitions/1/on_carrier_event/kind");
  auto ghost = wf;
  at(ghost, "/transitions/1/on_carrier_event/tracking_field") = "parcel";
  expect_rejected(ghost, "UNKNOWN_FIELD", "/transitions/1/on_carrier_event/tracking_field");
  auto money = wf;
  at(money, "/transitions/1/on_carrier_event/tracking_field") = "amount";
  expect_rejected(money, "BAD_VALUE", "/transitions/1/on_carrier_event/tracking_field");
  auto typo = wf;
  at(typo, "/transitions/1/on_carrier_event/field") = "note";
  expect_rejected(typo, "UNKNOWN_KEY", "/transitions/1/on_carrier_event/field");
  auto people_only = wf;
  at(people_only, "/transitions/1/roles") = json::array({"agent"});
  expect_rejected(people_only, "CARRIER_CANNOT_FIRE", "/transitions/1/on_carrier_event");
}

BOOST_AUTO_TEST_CASE(bad_action) {
  auto wf = valid_workflow();
  at(wf, "/transitions/1/actions/1") =
      json::parse(R"({"emit": "case.closed", "cancel_timer": "reminder"})");
  expect_rejected(wf, "BAD_ACTION", "/transitions/1/actions/1");
  wf = valid_workflow();
  at(wf, "/transitions/1/actions/1") = json::parse(R"({"teleport": "closed"})");
  expect_rejected(wf, "BAD_ACTION", "/transitions/1/actions/1/teleport");
  wf = valid_workflow();
  at(wf, "/transitions/1/actions/1") = json::parse(R"({"assign": {}})");
  expect_rejected(wf, "BAD_ACTION", "/transitions/1/actions/1/assign");
}

BOOST_AUTO_TEST_CASE(bad_version) {
  for (const int v : {0, -3, 1000001}) {
    auto wf = valid_workflow();
    wf["version"] = v;
    expect_rejected(wf, "BAD_VERSION", "/version");
  }
}

BOOST_AUTO_TEST_CASE(duplicate_version_names_both_files) {
  auto other = valid_workflow();
  other["title"] = "Mini, edited";
  const auto load = load_workflows({{"a.json", valid_workflow().dump()}, {"b.json", other.dump()}});
  BOOST_TEST(!load.catalog);
  BOOST_TEST_REQUIRE(has_workflow_problem(load.problems, "DUPLICATE_VERSION", "/version", "b.json"),
                     describe(load.problems));
  const auto it = std::find_if(load.problems.begin(), load.problems.end(),
                               [](const auto& p) { return p.code == "DUPLICATE_VERSION"; });
  BOOST_TEST(it->message.find("a.json") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_json_reports_line_and_column) {
  const std::string text = "{\n  \"kind\": \"workflow\",\n  \"id\": oops\n}\n";
  const auto load = load_workflows({{"broken.json", text}});
  BOOST_TEST(!load.catalog);
  BOOST_TEST_REQUIRE(load.problems.size() == 1u, describe(load.problems));
  BOOST_TEST(load.problems[0].code == "BAD_JSON");
  BOOST_TEST(load.problems[0].file == "broken.json");
  BOOST_TEST(load.problems[0].pointer == "");
  // The 'o' of oops is the ninth character of the third line.
  BOOST_TEST(load.problems[0].message.find("line 3, column 9") != std::string::npos,
             load.problems[0].message);
  const auto first_line = load_workflows({{"comma.json", "{,}"}});
  BOOST_TEST_REQUIRE(first_line.problems.size() == 1u);
  BOOST_TEST(first_line.problems[0].message.find("line 1, column 2") != std::string::npos,
             first_line.problems[0].message);
}

// Found by the workflow loader fuzzer: each of these escaped load() as an exception (or a message
// that could not be encoded as JSON) instead of becoming a BAD_JSON problem.
BOOST_AUTO_TEST_CASE(json_the_parser_refuses_is_a_problem_not_an_exception) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string invalid_utf8 = "{\"kind\": \"workflow\", \"id\": \xff\xfe}";
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"overflow.json", R"({"kind": "workflow", "version": 1e400})"},
      {"deep.json", deep},
      {"utf8.json", invalid_utf8},
  };
  for (const auto& [name, text] : inputs) {
    BOOST_TEST_CONTEXT(name) {
      redress::CatalogLoad load;
      BOOST_REQUIRE_NO_THROW(load = load_workflows({{name, text}}));
      BOOST_TEST(!load.catalog);
      BOOST_TEST_REQUIRE(load.problems.size() == 1u, describe(load.problems));
      BOOST_TEST(load.problems[0].code == "BAD_JSON");
      const auto& message = load.problems[0].message;
      // The message goes into `validate --json` output and HTTP problem bodies: ASCII only.
      BOOST_TEST(
          std::all_of(message.begin(), message.end(), [](char c) { return c >= 0x20 && c < 0x7f; }),
          message);
      BOOST_TEST(nlohmann::json(message).dump().size() > 2u);
    }
  }
  const auto deep_load = load_workflows({{"deep.json", deep}});
  BOOST_TEST(deep_load.problems[0].message.find("nested more than 64 levels") != std::string::npos,
             deep_load.problems[0].message);
  const auto overflow = load_workflows({{"o.json", R"({"kind": "workflow", "version": 1e400})"}});
  BOOST_TEST(overflow.problems[0].message.find("1e400") != std::string::npos,
             overflow.problems[0].message);
}

BOOST_AUTO_TEST_CASE(parse_json_text_limits_nesting_outside_strings) {
  using redress::JsonTextError;
  using redress::parse_json_text;
  // Brackets inside strings (with escaped quotes) do not count towards the depth.
  const std::string in_string = R"({"a": "[[[[[[\"[[[[[[[[[["})";
  BOOST_TEST(std::holds_alternative<nlohmann::json>(parse_json_text(in_string, 2)));
  BOOST_TEST(std::holds_alternative<nlohmann::json>(parse_json_text("[[1]]", 2)));
  const auto deep = parse_json_text("[[[1]]]", 2);
  BOOST_TEST_REQUIRE(std::holds_alternative<JsonTextError>(deep));
  BOOST_TEST(std::get<JsonTextError>(deep).byte_offset.value_or(99) == 2u);
  // Unbalanced closers are the parser's to report, with where it stopped.
  const auto closers = parse_json_text("]]]][1]", 2);
  BOOST_TEST_REQUIRE(std::holds_alternative<JsonTextError>(closers));
  BOOST_TEST(std::get<JsonTextError>(closers).byte_offset.value_or(99) == 0u);
  const auto overflow = parse_json_text("[1e400]");
  BOOST_TEST_REQUIRE(std::holds_alternative<JsonTextError>(overflow));
  BOOST_TEST(!std::get<JsonTextError>(overflow).byte_offset.has_value());
  BOOST_TEST(redress::printable_ascii("a\xff\n") == "a\\xFF\\x0A");
}

BOOST_AUTO_TEST_CASE(unknown_kind) {
  auto wf = valid_workflow();
  wf["kind"] = "workflo";
  expect_rejected(wf, "UNKNOWN_KIND", "/kind");
  wf.erase("kind");
  expect_rejected(wf, "MISSING_KEY", "/kind");
}

BOOST_AUTO_TEST_CASE(file_too_large) {
  const std::string huge(redress::kMaxDefinitionBytes + 1, ' ');
  const auto load = load_workflows({{"huge.json", huge}});
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_workflow_problem(load.problems, "FILE_TOO_LARGE", "", "huge.json"),
             describe(load.problems));
  BOOST_TEST(!has_workflow_problem(load.problems, "BAD_JSON", "", "huge.json"));
}

BOOST_AUTO_TEST_CASE(several_problems_reported_together) {
  auto wf = valid_workflow();
  wf["version"] = 0;                                    // BAD_VERSION
  wf["extra"] = 1;                                      // UNKNOWN_KEY
  at(wf, "/states/1/stage") = "review";                 // UNKNOWN_STAGE
  at(wf, "/transitions/0/to") = "nowhere";              // UNKNOWN_STATE
  at(wf, "/timers/0/after") = "soon";                   // BAD_DURATION
  at(wf, "/policies/sla") = "gold";                     // UNKNOWN_POLICY
  at(wf, "/transitions/0/roles") = json::array({"x"});  // UNKNOWN_ROLE
  const auto load = load_workflow(wf);
  BOOST_TEST(!load.catalog);
  std::set<std::string> codes;
  for (const auto& p : load.problems) codes.insert(p.code);
  BOOST_TEST(codes.size() >= 5u, describe(load.problems));
  BOOST_TEST(has_workflow_problem(load.problems, "BAD_VERSION", "/version"));
  BOOST_TEST(has_workflow_problem(load.problems, "UNKNOWN_KEY", "/extra"));
  BOOST_TEST(has_workflow_problem(load.problems, "UNKNOWN_STAGE", "/states/1/stage"));
  BOOST_TEST(has_workflow_problem(load.problems, "UNKNOWN_STATE", "/transitions/0/to"));
  BOOST_TEST(has_workflow_problem(load.problems, "BAD_DURATION", "/timers/0/after"));
  BOOST_TEST(has_workflow_problem(load.problems, "UNKNOWN_POLICY", "/policies/sla"));
  BOOST_TEST(has_workflow_problem(load.problems, "UNKNOWN_ROLE", "/transitions/0/roles/0"));
}

BOOST_AUTO_TEST_CASE(broken_file_never_half_loads) {
  auto good = valid_workflow();
  auto bad = valid_workflow();
  bad["id"] = "other";
  at(bad, "/transitions/0/to") = "nowhere";
  const auto load = load_workflows({{"good.json", good.dump()}, {"bad.json", bad.dump()}});
  BOOST_TEST(!load.catalog);
  BOOST_TEST(!load.problems.empty());
  for (const auto& p : load.problems) BOOST_TEST(p.file == "bad.json");
  // A broken workflow's references to other files are still checked.
  at(bad, "/policies/calendar") = "mars_office";
  const auto again = load_workflows({{"good.json", good.dump()}, {"bad.json", bad.dump()}});
  BOOST_TEST(
      has_workflow_problem(again.problems, "UNKNOWN_CALENDAR", "/policies/calendar", "bad.json"),
      describe(again.problems));
}

BOOST_AUTO_TEST_CASE(broken_policy_file_blocks_the_catalog) {
  auto sources = policy_sources();
  sources[1].text = R"({"kind": "sla_policy", "id": "default", "calendar": "cn_office"})";
  sources.push_back({kWorkflowFile, valid_workflow().dump()});
  const auto load = WorkflowCatalog::load(sources);
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_workflow_problem(load.problems, "MISSING_KEY", "/targets", "sla.json"),
             describe(load.problems));
  // The workflow itself is fine, but the policy it names did not load.
  for (const auto& p : load.problems) {
    BOOST_TEST(
        (p.file == "sla.json" || (p.code == "UNKNOWN_POLICY" && p.pointer == "/policies/sla")),
        p.file << "#" << p.pointer << " " << p.code);
  }
}

// wait_targets: only a wait that does not pause the clocks may run a clock of its own, and only
// with a duration (not a cutoff).
BOOST_AUTO_TEST_CASE(wait_targets_are_checked) {
  auto sla = nlohmann::json::parse(policy_sources()[1].text);
  BOOST_REQUIRE(sla.at("kind") == "sla_policy");
  sla["wait_targets"] = {{"warehouse", "4h business"},
                         {"carrier", "1d business"},
                         {"shelf", "1h business"},
                         {"supplier", "cutoff 15:00"}};
  auto sources = policy_sources();
  sources[1].text = sla.dump();
  sources.push_back({kWorkflowFile, valid_workflow().dump()});
  const auto load = WorkflowCatalog::load(sources);
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_workflow_problem(load.problems, "BAD_VALUE", "/wait_targets/carrier", "sla.json"),
             describe(load.problems));
  BOOST_TEST(has_workflow_problem(load.problems, "BAD_VALUE", "/wait_targets/shelf", "sla.json"),
             describe(load.problems));
  BOOST_TEST(
      has_workflow_problem(load.problems, "BAD_DURATION", "/wait_targets/supplier", "sla.json"),
      describe(load.problems));
  BOOST_TEST(
      !has_workflow_problem(load.problems, "BAD_VALUE", "/wait_targets/warehouse", "sla.json"));
}

BOOST_AUTO_TEST_CASE(shipped_files_load_without_problems) {
  const auto load = WorkflowCatalog::load_directory(REDRESS_SOURCE_DIR "/workflows");
  BOOST_TEST_REQUIRE(load.problems.empty(), describe(load.problems));
  BOOST_TEST_REQUIRE(load.catalog);
  for (const char* id : {"complaint", "return_exchange", "review_recovery", "out_of_stock"}) {
    BOOST_TEST(load.catalog->latest(id), id);
  }
  BOOST_TEST(load.catalog->calendar("cn_office"));
  BOOST_TEST(load.catalog->calendar("phone_hours"));
  BOOST_TEST(load.catalog->sla_policy("default"));
  BOOST_TEST(load.catalog->escalation_policy("default"));
  BOOST_TEST(load.catalog->compensation_policy("default"));
}

BOOST_AUTO_TEST_CASE(load_files_reports_unreadable_path) {
  const std::string missing = "/nonexistent/redress/missing.json";
  std::vector<std::string> paths;
  for (const char* name : {"calendars.json", "sla.json", "escalation.json", "compensation.json"}) {
    paths.push_back(std::string(REDRESS_SOURCE_DIR) + "/workflows/" + name);
  }
  paths.push_back(missing);
  const auto load = WorkflowCatalog::load_files(paths);
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_workflow_problem(load.problems, "FILE_UNREADABLE", "", missing),
             describe(load.problems));
}

BOOST_AUTO_TEST_CASE(with_newer_keeps_old_versions_and_refuses_changes) {
  const auto v1 = load_workflow(valid_workflow());
  BOOST_TEST_REQUIRE(v1.catalog, describe(v1.problems));
  auto wf2 = valid_workflow();
  wf2["version"] = 2;
  wf2["title"] = "Mini 2";
  const auto v2 = load_workflow(wf2);
  BOOST_TEST_REQUIRE(v2.catalog, describe(v2.problems));

  const auto merged = v1.catalog->with_newer(*v2.catalog);
  BOOST_TEST_REQUIRE(merged.catalog, describe(merged.problems));
  BOOST_TEST(merged.catalog->find("mini", 1) == v1.catalog->find("mini", 1));
  BOOST_TEST(merged.catalog->find("mini", 2));
  BOOST_TEST(merged.catalog->latest("mini")->version == 2);
  BOOST_TEST(merged.catalog->workflows().size() == 2u);

  // Reloading the identical version keeps the instance running cases already use.
  const auto same = load_workflow(valid_workflow());
  const auto merged_same = v1.catalog->with_newer(*same.catalog);
  BOOST_TEST_REQUIRE(merged_same.catalog);
  BOOST_TEST(merged_same.catalog->find("mini", 1) == v1.catalog->find("mini", 1));

  // New words only (a translation): the same version, taking the new words.
  auto relabeled = valid_workflow();
  relabeled["title"] = {{"en", "Mini"}, {"zh", "小型工作流"}};
  const auto r = load_workflow(relabeled);
  BOOST_TEST_REQUIRE(r.catalog);
  const auto merged_relabeled = merged.catalog->with_newer(*r.catalog);
  BOOST_TEST_REQUIRE(merged_relabeled.catalog, describe(merged_relabeled.problems));
  BOOST_TEST(merged_relabeled.catalog->find("mini", 1)->title.in("zh") == "小型工作流");

  auto changed = valid_workflow();
  changed["states"][0]["sla"]["default"] = "8h business";  // behaviour, silently edited
  const auto c = load_workflow(changed);
  BOOST_TEST_REQUIRE(c.catalog);
  const auto refused = merged.catalog->with_newer(*c.catalog);
  BOOST_TEST(!refused.catalog);
  BOOST_TEST_REQUIRE(refused.problems.size() == 1u, describe(refused.problems));
  BOOST_TEST(refused.problems[0].code == "VERSION_CHANGED");
  BOOST_TEST(refused.problems[0].pointer == "/version");
}

BOOST_AUTO_TEST_CASE(latest_picks_highest_version) {
  std::vector<DefinitionSource> files;
  for (const int v : {1, 3, 2}) {
    auto wf = valid_workflow();
    wf["version"] = v;
    files.push_back({"mini_v" + std::to_string(v) + ".json", wf.dump()});
  }
  const auto load = load_workflows(files);
  BOOST_TEST_REQUIRE(load.catalog, describe(load.problems));
  BOOST_TEST(load.catalog->latest("mini")->version == 3);
  BOOST_TEST(load.catalog->find("mini", 2)->version == 2);
  BOOST_TEST(!load.catalog->find("mini", 4));
  BOOST_TEST(!load.catalog->latest("nothing"));
}

BOOST_AUTO_TEST_CASE(keeps_each_policy_document_as_loaded) {
  using redress::PolicyKind;
  const auto load = load_workflow(valid_workflow());
  BOOST_TEST_REQUIRE(load.catalog, describe(load.problems));
  const auto& catalog = *load.catalog;
  auto shipped = [](const char* name) {
    return json::parse(read_text(std::string(REDRESS_SOURCE_DIR) + "/workflows/" + name));
  };

  // Calendars: each one's object of the file's "calendars" array (the file defines several).
  const auto calendars = shipped("calendars.json");
  std::vector<std::string> calendar_ids;
  for (const auto& calendar : calendars.at("calendars")) {
    const auto id = calendar.at("id").get<std::string>();
    calendar_ids.push_back(id);
    const auto* document = catalog.policy_document(PolicyKind::kCalendar, id);
    BOOST_TEST_REQUIRE(document, id);
    BOOST_TEST((*document == calendar), id);
  }
  std::sort(calendar_ids.begin(), calendar_ids.end());
  BOOST_TEST(calendar_ids.size() >= 2u);
  BOOST_TEST(catalog.policy_ids(PolicyKind::kCalendar) == calendar_ids,
             boost::test_tools::per_element());

  // The other kinds: the whole file.
  for (const auto& [kind, name] : std::vector<std::pair<PolicyKind, const char*>>{
           {PolicyKind::kSla, "sla.json"},
           {PolicyKind::kEscalation, "escalation.json"},
           {PolicyKind::kCompensation, "compensation.json"}}) {
    const auto file = shipped(name);
    const auto id = file.at("id").get<std::string>();
    const auto* document = catalog.policy_document(kind, id);
    BOOST_TEST_REQUIRE(document, name);
    BOOST_TEST((*document == file), name);
    BOOST_TEST((catalog.policy_ids(kind) == std::vector<std::string>{id}), name);
  }

  // Ids are per kind; unknown ids have no document.
  BOOST_TEST(!catalog.policy_document(PolicyKind::kCalendar, "default"));
  BOOST_TEST(!catalog.policy_document(PolicyKind::kSla, "cn_office"));
  BOOST_TEST(!catalog.policy_document(PolicyKind::kSla, "strict"));

  // with_newer takes the newer catalog's policies, documents included.
  auto sources = policy_sources();
  auto sla = json::parse(sources[1].text);
  sla["title"] = "Edited SLA";
  sources[1].text = sla.dump();
  auto wf2 = valid_workflow();
  wf2["version"] = 2;
  sources.push_back({kWorkflowFile, wf2.dump()});
  const auto newer = WorkflowCatalog::load(sources);
  BOOST_TEST_REQUIRE(newer.catalog, describe(newer.problems));
  const auto merged = catalog.with_newer(*newer.catalog);
  BOOST_TEST_REQUIRE(merged.catalog, describe(merged.problems));
  const auto* merged_sla = merged.catalog->policy_document(PolicyKind::kSla, "default");
  BOOST_TEST_REQUIRE(merged_sla);
  BOOST_TEST((*merged_sla == sla));
}

BOOST_AUTO_TEST_CASE(policy_kinds_are_named_as_a_workflows_policies_keys) {
  using redress::PolicyKind;
  const std::vector<std::string> names = {"calendar", "sla", "escalation", "compensation",
                                          "follow_up"};
  size_t i = 0;
  for (const auto kind : redress::kPolicyKinds) {
    const auto& expected = names.at(i++);
    BOOST_TEST(redress::policy_kind_name(kind) == expected);
    BOOST_TEST((redress::parse_policy_kind(redress::policy_kind_name(kind)) == kind));
  }
  BOOST_TEST(i == names.size());
  for (const char* other : {"calendars", "sla_policy", "workflow", "", "Calendar"}) {
    BOOST_TEST(!redress::parse_policy_kind(other).has_value(), other);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(localized_labels)

BOOST_AUTO_TEST_CASE(labels_are_text_or_words_per_language) {
  auto wf = valid_workflow();
  wf["states"][0]["title"] = {{"en", "Open"}, {"zh", "待处理"}};
  wf["fields"][1]["value_titles"] = {{"quality", {{"en", "Quality fault"}, {"zh", "质量问题"}}}};
  const auto load = load_workflow(wf);
  BOOST_TEST_REQUIRE(load.problems.empty(), describe(load.problems));
  const auto def = load.catalog->find("mini", 1);
  BOOST_TEST(def->states[0].title.in("zh") == "待处理");
  BOOST_TEST(def->states[1].title.english() == "working");  // no title: the name
  BOOST_TEST(def->fields[1].value_titles.at("quality").in("zh") == "质量问题");
  BOOST_TEST(def->fields[1].value_titles.at("quality").in("fr") == "Quality fault");
}

BOOST_AUTO_TEST_CASE(a_missing_language_warns_and_an_unknown_one_is_an_error) {
  auto english_only = valid_workflow();
  english_only["transitions"][0]["title"] = "Start working";
  auto load = load_workflow(english_only);
  BOOST_TEST_REQUIRE(load.catalog);  // a warning does not stop loading
  BOOST_TEST(has_workflow_problem(load.problems, "MISSING_LANGUAGE", "/transitions/0/title"),
             describe(load.problems));

  auto unknown = valid_workflow();
  unknown["fields"][0]["title"] = {{"en", "Summary"}, {"cn", "摘要"}};
  expect_rejected(unknown, "UNKNOWN_LANGUAGE", "/fields/0/title/cn");

  auto empty = valid_workflow();
  empty["title"] = {{"en", "Mini"}, {"zh", ""}};
  expect_rejected(empty, "BAD_TYPE", "/title/zh");

  auto number = valid_workflow();
  number["states"][1]["title"] = 7;
  expect_rejected(number, "BAD_TYPE", "/states/1/title");

  auto stray = valid_workflow();
  stray["fields"][1]["value_titles"] = {{"delivered", {{"en", "Delivered"}, {"zh", "已送达"}}}};
  expect_rejected(stray, "UNKNOWN_VALUE", "/fields/1/value_titles/delivered");

  auto not_enum = valid_workflow();
  not_enum["fields"][0]["value_titles"] = json::object();
  expect_rejected(not_enum, "BAD_VALUE", "/fields/0/value_titles");
}

// An action's reason is a label like a title: {"en", "zh"} or plain English (a warning). The
// journal keeps the English words, so they are part of the version; a translation added later is
// the same version, a changed English reason is not.
BOOST_AUTO_TEST_CASE(action_reasons_are_labels_and_their_english_is_part_of_the_version) {
  const auto with_escalation = [](json reason) {
    auto wf = valid_workflow();
    wf["transitions"][1]["actions"].push_back({{"escalate", {{"to", "supervisor"}}}});
    if (!reason.is_null()) wf["transitions"][1]["actions"][2]["escalate"]["reason"] = reason;
    return wf;
  };
  const auto english = load_workflow(with_escalation("serious complaint"));
  BOOST_TEST_REQUIRE(english.catalog);
  BOOST_TEST(has_workflow_problem(english.problems, "MISSING_LANGUAGE",
                                  "/transitions/1/actions/2/escalate/reason"),
             describe(english.problems));
  const auto both =
      load_workflow(with_escalation({{"en", "serious complaint"}, {"zh", "严重投诉"}}));
  BOOST_TEST_REQUIRE(both.problems.empty(), describe(both.problems));
  BOOST_TEST(both.catalog->find("mini", 1)->transitions[1].actions[2].reason ==
             "serious complaint");

  const auto translated = english.catalog->with_newer(*both.catalog);
  BOOST_TEST(translated.catalog, describe(translated.problems));
  const auto reworded =
      load_workflow(with_escalation({{"en", "a serious complaint"}, {"zh", "严重投诉"}}));
  BOOST_TEST_REQUIRE(reworded.catalog);
  const auto refused = english.catalog->with_newer(*reworded.catalog);
  BOOST_TEST(!refused.catalog);
  BOOST_TEST(refused.problems.size() == 1u);
  BOOST_TEST((!refused.problems.empty() && refused.problems[0].code == "VERSION_CHANGED"));

  expect_rejected(with_escalation(nullptr), "MISSING_KEY",
                  "/transitions/1/actions/2/escalate/reason");
  expect_rejected(with_escalation({{"en", "x"}, {"cn", "严重"}}), "UNKNOWN_LANGUAGE",
                  "/transitions/1/actions/2/escalate/reason/cn");
  auto approval = valid_workflow();
  approval["transitions"][0]["actions"].push_back(
      {{"request_approval",
        {{"role", "team_lead"}, {"on_approved", "close"}, {"reason", {{"zh", ""}}}}}});
  expect_rejected(approval, "BAD_TYPE", "/transitions/0/actions/2/request_approval/reason/zh");
}

// Everything a person reads in the shipped definitions has Chinese words: every workflow, state,
// transition and field title, every enum value, every suggested remedy's note and every
// escalation rule's reason.
BOOST_AUTO_TEST_CASE(shipped_labels) {
  const auto load = WorkflowCatalog::load_directory(REDRESS_SOURCE_DIR "/workflows");
  BOOST_TEST_REQUIRE(load.catalog);
  std::vector<std::string> missing;
  const auto need = [&](const redress::LocalizedText& text, const std::string& what) {
    if (!text.has("zh") || !text.has("en")) missing.push_back(what);
  };
  for (const auto& wf : load.catalog->workflows()) {
    const std::string at = wf->id + " v" + std::to_string(wf->version);
    need(wf->title, at + " title");
    for (const auto& s : wf->states) need(s.title, at + " state " + s.name);
    for (const auto& t : wf->transitions) need(t.title, at + " transition " + t.name);
    for (const auto& f : wf->fields) {
      need(f.title, at + " field " + f.name);
      for (const auto& value : f.values) {
        const auto it = f.value_titles.find(value);
        if (it == f.value_titles.end()) {
          missing.push_back(at + " field " + f.name + " value " + value);
        } else {
          need(it->second, at + " field " + f.name + " value " + value);
        }
      }
    }
  }
  const auto* policy = load.catalog->compensation_policy("default");
  BOOST_TEST_REQUIRE(policy);
  for (const char* category :
       {"quality", "damaged", "late_delivery", "wrong_item", "missing_item", "out_of_stock",
        "bad_review", "service_attitude", "refund_dispute", "other"}) {
    for (const char* fault : {"shop", "carrier", "customer"}) {
      for (const char* segment : {"vip", "new"}) {
        redress::RemedyQuery query{category, fault, "normal", segment,
                                   redress::Money{10000, "CNY"}};
        for (const auto& remedy : policy->suggest(query)) {
          need(remedy.note, std::string("remedy of rule ") + remedy.rule_id);
        }
      }
    }
  }
  const auto* escalation = load.catalog->escalation_policy("default");
  BOOST_TEST_REQUIRE(escalation);
  const auto reasons = escalation->rule_reasons();
  // Every rule says why in words of its own.
  BOOST_TEST(reasons.size() == redress::testing::load_shipped("escalation.json")["rules"].size());
  for (const auto& [rule_id, reason] : reasons)
    need(reason, "reason of escalation rule " + rule_id);
  // The reasons of escalate and request_approval actions (the journal keeps the English).
  for (const auto& wf : load.catalog->workflows()) {
    for (const auto& transition : wf->source.at("transitions")) {
      for (const auto& action : transition.value("actions", json::array())) {
        for (const char* kind : {"escalate", "request_approval"}) {
          if (!action.contains(kind) || !action[kind].contains("reason")) continue;
          const auto& reason = action[kind]["reason"];
          if (!reason.is_object() || !reason.contains("zh") || !reason.contains("en")) {
            missing.push_back(wf->id + " v" + std::to_string(wf->version) + " transition " +
                              transition.value("name", "") + " " + kind + " reason");
          }
        }
      }
    }
  }
  BOOST_TEST(missing.empty(),
             "labels without Chinese or English words: " << redress::join(missing));
}

BOOST_AUTO_TEST_SUITE_END()
