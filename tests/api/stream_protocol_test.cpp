// The /v1/stream protocol without a socket (api/delivery/stream_protocol.h): every client message
// kind parsed, every malformed one refused with the code and message the server sends, the
// frames the server renders, and the close reasons.
#include "api/delivery/stream_protocol.h"

#include <set>
#include <string>
#include <variant>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace redress::api {
namespace {

using Json = nlohmann::json;

ClientMessage parsed(const std::string& text) {
  auto result = parse_client_message(text);
  const auto* error = std::get_if<ProtocolError>(&result);
  BOOST_TEST_REQUIRE(!error, text << " refused: " << (error ? error->message : ""));
  return std::get<ClientMessage>(std::move(result));
}

ProtocolError refused(const std::string& text) {
  auto result = parse_client_message(text);
  BOOST_TEST_REQUIRE(std::holds_alternative<ProtocolError>(result), text << " was accepted");
  return std::get<ProtocolError>(std::move(result));
}

// The refusal of `text` as the server sends it: code, message and the echoed id.
void check_refusal(const std::string& text, const std::string& code, const std::string& message,
                   const Json& id = nullptr) {
  const auto error = refused(text);
  BOOST_TEST(error.code == code, text);
  BOOST_TEST(error.message == message, text);
  BOOST_TEST(error.id == id, text);
  Json frame = {{"type", "error"}, {"code", code}, {"message", message}};
  if (!id.is_null()) frame["id"] = id;
  BOOST_TEST(error_frame(error.code, error.message, error.id) == frame, text);
}

Principal principal(Role role, const std::string& team = "after_sales") {
  return Principal{Actor{"someone", role, team}, "tok_1", "someone", "", {"cases:read"}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_protocol)

// --- topics ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(topics_parse_strictly) {
  using Kind = StreamTopic::Kind;
  BOOST_TEST((parse_stream_topic("all")->kind == Kind::kAll));
  BOOST_TEST((parse_stream_topic("escalations")->kind == Kind::kEscalations));
  BOOST_TEST(parse_stream_topic("case:C-12")->argument == "C-12");
  BOOST_TEST((parse_stream_topic("team:after_sales")->kind == Kind::kTeam));
  BOOST_TEST(parse_stream_topic("approvals:team_lead")->argument == "team_lead");
  for (const char* bad : {"", "everything", "case:", "case", "team:", "approvals:admin",
                          "approvals:nobody", "case:has space", "all ", "Case:C-1"}) {
    BOOST_TEST(!parse_stream_topic(bad).has_value(), bad);
  }
  BOOST_TEST(!parse_stream_topic("case:" + std::string(129, 'x')).has_value());
}

BOOST_AUTO_TEST_CASE(who_may_subscribe_to_what) {
  const auto allowed = [](Role role, const std::string& topic, const std::string& team) {
    return !stream_topic_refusal(principal(role, team), *parse_stream_topic(topic));
  };
  BOOST_TEST(allowed(Role::kAgent, "case:C-1", "after_sales"));
  BOOST_TEST(allowed(Role::kIntegration, "case:C-1", ""));
  BOOST_TEST(!allowed(Role::kIntegration, "team:after_sales", ""));
  BOOST_TEST(!allowed(Role::kAgent, "all", "after_sales"));
  BOOST_TEST(!allowed(Role::kSupervisor, "all", "after_sales"));
  BOOST_TEST(allowed(Role::kManager, "all", ""));
  BOOST_TEST(allowed(Role::kAdmin, "all", ""));
  BOOST_TEST(allowed(Role::kAgent, "team:after_sales", "after_sales"));
  BOOST_TEST(!allowed(Role::kAgent, "team:billing", "after_sales"));
  BOOST_TEST(!allowed(Role::kAgent, "team:billing", ""));
  BOOST_TEST(!allowed(Role::kTeamLead, "team:billing", "after_sales"));
  BOOST_TEST(allowed(Role::kTeamLead, "team:after_sales", "after_sales"));
  BOOST_TEST(allowed(Role::kSupervisor, "team:billing", "after_sales"));
  BOOST_TEST(!allowed(Role::kAgent, "escalations", "after_sales"));
  BOOST_TEST(allowed(Role::kTeamLead, "escalations", "after_sales"));
  BOOST_TEST(allowed(Role::kAgent, "approvals:agent", "after_sales"));
  BOOST_TEST(!allowed(Role::kAgent, "approvals:team_lead", "after_sales"));
  BOOST_TEST(allowed(Role::kSupervisor, "approvals:team_lead", "after_sales"));
  BOOST_TEST(!allowed(Role::kSupervisor, "approvals:manager", "after_sales"));
  BOOST_TEST(allowed(Role::kAdmin, "approvals:manager", ""));
  // An integration token needs cases:read for a case topic.
  auto unscoped = principal(Role::kIntegration, "");
  unscoped.scopes = {"orders:write"};
  BOOST_TEST(stream_topic_refusal(unscoped, *parse_stream_topic("case:C-1"))->find("cases:read") !=
             std::string::npos);
  const auto why = stream_topic_refusal(principal(Role::kAgent), *parse_stream_topic("all"));
  BOOST_TEST(why->find("agent") != std::string::npos);
  BOOST_TEST(why->find("all") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_event_is_published_on_its_case_team_and_kind) {
  storage::StoredEvent e;
  e.seq = 7;
  e.case_id = "C-3";
  e.event.type = "case.escalated";
  BOOST_TEST(event_topics(e, "after_sales", "") ==
                 (std::vector<std::string>{"all", "case:C-3", "team:after_sales", "escalations"}),
             boost::test_tools::per_element());
  e.event.type = "approval.requested";
  BOOST_TEST(event_topics(e, "", "team_lead") ==
                 (std::vector<std::string>{"all", "case:C-3", "approvals:team_lead"}),
             boost::test_tools::per_element());
}

// --- client messages -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(ping_is_parsed_with_or_without_an_id) {
  BOOST_TEST((parsed(R"({"type":"ping"})").kind == ClientMessage::Kind::kPing));
  BOOST_TEST(parsed(R"({"type":"ping"})").id.is_null());
  BOOST_TEST(parsed(R"({"type":"ping","id":"p-1"})").id == "p-1");
  BOOST_TEST(parsed(R"({"type":"ping","id":7})").id == 7);
  // An id that is neither a string nor a number is not echoed.
  BOOST_TEST(parsed(R"({"type":"ping","id":{"x":1}})").id.is_null());
  BOOST_TEST(parsed(R"({"type":"ping","id":true})").id.is_null());
  // A ping's other members are ignored, whatever they hold.
  BOOST_TEST(
      (parsed(R"({"type":"ping","topics":5,"after_seq":"x"})").kind == ClientMessage::Kind::kPing));
}

BOOST_AUTO_TEST_CASE(subscribe_is_parsed_with_its_topics_after_seq_and_id) {
  const auto message =
      parsed(R"({"type":"subscribe","topics":["case:C-1","all"],"after_seq":42,"id":"s"})");
  BOOST_TEST((message.kind == ClientMessage::Kind::kSubscribe));
  BOOST_TEST((message.topics == std::vector<std::string>{"case:C-1", "all"}));
  BOOST_TEST(message.after_seq.value() == 42);
  BOOST_TEST(message.id == "s");

  const auto bare = parsed(R"({"type":"subscribe"})");
  BOOST_TEST(bare.topics.empty());
  BOOST_TEST(!bare.after_seq.has_value());
  BOOST_TEST(!parsed(R"({"type":"subscribe","after_seq":null})").after_seq.has_value());
  BOOST_TEST(parsed(R"({"type":"subscribe","after_seq":0})").after_seq.value() == 0);
  BOOST_TEST(parsed(R"({"type":"subscribe","after_seq":9223372036854775807})").after_seq.value() ==
             9223372036854775807);
  // Topics are taken as given: they are checked one by one when the subscription changes.
  BOOST_TEST((parsed(R"({"type":"subscribe","topics":["nonsense"]})").topics ==
              std::vector<std::string>{"nonsense"}));
  BOOST_TEST(parsed(R"({"type":"subscribe","topics":[]})").topics.empty());
}

BOOST_AUTO_TEST_CASE(unsubscribe_is_parsed_with_its_topics) {
  const auto message = parsed(R"({"type":"unsubscribe","topics":["team:billing"],"id":3})");
  BOOST_TEST((message.kind == ClientMessage::Kind::kUnsubscribe));
  BOOST_TEST((message.topics == std::vector<std::string>{"team:billing"}));
  BOOST_TEST(message.id == 3);
  BOOST_TEST(!parsed(R"({"type":"unsubscribe","after_seq":null})").after_seq.has_value());
}

BOOST_AUTO_TEST_CASE(a_message_that_is_not_one_json_object_is_malformed) {
  const std::string message = "a message must be one JSON object, such as {\"type\":\"ping\"}";
  for (const char* text : {"", "ping", "{", R"(["type","ping"])", "42", "null", R"("ping")",
                           R"({"type":"ping"} {"type":"ping"})", "{\"type\":\"ping\"\xff}"}) {
    check_refusal(text, "MALFORMED_MESSAGE", message);
  }
  // Even with an id inside, a malformed message echoes none: it was not understood.
  check_refusal(R"([{"id":"x"}])", "MALFORMED_MESSAGE", message);
}

BOOST_AUTO_TEST_CASE(a_missing_or_non_string_type_is_refused) {
  const std::string message = "/type: a message needs a \"type\": subscribe, unsubscribe or ping";
  check_refusal(R"({})", "INVALID_FIELD", message);
  check_refusal(R"({"id":"a"})", "INVALID_FIELD", message, "a");
  check_refusal(R"({"type":1,"id":2})", "INVALID_FIELD", message, 2);
  check_refusal(R"({"type":null})", "INVALID_FIELD", message);
  check_refusal(R"({"type":["ping"]})", "INVALID_FIELD", message);
}

BOOST_AUTO_TEST_CASE(an_unknown_type_is_refused) {
  const std::string message =
      "/type: unknown message type; expected subscribe, unsubscribe or ping";
  check_refusal(R"({"type":"subscribed"})", "UNKNOWN_MESSAGE_TYPE", message);
  check_refusal(R"({"type":"PING","id":"x"})", "UNKNOWN_MESSAGE_TYPE", message, "x");
  check_refusal(R"({"type":""})", "UNKNOWN_MESSAGE_TYPE", message);
}

BOOST_AUTO_TEST_CASE(topics_of_the_wrong_type_are_refused) {
  check_refusal(R"({"type":"subscribe","topics":"all","id":1})", "INVALID_FIELD",
                "/topics: must be an array of strings", 1);
  check_refusal(R"({"type":"unsubscribe","topics":{"all":true}})", "INVALID_FIELD",
                "/topics: must be an array of strings");
  check_refusal(R"({"type":"subscribe","topics":null})", "INVALID_FIELD",
                "/topics: must be an array of strings");
  check_refusal(R"({"type":"subscribe","topics":["all",7]})", "INVALID_FIELD",
                "/topics/1: must be a string");
  check_refusal(R"({"type":"unsubscribe","topics":[null]})", "INVALID_FIELD",
                "/topics/0: must be a string");
}

BOOST_AUTO_TEST_CASE(more_topics_than_a_connection_may_hold_are_refused) {
  Json topics = Json::array();
  for (std::size_t i = 0; i < kMaxStreamTopics; ++i)
    topics.push_back("case:C-" + std::to_string(i));
  BOOST_TEST(parsed(Json{{"type", "subscribe"}, {"topics", topics}}.dump()).topics.size() ==
             kMaxStreamTopics);
  topics.push_back("all");
  check_refusal(Json{{"type", "subscribe"}, {"topics", topics}, {"id", "big"}}.dump(),
                "TOO_MANY_TOPICS", "/topics: at most 100 topics per connection", "big");
  check_refusal(Json{{"type", "unsubscribe"}, {"topics", topics}}.dump(), "TOO_MANY_TOPICS",
                "/topics: at most 100 topics per connection");
}

BOOST_AUTO_TEST_CASE(an_after_seq_that_is_no_journal_sequence_is_refused) {
  const std::string message = "/after_seq: must be a journal sequence (an integer >= 0)";
  for (const char* value :
       {"-1", "1.5", "\"5\"", "true", "[]", "{}", "9223372036854775808", "18446744073709551615"}) {
    check_refusal(std::string(R"({"type":"subscribe","after_seq":)") + value + "}", "INVALID_FIELD",
                  message);
  }
  check_refusal(R"({"type":"unsubscribe","after_seq":5,"id":"u"})", "INVALID_FIELD",
                "/after_seq: only subscribe takes after_seq", "u");
}

BOOST_AUTO_TEST_CASE(the_first_problem_is_the_answer) {
  // topics are checked before after_seq, the type before anything else.
  check_refusal(R"({"type":"subscribe","topics":3,"after_seq":-1})", "INVALID_FIELD",
                "/topics: must be an array of strings");
  check_refusal(R"({"type":"nope","topics":3})", "UNKNOWN_MESSAGE_TYPE",
                "/type: unknown message type; expected subscribe, unsubscribe or ping");
}

// --- credentials offered with the upgrade --------------------------------------------------------

BOOST_AUTO_TEST_CASE(upgrade_credentials_come_from_the_header_or_the_bearer_subprotocols) {
  const auto header = upgrade_credentials("Bearer abc", "bearer, bearer.other");
  BOOST_TEST(header.authorization == "Bearer abc");  // the header wins
  BOOST_TEST(header.offered_bearer);
  const auto browser = upgrade_credentials("", " bearer.tok_123 ,bearer ");
  BOOST_TEST(browser.authorization == "Bearer tok_123");
  BOOST_TEST(browser.offered_bearer);
  const auto token_only = upgrade_credentials("", "bearer.tok_1");
  BOOST_TEST(token_only.authorization == "Bearer tok_1");
  BOOST_TEST(!token_only.offered_bearer);
  const auto none = upgrade_credentials("", "chat, superchat");
  BOOST_TEST(none.authorization.empty());
  BOOST_TEST(!none.offered_bearer);
}

// --- server frames -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(replies_echo_the_id_when_there_is_one) {
  BOOST_TEST(pong_frame(nullptr) == (Json{{"type", "pong"}}));
  BOOST_TEST(pong_frame("p") == (Json{{"type", "pong"}, {"id", "p"}}));
  const std::set<std::string> topics = {"case:C-1", "all"};
  BOOST_TEST(subscribed_frame(topics, 17, nullptr) ==
             (Json{{"type", "subscribed"}, {"topics", {"all", "case:C-1"}}, {"head", 17}}));
  BOOST_TEST(subscribed_frame({}, 0, 5) ==
             (Json{{"type", "subscribed"}, {"topics", Json::array()}, {"head", 0}, {"id", 5}}));
}

