// POST /v1/carrier-events and the carrier-event reads over a real server: a repeated event is
// answered as a duplicate (200, not 201), out-of-order arrivals read in event-time order, the
// case's version is untouched, a watcher of the case gets the event live, a webhook subscriber
// gets a signed parcel.event per case, and the reads follow the callers' scopes.
#include <memory>
#include <string>
#include <vector>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"
#include "tests/api/webhook_test_receiver.h"
#include "tests/api/websocket_test_client.h"
#include "tests/storage/storage_test_support.h"

namespace redress::testing {
namespace {

using nlohmann::json;

json carrier_event(const std::string& id, const std::string& kind, const std::string& at,
                   const std::string& order_id = "ORD-P1") {
  json out{{"carrier", "sf-express"},
           {"carrier_event_id", id},
           {"tracking_number", "SF100200300"},
           {"kind", kind},
           {"event_at", at},
           {"location", "杭州"}};
  if (!order_id.empty()) out["order_id"] = order_id;
  return out;
}

std::string case_with_order(TestServer& server, const std::string& order_id,
                            const std::string& team) {
  auto command = create_complaint(server.clock().now());
  auto& create = std::get<CreateCase>(command.command.body);
  create.team = team;
  create.order = {order_id, Money{}, Money{}};
  auto outcome = server.server().store().execute(command);
  BOOST_REQUIRE(outcome.ok() && outcome.value().accepted());
  return outcome.value().snapshot.id;
}

// POSTs `events` ({"events": [...]}).
HttpResult post_carrier_events(TestServer& server, const std::vector<json>& events,
                               const std::string& token) {
  return server.http().post("/v1/carrier-events", {{"events", events}}, token);
}

std::vector<std::string> carrier_event_ids(const HttpResult& result) {
  std::vector<std::string> out;
  // json() answers a new document: keep it alive while the loop reads it.
  const auto body = result.json();
  for (const auto& e : body.at("carrier_events")) out.push_back(e.at("carrier_event_id"));
  return out;
}

Actor agent_actor() {
  return Actor{"agent.li", Role::kAgent, "after_sales"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(carrier_events_api)

BOOST_AUTO_TEST_CASE(repeats_are_ignored_and_late_arrivals_keep_event_time_order) {
  TestServer server;
  const auto carrier = server.token_for("carrier-sync", "integration", "");
  const auto agent = server.token_for("agent.li", "agent");
  const auto case_id = case_with_order(server, "ORD-P1", "after_sales");
  const auto etag_before = server.http().get("/v1/cases/" + case_id, agent).header("etag");
  BOOST_REQUIRE(!etag_before.empty());

  auto transit = post_carrier_events(
      server, {carrier_event("e-2", "in_transit", "2026-11-23T06:00:00Z")}, carrier);
  BOOST_REQUIRE_MESSAGE(transit.status == 201, transit.body);
  BOOST_TEST(transit.json().at("events").at(0).at("duplicate") == false);
  auto repeat = post_carrier_events(
      server, {carrier_event("e-2", "in_transit", "2026-11-23T06:00:00Z")}, carrier);
  BOOST_TEST(repeat.status == 200);
  BOOST_TEST(repeat.json().at("events").at(0).at("duplicate") == true);
  BOOST_TEST(repeat.json().at("events").at(0).at("id") ==
             transit.json().at("events").at(0).at("id"));
  // The pick-up arrives after the scan that followed it, in a batch with a repeat.
  auto late = server.http().post("/v1/carrier-events",
                                 {{"events",
                                   {carrier_event("e-1", "picked_up", "2026-11-23T03:00:00Z"),
                                    carrier_event("e-2", "in_transit", "2026-11-23T06:00:00Z")}}},
                                 carrier);
  BOOST_REQUIRE_MESSAGE(late.status == 201, late.body);
  BOOST_TEST(late.json().at("events").at(0).at("duplicate") == false);
  BOOST_TEST(late.json().at("events").at(1).at("duplicate") == true);

  const std::vector<std::string> in_event_time = {"e-1", "e-2"};
  // The order is not on record yet: its parcel's events are still the case's.
  BOOST_TEST(server.http().get("/v1/orders/ORD-P1/carrier-events", carrier).status == 404);
  auto of_case = server.http().get("/v1/cases/" + case_id + "/carrier-events", agent);
  BOOST_REQUIRE_MESSAGE(of_case.status == 200, of_case.body);
  BOOST_TEST(carrier_event_ids(of_case) == in_event_time, boost::test_tools::per_element());
  BOOST_TEST(of_case.json().at("carrier_events").at(0).at("event_at") == "2026-11-23T03:00:00Z");
  BOOST_TEST(of_case.json().at("carrier_events").at(0).at("location") == "杭州");
  auto order = server.http().request(
      boost::beast::http::verb::put, "/v1/orders/ORD-P1",
      json{{"paid", {{"amount", 1000}, {"currency", "CNY"}}}, {"tracking_number", "SF100200300"}}
          .dump(),
      carrier, {{"content-type", "application/json"}});
  BOOST_REQUIRE_MESSAGE(order.status == 200, order.body);
  // An event naming only the order's tracking number is the order's too.
  auto untagged = post_carrier_events(
      server, {carrier_event("e-3", "delivered", "2026-11-24T01:00:00Z", "")}, carrier);
  BOOST_REQUIRE_MESSAGE(untagged.status == 201, untagged.body);
  auto of_order = server.http().get("/v1/orders/ORD-P1/carrier-events", agent);
  BOOST_REQUIRE_MESSAGE(of_order.status == 200, of_order.body);
  BOOST_TEST(carrier_event_ids(of_order) == (std::vector<std::string>{"e-1", "e-2", "e-3"}),
             boost::test_tools::per_element());

  BOOST_TEST(
      carrier_event_ids(server.http().get("/v1/cases/" + case_id + "/carrier-events", agent)) ==
          (std::vector<std::string>{"e-1", "e-2", "e-3"}),
      boost::test_tools::per_element());

  // A parcel moving is not a change to the case: an agent's If-Match stays good.
  BOOST_TEST(server.http().get("/v1/cases/" + case_id, agent).header("etag") == etag_before);
}

BOOST_AUTO_TEST_CASE(a_delivery_receives_a_return_and_that_bumps_its_version) {
  TestServer server;
  const auto carrier = server.token_for("carrier-sync", "integration", "");
  const auto agent = server.token_for("agent.li", "agent");
  CreateCase create;
  create.workflow_id = "return_exchange";  // the latest: version 3
  create.customer = {"cust-1", "regular", "silver"};
  create.order = {"ORD-P3", Money{}, Money{}};
  create.team = "after_sales";
  create.fields = {{"request_type", "return_refund"}};
  auto& store = server.server().store();
  const auto now = server.clock().now();
  auto opened = store.execute({"", Command{create, std::nullopt}, agent_actor(), now});
  BOOST_REQUIRE(opened.ok() && opened.value().accepted());
  const auto case_id = opened.value().snapshot.id;
  fire(server, agent, case_id, "approve_request");
  fire(server, agent, case_id, "provide_tracking", {{"tracking_number", "YT777"}});
  const auto etag_before = server.http().get("/v1/cases/" + case_id, agent).header("etag");

  auto event = carrier_event("y-1", "delivered", "2026-11-24T08:00:00Z", "");
  event["tracking_number"] = "YT777";
  auto posted = post_carrier_events(server, {event}, carrier);
  BOOST_REQUIRE_MESSAGE(posted.status == 201, posted.body);
  const auto fired = posted.json().at("events").at(0).at("fired");
  BOOST_REQUIRE(fired.size() == 1u);
  BOOST_TEST(fired.at(0).at("case_id") == case_id);
  BOOST_TEST(fired.at(0).at("transition") == "receive_item");
  auto after = server.http().get("/v1/cases/" + case_id, agent);
  BOOST_TEST(after.json().at("state") == "received");
  BOOST_TEST(after.header("etag") != etag_before);
}

BOOST_AUTO_TEST_CASE(bad_events_are_precise_problems_and_only_integrations_post) {
  TestServer server;
  const auto carrier = server.token_for("carrier-sync", "integration", "");
  const auto agent = server.token_for("agent.li", "agent");
  const auto good = carrier_event("e-1", "picked_up", "2026-11-23T03:00:00Z");
  BOOST_TEST(post_carrier_events(server, {good}, agent).status == 403);
  auto bad_kind = carrier_event("e-1", "lost", "2026-11-23T03:00:00Z");
  bad_kind["colour"] = "red";
  auto refused = post_carrier_events(server, {good, bad_kind}, carrier);
  BOOST_TEST(refused.status == 422);
  BOOST_TEST(refused.body.find("/events/1/kind") != std::string::npos);
  BOOST_TEST(refused.body.find("/events/1/colour") != std::string::npos);
  // Nothing of a refused post is kept, not even its good event.
  BOOST_TEST(post_carrier_events(server, {good}, carrier).status == 201);
  auto empty_batch = server.http().post("/v1/carrier-events", {{"events", json::array()}}, carrier);
  BOOST_TEST(empty_batch.status == 422);
  BOOST_TEST(empty_batch.body.find("/events") != std::string::npos);
  // A token without orders:write may not report parcels.
  const auto reader = server.token_for("case-reader", "integration", "", {"cases:read"});
  BOOST_TEST(post_carrier_events(server, {good}, reader).status == 403);
}

BOOST_AUTO_TEST_CASE(watchers_of_the_case_get_it_live_and_outsiders_see_nothing) {
  TestServer server;
  const auto carrier = server.token_for("carrier-sync", "integration", "");
  const auto agent = server.token_for("agent.li", "agent");
  const auto outsider = server.token_for("agent.wu", "agent", "billing");
  const auto case_id = case_with_order(server, "ORD-P2", "after_sales");

  WebSocketTestClient watcher(server.port());
  BOOST_REQUIRE(!watcher.connect({"/v1/stream", agent, {}}));
  watcher.send({{"type", "subscribe"}, {"topics", {"case:" + case_id}}});
  BOOST_REQUIRE(watcher.read_until([](const json& m) { return m.at("type") == "subscribed"; }));
  WebSocketTestClient stranger(server.port());
  BOOST_REQUIRE(!stranger.connect({"/v1/stream", outsider, {}}));
  stranger.send({{"type", "subscribe"}, {"topics", {"case:" + case_id}}});
  BOOST_REQUIRE(stranger.read_until([](const json& m) { return m.at("type") == "subscribed"; }));

  auto posted = post_carrier_events(
      server, {carrier_event("e-9", "delivered", "2026-11-23T05:00:00Z", "ORD-P2")}, carrier);
  BOOST_REQUIRE_MESSAGE(posted.status == 201, posted.body);
  auto live = watcher.read_until([](const json& m) { return m.at("type") == "carrier_event"; });
  BOOST_REQUIRE(live.has_value());
  BOOST_TEST(live->at("case_id") == case_id);
  BOOST_TEST(live->at("topics") == json::array({"case:" + case_id}));
  BOOST_TEST(live->at("carrier_event").at("kind") == "delivered");
  BOOST_TEST(!live->contains("seq"));  // a notice, not a journal entry

  // The agent of another team neither gets the notice nor reads the list.
  stranger.send({{"type", "ping"}});
  auto next = stranger.read_until(
      [](const json& m) { return m.at("type") == "pong" || m.at("type") == "carrier_event"; });
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST(next->at("type") == "pong");
  BOOST_TEST(server.http().get("/v1/cases/" + case_id + "/carrier-events", outsider).status == 404);
}

BOOST_AUTO_TEST_CASE(a_subscriber_receives_a_signed_parcel_event_for_the_case) {
  WebhookTestReceiver receiver;
  TestServer server;
  auto subscribed = server.http().post(
      "/v1/webhooks", {{"id", "logistics"}, {"url", receiver.url()}, {"event_types", {"parcel.*"}}},
      server.admin_token());
  BOOST_REQUIRE_MESSAGE(subscribed.status == 201, subscribed.body);
  const auto secret = subscribed.json().at("secret").get<std::string>();
  const auto carrier = server.token_for("carrier-sync", "integration", "");
  const auto case_id = case_with_order(server, "ORD-P1", "after_sales");
  const auto version = require_ok(server.server().store().load_case(case_id))->version;

  auto posted = post_carrier_events(
      server, {carrier_event("e-1", "exception", "2026-11-23T06:00:00Z")}, carrier);
  BOOST_REQUIRE_MESSAGE(posted.status == 201, posted.body);
  // The write wakes the sender: no clock is advanced and nothing pokes it here.
  BOOST_REQUIRE(eventually([&] { return receiver.request_count() >= 1; }));
  const auto request = receiver.requests().front();
  BOOST_TEST(request.signed_with(secret));
  const auto body = json::parse(request.body);
  BOOST_TEST(body.at("type") == "parcel.event");
  const auto& data = body.at("data");
  BOOST_TEST(data.at("case_id") == case_id);
  BOOST_TEST(data.at("order_id") == "ORD-P1");
  BOOST_TEST(data.at("team") == "after_sales");
  BOOST_TEST(data.at("version") == version);
  BOOST_TEST(data.at("carrier") == "sf-express");
  BOOST_TEST(data.at("carrier_event_id") == "e-1");
  BOOST_TEST(data.at("tracking_number") == "SF100200300");
  BOOST_TEST(data.at("kind") == "exception");
  BOOST_TEST(data.at("event_at") == "2026-11-23T06:00:00Z");
  BOOST_TEST(data.at("location") == "杭州");
  BOOST_TEST(data.at("description") == "");

  // The delivery log names the type and shows it delivered.
  BOOST_REQUIRE(eventually([&] {
    const auto listed =
        server.http().get("/v1/webhooks/logistics/deliveries", server.admin_token()).json();
    return listed.at("deliveries").size() == 1u &&
           listed.at("deliveries")[0].at("status") == "succeeded";
  }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
