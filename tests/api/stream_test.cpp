// GET /v1/stream: the StreamHub behind a tiny listener of its own, over real sockets, on the
// database of a real TestServer. Events are committed straight through the store (as the API
// and the timer loop do), then the hub is poked — or left to find them at its next poll.
#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "api/delivery/stream_hub.h"
#include "api/http/token_codec.h"
#include "api/server/api_server.h"
#include "storage/await.h"
#include "tests/api/server_test_support.h"
#include "tests/api/websocket_test_client.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::testing;
using nlohmann::json;

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

// Accepts connections, reads one HTTP request each and hands WebSocket upgrades to the hub —
// what the server's Listener and HttpSession do, in a few lines.
class StreamTestListener {
 public:
  StreamTestListener(TestServer& server, size_t queue_limit, int threads = 2)
      : acceptor_(net::make_strand(ioc_)) {
    auto& auth = server.server().context().auth;
    hub_ = std::make_unique<api::StreamHub>(
        ioc_, server.server().store(),
        [&auth](const api::Request& request, Instant now) {
          return auth.authenticate(request[api::http::field::authorization], now);
        },
        server.clock(), queue_limit);
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  ~StreamTestListener() {
    hub_->stop();
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    ioc_.stop();
    for (auto& t : threads_) t.join();
    hub_.reset();
  }

  api::StreamHub& hub() { return *hub_; }
  std::uint16_t port() const { return port_; }

 private:
  struct Upgrade {
    explicit Upgrade(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    api::Request request;
  };

  void accept() {
    acceptor_.async_accept(
        net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
          if (ec) return;
          auto upgrade = std::make_shared<Upgrade>(std::move(socket));
          upgrade->stream.expires_after(std::chrono::seconds(30));
          api::http::async_read(upgrade->stream, upgrade->buffer, upgrade->request,
                                [this, upgrade](beast::error_code read_error, size_t) {
                                  if (read_error) return;
                                  upgrade->stream.expires_never();
                                  if (websocket::is_upgrade(upgrade->request)) {
                                    hub_->accept(std::move(upgrade->stream),
                                                 std::move(upgrade->request));
                                  }
                                });
          accept();
        });
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::unique_ptr<api::StreamHub> hub_;
  std::uint16_t port_ = 0;
  std::vector<std::thread> threads_;
};

// A token for a new user with `role` in `team`, made straight in the directory.
std::string token_for(TestServer& server, const std::string& user_id, Role role,
                      const std::string& team = "after_sales") {
  auto& directory = server.server().context().directory;
  const auto now = server.clock().now();
  if (!team.empty()) {
    auto created = storage::await_result<storage::Team>([&](auto done) {
      directory.create_team(storage::Team{team, team, now, ""}, std::move(done));
    });
    BOOST_REQUIRE(created.ok() || created.error().code == redress::ErrorCode::kAlreadyExists);
  }
  auto user = storage::await_result<storage::User>([&](auto done) {
    storage::User person;
    person.id = user_id;
    person.display_name = user_id;
    person.role = role;
    person.team_id = team;
    person.created_at = now;
    directory.create_user(std::move(person), std::move(done));
  });
  BOOST_REQUIRE_MESSAGE(user.ok(), (user.ok() ? "" : user.error().message));
  const auto secret = api::generate_token();
  auto token = storage::await_result<storage::ApiToken>([&](auto done) {
    directory.create_token(
        storage::NewToken{secret.id, secret.hash, user_id, role, "stream test", std::nullopt, ""},
        now, std::move(done));
  });
  BOOST_REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  return secret.token;
}

std::string create_case(TestServer& server, const std::string& team = "after_sales") {
  auto command = create_complaint(server.clock().now());
  std::get<CreateCase>(command.command.body).team = team;
  auto outcome = server.server().store().execute(command);
  BOOST_REQUIRE(outcome.ok() && outcome.value().accepted());
  return outcome.value().snapshot.id;
}

void add_comment(TestServer& server, const std::string& case_id, const std::string& text = "note") {
  auto outcome = server.server().store().execute(comment(case_id, server.clock().now(), {}, text));
  BOOST_REQUIRE(outcome.ok() && outcome.value().accepted());
}

storage::CommandOutcome run(TestServer& server, storage::CaseCommand command) {
  auto outcome = server.server().store().execute(std::move(command));
  BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? "" : outcome.error().message));
  BOOST_REQUIRE_MESSAGE(outcome.value().accepted(),
                        (outcome.value().accepted() ? "" : outcome.value().rejection->message));
  return std::move(outcome).value();
}

