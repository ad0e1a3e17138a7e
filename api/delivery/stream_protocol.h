// The /v1/stream protocol without sockets: topics and who may subscribe to them, the topics a
// journal entry is published on, parsing and checking a client's message, and rendering every
// frame the server sends. Pure: no Asio, no storage, no clock — strings and JSON in and out —
// so every message and every refusal is tested without a server (tests/api/stream_protocol_test).
// StreamHub (stream_hub.h) runs it over WebSocket connections; the protocol itself is described
// there and in docs/api.md.
//
// Thread-safety: free functions and immutable constants, without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http/request_context.h"
#include "storage/case_store.h"

namespace redress::api {

// Topics one connection may hold at most (and a subscribe or unsubscribe may name at most).
inline constexpr std::size_t kMaxStreamTopics = 100;
// One "events" frame carries at most this many journal entries, and takes no more once its
// entries' events reach kEventsFrameBytes (a single larger entry still goes alone).
inline constexpr std::size_t kMaxEventsPerFrame = 64;
inline constexpr std::size_t kEventsFrameBytes = 64 * 1024;

// --- topics --------------------------------------------------------------------------------------

// A parsed subscription topic.
struct StreamTopic {
  enum class Kind { kCase, kTeam, kApprovals, kEscalations, kAll };
  Kind kind = Kind::kAll;
  std::string argument;  // the case id, team id or role name; empty for escalations and all
};

// "case:<id>", "team:<id>" (ids of 1..128 printable ASCII characters), "approvals:<role>"
// (agent, team_lead, supervisor or manager), "escalations", "all"; nullopt otherwise.
std::optional<StreamTopic> parse_stream_topic(std::string_view text);

// Why `who` may not subscribe to `topic` (a message naming both), or nullopt when it may:
//   case:<id>         every authenticated role (integration tokens with cases:read);
//   team:<t>          members of t, and supervisor and above (any team);
//   approvals:<role>  that role and those above it on the ladder;
//   escalations       team_lead and above;
//   all               managers.
// Admins may subscribe to everything; integration tokens to cases only. Whatever the topic, an
// agent or team lead is sent the entries of cases they may see only (storage/read_scope.h).
std::optional<std::string> stream_topic_refusal(const Principal& who, const StreamTopic& topic);

// The topics a journal entry is published on: all, case:<id>, then team:<team> when the case
// is in a team, approvals:<role> when `approval_role` is known, escalations for escalation
// events. `team` is the case's current team; `approval_role` the required role of the approval
// the event requests or decides (empty for other events).
std::vector<std::string> event_topics(const storage::StoredEvent& event, std::string_view team,
                                      std::string_view approval_role);

// Markers the hub adds to an entry's topics when some subscriber sees only some cases
// (storage/read_scope.h): the case's current team and holder. They start with '@', which no
// topic a client can subscribe to does, so they only ever decide who may see an entry.
std::string holder_team_topic(std::string_view team);
std::string holder_assignee_topic(std::string_view assignee);

// A notice about one case, sent on its case:, team: and all topics to those who may see it.
struct CaseNotice {
  std::string case_id;
  std::string team;        // the case's current team, "" for none
  std::string assignee;    // its current holder, "" for none
  nlohmann::json message;  // an object with its "type"; case_id and topics are added
};

// --- client → server -----------------------------------------------------------------------------

// A well-formed client message. Its topics are not checked yet (parse_stream_topic and
// stream_topic_refusal are, per topic, when the subscription changes).
struct ClientMessage {
  enum class Kind { kPing, kSubscribe, kUnsubscribe };
  Kind kind = Kind::kPing;
  std::vector<std::string> topics;        // subscribe / unsubscribe; may be empty
  std::optional<std::int64_t> after_seq;  // subscribe only; >= 0
  nlohmann::json id;                      // the client's "id" (string or number); else null
};

// A message the server refuses: answered with error_frame(code, message, id), and the
// connection stays open.
struct ProtocolError {
  std::string code;  // MALFORMED_MESSAGE, INVALID_FIELD, UNKNOWN_MESSAGE_TYPE, TOO_MANY_TOPICS
  std::string message;
  nlohmann::json id;  // echoed when the message had a usable one
};

// One text frame from a client: {"type":"ping"}, {"type":"subscribe","topics":[..],
// "after_seq":N} or {"type":"unsubscribe","topics":[..]}, each with an optional "id". The first
// problem found is the answer (the checks run in the order: one JSON object, "type", "topics",
// "after_seq").
std::variant<ClientMessage, ProtocolError> parse_client_message(std::string_view text);

// What an upgrade request offers as credentials: the Authorization header when it has one,
// else "Bearer <token>" from a subprotocol "bearer.<token>" (browsers cannot set headers);
// `offered_bearer` when the subprotocol "bearer" was offered, which the server then selects.
struct UpgradeCredentials {
  std::string authorization;  // "" when none
  bool offered_bearer = false;
};
UpgradeCredentials upgrade_credentials(std::string_view authorization_header,
                                       std::string_view subprotocols_header);

// --- server → client -----------------------------------------------------------------------------

// {"type":"error","code":..,"message":..[,"topic":..][,"id":..]}; `id` is left out when null.
nlohmann::json error_frame(const std::string& code, const std::string& message,
                           const nlohmann::json& id,
                           const std::optional<std::string>& topic = std::nullopt);
// The error frames of a subscription change, one per refused topic or for the topics over the
// connection's limit.
nlohmann::json unknown_topic_frame(const std::string& topic, const nlohmann::json& id);
nlohmann::json forbidden_topic_frame(const std::string& topic, const std::string& refusal,
                                     const nlohmann::json& id);
nlohmann::json too_many_topics_frame(const std::vector<std::string>& not_subscribed,
                                     const nlohmann::json& id);
// The journal cannot be read to start a subscription.
nlohmann::json stream_unavailable_frame(const nlohmann::json& id);
// A binary frame was sent; and a message the server failed on (a broken invariant).
nlohmann::json binary_not_supported_frame();
nlohmann::json internal_error_frame();

// {"type":"pong"[,"id":..]}
nlohmann::json pong_frame(const nlohmann::json& id);
// {"type":"subscribed","topics":[..],"head":N[,"id":..]}: the connection's topics after a
// subscribe or unsubscribe, and the hub's position.
nlohmann::json subscribed_frame(const std::set<std::string>& topics, std::int64_t head,
                                const nlohmann::json& id);

// One journal entry of an "events" frame; `event_json` is the entry's event already serialised
// (once per journal read, however many frames carry it).
struct EventsFrameEntry {
  std::int64_t seq = 0;
  std::string_view case_id;
  std::int64_t case_seq = 0;
  const std::vector<std::string>* topics = nullptr;  // the subscriber's topics it matched
  std::string_view event_json;
};

// {"type":"events","seq":S,"events":[{"seq":..,"case_id":..,"case_seq":..,"topics":[..],
// "event":{..}},..]}, S being the last entry's seq (the position the client has reached).
// `entries` is not empty.
std::string events_frame(const std::vector<EventsFrameEntry>& entries);

// Whether an "events" frame holding `entries` entries whose events total `bytes` takes no more:
// at most kMaxEventsPerFrame entries, and none added once kEventsFrameBytes are in.
bool events_frame_full(std::size_t entries, std::size_t bytes);

// --- closing -------------------------------------------------------------------------------------

// Why the server closes a connection: the close code and the start of the reason, to which the
// WebSocket session appends ": resume with after_seq=<N>" (N the position of the last message
// written to the connection; api/transport/websocket_session.h).
struct StreamClose {
  std::uint16_t code = 0;
  std::string_view why;
};
// The send queue is full: 1013 (try again later).
inline constexpr StreamClose kSlowConsumerClose{1013, "slow consumer"};
// The token was revoked or the user's rights changed: 1008 (policy violation).
inline constexpr StreamClose kCredentialsChangedClose{1008, "credentials changed"};
// The server stops: 1001 (going away).
inline constexpr StreamClose kShuttingDownClose{1001, "server shutting down"};

}  // namespace redress::api