BOOST_AUTO_TEST_CASE(subscription_errors_name_the_topic) {
  BOOST_TEST(unknown_topic_frame("bogus", "s") ==
             (Json{{"type", "error"},
                   {"code", "UNKNOWN_TOPIC"},
                   {"message",
                    "unknown topic; expected case:<id>, team:<id>, approvals:<role>, escalations "
                    "or all"},
                   {"topic", "bogus"},
                   {"id", "s"}}));
  BOOST_TEST(forbidden_topic_frame("all", "the role agent may not", nullptr) ==
             (Json{{"type", "error"},
                   {"code", "FORBIDDEN_TOPIC"},
                   {"message", "the role agent may not"},
                   {"topic", "all"}}));
  BOOST_TEST(too_many_topics_frame({"case:A", "case:B"}, 1) ==
             (Json{{"type", "error"},
                   {"code", "TOO_MANY_TOPICS"},
                   {"message",
                    "a connection may have at most 100 topics; not subscribed: "
                    "[\"case:A\",\"case:B\"]"},
                   {"id", 1}}));
  BOOST_TEST(stream_unavailable_frame(nullptr).at("code") == "STREAM_UNAVAILABLE");
  BOOST_TEST(binary_not_supported_frame() ==
             (Json{{"type", "error"},
                   {"code", "BINARY_NOT_SUPPORTED"},
                   {"message", "send text frames: the protocol is JSON text"}}));
  BOOST_TEST(internal_error_frame().at("code") == "INTERNAL");
  BOOST_TEST(!internal_error_frame().contains("id"));
}