// The journal after `after_seq`, optionally only the entries `keep` accepts.
std::vector<std::int64_t> journal_seqs(
    TestServer& server, std::int64_t after_seq,
    const std::function<bool(const storage::StoredEvent&)>& keep = {}) {
  auto rows = server.server().store().journal_after(after_seq, 100000);
  BOOST_REQUIRE(rows.ok());
  std::vector<std::int64_t> out;
  for (const auto& e : rows.value()) {
    if (!keep || keep(e)) out.push_back(e.seq);
  }
  return out;
}

std::int64_t journal_end(TestServer& server) {
  const auto all = journal_seqs(server, 0);
  return all.empty() ? 0 : all.back();
}

bool is_event(const json& m) {
  return m.value("type", "") == "event";
}

// Connects with a bearer token; fails the test when the handshake does not succeed.
std::unique_ptr<WebSocketTestClient> connect(std::uint16_t port, const std::string& token) {
  auto client = std::make_unique<WebSocketTestClient>(port);
  const auto ec = client->connect({"/v1/stream", token, {}});
  BOOST_REQUIRE_MESSAGE(!ec, "handshake failed: " + ec.message());
  return client;
}

// Subscribes and returns the `subscribed` reply; errors sent before it go to `errors`.
json subscribe(WebSocketTestClient& client, const std::vector<std::string>& topics,
               std::optional<std::int64_t> after_seq = std::nullopt,
               std::vector<json>* errors = nullptr) {
  json message{{"type", "subscribe"}, {"topics", topics}};
  if (after_seq) message["after_seq"] = *after_seq;
  client.send(message);
  std::vector<json> skipped;
  auto reply = client.read_until([](const json& m) { return m.value("type", "") == "subscribed"; },
                                 &skipped);
  BOOST_REQUIRE_MESSAGE(reply, "no subscribed reply");
  for (auto& m : skipped) {
    if (errors && m.value("type", "") == "error") errors->push_back(m);
  }
  return *reply;
}

// Reads events until one with seq >= `last` arrives; returns every event read.
std::vector<json> read_events_through(WebSocketTestClient& client, std::int64_t last) {
  std::vector<json> events;
  while (events.empty() || events.back().at("seq").get<std::int64_t>() < last) {
    auto message = client.read();
    BOOST_REQUIRE_MESSAGE(message, "timed out waiting for seq " + std::to_string(last));
    if (is_event(*message)) events.push_back(*message);
  }
  return events;
}

std::vector<std::int64_t> seqs_of(const std::vector<json>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.at("seq").get<std::int64_t>());
  return out;
}

// Sends a ping and returns every message read before the pong (a barrier: the session answers
// in order).
std::vector<json> until_pong(WebSocketTestClient& client) {
  client.send({{"type", "ping"}, {"id", "barrier"}});
  std::vector<json> before;
  auto pong =
      client.read_until([](const json& m) { return m.value("type", "") == "pong"; }, &before);
  BOOST_REQUIRE_MESSAGE(pong, "no pong");
  BOOST_TEST(pong->value("id", "") == "barrier");
  return before;
}

// Lets the hub catch up with what setup committed, so that a subscription made now starts at
// the journal's end (the hub otherwise finds it at its next poll, and a fresh subscription
// starts from the hub's head: what came just before may still be delivered).
void settle(StreamTestListener& listener, TestServer& server) {
  const auto end = journal_end(server);
  listener.hub().poke();
  BOOST_REQUIRE(eventually([&] { return listener.hub().head() >= end; }));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream)

// --- the handshake --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_unauthenticated_upgrade_gets_a_401_problem_and_no_websocket) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  for (const std::string& token : {std::string(), std::string("rdr_not-a-real-token")}) {
    WebSocketTestClient client(listener.port());
    const auto ec = client.connect({"/v1/stream", token, {}});
    BOOST_TEST((ec == websocket::error::upgrade_declined), ec.message());
    BOOST_TEST(client.response().result_int() == 401u);
    BOOST_TEST(std::string(client.response()[api::http::field::content_type]) ==
               "application/problem+json");
    BOOST_TEST(!client.response()[api::http::field::www_authenticate].empty());
    const auto body = json::parse(client.response().body(), nullptr, false);
    BOOST_TEST(body.value("status", 0) == 401);
    BOOST_TEST(!body.value("detail", "").empty());
    // The detail never echoes the token.
    if (!token.empty()) BOOST_TEST(client.response().body().find(token) == std::string::npos);
  }
  BOOST_TEST(listener.hub().connection_count() == 0u);
}

BOOST_AUTO_TEST_CASE(only_the_stream_path_is_served) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  WebSocketTestClient client(listener.port());
  const auto ec = client.connect({"/v1/elsewhere", token, {}});
  BOOST_TEST((ec == websocket::error::upgrade_declined), ec.message());
  BOOST_TEST(client.response().result_int() == 404u);
  BOOST_TEST(std::string(client.response()[api::http::field::content_type]) ==
             "application/problem+json");
}

