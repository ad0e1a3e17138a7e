// /v1/teams, /v1/users, /v1/tokens through a real server: lifecycle, who may call what,
// validation, secrets never listed, and changes to users and tokens taking effect at once.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

namespace http = boost::beast::http;

// A well-formed token nobody issued.
const std::string kUnknownToken = "rdr_" + std::string(43, 'A');

HttpResult del(TestServer& server, const std::string& target, const std::string& token) {
  return server.http().request(http::verb::delete_, target, "", token);
}

std::set<std::string> error_pointers(const HttpResult& result) {
  std::set<std::string> pointers;
  const auto body = result.json();
  if (body.contains("errors")) {
    for (const auto& e : body["errors"]) pointers.insert(e.at("pointer").get<std::string>());
  }
  return pointers;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_routes)

BOOST_AUTO_TEST_CASE(team_user_token_lifecycle) {
  TestServer server;
  const auto& admin = server.admin_token();
  BOOST_REQUIRE(!admin.empty());

  auto team = server.http().post("/v1/teams", {{"id", "returns"}, {"name", "Returns desk"}}, admin);
  BOOST_TEST(team.status == 201, team.body);
  BOOST_TEST(team.header("location") == "/v1/teams/returns");
  BOOST_TEST(team.json()["name"] == "Returns desk");
  BOOST_TEST(team.json()["created_at"] == "2026-11-23T02:00:00Z");

  auto got_team = server.http().get("/v1/teams/returns", admin);
  BOOST_TEST(got_team.status == 200);
  BOOST_TEST(got_team.json() == team.json());

  auto user = server.http().post("/v1/users",
                                 {{"id", "li.wei"},
                                  {"display_name", "Li Wei (李伟)"},
                                  {"role", "agent"},
                                  {"team_id", "returns"}},
                                 admin);
  BOOST_TEST(user.status == 201, user.body);
  BOOST_TEST(user.header("location") == "/v1/users/li.wei");
  const auto user_json = user.json();
  BOOST_TEST(user_json["role"] == "agent");
  BOOST_TEST(user_json["team_id"] == "returns");
  BOOST_TEST(user_json["active"] == true);
  BOOST_TEST(user_json["display_name"] == "Li Wei (李伟)");

  auto no_team = server.http().post(
      "/v1/users", {{"id", "solo"}, {"display_name", "Solo"}, {"role", "manager"}}, admin);
  BOOST_TEST(no_team.status == 201, no_team.body);
  BOOST_TEST(no_team.json()["team_id"].is_null());

  BOOST_TEST(server.http().get("/v1/users/li.wei", admin).json() == user_json);
  BOOST_TEST(server.http().get("/v1/users/nobody", admin).status == 404);
  BOOST_TEST(server.http().get("/v1/teams/nothing", admin).status == 404);

  auto team_members = server.http().get("/v1/users?team=returns", admin);
  BOOST_TEST(team_members.status == 200);
  BOOST_TEST(team_members.json()["users"].size() == 1u);
  BOOST_TEST(team_members.json()["users"][0]["id"] == "li.wei");

  auto token = server.http().post(
      "/v1/tokens", {{"user_id", "li.wei"}, {"label", "laptop"}, {"expires_at", nullptr}}, admin);
  BOOST_TEST(token.status == 201, token.body);
  const auto token_json = token.json();
  const auto secret = token_json["token"].get<std::string>();
  BOOST_TEST(secret.rfind("rdr_", 0) == 0u);
  BOOST_TEST(token_json["role"] == "agent");  // the user's role
  BOOST_TEST(token_json["user_id"] == "li.wei");
  BOOST_TEST(token_json["label"] == "laptop");
  BOOST_TEST(token_json["expires_at"].is_null());
  BOOST_TEST(token_json["revoked_at"].is_null());
  BOOST_TEST(server.http().get("/v1/tokens", admin).json()["tokens"].size() == 2u);
  BOOST_TEST(token.header("location") == "/v1/tokens/" + token_json["id"].get<std::string>());

  // The new token authenticates.
  BOOST_TEST(server.http().get("/v1/workflows", secret).status == 200);

  // An integration token belongs to no user and needs a role.
  auto integration = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", {"workflows:read"}}, {"label", "crm"}},
      admin);
  BOOST_TEST(integration.status == 201, integration.body);
  BOOST_TEST(integration.json()["user_id"].is_null());
  BOOST_TEST(integration.json()["role"] == "integration");
  BOOST_TEST(
      server.http().get("/v1/workflows", integration.json()["token"].get<std::string>()).status ==
      200);
}

