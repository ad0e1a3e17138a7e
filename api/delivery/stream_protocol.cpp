#include "api/delivery/stream_protocol.h"

#include <algorithm>
#include <limits>

#include "api/http/json_writer.h"
#include "engine/json_text.h"
#include "engine/role.h"

namespace redress::api {
namespace {

constexpr std::size_t kMaxIdBytes = 128;

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_protocols(std::string_view header) {
  std::vector<std::string_view> out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto item = trim(header.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return out;
}

ProtocolError refusal(std::string code, std::string message, const nlohmann::json& id) {
  return ProtocolError{std::move(code), std::move(message), id};
}

// A journal sequence: an integer in [0, INT64_MAX].
bool is_sequence(const nlohmann::json& value) {
  if (!value.is_number_integer()) return false;
  if (value.is_number_unsigned()) {
    return value.get<std::uint64_t>() <=
           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
  return value.get<std::int64_t>() >= 0;
}

}  // namespace

// --- topics --------------------------------------------------------------------------------------

std::optional<StreamTopic> parse_stream_topic(std::string_view text) {
  if (text == "all") return StreamTopic{StreamTopic::Kind::kAll, ""};
  if (text == "escalations") return StreamTopic{StreamTopic::Kind::kEscalations, ""};
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto prefix = text.substr(0, colon);
  const auto argument = text.substr(colon + 1);
  if (prefix == "case" && valid_id(argument)) {
    return StreamTopic{StreamTopic::Kind::kCase, std::string(argument)};
  }
  if (prefix == "team" && valid_id(argument)) {
    return StreamTopic{StreamTopic::Kind::kTeam, std::string(argument)};
  }
  if (prefix == "approvals") {
    const auto role = parse_role(argument);
    if (role && ladder_rank(*role)) {
      return StreamTopic{StreamTopic::Kind::kApprovals, std::string(argument)};
    }
  }
  return std::nullopt;
}

std::optional<std::string> stream_topic_refusal(const Principal& who, const StreamTopic& topic) {
  const Role role = who.actor.role;
  if (role == Role::kAdmin) return std::nullopt;
  const std::string as = std::string("the role ") + role_name(role);
  const auto rank = ladder_rank(role);
  switch (topic.kind) {
    case StreamTopic::Kind::kCase:
      // Integration tokens need cases:read; agents and team leads get the entries of cases
      // they may see only (the hub filters every delivery by the subscriber's read scope).
      if (role == Role::kIntegration &&
          std::find(who.scopes.begin(), who.scopes.end(), "cases:read") == who.scopes.end()) {
        return as +
               " token lacks the scope cases:read needed to subscribe to case:" + topic.argument;
      }
      return std::nullopt;
    case StreamTopic::Kind::kAll:
      if (role == Role::kManager) return std::nullopt;
      return as + " may not subscribe to all: it is for managers and admins";
    case StreamTopic::Kind::kEscalations:
      if (rank && *rank >= 1) return std::nullopt;
      return as + " may not subscribe to escalations: it is for team leads and above";
    case StreamTopic::Kind::kTeam:
      if (rank && *rank >= 2) return std::nullopt;
      if (rank && !who.actor.team.empty() && who.actor.team == topic.argument) return std::nullopt;
      return as + " may not subscribe to team:" + topic.argument +
             ": only its members, supervisors and above may";
    case StreamTopic::Kind::kApprovals: {
      const auto wanted = ladder_rank(*parse_role(topic.argument));
      if (rank && wanted && *rank >= *wanted) return std::nullopt;
      return as + " may not subscribe to approvals:" + topic.argument + ": only the " +
             topic.argument + " and roles above it may";
    }
  }
  return as + " may not subscribe to this topic";
}

std::vector<std::string> event_topics(const storage::StoredEvent& event, std::string_view team,
                                      std::string_view approval_role) {
  std::vector<std::string> topics{"all", "case:" + event.case_id};
  if (!team.empty()) topics.push_back("team:" + std::string(team));
  if (!approval_role.empty()) topics.push_back("approvals:" + std::string(approval_role));
  const auto& type = event.event.type;
  if (type == "case.escalated" || type == "case.deescalated") topics.push_back("escalations");
  return topics;
}

std::string holder_team_topic(std::string_view team) {
  return "@team:" + std::string(team);
}

std::string holder_assignee_topic(std::string_view assignee) {
  return "@assignee:" + std::string(assignee);
}

// --- client → server -----------------------------------------------------------------------------

std::variant<ClientMessage, ProtocolError> parse_client_message(std::string_view text) {
  auto parsed = parse_json_text(text);
  const auto* message_ptr = std::get_if<nlohmann::json>(&parsed);
  if (!message_ptr || !message_ptr->is_object()) {
    return refusal("MALFORMED_MESSAGE",
                   "a message must be one JSON object, such as {\"type\":\"ping\"}", {});
  }
  const nlohmann::json& message = *message_ptr;
  ClientMessage out;
  if (auto it = message.find("id"); it != message.end() && (it->is_string() || it->is_number())) {
    out.id = *it;
  }
  const auto type_it = message.find("type");
  if (type_it == message.end() || !type_it->is_string()) {
    return refusal("INVALID_FIELD",
                   "/type: a message needs a \"type\": subscribe, unsubscribe or ping", out.id);
  }
  const auto& type = type_it->get_ref<const std::string&>();
  if (type == "ping") {
    out.kind = ClientMessage::Kind::kPing;
    return out;
  }
  if (type == "subscribe") {
    out.kind = ClientMessage::Kind::kSubscribe;
  } else if (type == "unsubscribe") {
    out.kind = ClientMessage::Kind::kUnsubscribe;
  } else {
    return refusal("UNKNOWN_MESSAGE_TYPE",
                   "/type: unknown message type; expected subscribe, unsubscribe or ping", out.id);
  }
  const bool subscribe = out.kind == ClientMessage::Kind::kSubscribe;
  if (auto it = message.find("topics"); it != message.end()) {
    if (!it->is_array()) {
      return refusal("INVALID_FIELD", "/topics: must be an array of strings", out.id);
    }
    if (it->size() > kMaxStreamTopics) {
      return refusal(
          "TOO_MANY_TOPICS",
          "/topics: at most " + std::to_string(kMaxStreamTopics) + " topics per connection",
          out.id);
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return refusal("INVALID_FIELD", "/topics/" + std::to_string(i) + ": must be a string",
                       out.id);
      }
      out.topics.push_back((*it)[i].get<std::string>());
    }
  }
  if (auto it = message.find("after_seq"); it != message.end() && !it->is_null()) {
    if (!subscribe || !is_sequence(*it)) {
      return refusal("INVALID_FIELD",
                     subscribe ? "/after_seq: must be a journal sequence (an integer >= 0)"
                               : "/after_seq: only subscribe takes after_seq",
                     out.id);
    }
    out.after_seq = it->get<std::int64_t>();
  }
  return out;
}

UpgradeCredentials upgrade_credentials(std::string_view authorization_header,
                                       std::string_view subprotocols_header) {
  UpgradeCredentials out;
  out.authorization = std::string(authorization_header);
  for (const auto protocol : split_protocols(subprotocols_header)) {
    if (protocol == "bearer") {
      out.offered_bearer = true;
    } else if (protocol.starts_with("bearer.") && authorization_header.empty()) {
      out.authorization =
          "Bearer " + std::string(protocol.substr(std::string_view("bearer.").size()));
    }
  }
  return out;
}

// --- server → client -----------------------------------------------------------------------------

nlohmann::json error_frame(const std::string& code, const std::string& message,
                           const nlohmann::json& id, const std::optional<std::string>& topic) {
  nlohmann::json out{{"type", "error"}, {"code", code}, {"message", message}};
  if (!id.is_null()) out["id"] = id;
  if (topic) out["topic"] = *topic;
  return out;
}

nlohmann::json unknown_topic_frame(const std::string& topic, const nlohmann::json& id) {
  return error_frame(
      "UNKNOWN_TOPIC",
      "unknown topic; expected case:<id>, team:<id>, approvals:<role>, escalations or all", id,
      topic);
}

nlohmann::json forbidden_topic_frame(const std::string& topic, const std::string& refusal,
                                     const nlohmann::json& id) {
  return error_frame("FORBIDDEN_TOPIC", refusal, id, topic);
}

nlohmann::json too_many_topics_frame(const std::vector<std::string>& not_subscribed,
                                     const nlohmann::json& id) {
  return error_frame("TOO_MANY_TOPICS",
                     "a connection may have at most " + std::to_string(kMaxStreamTopics) +
                         " topics; not subscribed: " + nlohmann::json(not_subscribed).dump(),
                     id);
}

nlohmann::json stream_unavailable_frame(const nlohmann::json& id) {
  return error_frame("STREAM_UNAVAILABLE", "the journal cannot be read right now; retry shortly",
                     id);
}

nlohmann::json binary_not_supported_frame() {
  return error_frame("BINARY_NOT_SUPPORTED", "send text frames: the protocol is JSON text", {});
}

nlohmann::json internal_error_frame() {
  return error_frame("INTERNAL", "the server could not handle this message", {});
}

nlohmann::json pong_frame(const nlohmann::json& id) {
  nlohmann::json pong{{"type", "pong"}};
  if (!id.is_null()) pong["id"] = id;
  return pong;
}

nlohmann::json subscribed_frame(const std::set<std::string>& topics, std::int64_t head,
                                const nlohmann::json& id) {
  nlohmann::json reply{{"type", "subscribed"}, {"topics", topics}, {"head", head}};
  if (!id.is_null()) reply["id"] = id;
  return reply;
}

std::string events_frame(const std::vector<EventsFrameEntry>& entries) {
  std::string out;
  out.reserve(64 + entries.size() * 512);
  JsonWriter w(out);
  w.begin_object()
      .key("type")
      .string("events")
      .key("seq")
      .integer(entries.back().seq)
      .key("events")
      .begin_array();
  for (const auto& e : entries) {
    w.begin_object()
        .key("seq")
        .integer(e.seq)
        .key("case_id")
        .string(e.case_id)
        .key("case_seq")
        .integer(e.case_seq)
        .key("topics")
        .begin_array();
    if (e.topics) {
      for (const auto& topic : *e.topics) w.string(topic);
    }
    w.end_array().key("event").raw(e.event_json).end_object();
  }
  w.end_array().end_object();
  return out;
}

bool events_frame_full(std::size_t entries, std::size_t bytes) {
  return entries >= kMaxEventsPerFrame || (entries > 0 && bytes >= kEventsFrameBytes);
}

}  // namespace redress::api