BOOST_AUTO_TEST_CASE(a_browser_sends_its_token_as_a_subprotocol_and_bearer_is_selected) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  WebSocketTestClient client(listener.port());
  const auto ec = client.connect({"/v1/stream", "", {"bearer", "bearer." + token}});
  BOOST_REQUIRE_MESSAGE(!ec, ec.message());
  BOOST_TEST(std::string(client.response()[api::http::field::sec_websocket_protocol]) == "bearer");
  BOOST_TEST(until_pong(client).empty());
  BOOST_TEST(listener.hub().connection_count() == 1u);
  client.close();
  BOOST_TEST(eventually([&] { return listener.hub().connection_count() == 0; }));
}

// --- topics ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_case_topic_gets_that_cases_events_in_order_and_no_other) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  const auto b = create_case(server);
  settle(listener, server);
  auto client = connect(listener.port(), token);
  const auto subscribed = subscribe(*client, {"case:" + a});
  BOOST_TEST(subscribed.at("topics") == json::array({"case:" + a}));
  const auto head = subscribed.at("head").get<std::int64_t>();
  BOOST_TEST(head == journal_end(server));

  for (int i = 0; i < 3; ++i) {
    add_comment(server, a, "on a " + std::to_string(i));
    add_comment(server, b, "on b " + std::to_string(i));
  }
  listener.hub().poke();
  const auto expected =
      journal_seqs(server, head, [&](const storage::StoredEvent& e) { return e.case_id == a; });
  auto events = read_events_through(*client, expected.back());
  for (auto& m : until_pong(*client)) {
    if (is_event(m)) events.push_back(m);
  }
  BOOST_TEST(seqs_of(events) == expected, boost::test_tools::per_element());
  std::int64_t previous_case_seq = 0;
  for (const auto& m : events) {
    BOOST_TEST(m.at("case_id") == a);
    BOOST_TEST(m.at("topics") == json::array({"case:" + a}));
    BOOST_TEST(m.at("case_seq").get<std::int64_t>() > previous_case_seq);
    previous_case_seq = m.at("case_seq").get<std::int64_t>();
    BOOST_TEST(m.at("event").contains("type"));
  }
}