BOOST_AUTO_TEST_CASE(an_events_frame_carries_a_batch_in_journal_order) {
  const std::vector<std::string> first_topics = {"all", "case:C-1"};
  const std::vector<std::string> second_topics = {"escalations"};
  const std::vector<EventsFrameEntry> entries = {
      {41, "C-1", 3, &first_topics, R"({"type":"case.transitioned","data":{"to":"open"}})"},
      {44, "C-\"2\"", 1, &second_topics, R"({"type":"case.escalated"})"}};
  const auto text = events_frame(entries);
  const auto frame = Json::parse(text);
  BOOST_TEST(frame.at("type") == "events");
  BOOST_TEST(frame.at("seq") == 44);  // the last entry's: where the client resumes from
  BOOST_REQUIRE_EQUAL(frame.at("events").size(), 2U);
  BOOST_TEST(frame.at("events")[0] ==
             (Json{{"seq", 41},
                   {"case_id", "C-1"},
                   {"case_seq", 3},
                   {"topics", {"all", "case:C-1"}},
                   {"event", {{"type", "case.transitioned"}, {"data", {{"to", "open"}}}}}}));
  BOOST_TEST(frame.at("events")[1].at("case_id") == "C-\"2\"");  // escaped, not broken
  BOOST_TEST(frame.at("events")[1].at("topics") == Json::array({"escalations"}));
  // The keys in the documented order: type, seq, events.
  BOOST_TEST(text.rfind(R"({"type":"events","seq":44,"events":[{"seq":41,)", 0) == 0U);
}