BOOST_AUTO_TEST_CASE(role_matrix) {
  TestServer server;
  const auto& admin = server.admin_token();
  const auto agent = server.token_for("agent.a", "agent");
  const auto lead = server.token_for("lead.a", "team_lead");
  const auto supervisor = server.token_for("sup.a", "supervisor");
  const auto manager = server.token_for("mgr.a", "manager");
  auto integration = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", {"cases:read", "workflows:read"}}}, admin);
  BOOST_REQUIRE(integration.status == 201);
  const auto system = integration.json()["token"].get<std::string>();
  const auto token_id = integration.json()["id"].get<std::string>();

  struct Call {
    http::verb method;
    std::string target;
    nlohmann::json body;
  };
  const std::vector<Call> admin_writes = {
      {http::verb::post, "/v1/teams", {{"id", "t2"}, {"name", "T2"}}},
      {http::verb::post, "/v1/users", {{"id", "u2"}, {"display_name", "U2"}, {"role", "agent"}}},
      {http::verb::post,
       "/v1/tokens",
       {{"role", "integration"}, {"scopes", {"cases:read", "workflows:read"}}}},
      {http::verb::patch, "/v1/users/agent.a", {{"role", "manager"}}},
      {http::verb::delete_, "/v1/tokens/" + token_id, nullptr},
  };
  for (const auto& call : admin_writes) {
    const std::string body = call.body.is_null() ? "" : call.body.dump();
    for (const auto* token : {&agent, &lead, &supervisor, &manager, &system}) {
      auto result = server.http().request(call.method, call.target, body, *token);
      BOOST_TEST(result.status == 403, call.target << ": " << result.body);
      BOOST_TEST(problem_code(result) == "FORBIDDEN");
    }
    auto anonymous = server.http().request(call.method, call.target, body);
    BOOST_TEST(anonymous.status == 401, call.target);
    BOOST_TEST(anonymous.header("www-authenticate").find("Bearer") == 0u);
    BOOST_TEST(server.http().request(call.method, call.target, body, kUnknownToken).status == 401);
    BOOST_TEST(server.http().request(call.method, call.target, body, "not-a-token").status == 401);
  }

  // Readers of the directory: admin, team_lead, supervisor, manager; not agents or integrations.
  for (const std::string target :
       {"/v1/users", "/v1/users/agent.a", "/v1/teams", "/v1/teams/after_sales"}) {
    for (const auto* token : {&admin, &lead, &supervisor, &manager}) {
      auto result = server.http().get(target, *token);
      BOOST_TEST(result.status == 200, target << ": " << result.body);
    }
    BOOST_TEST(server.http().get(target, agent).status == 403, target);
    BOOST_TEST(server.http().get(target, system).status == 403, target);
    BOOST_TEST(server.http().get(target).status == 401, target);
  }
  // Tokens are for admins only, even to read.
  for (const auto* token : {&agent, &lead, &supervisor, &manager, &system}) {
    BOOST_TEST(server.http().get("/v1/tokens", *token).status == 403);
  }
  BOOST_TEST(server.http().get("/v1/tokens", admin).status == 200);
}