BOOST_AUTO_TEST_CASE(a_commands_entries_arrive_together_in_one_events_message) {
  // One send per subscriber per command, not one per journal entry: the fan-out figure in
  // docs/benchmarks.md depends on it.
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  const auto b = create_case(server);
  settle(listener, server);
  auto client = std::make_unique<WebSocketTestClient>(listener.port());
  WebSocketTestClient::Connect how{"/v1/stream", token, {}};
  how.split_events = false;
  BOOST_REQUIRE(!client->connect(how));
  const auto head = subscribe(*client, {"case:" + a}).at("head").get<std::int64_t>();
  // Two comments on case a committed in one transaction, with one on case b between them: the
  // subscriber of a gets both of a's entries in one message, and nothing of b.
  {
    WriterGate gate(server.server().store());
    auto first = server.server().store().submit(comment(a, server.clock().now(), {}, "one"));
    auto other = server.server().store().submit(comment(b, server.clock().now(), {}, "other"));
    auto second = server.server().store().submit(comment(a, server.clock().now(), {}, "two"));
    gate.release();
    BOOST_REQUIRE(first.get().ok() && other.get().ok() && second.get().ok());
  }
  listener.hub().poke();
  const auto expected =
      journal_seqs(server, head, [&](const storage::StoredEvent& e) { return e.case_id == a; });
  BOOST_REQUIRE_GE(expected.size(), 2u);
  auto message = client->read_until([](const json& m) { return m.value("type", "") == "events"; });
  BOOST_REQUIRE(message);
  const auto& entries = message->at("events");
  BOOST_TEST(entries.size() == expected.size());
  BOOST_TEST(message->at("seq").get<std::int64_t>() == expected.back());
  std::vector<std::int64_t> seqs;
  for (const auto& entry : entries) {
    seqs.push_back(entry.at("seq").get<std::int64_t>());
    BOOST_TEST(entry.at("case_id") == a);
    BOOST_TEST(entry.at("topics") == json::array({"case:" + a}));
    BOOST_TEST(entry.at("event").contains("type"));
  }
  BOOST_TEST(seqs == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(events_reach_subscribers_without_a_poke) {
  // Whatever committed the event (the timer loop, another process), the next poll finds it.
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  settle(listener, server);
  auto client = connect(listener.port(), token);
  subscribe(*client, {"case:" + a});
  add_comment(server, a, "nobody pokes");
  auto event = client->read_until(is_event);
  BOOST_REQUIRE(event);
  BOOST_TEST(event->at("event").at("type") == "comment.added");
}

BOOST_AUTO_TEST_CASE(a_team_topic_is_for_members_and_supervisors_and_gets_its_teams_cases) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto agent_token = token_for(server, "agent.li", Role::kAgent, "after_sales");
  const auto lead_token = token_for(server, "lead.wang", Role::kTeamLead, "after_sales");
  const auto supervisor_token = token_for(server, "sup.zhao", Role::kSupervisor, "after_sales");
  const auto ours = create_case(server, "after_sales");
  const auto theirs = create_case(server, "billing");
  settle(listener, server);

  auto agent_client = connect(listener.port(), agent_token);
  std::vector<json> errors;
  auto subscribed = subscribe(*agent_client, {"team:after_sales", "team:billing"}, {}, &errors);
  BOOST_TEST(subscribed.at("topics") == json::array({"team:after_sales"}));
  BOOST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].at("code") == "FORBIDDEN_TOPIC");
  BOOST_TEST(errors[0].at("topic") == "team:billing");
  const auto head = subscribed.at("head").get<std::int64_t>();

  // A team lead leads one team: another team's topic is for supervisors and above.
  auto other_lead_client = connect(listener.port(), lead_token);
  errors.clear();
  subscribe(*other_lead_client, {"team:billing"}, {}, &errors);
  BOOST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].at("code") == "FORBIDDEN_TOPIC");

  auto lead_client = connect(listener.port(), supervisor_token);
  errors.clear();
  subscribed = subscribe(*lead_client, {"team:billing"}, {}, &errors);
  BOOST_TEST(errors.empty());
  BOOST_TEST(subscribed.at("topics") == json::array({"team:billing"}));

  add_comment(server, theirs, "billing");
  add_comment(server, ours, "after sales");
  listener.hub().poke();

  const auto ours_expected =
      journal_seqs(server, head, [&](const storage::StoredEvent& e) { return e.case_id == ours; });
  auto got = read_events_through(*agent_client, ours_expected.back());
  for (auto& m : until_pong(*agent_client)) {
    if (is_event(m)) got.push_back(m);
  }
  BOOST_TEST(seqs_of(got) == ours_expected, boost::test_tools::per_element());
  for (const auto& m : got) BOOST_TEST(m.at("topics") == json::array({"team:after_sales"}));

  const auto theirs_expected = journal_seqs(
      server, head, [&](const storage::StoredEvent& e) { return e.case_id == theirs; });
  got = read_events_through(*lead_client, theirs_expected.back());
  BOOST_TEST(seqs_of(got) == theirs_expected, boost::test_tools::per_element());
  for (const auto& m : got) BOOST_TEST(m.at("case_id") == theirs);
}

// Whatever topic an agent subscribes to, it is sent the entries of cases it may read only: its
// team's and those it holds.
BOOST_AUTO_TEST_CASE(an_agent_is_sent_the_entries_of_cases_it_may_read_only) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto agent_token = token_for(server, "agent.zhou", Role::kAgent, "after_sales");
  // (The cases below are held by agent.li: agent.zhou sees them by their team alone.)
  const auto ours = create_case(server, "after_sales");
  const auto theirs = create_case(server, "billing");
  settle(listener, server);

  auto client = connect(listener.port(), agent_token);
  std::vector<json> errors;
  auto subscribed = subscribe(*client, {"case:" + ours, "case:" + theirs}, {}, &errors);
  BOOST_TEST(errors.empty());
  const auto head = subscribed.at("head").get<std::int64_t>();
  add_comment(server, theirs, "billing only");
  add_comment(server, ours, "after sales");
  listener.hub().poke();
  const auto ours_expected =
      journal_seqs(server, head, [&](const storage::StoredEvent& e) { return e.case_id == ours; });
  auto got = read_events_through(*client, ours_expected.back());
  for (auto& m : until_pong(*client)) {
    if (is_event(m)) got.push_back(m);
  }
  BOOST_TEST(seqs_of(got) == ours_expected, boost::test_tools::per_element());

  // Replayed from the journal, the same: the other team's case stays out.
  auto replaying = connect(listener.port(), agent_token);
  subscribe(*replaying, {"case:" + ours, "case:" + theirs}, head);
  got = read_events_through(*replaying, ours_expected.back());
  for (auto& m : until_pong(*replaying)) {
    if (is_event(m)) got.push_back(m);
  }
  BOOST_TEST(seqs_of(got) == ours_expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(all_is_refused_to_an_agent_and_given_to_an_admin) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto agent_token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  settle(listener, server);

  auto agent_client = connect(listener.port(), agent_token);
  std::vector<json> errors;
  auto subscribed = subscribe(*agent_client, {"all"}, {}, &errors);
  BOOST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].at("code") == "FORBIDDEN_TOPIC");
  BOOST_TEST(errors[0].at("topic") == "all");
  BOOST_TEST(errors[0].at("message").get<std::string>().find("agent") != std::string::npos);
  BOOST_TEST(subscribed.at("topics") == json::array());
  BOOST_TEST(until_pong(*agent_client).empty());  // still open, still answering

  auto admin_client = connect(listener.port(), server.admin_token());
  errors.clear();
  subscribed = subscribe(*admin_client, {"all"}, {}, &errors);
  BOOST_TEST(errors.empty());
  BOOST_TEST(subscribed.at("topics") == json::array({"all"}));
  const auto head = subscribed.at("head").get<std::int64_t>();
  add_comment(server, a);
  create_case(server, "billing");
  listener.hub().poke();
  const auto expected = journal_seqs(server, head);
  const auto got = read_events_through(*admin_client, expected.back());
  BOOST_TEST(seqs_of(got) == expected, boost::test_tools::per_element());
  for (const auto& m : got) {
    BOOST_TEST((m.at("topics").front() == "all"));
  }
  BOOST_TEST(until_pong(*agent_client).empty());  // the agent saw none of it
}

