// /v1/sessions and /v1/me through a real server on the fake clock: a person's API token is
// exchanged for a short-lived session that acts as the token, is refreshed and revoked, expires
// on the server's clock (idle and absolute), ends with its parent token or its user's rights,
// shares the parent's rate limit, closes its streams when revoked, and survives a restart.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/http/server_config.h"
#include "tests/api/server_test_support.h"
#include "tests/api/websocket_test_client.h"

namespace redress::testing {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

HttpResult post_empty(TestServer& server, const std::string& target, const std::string& token) {
  return server.http().request(http::verb::post, target, "", token);
}

HttpResult sign_out(TestServer& server, const std::string& token) {
  return server.http().request(http::verb::delete_, "/v1/sessions/current", "", token);
}

// POST /v1/sessions with `token`; requires the 201 and answers its body.
json open_session(TestServer& server, const std::string& token) {
  auto created = server.http().post("/v1/sessions", json::object(), token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json();
}

std::string at(TestServer& server, std::chrono::minutes later) {
  return format_rfc3339(server.clock().now() + later);
}

// Whether the JSON array `names` holds `name`.
bool lists(const json& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The id of the only token of `user_id`.
std::string token_id_of(TestServer& server, const std::string& user_id) {
  const auto tokens = server.http().get("/v1/tokens?user=" + user_id, server.admin_token()).json();
  BOOST_REQUIRE_EQUAL(tokens.at("tokens").size(), 1U);
  return tokens.at("tokens").at(0).at("id").get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sessions)

BOOST_AUTO_TEST_CASE(create_use_refresh_revoke_then_the_session_is_refused_everywhere) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto created_at = server.clock().now();
  auto created = server.http().post("/v1/sessions", json::object(), agent);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  BOOST_TEST(created.header("location") == "/v1/sessions/current");
  const auto session = created.json();
  const auto secret = session.at("token").get<std::string>();
  BOOST_TEST(secret.rfind("rds_", 0) == 0u);
  BOOST_TEST(secret.size() == 47u);
  BOOST_TEST(session.at("id").get<std::string>().rfind("S-", 0) == 0u);
  BOOST_TEST(session.at("expires_at") == format_rfc3339(created_at + std::chrono::minutes(30)));
  BOOST_TEST(session.at("user_id") == "agent.li");
  BOOST_TEST(session.at("role") == "agent");
  BOOST_TEST(session.at("token_id") == token_id_of(server, "agent.li"));

  // The session acts as the agent.
  auto me = server.http().get("/v1/me", secret);
  BOOST_REQUIRE_MESSAGE(me.status == 200, me.body);
  BOOST_TEST(me.json().at("user").at("id") == "agent.li");
  BOOST_TEST(me.json().at("token").at("kind") == "session");
  BOOST_TEST(me.json().at("session").at("id") == session.at("id"));
  BOOST_TEST(server.http().get("/v1/cases", secret).status == 200);
  BOOST_TEST(server.http().get("/v1/users", secret).status == 403);  // an agent's rights only

  // Refresh: now + TTL, without the secret.
  server.clock().advance(std::chrono::minutes(20));
  auto refreshed = post_empty(server, "/v1/sessions/current/refresh", secret);
  BOOST_REQUIRE_MESSAGE(refreshed.status == 200, refreshed.body);
  BOOST_TEST(refreshed.json() == json({{"id", session.at("id")},
                                       {"expires_at", at(server, std::chrono::minutes(30))}}));
  BOOST_TEST(server.http().get("/v1/me", secret).json().at("session").at("expires_at") ==
             at(server, std::chrono::minutes(30)));

  // Sign out: 204, then 401 everywhere; the API token itself keeps working.
  auto revoked = sign_out(server, secret);
  BOOST_TEST(revoked.status == 204, revoked.body);
  for (const auto& r :
       {server.http().get("/v1/me", secret), server.http().get("/v1/cases", secret),
        post_empty(server, "/v1/sessions/current/refresh", secret), sign_out(server, secret)}) {
    BOOST_TEST(r.status == 401, r.body);
    BOOST_TEST(problem_code(r) == "UNAUTHENTICATED");
  }
  BOOST_TEST(
      server.http().get("/v1/me", secret).json().at("detail").get<std::string>().find("revoked") !=
      std::string::npos);
  BOOST_TEST(server.http().get("/v1/me", agent).status == 200);

  // Sessions are not API tokens: the token listing does not show them.
  const auto tokens =
      server.http().get("/v1/tokens?include_revoked=true", server.admin_token()).json();
  for (const auto& t : tokens.at("tokens")) {  // iterates a member of a named JSON value
    BOOST_TEST(t.at("id").get<std::string>().rfind("S-", 0) != 0u);
  }
}

BOOST_AUTO_TEST_CASE(the_body_is_empty_or_an_empty_object) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  BOOST_TEST(post_empty(server, "/v1/sessions", agent).status == 201);
  auto unknown = server.http().post("/v1/sessions", {{"label", "desk"}}, agent);
  BOOST_TEST(unknown.status == 422, unknown.body);
  BOOST_TEST(unknown.json().at("errors").at(0).at("pointer") == "/label");
  const auto secret = open_session(server, agent).at("token").get<std::string>();
  auto refresh = server.http().post("/v1/sessions/current/refresh", {{"ttl", 60}}, secret);
  BOOST_TEST(refresh.status == 422, refresh.body);
}

BOOST_AUTO_TEST_CASE(a_session_expires_on_the_servers_clock_and_refresh_stops_at_its_end) {
  api::ServerConfig config;
  config.session_ttl = std::chrono::minutes(30);
  config.session_max_age = std::chrono::hours(1);
  TestServer server(config);
  const auto agent = server.token_for("agent.li", "agent");

  // Idle: unused and unrefreshed past its TTL, it is refused.
  const auto idle = open_session(server, agent).at("token").get<std::string>();
  server.clock().advance(std::chrono::minutes(29));
  BOOST_TEST(server.http().get("/v1/me", idle).status == 200);
  server.clock().advance(std::chrono::minutes(1));
  auto expired = server.http().get("/v1/me", idle);
  BOOST_TEST(expired.status == 401);
  BOOST_TEST(expired.json().at("detail").get<std::string>().find("expired") != std::string::npos);
  BOOST_TEST(post_empty(server, "/v1/sessions/current/refresh", idle).status == 401);

  // Kept alive by refreshes, but never past --session-max-age from its creation.
  const auto kept = open_session(server, agent).at("token").get<std::string>();
  const auto opened = server.clock().now();
  server.clock().advance(std::chrono::minutes(25));
  BOOST_TEST(post_empty(server, "/v1/sessions/current/refresh", kept).json().at("expires_at") ==
             format_rfc3339(opened + std::chrono::minutes(55)));
  server.clock().advance(std::chrono::minutes(25));
  BOOST_TEST(post_empty(server, "/v1/sessions/current/refresh", kept).json().at("expires_at") ==
             format_rfc3339(opened + std::chrono::hours(1)));
  server.clock().advance(std::chrono::minutes(9));
  BOOST_TEST(server.http().get("/v1/me", kept).status == 200);
  server.clock().advance(std::chrono::minutes(1));
  BOOST_TEST(server.http().get("/v1/me", kept).status == 401);

  // A token that expires sooner caps its sessions.
  const auto soon = server.clock().now() + std::chrono::minutes(10);
  auto short_token = server.http().post(
      "/v1/tokens", {{"user_id", "agent.li"}, {"expires_at", format_rfc3339(soon)}},
      server.admin_token());
  BOOST_REQUIRE_MESSAGE(short_token.status == 201, short_token.body);
  const auto capped = open_session(server, short_token.json().at("token").get<std::string>());
  BOOST_TEST(capped.at("expires_at") == format_rfc3339(soon));
}

BOOST_AUTO_TEST_CASE(an_integration_token_and_a_session_may_not_open_a_session) {
  TestServer server;
  auto integration = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"label", "erp"}, {"scopes", all_token_scopes()}},
      server.admin_token());
  BOOST_REQUIRE(integration.status == 201);
  auto refused = server.http().post("/v1/sessions", json::object(),
                                    integration.json().at("token").get<std::string>());
  BOOST_TEST(refused.status == 403, refused.body);
  BOOST_TEST(problem_code(refused) == "FORBIDDEN");
  BOOST_TEST(refused.json().at("detail").get<std::string>().find("belongs to no person") !=
             std::string::npos);

  const auto agent = server.token_for("agent.li", "agent");
  const auto secret = open_session(server, agent).at("token").get<std::string>();
  auto nested = server.http().post("/v1/sessions", json::object(), secret);
  BOOST_TEST(nested.status == 403, nested.body);
  BOOST_TEST(nested.json().at("detail").get<std::string>().find("refresh") != std::string::npos);

  // Refresh and sign-out are for sessions, not API tokens.
  for (const auto& r :
       {post_empty(server, "/v1/sessions/current/refresh", agent), sign_out(server, agent)}) {
    BOOST_TEST(r.status == 403, r.body);
    BOOST_TEST(r.json().at("detail").get<std::string>().find("rds_") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(revoking_the_parent_token_or_changing_the_user_ends_the_session_at_once) {
  TestServer server;
  const auto& admin = server.admin_token();
  const auto li = server.token_for("agent.li", "agent");
  const auto li_session = open_session(server, li).at("token").get<std::string>();
  BOOST_TEST(server.http().get("/v1/me", li_session).status == 200);  // now cached
  BOOST_REQUIRE(
      server.http()
          .request(http::verb::delete_, "/v1/tokens/" + token_id_of(server, "agent.li"), "", admin)
          .status == 200);
  auto after_revoke = server.http().get("/v1/me", li_session);
  BOOST_TEST(after_revoke.status == 401);
  BOOST_TEST(after_revoke.json().at("detail").get<std::string>().find("revoked") !=
             std::string::npos);

  const auto wu = server.token_for("agent.wu", "agent");
  const auto wu_session = open_session(server, wu).at("token").get<std::string>();
  BOOST_TEST(server.http().get("/v1/me", wu_session).status == 200);
  BOOST_REQUIRE(server.http().patch("/v1/users/agent.wu", {{"role", "team_lead"}}, admin).status ==
                200);
  BOOST_TEST(server.http().get("/v1/me", wu_session).status == 401);
  BOOST_TEST(server.http().get("/v1/me", wu).json().at("role") == "team_lead");  // token moved

  const auto zhao = server.token_for("agent.zhao", "agent");
  const auto zhao_session = open_session(server, zhao).at("token").get<std::string>();
  BOOST_TEST(server.http().get("/v1/me", zhao_session).status == 200);
  BOOST_REQUIRE(server.http().patch("/v1/users/agent.zhao", {{"active", false}}, admin).status ==
                200);
  BOOST_TEST(server.http().get("/v1/me", zhao_session).status == 401);
  // Reactivated, the user signs in again: the old session stays ended.
  BOOST_REQUIRE(server.http().patch("/v1/users/agent.zhao", {{"active", true}}, admin).status ==
                200);
  BOOST_TEST(server.http().get("/v1/me", zhao_session).status == 401);
  BOOST_TEST(server.http().get("/v1/me", zhao).status == 200);
}

BOOST_AUTO_TEST_CASE(a_session_shares_its_parent_tokens_rate_limit) {
  api::ServerConfig config;
  config.rate_limit_per_second = 0.001;  // nothing refills on the frozen clock
  config.rate_limit_burst = 4;
  TestServer server(config);
  const auto agent = server.token_for("agent.li", "agent");                        // not counted
  const auto secret = open_session(server, agent).at("token").get<std::string>();  // 1
  BOOST_TEST(server.http().get("/v1/me", secret).status == 200);                   // 2
  BOOST_TEST(server.http().get("/v1/me", secret).status == 200);                   // 3
  BOOST_TEST(server.http().get("/v1/me", agent).status == 200);                    // 4
  BOOST_TEST(server.http().get("/v1/me", secret).status == 429);
  BOOST_TEST(server.http().get("/v1/me", agent).status == 429);
  // A second session draws on the same budget.
  BOOST_TEST(server.http().post("/v1/sessions", json::object(), agent).status == 429);
}

BOOST_AUTO_TEST_CASE(signing_out_closes_the_sessions_streams_and_no_other) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto secret = open_session(server, agent).at("token").get<std::string>();
  const auto open_stream = [&](const WebSocketTestClient::Connect& how) {
    auto client = std::make_unique<WebSocketTestClient>(server.port());
    const auto ec = client->connect(how);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    client->send_text(R"({"type":"subscribe","topics":["team:after_sales"]})");
    BOOST_REQUIRE(client->read_until([](const auto& m) { return m.at("type") == "subscribed"; }));
    return client;
  };
  // The browser's way: the secret as a subprotocol.
  auto session_stream = open_stream({"/v1/stream", "", {"bearer", "bearer." + secret}});
  auto token_stream = open_stream({"/v1/stream", agent, {}});

  BOOST_REQUIRE(sign_out(server, secret).status == 204);
  BOOST_REQUIRE(session_stream->read_until_closed());
  BOOST_TEST(session_stream->close_reason().code ==
             boost::beast::websocket::close_code::policy_error);
  WebSocketTestClient again(server.port());
  BOOST_TEST(again.connect({"/v1/stream", "", {"bearer", "bearer." + secret}}));

  token_stream->send_text(R"({"type":"ping"})");
  BOOST_TEST(
      token_stream->read_until([](const auto& m) { return m.at("type") == "pong"; }).has_value());
  BOOST_TEST(!token_stream->closed());
}

BOOST_AUTO_TEST_CASE(a_session_survives_a_server_restart) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto secret = open_session(server, agent).at("token").get<std::string>();
  server.restart();
  auto me = server.http().get("/v1/me", secret);
  BOOST_TEST(me.status == 200, me.body);
  BOOST_TEST(me.json().at("user").at("id") == "agent.li");
}

