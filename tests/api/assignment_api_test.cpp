// Automatic assignment end to end over real HTTP: a case opened without an assignee goes to the
// available agent of its team with the fewest open cases (away agents and a team outside its
// calendar's working hours skipped, category skills honoured, left unassigned or given to the lead
// when nobody is available), with the reason in the journal; a reassignment needs a reason;
// availability is set by the agent themself or a lead (403 for another agent) and its changes
// are listed; a team's calendar must be one the workflows define.
//
// The server runs on a copy of workflows/ whose assignment policy is this file's own, so the
// shipped policy can change without breaking these tests.
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace assignment_api_tests {

using nlohmann::json;
namespace http = boost::beast::http;

// Teams t1 (plain rule, skills for quality cases) and t2 (falls back to its lead); t1 is the
// default team. Both teams' calendars are set by the tests.
const char* const kTestAssignmentPolicy = R"({
  "kind": "assignment_policy",
  "id": "test",
  "default_team": "t1",
  "default": {"strategy": "claim"},
  "teams": {
    "t1": {"strategy": "fewest_open_cases", "category_skills": {"quality": "quality_inspection"}},
    "t2": {"strategy": "fewest_open_cases", "when_none_available": "team_lead"}
  }
})";

// A server on a copy of the shipped workflows with the test policy in place of the shipped one.
class AssignmentServer {
 public:
  AssignmentServer() : server_(config_with_policy()) {}
  TestServer& operator*() { return server_; }
  TestServer* operator->() { return &server_; }

 private:
  api::ServerConfig config_with_policy() {
    const std::filesystem::path dir = dir_.file("workflows");
    std::filesystem::create_directories(dir);
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(REDRESS_SOURCE_DIR) + "/workflows")) {
      if (entry.path().extension() != ".json" || entry.path().filename() == "assignment.json") {
        continue;
      }
      std::filesystem::copy_file(entry.path(), dir / entry.path().filename());
    }
    std::ofstream(dir / "assignment.json") << kTestAssignmentPolicy;
    api::ServerConfig config;
    config.workflows_dir = dir.string();
    return config;
  }

  ApiTempDir dir_;  // before server_: the server reads the directory as it starts
  TestServer server_;
};

json complaint_for(const std::string& team, const std::string& assignee = "",
                   const std::string& category = "damaged") {
  json body = {
      {"workflow_id", "complaint"},
      {"severity", "normal"},
      {"customer", {{"id", "cust-assign"}, {"segment", "regular"}, {"tier", "gold"}}},
      {"order",
       {{"id", fresh_order_id("TB-ASSIGN")}, {"paid", {{"amount", 19900}, {"currency", "CNY"}}}}},
      {"fields", {{"summary", "外包装破损 (the parcel arrived crushed)"}, {"category", category}}}};
  if (!team.empty()) body["team"] = team;
  if (!assignee.empty()) body["assignee"] = assignee;
  return body;
}

// Opens a case and answers its body's "case".
json open_assignment_case(TestServer& server, const std::string& token, const json& body) {
  auto created = server.http().post("/v1/cases", body, token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json().at("case");
}

// The case's last case.assigned journal entry (null when there is none).
json last_assignment_of(TestServer& server, const std::string& token, const std::string& id) {
  auto events = server.http().get("/v1/cases/" + id + "/events", token);
  BOOST_REQUIRE_MESSAGE(events.status == 200, events.body);
  json found = nullptr;
  const auto body = events.json();  // kept: a range-for over a temporary's member dangles
  for (const auto& e : body.at("events")) {
    if (e.at("type") == "case.assigned") found = e;
  }
  return found;
}

HttpResult put_availability(TestServer& server, const std::string& token, const std::string& user,
                            const std::string& availability) {
  return server.http().request(http::verb::put, "/v1/users/" + user + "/availability",
                               json{{"availability", availability}}.dump(), token);
}

void give_team_calendar(TestServer& server, const std::string& team, const std::string& calendar) {
  auto set =
      server.http().patch("/v1/teams/" + team, {{"calendar", calendar}}, server.admin_token());
  BOOST_REQUIRE_MESSAGE(set.status == 200, set.body);
}

}  // namespace assignment_api_tests