BOOST_AUTO_TEST_CASE(approvals_and_escalations_reach_their_topics) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto agent_token = token_for(server, "agent.li", Role::kAgent);
  const auto lead_token = token_for(server, "lead.wang", Role::kTeamLead);
  const auto a = create_case(server);
  settle(listener, server);

  auto agent_client = connect(listener.port(), agent_token);
  std::vector<json> errors;
  subscribe(*agent_client, {"approvals:team_lead", "escalations"}, {}, &errors);
  BOOST_TEST(errors.size() == 2u);

  auto lead_client = connect(listener.port(), lead_token);
  errors.clear();
  const auto subscribed = subscribe(
      *lead_client, {"approvals:agent", "approvals:team_lead", "escalations"}, {}, &errors);
  BOOST_TEST(errors.empty());
  const auto head = subscribed.at("head").get<std::int64_t>();

  const auto now = server.clock().now();
  run(server, confirm(a, now));
  run(server, {a,
               Command{FireTransition{"complete_analysis",
                                      {{"cause", "seam"}, {"fault_party", "supplier"}}},
                       std::nullopt},
               agent(), now});
  // CNY 80 exceeds an agent's authority (see workflows/compensation.json).
  const auto proposed = run(
      server,
      {a, Command{ProposeCompensation{"partial_refund", Money{8000, "CNY"}, "seam"}, std::nullopt},
       agent(), now});
  BOOST_REQUIRE(!proposed.approvals_requested.empty());
  const auto& approval = proposed.approvals_requested.front();
  BOOST_REQUIRE(approval.required_role == "team_lead");
  run(server,
      {a, Command{DecideApproval{approval.approval_id, true, "supplier fault"}, std::nullopt},
       team_lead(), now});
  run(server,
      {a, Command{EscalateCase{"customer very upset", ""}, std::nullopt}, team_lead(), now});
  listener.hub().poke();

  const auto expected = journal_seqs(server, head, [](const storage::StoredEvent& e) {
    return e.event.type == "approval.requested" || e.event.type == "approval.decided" ||
           e.event.type == "case.escalated";
  });
  // The proposal above the agent's authority also escalates the case on its own.
  BOOST_REQUIRE(expected.size() == 4u);
  const auto got = read_events_through(*lead_client, expected.back());
  BOOST_TEST(seqs_of(got) == expected, boost::test_tools::per_element());
  std::vector<std::string> types;
  for (const auto& m : got) {
    const auto type = m.at("event").at("type").get<std::string>();
    types.push_back(type);
    const json topics = type == "case.escalated" ? json::array({"escalations"})
                                                 : json::array({"approvals:team_lead"});
    BOOST_TEST(m.at("topics") == topics, type);
  }
  BOOST_TEST(types == (std::vector<std::string>{"approval.requested", "case.escalated",
                                                "approval.decided", "case.escalated"}),
             boost::test_tools::per_element());
  BOOST_TEST(until_pong(*agent_client).empty());
}

BOOST_AUTO_TEST_CASE(unsubscribing_stops_delivery) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  settle(listener, server);
  auto client = connect(listener.port(), token);
  subscribe(*client, {"case:" + a});
  client->send({{"type", "unsubscribe"}, {"topics", {"case:" + a}}, {"id", 7}});
  const auto reply =
      client->read_until([](const json& m) { return m.value("type", "") == "subscribed"; });
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->at("topics") == json::array());
  BOOST_TEST(reply->at("id") == 7);
  add_comment(server, a);
  listener.hub().poke();
  // Wait until the hub has fanned the comment out, then check nothing came.
  const auto end = journal_end(server);
  BOOST_TEST(eventually([&] { return listener.hub().head() >= end; }));
  BOOST_TEST(until_pong(*client).empty());
}