// --- GET /v1/me ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(
    me_describes_an_agent_with_the_policys_authority_and_the_role_tables_commands) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto me = server.http().get("/v1/me", agent);
  BOOST_REQUIRE_MESSAGE(me.status == 200, me.body);
  const auto body = me.json();
  BOOST_TEST(body.at("user") == json({{"id", "agent.li"},
                                      {"display_name", body.at("user").at("display_name")},
                                      {"role", "agent"},
                                      {"team_id", "after_sales"},
                                      {"availability", "on_shift"},
                                      {"availability_since", nullptr},
                                      {"skills", json::array()}}));
  BOOST_TEST(body.at("role") == "agent");
  BOOST_TEST(body.at("team").at("id") == "after_sales");
  BOOST_TEST(body.at("team").at("name").is_string());
  BOOST_TEST(body.at("token").at("id") == token_id_of(server, "agent.li"));
  BOOST_TEST(body.at("token").at("kind") == "token");
  BOOST_TEST(body.at("token").at("expires_at").is_null());
  BOOST_TEST(body.at("session").is_null());
  // workflows/compensation.json, policy "default": agent 50.00 per case, 100.00 per customer.
  BOOST_TEST(body.at("authority") ==
             json({{"currency", "CNY"}, {"per_case", 5000}, {"per_customer_30d", 10000}}));
  const auto commands = body.at("commands");
  BOOST_TEST(commands.at(0) == "create");
  BOOST_TEST(lists(commands, "fire_transition"));
  BOOST_TEST(lists(commands, "propose_compensation"));
  BOOST_TEST(!lists(commands, "fire_timer"));
}