BOOST_AUTO_TEST_CASE(duplicates_are_conflicts) {
  TestServer server;
  const auto& admin = server.admin_token();
  BOOST_TEST(server.http().post("/v1/teams", {{"id", "a"}, {"name", "A"}}, admin).status == 201);
  auto team = server.http().post("/v1/teams", {{"id", "a"}, {"name", "Again"}}, admin);
  BOOST_TEST(team.status == 409);
  BOOST_TEST(problem_code(team) == "ALREADY_EXISTS");
  BOOST_TEST(team.header("content-type") == "application/problem+json");

  const nlohmann::json user{{"id", "u"}, {"display_name", "U"}, {"role", "agent"}};
  BOOST_TEST(server.http().post("/v1/users", user, admin).status == 201);
  auto again = server.http().post("/v1/users", user, admin);
  BOOST_TEST(again.status == 409);
  BOOST_TEST(problem_code(again) == "ALREADY_EXISTS");
  // The existing admin user too.
  BOOST_TEST(
      server.http()
          .post("/v1/users", {{"id", "admin"}, {"display_name", "X"}, {"role", "agent"}}, admin)
          .status == 409);
}

BOOST_AUTO_TEST_CASE(validation_lists_every_problem) {
  TestServer server;
  const auto& admin = server.admin_token();

  // Unknown field, wrong type, missing field and a bad role: one answer naming all four.
  auto user =
      server.http().post("/v1/users", {{"id", 42}, {"role", "wizard"}, {"colour", "blue"}}, admin);
  BOOST_TEST(user.status == 422, user.body);
  BOOST_TEST(problem_code(user) == "VALIDATION_FAILED");
  const std::set<std::string> expected{"/id", "/display_name", "/role", "/colour"};
  BOOST_TEST(error_pointers(user) == expected);

  // "system" is Redress itself, nobody's role.
  auto system = server.http().post("/v1/users",
                                   {{"id", "s"}, {"display_name", "S"}, {"role", "system"}}, admin);
  BOOST_TEST(system.status == 422);
  BOOST_TEST(error_pointers(system) == std::set<std::string>{"/role"});

  // Ids are checked by the store: characters outside [A-Za-z0-9._@-].
  auto bad_id = server.http().post(
      "/v1/users", {{"id", "li wei"}, {"display_name", "Li"}, {"role", "agent"}}, admin);
  BOOST_TEST(bad_id.status == 422, bad_id.body);
  BOOST_TEST(error_pointers(bad_id) == std::set<std::string>{"/id"});

  // A team that does not exist.
  auto bad_team = server.http().post(
      "/v1/users", {{"id", "li"}, {"display_name", "Li"}, {"role", "agent"}, {"team_id", "ghosts"}},
      admin);
  BOOST_TEST(bad_team.status == 404, bad_team.body);
  BOOST_TEST(problem_code(bad_team) == "NOT_FOUND");
  BOOST_TEST(error_pointers(bad_team) == std::set<std::string>{"/team_id"});

  auto team = server.http().post("/v1/teams", {{"name", ""}, {"id", true}}, admin);
  BOOST_TEST(team.status == 422);
  BOOST_TEST(error_pointers(team) == (std::set<std::string>{"/id", "/name"}));

  // Not JSON; not an object; not declared as JSON.
  auto malformed = server.http().request(http::verb::post, "/v1/teams", "{\"id\":", admin);
  BOOST_TEST(malformed.status == 400);
  BOOST_TEST(problem_code(malformed) == "MALFORMED_JSON");
  BOOST_TEST(server.http().post("/v1/teams", nlohmann::json::array(), admin).status == 422);
  BOOST_TEST(server.http()
                 .request(http::verb::post, "/v1/teams", "id=a", admin,
                          {{"Content-Type", "application/x-www-form-urlencoded"}})
                 .status == 415);

  // Tokens: a role or a user is needed; the role must be the user's; expiry in the future.
  auto no_role = server.http().post("/v1/tokens", {{"label", "x"}}, admin);
  BOOST_TEST(no_role.status == 422);
  BOOST_TEST(error_pointers(no_role) == std::set<std::string>{"/role"});
  auto many = server.http().post(
      "/v1/tokens",
      {{"role", "system"}, {"label", 7}, {"expires_at", "yesterday"}, {"secret", "mine"}}, admin);
  BOOST_TEST(many.status == 422);
  BOOST_TEST(error_pointers(many) ==
             (std::set<std::string>{"/role", "/label", "/expires_at", "/secret"}));
  auto past = server.http().post("/v1/tokens",
                                 {{"role", "integration"},
                                  {"scopes", {"cases:read", "workflows:read"}},
                                  {"expires_at", "2026-11-23T01:59:00Z"}},
                                 admin);
  BOOST_TEST(past.status == 422);
  BOOST_TEST(error_pointers(past) == std::set<std::string>{"/expires_at"});
  auto unknown_user = server.http().post("/v1/tokens", {{"user_id", "nobody"}}, admin);
  BOOST_TEST(unknown_user.status == 404);
  BOOST_TEST(error_pointers(unknown_user) == std::set<std::string>{"/user_id"});
  server.token_for("agent.b", "agent");
  auto wrong_role =
      server.http().post("/v1/tokens", {{"user_id", "agent.b"}, {"role", "admin"}}, admin);
  BOOST_TEST(wrong_role.status == 422, wrong_role.body);
  BOOST_TEST(error_pointers(wrong_role) == std::set<std::string>{"/role"});
  BOOST_TEST(
      server.http().post("/v1/tokens", {{"user_id", "agent.b"}, {"role", "agent"}}, admin).status ==
      201);

  // PATCH: the same checks, and 404 for a user that does not exist.
  auto patch = server.http().patch("/v1/users/agent.b",
                                   {{"active", "no"}, {"role", "boss"}, {"id", "x"}}, admin);
  BOOST_TEST(patch.status == 422);
  BOOST_TEST(error_pointers(patch) == (std::set<std::string>{"/active", "/role", "/id"}));
  BOOST_TEST(server.http().patch("/v1/users/nobody", {{"active", false}}, admin).status == 404);
  BOOST_TEST(server.http().patch("/v1/users/agent.b", {{"team_id", "ghosts"}}, admin).status ==
             404);

  // Revoking a token that does not exist.
  BOOST_TEST(del(server, "/v1/tokens/tok_0000000000000000", admin).status == 404);
  BOOST_TEST(del(server, "/v1/tokens/no%20such", admin).status == 404);
}