// --- resume ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_reconnect_with_after_seq_replays_exactly_what_was_missed_then_goes_live) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  const auto b = create_case(server);
  settle(listener, server);
  const auto of_a = [&](const storage::StoredEvent& e) { return e.case_id == a; };

  auto client = connect(listener.port(), token);
  const auto head = subscribe(*client, {"case:" + a}).at("head").get<std::int64_t>();
  for (int i = 0; i < 6; ++i) add_comment(server, a, "before " + std::to_string(i));
  listener.hub().poke();
  const auto first = journal_seqs(server, head, of_a);
  // Read about half, then vanish (unread messages are lost with the connection).
  const auto seen = read_events_through(*client, first[first.size() / 2]);
  const auto last_seen = seen.back().at("seq").get<std::int64_t>();
  client->drop();

  for (int i = 0; i < 6; ++i) {
    add_comment(server, a, "while away " + std::to_string(i));
    add_comment(server, b, "other case " + std::to_string(i));
  }
  listener.hub().poke();

  // Commits keep coming while the client resumes, so the replay and the live tail overlap.
  std::atomic<bool> writing{true};
  std::atomic<int> failed_writes{0};
  std::thread writer([&] {  // no Boost.Test assertions off the main thread
    for (int i = 0; i < 40; ++i) {
      auto outcome = server.server().store().execute(
          comment(i % 2 ? a : b, server.clock().now(), {}, "during resume " + std::to_string(i)));
      if (!outcome.ok() || !outcome.value().accepted()) ++failed_writes;
      listener.hub().poke();
    }
    writing = false;
  });
  auto again = connect(listener.port(), token);
  again->send({{"type", "subscribe"}, {"topics", {"case:" + a}}, {"after_seq", last_seen}});
  std::vector<json> resumed;
  bool got_subscribed = false;
  // Read until the writer is done and the last event of `a` has arrived.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    const bool done_writing = !writing;
    const auto expected_now = journal_seqs(server, last_seen, of_a);
    if (done_writing && got_subscribed && !resumed.empty() &&
        resumed.back().at("seq").get<std::int64_t>() >= expected_now.back()) {
      break;
    }
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < until, "timed out while resuming");
    auto message = again->read(std::chrono::milliseconds(100));
    if (!message) continue;
    if (message->value("type", "") == "subscribed") {
      got_subscribed = true;
      BOOST_TEST(resumed.empty());  // the reply comes before the replay
    } else if (is_event(*message)) {
      resumed.push_back(*message);
    }
  }
  writer.join();
  BOOST_TEST(failed_writes == 0);
  for (auto& m : until_pong(*again)) {
    if (is_event(m)) resumed.push_back(m);
  }
  // Exactly the journal after last_seen for case a: no gap, no duplicate, in order.
  BOOST_TEST(seqs_of(resumed) == journal_seqs(server, last_seen, of_a),
             boost::test_tools::per_element());

  // And live from there on.
  const auto before = journal_end(server);
  add_comment(server, a, "after resume");
  listener.hub().poke();
  const auto expected_live = journal_seqs(server, before, of_a);
  const auto live = read_events_through(*again, expected_live.back());
  BOOST_TEST(seqs_of(live) == expected_live, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_long_replay_is_paced_by_the_client_not_dropped) {
  TestServer server;
  StreamTestListener listener(server, 16);  // a replay of hundreds through a queue of 16
  const auto a = create_case(server);
  const auto start = journal_end(server);
  for (int i = 0; i < 150; ++i) add_comment(server, a, "backlog " + std::to_string(i));

  auto client = connect(listener.port(), server.admin_token());
  const auto subscribed = subscribe(*client, {"all"}, start);
  // The hub's head may trail the journal by one poll; the replay does not depend on it.
  BOOST_TEST(subscribed.contains("head"));
  const auto expected = journal_seqs(server, start);
  BOOST_REQUIRE(expected.size() >= 150u);
  const auto got = read_events_through(*client, expected.back());
  BOOST_TEST(seqs_of(got) == expected, boost::test_tools::per_element());
  BOOST_TEST(!client->closed());
  BOOST_TEST(until_pong(*client).empty());
}