BOOST_AUTO_TEST_CASE(me_for_a_supervisor_an_admin_an_integration_token_and_a_session) {
  TestServer server;
  const auto supervisor = server.token_for("sup.chen", "supervisor");
  auto sup = server.http().get("/v1/me", supervisor).json();
  BOOST_TEST(sup.at("role") == "supervisor");
  BOOST_TEST(sup.at("authority") ==
             json({{"currency", "CNY"}, {"per_case", 100000}, {"per_customer_30d", 200000}}));
  const auto sup_commands = sup.at("commands");
  BOOST_TEST(lists(sup_commands, "decide_approval"));

  const auto manager = server.token_for("mgr.zhou", "manager");
  BOOST_TEST(server.http().get("/v1/me", manager).json().at("authority") ==
             json({{"currency", "CNY"}, {"per_case", nullptr}, {"per_customer_30d", nullptr}}));

  // The first-start admin: a person without a team, off the ladder.
  auto admin = server.http().get("/v1/me", server.admin_token()).json();
  BOOST_TEST(admin.at("role") == "admin");
  BOOST_TEST(admin.at("user").at("id") == "admin");
  BOOST_TEST(admin.at("team").is_null());
  BOOST_TEST(admin.at("authority").is_null());
  BOOST_TEST(admin.at("commands").is_array());

  auto created = server.http().post(
      "/v1/tokens",
      {{"role", "integration"}, {"label", "erp feed"}, {"scopes", all_token_scopes()}},
      server.admin_token());
  BOOST_REQUIRE(created.status == 201);
  auto integration = server.http().get("/v1/me", created.json().at("token").get<std::string>());
  BOOST_REQUIRE_MESSAGE(integration.status == 200, integration.body);
  const auto machine = integration.json();
  BOOST_TEST(machine.at("user").is_null());
  BOOST_TEST(machine.at("team").is_null());
  BOOST_TEST(machine.at("role") == "integration");
  BOOST_TEST(machine.at("token").at("label") == "erp feed");
  BOOST_TEST(machine.at("authority").is_null());
  const auto machine_commands = machine.at("commands");
  BOOST_TEST(lists(machine_commands, "mark_compensation_executed"));

  const auto session = open_session(server, supervisor);
  auto through_session = server.http().get("/v1/me", session.at("token").get<std::string>()).json();
  BOOST_TEST(through_session.at("token").at("kind") == "session");
  BOOST_TEST(through_session.at("token").at("id") == session.at("token_id"));
  BOOST_TEST(through_session.at("session") ==
             json({{"id", session.at("id")}, {"expires_at", session.at("expires_at")}}));
  BOOST_TEST(through_session.at("authority") == sup.at("authority"));
  BOOST_TEST(through_session.at("commands") == sup.at("commands"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