BOOST_AUTO_TEST_SUITE(assignment_api)

using namespace assignment_api_tests;

BOOST_AUTO_TEST_CASE(a_new_case_goes_to_the_available_agent_with_the_fewest_open_cases) {
  AssignmentServer server;
  const auto li = server->token_for("li", "agent", "t1");
  const auto wu = server->token_for("wu", "agent", "t1");
  const auto zhao = server->token_for("zhao", "agent", "t1");
  give_team_calendar(*server, "t1", "cn_office");  // 10:00 on a Monday in Shanghai: working
  // li holds two open cases, wu one, zhao none but is away.
  open_assignment_case(*server, li, complaint_for("t1", "li"));
  open_assignment_case(*server, li, complaint_for("t1", "li"));
  open_assignment_case(*server, wu, complaint_for("t1", "wu"));
  const auto away = put_availability(*server, zhao, "zhao", "away");
  BOOST_REQUIRE_MESSAGE(away.status == 200, away.body);
  BOOST_TEST(away.json().at("availability") == "away");

  const auto first = open_assignment_case(*server, li, complaint_for("t1"));
  BOOST_TEST(first.at("assignee") == "wu");
  const auto entry = last_assignment_of(*server, li, first.at("id").get<std::string>());
  BOOST_REQUIRE(entry.is_object());
  const auto reason = entry.at("data").at("reason");
  BOOST_TEST(reason.at("code") == "fewest_open_cases");
  BOOST_TEST(reason.at("open_cases") == 1);
  BOOST_TEST(reason.at("available_agents") == 2);
  BOOST_TEST(reason.at("away_agents") == 1);
  BOOST_TEST(reason.at("text").get<std::string>().find("team t1") != std::string::npos);

  // Back on shift, zhao (no open case) is next; the case without a team goes to the default t1.
  BOOST_REQUIRE(put_availability(*server, zhao, "zhao", "on_shift").status == 200);
  const auto second = open_assignment_case(*server, li, complaint_for(""));
  BOOST_TEST(second.at("team") == "t1");
  BOOST_TEST(second.at("assignee") == "zhao");
  // A named assignee is kept as named.
  BOOST_TEST(open_assignment_case(*server, li, complaint_for("t1", "li")).at("assignee") == "li");
}

BOOST_AUTO_TEST_CASE(category_skills_are_honoured) {
  AssignmentServer server;
  const auto idle = server->token_for("idle", "agent", "t1");
  server->token_for("inspector", "agent", "t1");
  auto skills = server->http().patch("/v1/users/inspector", {{"skills", {"quality_inspection"}}},
                                     server->admin_token());
  BOOST_REQUIRE_MESSAGE(skills.status == 200, skills.body);
  BOOST_TEST(skills.json().at("skills") == json({"quality_inspection"}));
  const auto supervisor = server->token_for("sup", "supervisor", "");
  open_assignment_case(*server, supervisor, complaint_for("t1", "inspector"));

  // A quality case goes to the inspector, busier as they are; another category to the idle one.
  const auto quality = open_assignment_case(*server, idle, complaint_for("t1", "", "quality"));
  BOOST_TEST(quality.at("assignee") == "inspector");
  BOOST_TEST(last_assignment_of(*server, idle, quality.at("id").get<std::string>())
                 .at("data")
                 .at("reason")
                 .at("skill") == "quality_inspection");
  BOOST_TEST(
      open_assignment_case(*server, idle, complaint_for("t1", "", "damaged")).at("assignee") ==
      "idle");

  // A skill that is not a name is refused precisely.
  auto bad =
      server->http().patch("/v1/users/idle", {{"skills", {"Quality!"}}}, server->admin_token());
  BOOST_TEST(bad.status == 422, bad.body);
  BOOST_TEST(bad.json().at("errors")[0].at("pointer") == "/skills/0", bad.body);
}

