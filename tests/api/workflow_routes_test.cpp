// /v1/workflows, /v1/policies, /v1/policies/{kind}/{id} and /v1/workflows/validate through a real
// server loaded with the shipped definitions of workflows/.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

namespace http = boost::beast::http;

std::string read_text(const std::string& relative) {
  std::ifstream in(std::string(REDRESS_SOURCE_DIR) + "/" + relative, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json(const std::string& relative) {
  return nlohmann::json::parse(read_text(relative));
}

// Codes of the problems with severity "error", and whether each has a code and a pointer.
std::multiset<std::string> error_codes(const nlohmann::json& report) {
  std::multiset<std::string> codes;
  for (const auto& p : report.at("problems")) {
    BOOST_TEST(p.contains("pointer"));
    BOOST_TEST(p.contains("message"));
    BOOST_TEST(p.contains("file"));
    if (p.at("severity") == "error") codes.insert(p.at("code").get<std::string>());
  }
  return codes;
}

bool has_problem(const nlohmann::json& report, const std::string& code, const std::string& pointer,
                 const std::string& file) {
  for (const auto& p : report.at("problems")) {
    if (p.at("code") == code && p.at("pointer") == pointer && p.value("file", "") == file) {
      return true;
    }
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workflow_routes)

BOOST_AUTO_TEST_CASE(lists_the_shipped_workflows) {
  TestServer server;
  const auto agent = server.token_for("agent.w", "agent");
  auto list = server.http().get("/v1/workflows", agent);
  BOOST_TEST(list.status == 200, list.body);
  std::set<std::string> ids;
  std::map<std::string, int> latest;  // each workflow's one latest version
  const auto body = list.json();
  for (const auto& wf : body.at("workflows")) {
    ids.insert(wf.at("id").get<std::string>());
    BOOST_TEST(wf.at("version").get<int>() >= 1);
    if (wf.at("latest").get<bool>()) {
      BOOST_TEST(latest.count(wf.at("id").get<std::string>()) == 0u);
      latest[wf.at("id").get<std::string>()] = wf.at("version").get<int>();
    }
    BOOST_TEST(!wf.at("title").get<std::string>().empty());
    const auto& states = wf.at("states");
    BOOST_TEST((std::find(states.begin(), states.end(), wf.at("initial_state")) != states.end()));
  }
  for (const std::string id : {"complaint", "out_of_stock", "return_exchange", "review_recovery"}) {
    BOOST_TEST(ids.count(id) == 1u, id);
    BOOST_TEST(latest.count(id) == 1u, id);
  }
  // Refunds of returns and out-of-stock remedies are ledger compensations from version 2 on.
  BOOST_TEST(latest["return_exchange"] == 3);
  BOOST_TEST(latest["out_of_stock"] == 2);
  // Complaint version 2 marks the fields a customer wrote or reads for the threat scan; version 3
  // reopens a closed complaint within its window and records follow-up attempts.
  BOOST_TEST(latest["complaint"] == 3);
  BOOST_TEST(server.http().get("/v1/workflows?x=1", agent).status == 400);
}

BOOST_AUTO_TEST_CASE(reads_latest_and_one_version) {
  TestServer server;
  const auto agent = server.token_for("agent.w", "agent");
  const auto shipped = read_json("workflows/complaint.json");

  auto latest = server.http().get("/v1/workflows/complaint", agent);
  BOOST_TEST(latest.status == 200);
  BOOST_TEST((latest.json() == read_json("workflows/complaint.v3.json")));

  auto version = server.http().get("/v1/workflows/complaint/versions/1", agent);
  BOOST_TEST(version.status == 200);
  BOOST_TEST((version.json() == shipped));

  auto unknown = server.http().get("/v1/workflows/no_such_workflow", agent);
  BOOST_TEST(unknown.status == 404);
  BOOST_TEST(unknown.json().at("code") == "NOT_FOUND");
  BOOST_TEST(unknown.json().at("detail").get<std::string>().find("complaint") !=
             std::string::npos);  // names what is loaded
  BOOST_TEST(server.http().get("/v1/workflows/complaint/versions/4", agent).status == 404);
  BOOST_TEST(server.http().get("/v1/workflows/no_such_workflow/versions/1", agent).status == 404);
  for (const std::string bad : {"0", "-1", "one", "01", "1.0", "99999999999"}) {
    auto result = server.http().get("/v1/workflows/complaint/versions/" + bad, agent);
    BOOST_TEST(result.status == 400, bad);
    BOOST_TEST(result.json().at("errors")[0].at("pointer") == "/path/version");
  }
}

BOOST_AUTO_TEST_CASE(every_role_may_read_definitions) {
  TestServer server;
  const auto& admin = server.admin_token();
  auto integration = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", {"workflows:read"}}}, admin);
  std::vector<std::string> tokens{admin, integration.json().at("token").get<std::string>()};
  for (const std::string role : {"agent", "team_lead", "supervisor", "manager"}) {
    tokens.push_back(server.token_for("u." + role, role));
  }
  for (const auto& token : tokens) {
    for (const std::string target :
         {"/v1/workflows", "/v1/workflows/complaint", "/v1/workflows/complaint/versions/1",
          "/v1/policies", "/v1/policies/calendar/cn_office", "/v1/policies/sla/default",
          "/v1/policies/escalation/default", "/v1/policies/compensation/default"}) {
      BOOST_TEST(server.http().get(target, token).status == 200, target);
    }
  }
  BOOST_TEST(server.http().get("/v1/workflows").status == 401);
  BOOST_TEST(server.http().get("/v1/policies").status == 401);
  BOOST_TEST(server.http().get("/v1/policies/sla/default").status == 401);

  // Validation is for admins and managers.
  const auto doc = read_json("workflows/complaint.json");
  BOOST_TEST(server.http().post("/v1/workflows/validate", doc, tokens[0]).status == 200);
  BOOST_TEST(server.http().post("/v1/workflows/validate", doc, tokens[5]).status == 200);
  for (size_t i : {1u, 2u, 3u, 4u}) {
    BOOST_TEST(server.http().post("/v1/workflows/validate", doc, tokens[i]).status == 403);
  }
}

BOOST_AUTO_TEST_CASE(lists_the_loaded_policies) {
  TestServer server;
  const auto agent = server.token_for("agent.p", "agent");
  auto result = server.http().get("/v1/policies", agent);
  BOOST_TEST(result.status == 200, result.body);
  const auto policies = result.json();

  auto find = [&](const char* kind, const std::string& id) -> nlohmann::json {
    for (const auto& p : policies.at(kind)) {
      if (p.at("id") == id) return p;
    }
    return nullptr;
  };
  const auto office = find("calendars", "cn_office");
  BOOST_REQUIRE(office.is_object());
  BOOST_TEST(!office.at("time_zone").get<std::string>().empty());
  const nlohmann::json complaint_v1{{"workflow", "complaint"}, {"version", 1}};
  const auto& users = office.at("used_by");
  BOOST_TEST((std::find(users.begin(), users.end(), complaint_v1) != users.end()));
  BOOST_TEST(find("calendars", "phone_hours").is_object());  // defined, whoever uses it

  const auto sla = find("sla_policies", "default");
  BOOST_REQUIRE(sla.is_object());
  BOOST_TEST(sla.at("calendar") == "cn_office");
  BOOST_TEST(sla.at("targets").contains("critical"));
  BOOST_TEST(find("escalation_policies", "default").is_object());
  const auto compensation = find("compensation_policies", "default");
  BOOST_REQUIRE(compensation.is_object());
  BOOST_TEST(compensation.at("currency").get<std::string>().size() == 3u);
  BOOST_TEST(!compensation.at("authority").empty());
}

BOOST_AUTO_TEST_CASE(reads_one_policy_as_its_file_defines_it) {
  TestServer server;
  const auto agent = server.token_for("agent.p", "agent");
  const nlohmann::json complaint_v1{{"workflow", "complaint"}, {"version", 1}};
  auto uses = [&](const nlohmann::json& body, const nlohmann::json& ref) {
    const auto& users = body.at("used_by");
    return std::find(users.begin(), users.end(), ref) != users.end();
  };

  // A calendar is its object in the calendars file, which defines several.
  const auto calendars = read_json("workflows/calendars.json");
  const auto& defined = calendars.at("calendars");
  BOOST_REQUIRE(defined.size() >= 2u);
  for (const auto& calendar : defined) {
    const auto id = calendar.at("id").get<std::string>();
    auto result = server.http().get("/v1/policies/calendar/" + id, agent);
    BOOST_TEST(result.status == 200, result.body);
    BOOST_TEST(result.header("content-type") == "application/json");
    const auto body = result.json();
    BOOST_TEST(body.at("kind") == "calendar");
    BOOST_TEST(body.at("id") == id);
    BOOST_TEST((body.at("document") == calendar), id);
    BOOST_TEST(body.at("used_by").is_array());
  }
  const auto office = server.http().get("/v1/policies/calendar/cn_office", agent).json();
  BOOST_TEST(uses(office, complaint_v1), office.dump());

  // The other kinds are whole files, one policy each.
  for (const auto& [kind, file] : std::vector<std::pair<std::string, std::string>>{
           {"sla", "workflows/sla.json"},
           {"escalation", "workflows/escalation.json"},
           {"compensation", "workflows/compensation.json"}}) {
    const auto shipped = read_json(file);
    const auto id = shipped.at("id").get<std::string>();
    auto result = server.http().get("/v1/policies/" + kind + "/" + id, agent);
    BOOST_TEST(result.status == 200, result.body);
    const auto body = result.json();
    BOOST_TEST(body.at("kind") == kind);
    BOOST_TEST(body.at("id") == id);
    BOOST_TEST((body.at("document") == shipped), kind);
    BOOST_TEST(uses(body, complaint_v1), kind << ": " << body.at("used_by").dump());
  }

  // Every entry of the listing reads back under its kind with the same users.
  const auto listing = server.http().get("/v1/policies", agent).json();
  size_t entries = 0;
  for (const auto& [list_key, kind] : std::vector<std::pair<std::string, std::string>>{
           {"calendars", "calendar"},
           {"sla_policies", "sla"},
           {"escalation_policies", "escalation"},
           {"compensation_policies", "compensation"}}) {
    for (const auto& entry : listing.at(list_key)) {
      ++entries;
      const auto id = entry.at("id").get<std::string>();
      auto one = server.http().get("/v1/policies/" + kind + "/" + id, agent);
      BOOST_TEST(one.status == 200, kind << "/" << id);
      BOOST_TEST((one.json().at("used_by") == entry.at("used_by")), kind << "/" << id);
    }
  }
  BOOST_TEST(entries >= 5u);

  // Unknown kinds and ids: 404 problems naming what exists.
  for (const std::string kind : {"calendars", "sla_policy", "workflow", "nope"}) {
    auto result = server.http().get("/v1/policies/" + kind + "/default", agent);
    BOOST_TEST(result.status == 404, kind);
    BOOST_TEST(result.header("content-type") == "application/problem+json");
    const auto body = result.json();
    BOOST_TEST(body.at("code") == "NOT_FOUND");
    const auto detail = body.at("detail").get<std::string>();
    BOOST_TEST(detail.find("'" + kind + "'") != std::string::npos, detail);
    BOOST_TEST(detail.find("calendar, sla, escalation, compensation") != std::string::npos, detail);
  }
  auto no_sla = server.http().get("/v1/policies/sla/strict", agent);
  BOOST_TEST(no_sla.status == 404);
  const auto no_sla_body = no_sla.json();
  BOOST_TEST(no_sla_body.at("code") == "NOT_FOUND");
  const auto no_sla_detail = no_sla_body.at("detail").get<std::string>();
  BOOST_TEST(no_sla_detail.find("SLA policy 'strict'") != std::string::npos, no_sla_detail);
  BOOST_TEST(no_sla_detail.find("default") != std::string::npos, no_sla_detail);
  // Ids are per kind: "default" is an SLA policy, not a calendar.
  auto no_calendar = server.http().get("/v1/policies/calendar/default", agent);
  BOOST_TEST(no_calendar.status == 404);
  BOOST_TEST(no_calendar.json().at("detail").get<std::string>().find("cn_office") !=
             std::string::npos);
  BOOST_TEST(server.http().get("/v1/policies/sla/default?verbose=1", agent).status == 400);
}

// An escalation policy answers its rules' reasons as labels, by rule id, so a client words a rule
// escalation (whose journal entry names the rule as data.rule_id) in its reader's language.
BOOST_AUTO_TEST_CASE(an_escalation_policy_answers_its_rule_reasons_as_labels) {
  TestServer server;
  const auto agent = server.token_for("agent.p", "agent");
  const auto body = server.http().get("/v1/policies/escalation/default", agent).json();
  const auto& reasons = body.at("reason_labels");
  BOOST_TEST(reasons.at("resolution_breach") ==
             (nlohmann::json{{"en", "Resolution overdue"}, {"zh", "解决已超时"}}));
  // Held in a named value: a range-for over a member of a temporary would iterate freed memory.
  const auto shipped = read_json("workflows/escalation.json");
  for (const auto& rule : shipped.at("rules")) {
    const auto id = rule.at("id").get<std::string>();
    BOOST_TEST(reasons.contains(id) == rule.contains("reason"), id);
    if (reasons.contains(id)) BOOST_TEST(reasons.at(id).contains("zh"), id);
  }
  const auto sla = server.http().get("/v1/policies/sla/default", agent).json();
  BOOST_TEST(!sla.contains("reason_labels"));  // escalation policies only
}

// The document is the one loaded at start-up, kept by the catalog: editing the file afterwards
// changes nothing the server says until it loads its definitions again.
BOOST_AUTO_TEST_CASE(a_policy_is_served_as_loaded_not_as_its_file_is_now) {
  ApiTempDir dir;
  const auto workflows = std::filesystem::path(dir.file("workflows"));
  std::filesystem::create_directories(workflows);
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(REDRESS_SOURCE_DIR) + "/workflows")) {
    if (entry.path().extension() == ".json") {
      std::filesystem::copy_file(entry.path(), workflows / entry.path().filename());
    }
  }
  api::ServerConfig config;
  config.workflows_dir = workflows.string();
  TestServer server(config);
  const auto agent = server.token_for("agent.p", "agent");
  const auto loaded = read_json("workflows/sla.json");

  auto edited = loaded;
  edited["warning_percent"] = 10;
  edited["title"] = "edited after start-up";
  {
    std::ofstream out((workflows / "sla.json").string(), std::ios::trunc);
    out << edited.dump(2);
  }
  std::ifstream written((workflows / "sla.json").string());
  BOOST_TEST_REQUIRE((nlohmann::json::parse(written) == edited));  // the file did change

  auto result = server.http().get("/v1/policies/sla/default", agent);
  BOOST_TEST(result.status == 200, result.body);
  BOOST_TEST((result.json().at("document") == loaded), result.body);
}

BOOST_AUTO_TEST_CASE(validates_a_valid_definition) {
  TestServer server;
  const auto& admin = server.admin_token();

  // The shipped file as it is: the loaded policies resolve its references.
  auto same =
      server.http().post("/v1/workflows/validate", read_json("workflows/complaint.json"), admin);
  BOOST_TEST(same.status == 200, same.body);
  BOOST_TEST(same.json().at("valid") == true, same.body);
  BOOST_TEST(error_codes(same.json()).empty());

  // A new version of it, with another title.
  auto next = read_json("workflows/complaint.json");
  next["version"] = 4;  // version 3 is shipped
  next["title"] = "Customer complaint, second edition";
  auto second = server.http().post("/v1/workflows/validate", next, admin);
  BOOST_TEST(second.json().at("valid") == true, second.body);

  // Nothing was installed.
  BOOST_TEST(server.http().get("/v1/workflows/complaint/versions/4", admin).status == 404);

  // Several documents at once: the new version and a policy it can use.
  auto sla = read_json("workflows/sla.json");
  sla["id"] = "strict";
  next["policies"]["sla"] = "strict";
  auto several = server.http().post("/v1/workflows/validate", {{"documents", {next, sla}}}, admin);
  BOOST_TEST(several.status == 200);
  BOOST_TEST(several.json().at("valid") == true, several.body);
}

BOOST_AUTO_TEST_CASE(reports_every_problem_of_a_broken_definition) {
  TestServer server;
  const auto& admin = server.admin_token();

  // An edited copy of complaint.json: a transition into a state that does not exist.
  auto edited = read_json("workflows/complaint.json");
  edited["version"] = 4;
  edited["transitions"][0]["to"] = "no_such_state";
  edited["policies"]["escalation"] = "no_such_policy";
  auto result = server.http().post("/v1/workflows/validate", edited, admin);
  BOOST_TEST(result.status == 200, result.body);
  const auto report = result.json();
  BOOST_TEST(report.at("valid") == false);
  BOOST_TEST(has_problem(report, "UNKNOWN_STATE", "/transitions/0/to", "document"), result.body);
  BOOST_TEST(has_problem(report, "UNKNOWN_POLICY", "/policies/escalation", "document"),
             result.body);

  // The broken test fixture: many problems, each with a code, a pointer and its file.
  auto broken = server.http().request(http::verb::post, "/v1/workflows/validate",
                                      read_text("tests/data/broken_workflow.json"), admin);
  BOOST_TEST(broken.status == 200, broken.body);
  const auto broken_report = broken.json();
  BOOST_TEST(broken_report.at("valid") == false);
  const auto codes = error_codes(broken_report);
  BOOST_TEST(codes.size() >= 5u, broken.body);
  for (const std::string code : {"UNKNOWN_CALENDAR", "DUPLICATE_NAME", "UNKNOWN_ROLE"}) {
    BOOST_TEST(codes.count(code) >= 1u, code << " in " << broken.body);
  }
  for (const auto& p : broken_report.at("problems")) {
    BOOST_TEST(!p.at("code").get<std::string>().empty());
    BOOST_TEST(p.at("file") == "document");
  }

  // The same version number with other content: the server would refuse it.
  auto changed = read_json("workflows/complaint.json");
  changed["initial_state"] = "analysing";  // changed without a new version
  auto version_changed = server.http().post("/v1/workflows/validate", changed, admin);
  BOOST_TEST(version_changed.json().at("valid") == false);
  BOOST_TEST(has_problem(version_changed.json(), "VERSION_CHANGED", "/version", "document"),
             version_changed.body);

  // A policy change is checked against the loaded workflows that use it.
  auto sla = read_json("workflows/sla.json");
  sla["calendar"] = "no_such_calendar";
  auto policy = server.http().post("/v1/workflows/validate", sla, admin);
  BOOST_TEST(policy.json().at("valid") == false);
  BOOST_TEST(has_problem(policy.json(), "UNKNOWN_CALENDAR", "/calendar", "document"), policy.body);

  // Several documents: problems are tagged with the document they are in.
  auto several = server.http().post(
      "/v1/workflows/validate", {{"documents", {read_json("workflows/complaint.json"), 7}}}, admin);
  BOOST_TEST(several.status == 200, several.body);
  BOOST_TEST(several.json().at("valid") == false);
  const auto several_report = several.json();
  for (const auto& p : several_report.at("problems")) {
    BOOST_TEST(p.at("file") == "documents/1");
  }
  // A document with no kind is an invalid definition, not a bad request.
  auto no_kind = server.http().post("/v1/workflows/validate", {{"id", "x"}}, admin);
  BOOST_TEST(no_kind.status == 200);
  BOOST_TEST(no_kind.json().at("valid") == false);
}

BOOST_AUTO_TEST_CASE(refuses_bodies_that_are_not_json_objects) {
  TestServer server;
  const auto& admin = server.admin_token();
  auto malformed = server.http().request(http::verb::post, "/v1/workflows/validate",
                                         "{\"kind\": \"workflow\",", admin);
  BOOST_TEST(malformed.status == 400);
  BOOST_TEST(malformed.json().at("code") == "MALFORMED_JSON");
  BOOST_TEST(malformed.header("content-type") == "application/problem+json");

  auto empty = server.http().request(http::verb::post, "/v1/workflows/validate", "", admin);
  BOOST_TEST(empty.status == 400);

  auto array = server.http().post("/v1/workflows/validate", nlohmann::json::array({1, 2}), admin);
  BOOST_TEST(array.status == 422);
  BOOST_TEST(array.json().at("code") == "VALIDATION_FAILED");

  for (const nlohmann::json& body :
       {nlohmann::json{{"documents", "complaint.json"}}, nlohmann::json{{"documents", nullptr}},
        nlohmann::json{{"documents", nlohmann::json::array()}},
        nlohmann::json{{"documents", nlohmann::json::array({nlohmann::json::object()})},
                       {"extra", 1}}}) {
    auto result = server.http().post("/v1/workflows/validate", body, admin);
    BOOST_TEST(result.status == 422, body.dump());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