// --- slow consumers and bad input -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_slow_consumer_is_closed_with_1013_and_told_where_to_resume) {
  TestServer server;
  // One I/O thread: the hub fans a whole batch out before the session writes anything, so a
  // queue of 2 overflows deterministically: 200 entries committed together (one group commit,
  // under the writer's max_batch of 512) make at least 4 messages of at most
  // kMaxEventsPerMessage entries.
  auto listener = std::make_unique<StreamTestListener>(server, 2, 1);
  const auto a = create_case(server);
  settle(*listener, server);
  auto slow = connect(listener->port(), server.admin_token());
  const auto head = subscribe(*slow, {"all"}).at("head").get<std::int64_t>();

  {
    // 200 commands in ONE transaction: the hub sees them as one batch.
    WriterGate gate(server.server().store());
    std::vector<std::future<Result<storage::CommandOutcome>>> pending;
    for (int i = 0; i < 200; ++i) {
      pending.push_back(server.server().store().submit(
          comment(a, server.clock().now(), {}, "flood " + std::to_string(i))));
    }
    gate.release();
    for (auto& p : pending) BOOST_REQUIRE(p.get().ok());
  }
  listener->hub().poke();

  // The client reads only now: what was written before the close, then the close itself.
  std::vector<json> seen;
  BOOST_REQUIRE(slow->read_until_closed(&seen));
  BOOST_TEST(slow->close_reason().code == websocket::close_code::try_again_later);
  const std::string reason(slow->close_reason().reason.c_str());
  const std::string prefix = "slow consumer: resume with after_seq=";
  BOOST_REQUIRE_MESSAGE(reason.rfind(prefix, 0) == 0, reason);
  const auto resume_at = std::stoll(reason.substr(prefix.size()));
  std::vector<json> events;
  std::set<std::int64_t> messages;
  for (auto& m : seen) {
    if (!is_event(m)) continue;
    events.push_back(m);
    messages.insert(m.at("batch_seq").get<std::int64_t>());
  }
  BOOST_TEST(messages.size() <= 2u);
  BOOST_TEST(resume_at == (events.empty() ? head : events.back().at("seq").get<std::int64_t>()));

  // The server is fine: resuming where the close said gets everything else, no gap.
  auto again = connect(listener->port(), server.admin_token());
  subscribe(*again, {"all"}, resume_at);
  const auto rest = journal_seqs(server, resume_at);
  const auto got = read_events_through(*again, rest.back());
  BOOST_TEST(seqs_of(got) == rest, boost::test_tools::per_element());
  auto all = seqs_of(events);
  const auto tail = seqs_of(got);
  all.insert(all.end(), tail.begin(), tail.end());
  BOOST_TEST(all == journal_seqs(server, head), boost::test_tools::per_element());
  BOOST_TEST(eventually([&] { return listener->hub().connection_count() == 1; }));
}

BOOST_AUTO_TEST_CASE(a_client_that_stops_reading_altogether_is_dropped) {
  // The client's receive window is tiny and it never reads: the session's socket fills, a
  // write stays stuck, and the close it owes the client can never be sent. The close grace
  // then drops the connection — nothing stays buffered or open.
  TestServer server;
  auto listener = std::make_unique<StreamTestListener>(server, 16, 1);
  const auto a = create_case(server);
  settle(*listener, server);
  auto stuck = std::make_unique<WebSocketTestClient>(listener->port());
  BOOST_REQUIRE(!stuck->connect({"/v1/stream", server.admin_token(), {}, 2048}));
  subscribe(*stuck, {"all"});
  const std::string big(20000, 'x');
  const auto burst = [&](int comments) {
    WriterGate gate(server.server().store());
    std::vector<std::future<Result<storage::CommandOutcome>>> pending;
    for (int i = 0; i < comments; ++i) {
      pending.push_back(server.server().store().submit(comment(a, server.clock().now(), {}, big)));
    }
    gate.release();
    for (auto& p : pending) BOOST_REQUIRE(p.get().ok());
    listener->hub().poke();
  };
  // 20 KB events go about four to a message (kEventsMessageBytes).
  burst(12);  // fits the queue; far more than the socket takes
  burst(80);  // overflows the queue while a write is stuck
  BOOST_TEST(eventually([&] { return listener->hub().connection_count() == 0; },
                        std::chrono::seconds(60)));
  std::vector<json> seen;
  BOOST_TEST(stuck->read_until_closed(&seen, std::chrono::seconds(60)));
  BOOST_TEST_MESSAGE("the stuck client read " << seen.size() << " messages, then "
                                              << stuck->end_error().message() << " (close code "
                                              << stuck->close_reason().code << ")");
  // The hub serves others as before.
  auto fresh = connect(listener->port(), server.admin_token());
  BOOST_TEST(until_pong(*fresh).empty());
}