BOOST_AUTO_TEST_CASE(outside_working_hours_nobody_is_available_and_the_case_waits_or_goes_to_lead) {
  AssignmentServer server;
  const auto agent = server->token_for("li", "agent", "t1");
  server->token_for("t2.agent", "agent", "t2");
  server->token_for("t2.lead", "team_lead", "t2");
  give_team_calendar(*server, "t1", "cn_office");
  give_team_calendar(*server, "t2", "cn_office");
  // 12:30 in Shanghai: the office's lunch break.
  server->clock().set(*parse_rfc3339("2026-11-23T04:30:00Z"));

  const auto waiting = open_assignment_case(*server, agent, complaint_for("t1"));
  BOOST_TEST(waiting.at("assignee") == "");
  const auto entry = last_assignment_of(*server, agent, waiting.at("id").get<std::string>());
  BOOST_REQUIRE(entry.is_object());
  BOOST_TEST(entry.at("data").at("reason").at("code") == "no_agent_available");
  BOOST_TEST(entry.at("data").at("reason").at("off_hours_agents") == 1);
  auto queue = server->http().get("/v1/cases?team=t1&unassigned=true", agent);
  BOOST_TEST(queue.json().at("cases").size() == 1U, queue.body);

  // Team t2 falls back to its lead.
  const auto to_lead = open_assignment_case(*server, agent, complaint_for("t2"));
  BOOST_TEST(to_lead.at("assignee") == "t2.lead");

  // Back in working hours, the agent is chosen again.
  server->clock().set(*parse_rfc3339("2026-11-23T06:00:00Z"));  // 14:00
  BOOST_TEST(open_assignment_case(*server, agent, complaint_for("t1")).at("assignee") == "li");
}

BOOST_AUTO_TEST_CASE(with_every_agent_away_the_case_is_left_unassigned) {
  AssignmentServer server;
  const auto agent = server->token_for("li", "agent", "t1");
  BOOST_REQUIRE(put_availability(*server, agent, "li", "away").status == 200);
  const auto waiting = open_assignment_case(*server, agent, complaint_for("t1"));
  BOOST_TEST(waiting.at("assignee") == "");
  BOOST_TEST(last_assignment_of(*server, agent, waiting.at("id").get<std::string>())
                 .at("data")
                 .at("reason")
                 .at("code") == "no_agent_available");
}

BOOST_AUTO_TEST_CASE(a_reassignment_needs_a_reason_and_the_journal_says_who_and_why) {
  AssignmentServer server;
  const auto lead = server->token_for("lead", "team_lead", "t1");
  const auto agent = server->token_for("li", "agent", "t1");
  server->token_for("wu", "agent", "t1");
  const auto opened = open_assignment_case(*server, agent, complaint_for("t1", "li"));
  const auto assignment = "/v1/cases/" + opened.at("id").get<std::string>() + "/assignment";

  const auto refused = server->http().post(assignment, {{"assignee", "wu"}}, lead);
  BOOST_TEST(refused.status == 422, refused.body);
  BOOST_TEST(refused.json().at("errors")[0].at("pointer") == "/reason", refused.body);
  // Blanks are no reason either.
  const auto blank =
      server->http().post(assignment, {{"assignee", "wu"}, {"reason", " \t "}}, lead);
  BOOST_TEST(blank.status == 422, blank.body);

  const auto moved =
      server->http().post(assignment, {{"assignee", "wu"}, {"reason", "li is on leave"}}, lead);
  BOOST_TEST(moved.status == 200, moved.body);
  const auto entry = last_assignment_of(*server, lead, opened.at("id").get<std::string>());
  BOOST_TEST(entry.at("actor_id") == "lead");
  BOOST_TEST(entry.at("data").at("reason") == "li is on leave");
  BOOST_TEST(entry.at("data").at("assignee") == "wu");
}

// Opening a case, an agent may name themselves as its holder but nobody else: handing a case to
// someone is a team lead's call, as with the assignment command.
BOOST_AUTO_TEST_CASE(an_agent_opens_a_case_for_themselves_but_not_for_someone_else) {
  AssignmentServer server;
  const auto agent = server->token_for("li", "agent", "t1");
  const auto lead = server->token_for("lead", "team_lead", "t1");
  server->token_for("wu", "agent", "t1");
  server->token_for("t2.agent", "agent", "t2");
  for (const auto& [team, assignee] : {std::pair<std::string, std::string>{"t1", "wu"},
                                       std::pair<std::string, std::string>{"t2", "t2.agent"}}) {
    const auto refused = server->http().post("/v1/cases", complaint_for(team, assignee), agent);
    BOOST_TEST(refused.status == 403, refused.body);
    BOOST_TEST(problem_code(refused) == "ROLE_NOT_PERMITTED", refused.body);
  }
  BOOST_TEST(open_assignment_case(*server, agent, complaint_for("t1", "li")).at("assignee") ==
             "li");
  BOOST_TEST(open_assignment_case(*server, lead, complaint_for("t1", "wu")).at("assignee") == "wu");
}