BOOST_AUTO_TEST_CASE(token_secrets_are_never_listed) {
  TestServer server;
  const auto& admin = server.admin_token();
  const auto secret = server.token_for("agent.c", "agent");
  auto revoked = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", {"cases:read", "workflows:read"}}}, admin);
  const auto revoked_secret = revoked.json()["token"].get<std::string>();
  BOOST_REQUIRE(
      del(server, "/v1/tokens/" + revoked.json()["id"].get<std::string>(), admin).status == 200);

  for (const std::string target :
       {"/v1/tokens", "/v1/tokens?include_revoked=true", "/v1/tokens?user=agent.c"}) {
    auto list = server.http().get(target, admin);
    BOOST_TEST(list.status == 200);
    BOOST_TEST(list.body.find(secret) == std::string::npos);
    BOOST_TEST(list.body.find(revoked_secret) == std::string::npos);
    BOOST_TEST(list.body.find(admin) == std::string::npos);
    const auto listed = list.json();
    for (const auto& token : listed["tokens"]) {
      BOOST_TEST(!token.contains("token"));
      BOOST_TEST(!token.contains("hash"));
      BOOST_TEST(!token.contains("token_hash"));
    }
  }
  BOOST_TEST(server.http().get("/v1/tokens", admin).json()["tokens"].size() == 2u);
  BOOST_TEST(server.http().get("/v1/tokens?include_revoked=true", admin).json()["tokens"].size() ==
             3u);
  auto mine = server.http().get("/v1/tokens?user=agent.c", admin).json()["tokens"];
  BOOST_TEST(mine.size() == 1u);
  BOOST_TEST(mine[0]["user_id"] == "agent.c");
  BOOST_TEST(server.http().get("/v1/tokens?include_revoked=maybe", admin).status == 400);
  BOOST_TEST(server.http().get("/v1/tokens?owner=agent.c", admin).status == 400);
}