BOOST_AUTO_TEST_CASE(malformed_messages_get_errors_and_the_connection_keeps_working) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  auto client = connect(listener.port(), token);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "MALFORMED_MESSAGE"},
      {"{", "MALFORMED_MESSAGE"},
      {"[1,2]", "MALFORMED_MESSAGE"},
      {"", "MALFORMED_MESSAGE"},
      {std::string(20000, '[') + std::string(20000, ']'), "MALFORMED_MESSAGE"},
      {R"({"type":42})", "INVALID_FIELD"},
      {R"({"type":"dance"})", "UNKNOWN_MESSAGE_TYPE"},
      {R"({"type":"subscribe","topics":"case:C-1"})", "INVALID_FIELD"},
      {R"({"type":"subscribe","topics":[1]})", "INVALID_FIELD"},
      {R"({"type":"subscribe","topics":["case:C-1"],"after_seq":-1})", "INVALID_FIELD"},
      {R"({"type":"subscribe","topics":["case:C-1"],"after_seq":"12"})", "INVALID_FIELD"},
      {R"({"type":"unsubscribe","topics":[],"after_seq":3})", "INVALID_FIELD"},
  };
  for (const auto& [text, code] : cases) {
    client->send_text(text);
    const auto reply =
        client->read_until([](const json& m) { return m.value("type", "") == "error"; });
    BOOST_REQUIRE_MESSAGE(reply, "no error for " + text.substr(0, 40));
    BOOST_TEST(reply->at("code") == code, text.substr(0, 40));
  }
  BOOST_TEST(until_pong(*client).empty());

  // An unknown topic is refused by name; the subscription goes on without it.
  std::vector<json> errors;
  BOOST_TEST(subscribe(*client, {"nonsense", "case:C-1"}, {}, &errors).at("topics") ==
             json::array({"case:C-1"}));
  BOOST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].at("code") == "UNKNOWN_TOPIC");
  BOOST_TEST(errors[0].at("topic") == "nonsense");

  // Too many topics: a connection holds at most 100.
  std::vector<std::string> many;
  for (int i = 0; i < 101; ++i) many.push_back("case:C-" + std::to_string(i));
  client->send({{"type", "subscribe"}, {"topics", many}});
  auto reply = client->read_until([](const json& m) { return m.value("type", "") == "error"; });
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->at("code") == "TOO_MANY_TOPICS");
  many.pop_back();
  BOOST_TEST(subscribe(*client, many).at("topics").size() == 100u);
  errors.clear();
  BOOST_TEST(subscribe(*client, {"case:one-too-many"}, {}, &errors).at("topics").size() == 100u);
  BOOST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].at("code") == "TOO_MANY_TOPICS");
  BOOST_TEST(until_pong(*client).empty());
}

BOOST_AUTO_TEST_CASE(a_message_above_64_kib_closes_with_too_big) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  auto client = connect(listener.port(), token);
  client->send_text(R"({"type":"ping","pad":")" + std::string(70 * 1024, 'x') + "\"}");
  BOOST_REQUIRE(client->read_until_closed());
  BOOST_TEST(client->close_reason().code == websocket::close_code::too_big);
  // The server goes on serving others.
  auto other = connect(listener.port(), token);
  BOOST_TEST(until_pong(*other).empty());
}

// --- many clients, shutdown -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fifty_subscribers_each_get_the_event) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  settle(listener, server);
  std::vector<std::unique_ptr<WebSocketTestClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(connect(listener.port(), token));
    subscribe(*clients.back(), {"case:" + a});
  }
  BOOST_TEST(listener.hub().connection_count() == 50u);
  const auto head = journal_end(server);
  add_comment(server, a, "for everyone");
  listener.hub().poke();
  const auto expected = journal_seqs(server, head);
  for (auto& client : clients) {
    const auto got = read_events_through(*client, expected.back());
    BOOST_TEST(seqs_of(got) == expected, boost::test_tools::per_element());
  }
  for (auto& client : clients) client->close();
  BOOST_TEST(eventually([&] { return listener.hub().connection_count() == 0; }));
}

BOOST_AUTO_TEST_CASE(stop_closes_every_connection_with_going_away_and_refuses_new_ones) {
  TestServer server;
  StreamTestListener listener(server, 1024);
  const auto token = token_for(server, "agent.li", Role::kAgent);
  const auto a = create_case(server);
  settle(listener, server);
  auto client = connect(listener.port(), token);
  subscribe(*client, {"case:" + a});
  listener.hub().stop();
  BOOST_REQUIRE(client->read_until_closed());
  BOOST_TEST(client->close_reason().code == websocket::close_code::going_away);
  BOOST_TEST(std::string(client->close_reason().reason.c_str()).find("resume with after_seq=") !=
             std::string::npos);
  WebSocketTestClient late(listener.port());
  BOOST_TEST((late.connect({"/v1/stream", token, {}}) == websocket::error::upgrade_declined));
  BOOST_TEST(late.response().result_int() == 503u);
  listener.hub().stop();  // idempotent
}

BOOST_AUTO_TEST_SUITE_END()