BOOST_AUTO_TEST_CASE(availability_is_set_by_oneself_or_a_lead_and_its_changes_are_listed) {
  AssignmentServer server;
  const auto li = server->token_for("li", "agent", "t1");
  const auto wu = server->token_for("wu", "agent", "t1");
  const auto lead = server->token_for("lead", "team_lead", "t1");
  const auto other_lead = server->token_for("t2.lead", "team_lead", "t2");

  BOOST_TEST(put_availability(*server, li, "li", "away").status == 200);
  const auto not_yours = put_availability(*server, wu, "li", "on_shift");
  BOOST_TEST(not_yours.status == 403, not_yours.body);
  BOOST_TEST(put_availability(*server, other_lead, "li", "on_shift").status == 403);
  const auto by_lead = put_availability(*server, lead, "li", "on_shift");
  BOOST_TEST(by_lead.status == 200, by_lead.body);
  BOOST_TEST(by_lead.json().at("availability_set_by") == "lead");

  const auto typo = put_availability(*server, li, "li", "lunch");
  BOOST_TEST(typo.status == 422, typo.body);
  BOOST_TEST(typo.json().at("errors")[0].at("pointer") == "/availability");
  const auto unknown_member =
      server->http().request(http::verb::put, "/v1/users/li/availability",
                             json{{"availability", "away"}, {"until", "later"}}.dump(), li);
  BOOST_TEST(unknown_member.status == 422, unknown_member.body);
  // An unknown user is 403 to an agent, as another agent is: no probing which ids exist. A
  // supervisor is told it does not exist.
  BOOST_TEST(put_availability(*server, li, "nobody", "away").status == 403);
  BOOST_TEST(server->http().get("/v1/users/nobody/availability-changes", li).status == 403);
  const auto supervisor = server->token_for("sup", "supervisor", "t1");
  BOOST_TEST(put_availability(*server, supervisor, "nobody", "away").status == 404);

  const auto changes = server->http().get("/v1/users/li/availability-changes", li);
  BOOST_REQUIRE_MESSAGE(changes.status == 200, changes.body);
  const auto list = changes.json().at("changes");
  BOOST_REQUIRE(list.size() == 2U);
  BOOST_TEST(list[0].at("availability") == "on_shift");
  BOOST_TEST(list[0].at("changed_by") == "lead");
  BOOST_TEST(list[1].at("changed_by") == "li");
  BOOST_TEST(server->http().get("/v1/users/li/availability-changes", wu).status == 403);

  const auto me = server->http().get("/v1/me", li);
  BOOST_TEST(me.json().at("user").at("availability") == "on_shift", me.body);
}

BOOST_AUTO_TEST_CASE(a_team_calendar_must_be_one_the_workflows_define) {
  AssignmentServer server;
  const auto admin = server->admin_token();
  const auto created = server->http().post(
      "/v1/teams", {{"id", "t3"}, {"name", "T3"}, {"calendar", "phone_hours"}}, admin);
  BOOST_TEST(created.status == 201, created.body);
  BOOST_TEST(created.json().at("calendar") == "phone_hours");
  const auto unknown = server->http().patch("/v1/teams/t3", {{"calendar", "moon_office"}}, admin);
  BOOST_TEST(unknown.status == 422, unknown.body);
  BOOST_TEST(unknown.json().at("errors")[0].at("pointer") == "/calendar");
  const auto cleared = server->http().patch("/v1/teams/t3", {{"calendar", nullptr}}, admin);
  BOOST_TEST(cleared.status == 200, cleared.body);
  BOOST_TEST(cleared.json().at("calendar").is_null());
  BOOST_TEST(server->http().patch("/v1/teams/t9", {{"name", "x"}}, admin).status == 404);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