BOOST_AUTO_TEST_CASE(revoked_token_is_refused_at_once) {
  TestServer server;
  const auto& admin = server.admin_token();
  auto created = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", {"cases:read", "workflows:read"}}}, admin);
  const auto secret = created.json()["token"].get<std::string>();
  const auto id = created.json()["id"].get<std::string>();
  // Used once, so the authenticator has its grant cached.
  BOOST_TEST(server.http().get("/v1/workflows", secret).status == 200);

  auto revoked = del(server, "/v1/tokens/" + id, admin);
  BOOST_TEST(revoked.status == 200, revoked.body);
  BOOST_TEST(revoked.json()["revoked_at"] == "2026-11-23T02:00:00Z");
  BOOST_TEST(!revoked.json().contains("token"));

  auto refused = server.http().get("/v1/workflows", secret);
  BOOST_TEST(refused.status == 401);
  BOOST_TEST(problem_code(refused) == "UNAUTHENTICATED");
  BOOST_TEST(refused.body.find(secret) == std::string::npos);

  // A second revoke keeps the first time.
  server.clock().advance(std::chrono::minutes(5));
  auto again = del(server, "/v1/tokens/" + id, admin);
  BOOST_TEST(again.status == 200);
  BOOST_TEST(again.json()["revoked_at"] == "2026-11-23T02:00:00Z");
}

BOOST_AUTO_TEST_CASE(the_last_admin_credential_cannot_be_revoked_or_demoted) {
  TestServer server;
  const auto& admin = server.admin_token();
  std::string admin_token_id;
  const auto tokens = server.http().get("/v1/tokens", admin).json();
  for (const auto& token : tokens["tokens"]) {
    if (token["role"] == "admin") admin_token_id = token["id"].get<std::string>();
  }
  BOOST_REQUIRE(!admin_token_id.empty());
  auto refused = del(server, "/v1/tokens/" + admin_token_id, admin);
  BOOST_TEST(refused.status == 409, refused.body);
  BOOST_TEST(problem_code(refused) == "LAST_ADMIN");
  BOOST_TEST(server.http().get("/v1/tokens", admin).status == 200);  // still works

  // A second admin with a token: the first credential may go, the second may then not.
  BOOST_TEST(
      server.http()
          .post("/v1/users", {{"id", "root2"}, {"display_name", "Root"}, {"role", "admin"}}, admin)
          .status == 201);
  auto second = server.http().post("/v1/tokens", {{"user_id", "root2"}}, admin);
  BOOST_REQUIRE(second.status == 201);
  const auto second_secret = second.json()["token"].get<std::string>();
  BOOST_TEST(del(server, "/v1/tokens/" + admin_token_id, admin).status == 200);
  auto demote = server.http().patch("/v1/users/root2", {{"role", "manager"}}, second_secret);
  BOOST_TEST(demote.status == 409, demote.body);
  BOOST_TEST(problem_code(demote) == "LAST_ADMIN");
  auto leave = server.http().patch("/v1/users/root2", {{"active", false}}, second_secret);
  BOOST_TEST(problem_code(leave) == "LAST_ADMIN");
}

BOOST_AUTO_TEST_CASE(deactivated_user_is_refused_at_once) {
  TestServer server;
  const auto& admin = server.admin_token();
  const auto token = server.token_for("leaver", "supervisor");
  BOOST_TEST(server.http().get("/v1/users", token).status == 200);

  auto deactivated = server.http().patch("/v1/users/leaver", {{"active", false}}, admin);
  BOOST_TEST(deactivated.status == 200, deactivated.body);
  BOOST_TEST(deactivated.json()["active"] == false);
  BOOST_TEST(deactivated.json()["role"] == "supervisor");  // untouched fields keep their values
  BOOST_TEST(deactivated.json()["team_id"] == "after_sales");
  auto refused = server.http().get("/v1/users", token);
  BOOST_TEST(refused.status == 401);
  BOOST_TEST(problem_code(refused) == "UNAUTHENTICATED");

  // A deactivated user gets no new token either.
  BOOST_TEST(server.http().post("/v1/tokens", {{"user_id", "leaver"}}, admin).status == 422);

  BOOST_TEST(server.http().patch("/v1/users/leaver", {{"active", true}}, admin).status == 200);
  BOOST_TEST(server.http().get("/v1/users", token).status == 200);
}