BOOST_AUTO_TEST_CASE(an_events_frame_is_cut_by_entries_and_bytes) {
  BOOST_TEST(!events_frame_full(0, 0));
  BOOST_TEST(!events_frame_full(0, kEventsFrameBytes * 2));  // a single large entry still goes
  BOOST_TEST(!events_frame_full(kMaxEventsPerFrame - 1, kEventsFrameBytes - 1));
  BOOST_TEST(events_frame_full(kMaxEventsPerFrame, 0));
  BOOST_TEST(events_frame_full(1, kEventsFrameBytes));
}

// --- closing -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(close_reasons_have_their_documented_codes) {
  BOOST_TEST(kSlowConsumerClose.code == 1013);  // try again later
  BOOST_TEST(kSlowConsumerClose.why == "slow consumer");
  BOOST_TEST(kCredentialsChangedClose.code == 1008);  // policy violation
  BOOST_TEST(kCredentialsChangedClose.why == "credentials changed");
  BOOST_TEST(kShuttingDownClose.code == 1001);  // going away
  BOOST_TEST(kShuttingDownClose.why == "server shutting down");
  // With the session's ": resume with after_seq=<N>" the reason still fits a close frame's 123
  // bytes for any N.
  for (const auto& close : {kSlowConsumerClose, kCredentialsChangedClose, kShuttingDownClose}) {
    BOOST_TEST(close.why.size() + std::string(": resume with after_seq=").size() + 19 <= 123U);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