BOOST_AUTO_TEST_CASE(role_and_team_changes_apply_to_existing_tokens) {
  TestServer server;
  const auto& admin = server.admin_token();
  const auto token = server.token_for("climber", "agent");
  BOOST_TEST(server.http().get("/v1/users", token).status == 403);  // agents may not list people

  auto promoted = server.http().patch(
      "/v1/users/climber", {{"role", "supervisor"}, {"display_name", "Climber, Sr."}}, admin);
  BOOST_TEST(promoted.status == 200, promoted.body);
  BOOST_TEST(promoted.json()["role"] == "supervisor");
  BOOST_TEST(promoted.json()["display_name"] == "Climber, Sr.");
  BOOST_TEST(server.http().get("/v1/users", token).status == 200);
  auto listed = server.http().get("/v1/tokens?user=climber", admin).json()["tokens"];
  BOOST_TEST(listed.size() == 1u);
  BOOST_TEST(listed[0]["role"] == "supervisor");

  // Demoted again: the token loses the authority at once.
  BOOST_TEST(server.http().patch("/v1/users/climber", {{"role", "agent"}}, admin).status == 200);
  BOOST_TEST(server.http().get("/v1/users", token).status == 403);

  // Leaving the team: null and "" both mean no team.
  auto left = server.http().patch("/v1/users/climber", {{"team_id", nullptr}}, admin);
  BOOST_TEST(left.status == 200, left.body);
  BOOST_TEST(left.json()["team_id"].is_null());
  BOOST_TEST(server.http().post("/v1/teams", {{"id", "b"}, {"name", "B"}}, admin).status == 201);
  BOOST_TEST(
      server.http().patch("/v1/users/climber", {{"team_id", "b"}}, admin).json()["team_id"] == "b");
  BOOST_TEST(server.http().patch("/v1/users/climber", {{"team_id", ""}}, admin).json()["team_id"] ==
             nullptr);
}

BOOST_AUTO_TEST_CASE(pagination_covers_every_row_once) {
  api::ServerConfig config;
  config.rate_limit_per_second = 0;  // many requests from one token, on a clock that stands still
  TestServer server(config);
  const auto& admin = server.admin_token();
  std::vector<std::string> created;
  for (int i = 0; i < 11; ++i) {
    const auto id = "team-" + std::to_string(100 + i * 7 % 11);  // not created in id order
    BOOST_REQUIRE(server.http().post("/v1/teams", {{"id", id}, {"name", id}}, admin).status == 201);
    created.push_back(id);
    BOOST_REQUIRE(server.http()
                      .post("/v1/users",
                            {{"id", "user-" + std::to_string(i)},
                             {"display_name", "U"},
                             {"role", "agent"},
                             {"team_id", i % 2 ? id : ""}},
                            admin)
                      .status == 201);
  }
  std::sort(created.begin(), created.end());

  for (int page_size : {1, 3, 11, 50}) {
    std::vector<std::string> seen;
    std::string token;
    int pages = 0;
    do {
      std::string target = "/v1/teams?page_size=" + std::to_string(page_size);
      if (!token.empty()) target += "&page_token=" + token;
      auto page = server.http().get(target, admin);
      BOOST_REQUIRE_MESSAGE(page.status == 200, page.body);
      const auto body = page.json();
      BOOST_TEST(body["teams"].size() <= static_cast<size_t>(page_size));
      for (const auto& team : body["teams"]) seen.push_back(team["id"].get<std::string>());
      token = body["next_page_token"].is_null() ? "" : body["next_page_token"].get<std::string>();
      BOOST_REQUIRE(++pages <= 20);
    } while (!token.empty());
    BOOST_TEST(seen == created, "page_size " << page_size);
    // A page token is given exactly when more rows follow: no empty last page.
    BOOST_TEST(pages == (static_cast<int>(created.size()) + page_size - 1) / page_size);
  }

  // Users (the admin user and 11 more), filtered by team too.
  std::set<std::string> users;
  std::string token;
  do {
    auto page = server.http().get(
        "/v1/users?page_size=5" + (token.empty() ? "" : "&page_token=" + token), admin);
    BOOST_REQUIRE(page.status == 200);
    const auto body = page.json();
    for (const auto& user : body["users"]) {
      BOOST_TEST(users.insert(user["id"].get<std::string>()).second);
    }
    token = body["next_page_token"].is_null() ? "" : body["next_page_token"].get<std::string>();
  } while (!token.empty());
  BOOST_TEST(users.size() == 12u);
  auto in_team = server.http().get("/v1/users?team=team-107&page_size=1000", admin);
  BOOST_TEST(in_team.json()["users"].size() == 1u);
  BOOST_TEST(in_team.json().at("next_page_token").is_null());

  // Tokens page the same way.
  for (int i = 0; i < 4; ++i) {
    BOOST_REQUIRE(server.http()
                      .post("/v1/tokens",
                            {{"role", "integration"}, {"scopes", {"cases:read", "workflows:read"}}},
                            admin)
                      .status == 201);
  }
  auto first = server.http().get("/v1/tokens?page_size=3", admin).json();
  BOOST_TEST(first["tokens"].size() == 3u);
  auto second = server.http().get(
      "/v1/tokens?page_size=3&page_token=" + first["next_page_token"].get<std::string>(), admin);
  BOOST_TEST(second.json()["tokens"].size() == 2u);  // 4 + the admin token
  BOOST_TEST(second.json().at("next_page_token").is_null());

  // Bad paging parameters.
  for (const std::string query : {"page_token=%21%21", "page_token=dGVhbXM6", "page_size=0",
                                  "page_size=1001", "page_size=ten", "page_token=", "colour=red"}) {
    auto bad = server.http().get("/v1/teams?" + query, admin);
    BOOST_TEST(bad.status == 400, query << ": " << bad.body);
    BOOST_TEST(problem_code(bad) == "INVALID_QUERY");
  }
  // A token of another listing is refused too.
  const auto users_token = server.http().get("/v1/users?page_size=1", admin).json();
  BOOST_TEST(
      server.http()
          .get("/v1/teams?page_token=" + users_token["next_page_token"].get<std::string>(), admin)
          .status == 400);
}

BOOST_AUTO_TEST_CASE(expired_token_is_refused) {
  TestServer server;
  const auto& admin = server.admin_token();
  auto created = server.http().post("/v1/tokens",
                                    {{"role", "integration"},
                                     {"scopes", {"cases:read", "workflows:read"}},
                                     {"label", "short"},
                                     {"expires_at", "2026-11-23T10:05:00+08:00"}},
                                    admin);
  BOOST_TEST(created.status == 201, created.body);
  BOOST_TEST(created.json()["expires_at"] == "2026-11-23T02:05:00Z");
  const auto secret = created.json()["token"].get<std::string>();
  BOOST_TEST(server.http().get("/v1/workflows", secret).status == 200);

  server.clock().advance(std::chrono::minutes(4));
  BOOST_TEST(server.http().get("/v1/workflows", secret).status == 200);
  server.clock().advance(std::chrono::minutes(1));
  auto expired = server.http().get("/v1/workflows", secret);
  BOOST_TEST(expired.status == 401);
  BOOST_TEST(problem_code(expired) == "UNAUTHENTICATED");
  BOOST_TEST(expired.json()["detail"].get<std::string>().find("expired") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
