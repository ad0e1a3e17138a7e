#include "api/delivery/stream_hub.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include "api/http/json_writer.h"
#include "api/http/request_pipeline.h"
#include "api/transport/websocket_session.h"
#include "engine/case_snapshot.h"
#include "engine/json_text.h"
#include "engine/role.h"
#include "storage/server_queries.h"

namespace redress::api {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view kStreamPath = "/v1/stream";
constexpr size_t kMaxIdBytes = 128;
// Tail passes per strand turn before yielding to subscription changes and replays.
constexpr int kMaxTailRounds = 8;

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::optional<int> rank_of(const Principal& who) {
  return ladder_rank(who.actor.role);
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

// `at` comes from the hub's clock, like every other time it uses.
void log_error(Instant at, const std::string& message, const std::string& detail) {
  write_access_log({{"ts", format_rfc3339(at)},
                    {"level", "error"},
                    {"msg", "stream: " + message},
                    {"error", detail}});
}

std::shared_ptr<const std::string> text(const nlohmann::json& message) {
  return std::make_shared<const std::string>(message.dump());
}

// Writes an HTTP problem response on a connection that asked for a WebSocket, then closes it.
void refuse_upgrade(beast::tcp_stream stream, const ApiProblem& problem, const Request& request) {
  struct Refusal {
    beast::tcp_stream stream;
    Response response;
  };
  auto refusal =
      std::make_shared<Refusal>(Refusal{std::move(stream), problem_response(problem, request)});
  refusal->response.keep_alive(false);
  refusal->response.prepare_payload();
  refusal->stream.expires_after(std::chrono::seconds(30));
  http::async_write(refusal->stream, refusal->response, [refusal](beast::error_code, size_t) {
    beast::error_code ignored;
    refusal->stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    refusal->stream.close();
  });
}

}  // namespace

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
  const auto rank = rank_of(who);
  switch (topic.kind) {
    case StreamTopic::Kind::kCase:
      return std::nullopt;
    case StreamTopic::Kind::kAll:
      if (role == Role::kManager) return std::nullopt;
      return as + " may not subscribe to all: it is for managers and admins";
    case StreamTopic::Kind::kEscalations:
      if (rank && *rank >= 1) return std::nullopt;
      return as + " may not subscribe to escalations: it is for team leads and above";
    case StreamTopic::Kind::kTeam:
      if (rank && *rank >= 1) return std::nullopt;
      if (rank && !who.actor.team.empty() && who.actor.team == topic.argument) return std::nullopt;
      return as + " may not subscribe to team:" + topic.argument +
             ": only its members, team leads and above may";
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

// ------------------------------------------------------------------------------------------------

class StreamHub::Core final : public WebSocketSession::Owner,
                              public std::enable_shared_from_this<Core> {
 public:
  Core(net::io_context& ioc, storage::CaseStore& store, Authenticate authenticate,
       const Clock& clock, size_t queue_limit)
      : strand_(net::make_strand(ioc)),
        timer_(strand_),
        store_(store),
        queries_(store),
        authenticate_(std::move(authenticate)),
        clock_(clock),
        queue_limit_(queue_limit == 0 ? 1 : queue_limit) {}

  void start() {
    // Start at the journal's end: a subscriber without after_seq wants what happens from now.
    // Read here so that head() is right at once; the strand retries if this read fails.
    if (auto end = read_journal_end(); end.ok()) {
      head_ = end.value();
      published_head_.store(end.value());
    }
    net::post(strand_,
              [self = shared_from_this()] { self->guarded("tail", [&] { self->tail(); }); });
    schedule_tick();
  }

  void accept(beast::tcp_stream stream, Request request) {
    try {
      take_over(std::move(stream), std::move(request));
    } catch (const std::exception& e) {
      // A broken invariant: the connection is lost (closed with the stream), the server is not.
      log_error(clock_.now(), "accepting a connection", e.what());
    }
  }

  static ApiProblem shutting_down() {
    return ApiProblem::shutting_down(
        "the server is shutting down; reconnect in a moment and resume with "
        "after_seq",
        5);
  }

  void take_over(beast::tcp_stream stream, Request request) {
    if (stopped_.load()) return refuse_upgrade(std::move(stream), shutting_down(), request);
    std::string_view path = request.target();
    path = path.substr(0, path.find('?'));
    if (path != kStreamPath) {
      return refuse_upgrade(
          std::move(stream),
          ApiProblem::route_not_found("there is no WebSocket endpoint at " + std::string(path) +
                                      "; live updates are served at /v1/stream"),
          request);
    }
    // The token: the Authorization header, else the subprotocol "bearer.<token>" (browsers).
    Request credentials;
    bool offered_bearer = false;
    const auto authorization = request[http::field::authorization];
    if (!authorization.empty()) credentials.set(http::field::authorization, authorization);
    for (const auto protocol : split_protocols(request[http::field::sec_websocket_protocol])) {
      if (protocol == "bearer") {
        offered_bearer = true;
      } else if (protocol.starts_with("bearer.") && authorization.empty()) {
        credentials.set(
            http::field::authorization,
            "Bearer " + std::string(protocol.substr(std::string_view("bearer.").size())));
      }
    }
    auto who = authenticate_(credentials, clock_.now());
    if (auto* problem = std::get_if<ApiProblem>(&who)) {
      return refuse_upgrade(std::move(stream), *problem, request);
    }
    std::shared_ptr<WebSocketSession> session;
    {
      // Checked under the registry's lock: stop() either sees this session or refuses it.
      std::lock_guard lock(mutex_);
      if (!stopped_.load()) {
        const auto id = next_session_id_.fetch_add(1);
        session = std::make_shared<WebSocketSession>(std::move(stream), id,
                                                     std::get<Principal>(std::move(who)),
                                                     queue_limit_, shared_from_this());
        sessions_[id] = session;
      }
    }
    if (!session) return refuse_upgrade(std::move(stream), shutting_down(), request);
    session->run(std::move(request), offered_bearer ? "bearer" : "");
  }

  void poke() {
    if (stopped_.load() || poke_pending_.exchange(true)) return;
    net::post(strand_,
              [self = shared_from_this()] { self->guarded("tail", [&] { self->tail(); }); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_.exchange(true)) return;
    }
    net::post(strand_, [self = shared_from_this()] {
      self->timer_.cancel();
      self->subscribers_.clear();
      self->index_.clear();
      self->catching_up_.clear();
    });
    // Snapshot under the lock, close outside it.
    std::vector<std::shared_ptr<WebSocketSession>> live;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, weak] : sessions_) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (const auto& session : live) {
      session->close(websocket::close_code::going_away, "server shutting down");
    }
  }

  void close_for_credentials(const std::string& token_id, const std::string& user_id) {
    std::vector<std::shared_ptr<WebSocketSession>> affected;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, weak] : sessions_) {
        auto session = weak.lock();
        if (!session) continue;
        const auto& who = session->principal();
        if ((!token_id.empty() && who.token_id == token_id) ||
            (!user_id.empty() && who.user_id == user_id)) {
          affected.push_back(std::move(session));
        }
      }
    }
    for (const auto& session : affected) {
      session->close(websocket::close_code::policy_error, "credentials changed");
    }
  }

  size_t connection_count() const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(
        std::count_if(sessions_.begin(), sessions_.end(),
                      [](const auto& entry) { return !entry.second.expired(); }));
  }

  std::int64_t head() const { return published_head_.load(); }

  // --- WebSocketSession::Owner (called on the session's strand) -------------------------------

  void on_text(const std::shared_ptr<WebSocketSession>& session,
               std::string_view message) override {
    try {
      handle_message(session, message);
    } catch (const std::exception& e) {
      // A broken invariant: log it, tell the client, keep the server (and the connection) up.
      log_error(clock_.now(), "handling a client message", e.what());
      send(session, error_message("INTERNAL", "the server could not handle this message", {}));
    }
  }

  void on_binary(const std::shared_ptr<WebSocketSession>& session) override {
    send(session,
         error_message("BINARY_NOT_SUPPORTED", "send text frames: the protocol is JSON text", {}));
  }

  void on_drained(const std::shared_ptr<WebSocketSession>& session) override {
    net::post(strand_, [self = shared_from_this(), id = session->id()] {
      self->guarded("replay", [&] { self->catch_up(id); });
    });
  }

  void on_closed(std::uint64_t session_id) override {
    {
      std::lock_guard lock(mutex_);
      sessions_.erase(session_id);
    }
    net::post(strand_, [self = shared_from_this(), session_id] { self->drop(session_id); });
  }

 private:
  // What the hub knows of one connection's subscription. Strand only.
  struct Subscriber {
    std::weak_ptr<WebSocketSession> session;
    Principal principal;
    std::set<std::string> topics;
    // Every entry with seq <= cursor has been handled (sent, or not matching). Live
    // subscribers get what the tail reads with seq > cursor; the others replay from cursor.
    std::int64_t cursor = 0;
    bool live = true;
    bool step_posted = false;  // a replay step is queued on the strand
    bool wants_teams = false;
    bool wants_approvals = false;
  };

  struct SubscriptionChange {
    bool subscribe = true;
    std::vector<std::string> topics;
    std::optional<std::int64_t> after_seq;
    nlohmann::json id;  // echoed; null when the client sent none
  };

  // Case facts the topics of a batch need, read once per batch.
  struct Facts {
    std::map<std::string, std::string> team_of;                                // case id
    std::map<storage::ServerQueries::ApprovalKey, std::string> approval_role;  // case, approval
  };

  template <typename F>
  void guarded(const char* what, F&& work) {
    try {
      work();
    } catch (const std::exception& e) {
      log_error(clock_.now(), what, e.what());
    }
  }

  // --- client messages ------------------------------------------------------------------------

  static nlohmann::json error_message(const std::string& code, const std::string& message,
                                      const nlohmann::json& id) {
    nlohmann::json out{{"type", "error"}, {"code", code}, {"message", message}};
    if (!id.is_null()) out["id"] = id;
    return out;
  }

  // Queues a reply; a client too slow to take even that is closed as a slow consumer.
  void send(const std::shared_ptr<WebSocketSession>& session, const nlohmann::json& message,
            std::optional<std::int64_t> position = std::nullopt) {
    if (session->offer(text(message), position) == WebSocketSession::Offer::kFull) {
      session->close(websocket::close_code::try_again_later, "slow consumer");
    }
  }

  void handle_message(const std::shared_ptr<WebSocketSession>& session, std::string_view raw) {
    if (stopped_.load()) return;
    auto parsed = parse_json_text(raw);
    const auto* message_ptr = std::get_if<nlohmann::json>(&parsed);
    if (!message_ptr || !message_ptr->is_object()) {
      return send(
          session,
          error_message("MALFORMED_MESSAGE",
                        "a message must be one JSON object, such as {\"type\":\"ping\"}", {}));
    }
    const nlohmann::json& message = *message_ptr;
    nlohmann::json id;
    if (auto it = message.find("id"); it != message.end() && (it->is_string() || it->is_number())) {
      id = *it;
    }
    const auto type_it = message.find("type");
    if (type_it == message.end() || !type_it->is_string()) {
      return send(session, error_message("INVALID_FIELD",
                                         "/type: a message needs a \"type\": subscribe, "
                                         "unsubscribe or ping",
                                         id));
    }
    const auto& type = type_it->get_ref<const std::string&>();
    if (type == "ping") {
      nlohmann::json pong{{"type", "pong"}};
      if (!id.is_null()) pong["id"] = id;
      return send(session, pong);
    }
    if (type != "subscribe" && type != "unsubscribe") {
      return send(session, error_message("UNKNOWN_MESSAGE_TYPE",
                                         "/type: unknown message type; expected subscribe, "
                                         "unsubscribe or ping",
                                         id));
    }
    SubscriptionChange change;
    change.subscribe = type == "subscribe";
    change.id = id;
    if (auto it = message.find("topics"); it != message.end()) {
      if (!it->is_array()) {
        return send(session,
                    error_message("INVALID_FIELD", "/topics: must be an array of strings", id));
      }
      if (it->size() > kMaxTopics) {
        return send(session, error_message("TOO_MANY_TOPICS",
                                           "/topics: at most " + std::to_string(kMaxTopics) +
                                               " topics per connection",
                                           id));
      }
      for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string()) {
          return send(session,
                      error_message("INVALID_FIELD",
                                    "/topics/" + std::to_string(i) + ": must be a string", id));
        }
        change.topics.push_back((*it)[i].get<std::string>());
      }
    }
    if (auto it = message.find("after_seq"); it != message.end() && !it->is_null()) {
      if (!change.subscribe || !it->is_number_integer() ||
          (it->is_number_unsigned() &&
           it->get<std::uint64_t>() >
               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) ||
          (!it->is_number_unsigned() && it->get<std::int64_t>() < 0)) {
        return send(session,
                    error_message("INVALID_FIELD",
                                  change.subscribe
                                      ? "/after_seq: must be a journal sequence (an integer >= 0)"
                                      : "/after_seq: only subscribe takes after_seq",
                                  id));
      }
      change.after_seq = it->get<std::int64_t>();
    }
    net::post(strand_, [self = shared_from_this(), session, change = std::move(change)] {
      self->guarded("subscribe", [&] { self->change_subscription(session, change); });
    });
  }

  // --- subscriptions (strand) -----------------------------------------------------------------

  void change_subscription(const std::shared_ptr<WebSocketSession>& session,
                           const SubscriptionChange& change) {
    if (stopped_.load()) return;
    if (!head_) {
      if (auto end = read_journal_end(); end.ok()) {
        head_ = end.value();
        published_head_.store(end.value());
      } else {
        return send(session, error_message("STREAM_UNAVAILABLE",
                                           "the journal cannot be read right now; retry shortly",
                                           change.id));
      }
    }
    const auto id = session->id();
    auto [it, created] = subscribers_.try_emplace(id);
    Subscriber& sub = it->second;
    if (created) {
      sub.session = session;
      sub.principal = session->principal();
      sub.cursor = *head_;
    }
    std::vector<std::string> over_limit;
    for (const auto& topic : change.topics) {
      if (!change.subscribe) {
        remove_topic(id, sub, topic);
        continue;
      }
      if (sub.topics.count(topic)) continue;
      const auto parsed = parse_stream_topic(topic);
      if (!parsed) {
        auto error = error_message(
            "UNKNOWN_TOPIC",
            "unknown topic; expected case:<id>, team:<id>, approvals:<role>, escalations or all",
            change.id);
        error["topic"] = topic;
        send(session, error);
        continue;
      }
      if (auto refusal = stream_topic_refusal(sub.principal, *parsed)) {
        auto error = error_message("FORBIDDEN_TOPIC", *refusal, change.id);
        error["topic"] = topic;
        send(session, error);
        continue;
      }
      if (sub.topics.size() >= kMaxTopics) {
        over_limit.push_back(topic);
        continue;
      }
      add_topic(id, sub, topic);
    }
    if (!over_limit.empty()) {
      auto error =
          error_message("TOO_MANY_TOPICS",
                        "a connection may have at most " + std::to_string(kMaxTopics) +
                            " topics; not subscribed: " + nlohmann::json(over_limit).dump(),
                        change.id);
      send(session, error);
    }
    if (change.after_seq) {
      // Always through a replay step, even when after_seq is at or past head_: the tail may
      // trail the journal, and entries between head_ and the journal's end are backlog for this
      // client (paced by its reading), not live traffic (which closes a full queue with 1013).
      sub.cursor = *change.after_seq;
      sub.live = false;
    }
    if (sub.live) {
      catching_up_.erase(id);
    } else {
      catching_up_.insert(id);
    }
    nlohmann::json reply{{"type", "subscribed"}, {"topics", sub.topics}, {"head", *head_}};
    if (!change.id.is_null()) reply["id"] = change.id;
    // Once this reply is written, the client has seen everything up to this position.
    send(session, reply, sub.live ? std::max(*head_, sub.cursor) : sub.cursor);
    if (!sub.live) post_step(id, sub);
  }

  void add_topic(std::uint64_t id, Subscriber& sub, const std::string& topic) {
    sub.topics.insert(topic);
    auto& ids = index_[topic];
    if (ids.empty()) count_key(topic, +1);
    ids.insert(id);
    refresh_wants(sub);
  }

  void remove_topic(std::uint64_t id, Subscriber& sub, const std::string& topic) {
    if (!sub.topics.erase(topic)) return;
    if (auto it = index_.find(topic); it != index_.end()) {
      it->second.erase(id);
      if (it->second.empty()) {
        index_.erase(it);
        count_key(topic, -1);
      }
    }
    refresh_wants(sub);
  }

  void count_key(const std::string& topic, int delta) {
    if (topic.starts_with("team:") || topic == "all") team_keys_ += delta;
    if (topic.starts_with("approvals:") || topic == "all") approval_keys_ += delta;
  }

  static void refresh_wants(Subscriber& sub) {
    sub.wants_teams = sub.topics.count("all") > 0;
    sub.wants_approvals = sub.wants_teams;
    for (const auto& t : sub.topics) {
      if (t.starts_with("team:")) sub.wants_teams = true;
      if (t.starts_with("approvals:")) sub.wants_approvals = true;
    }
  }

  void drop(std::uint64_t id) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end()) return;
    const auto topics = it->second.topics;
    for (const auto& topic : topics) remove_topic(id, it->second, topic);
    subscribers_.erase(it);
    catching_up_.erase(id);
  }

  // --- the journal (strand) -------------------------------------------------------------------

  Result<std::int64_t> read_journal_end() const { return queries_.journal_head(); }

  // The case teams and approval roles `events` need (only what is asked for).
  Result<Facts> load_facts(const std::vector<storage::StoredEvent>& events, bool teams,
                           bool approvals) const {
    std::set<std::string> cases;
    std::set<storage::ServerQueries::ApprovalKey> decided;
    for (const auto& e : events) {
      if (teams) cases.insert(e.case_id);
      if (approvals && e.event.type == "approval.decided") {
        if (auto it = e.event.data.find("id"); it != e.event.data.end() && it->is_string()) {
          decided.emplace(e.case_id, it->get<std::string>());
        }
      }
    }
    Facts facts;
    auto team_of = queries_.case_teams(cases);
    if (!team_of.ok()) return team_of.error();
    facts.team_of = std::move(team_of).value();
    auto approval_role = queries_.approval_roles(decided);
    if (!approval_role.ok()) return approval_role.error();
    facts.approval_role = std::move(approval_role).value();
    return facts;
  }

  static std::vector<std::string> topics_of(const storage::StoredEvent& e, const Facts& facts) {
    std::string team;
    if (auto it = facts.team_of.find(e.case_id); it != facts.team_of.end()) team = it->second;
    std::string role;
    if (e.event.type == "approval.requested") {
      if (auto it = e.event.data.find("required_role");
          it != e.event.data.end() && it->is_string()) {
        role = it->get<std::string>();
      }
    } else if (e.event.type == "approval.decided") {
      if (auto id = e.event.data.find("id"); id != e.event.data.end() && id->is_string()) {
        if (auto it = facts.approval_role.find({e.case_id, id->get<std::string>()});
            it != facts.approval_role.end()) {
          role = it->second;
        }
      }
    }
    return event_topics(e, team, role);
  }

  // A journal entry matched for one subscriber: its index in the batch read, and the topics of
  // the subscriber's it matched.
  struct Matched {
    size_t index = 0;
    std::vector<std::string> topics;
    bool operator<(const Matched& other) const {
      return std::tie(index, topics) < std::tie(other.index, other.topics);
    }
  };

  // {"type":"events","seq":S,"events":[{"seq":..,"case_id":..,"case_seq":..,"topics":[..],
  // "event":{..}},..]}, S being the last entry's seq (the position the client has reached).
  // `event_json(i)` is entry i's event, serialised once per batch however many messages hold it.
  template <typename EventJson>
  static std::shared_ptr<const std::string> events_message(
      const std::vector<storage::StoredEvent>& rows, const std::vector<Matched>& matched,
      EventJson&& event_json) {
    std::string out;
    out.reserve(64 + matched.size() * 512);
    JsonWriter w(out);
    w.begin_object()
        .key("type")
        .string("events")
        .key("seq")
        .integer(rows[matched.back().index].seq)
        .key("events")
        .begin_array();
    for (const auto& m : matched) {
      const auto& e = rows[m.index];
      w.begin_object()
          .key("seq")
          .integer(e.seq)
          .key("case_id")
          .string(e.case_id)
          .key("case_seq")
          .integer(e.case_seq)
          .key("topics")
          .begin_array();
      for (const auto& topic : m.topics) w.string(topic);
      w.end_array().key("event").raw(event_json(m.index)).end_object();
    }
    w.end_array().end_object();
    return std::make_shared<const std::string>(std::move(out));
  }

  void tail() {
    poke_pending_.store(false);
    if (stopped_.load()) return;
    if (!head_) {
      auto end = read_journal_end();
      if (!end.ok()) return report_failure("reading the journal's end", end.error());
      head_ = end.value();
      published_head_.store(end.value());
    }
    bool more = false;
    for (int round = 0; round < kMaxTailRounds; ++round) {
      auto rows = store_.journal_after(*head_, kJournalBatch);
      if (!rows.ok()) return report_failure("reading the journal", rows.error());
      if (rows.value().empty()) break;
      if (!fan_out(rows.value())) return;
      head_ = rows.value().back().seq;
      published_head_.store(*head_);
      if (rows.value().size() < kJournalBatch) break;
      more = round + 1 == kMaxTailRounds;
    }
    failing_ = false;
    if (more) {
      net::post(strand_,
                [self = shared_from_this()] { self->guarded("tail", [&] { self->tail(); }); });
    }
    // Replays that wait for nothing in particular (a failed read, say) get another step.
    for (const auto id : catching_up_) {
      if (auto it = subscribers_.find(id); it != subscribers_.end()) post_step(id, it->second);
    }
  }

  // Delivers `events` (the next batch after head_) to the live subscribers whose topics match:
  // each subscriber gets its matching entries in as few messages as kMaxEventsPerMessage allows
  // (one per command, typically), not one message per entry — a transition writes about nine
  // entries, and a WebSocket message costs a send system call per subscriber.
  // Returns false, having delivered nothing, when the facts cannot be read (retried later).
  bool fan_out(const std::vector<storage::StoredEvent>& events) {
    if (index_.empty()) return true;
    auto facts = load_facts(events, team_keys_ > 0, approval_keys_ > 0);
    if (!facts.ok()) {
      report_failure("reading case facts", facts.error());
      return false;
    }
    std::map<std::uint64_t, std::vector<Matched>> matched;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      for (const auto& topic : topics_of(e, facts.value())) {
        auto it = index_.find(topic);
        if (it == index_.end()) continue;
        for (const auto id : it->second) {
          const auto& sub = subscribers_.at(id);
          if (!sub.live || e.seq <= sub.cursor) continue;
          auto& list = matched[id];
          if (list.empty() || list.back().index != i) list.push_back({i, {}});
          list.back().topics.push_back(topic);
        }
      }
    }
    std::vector<std::optional<std::string>> event_json(events.size());
    const auto json_of = [&](size_t i) -> const std::string& {
      if (!event_json[i]) event_json[i] = event_to_json(events[i].event).dump();
      return *event_json[i];
    };
    // Subscribers with the same matches (all the watchers of one case) share one message.
    std::map<std::vector<Matched>, std::shared_ptr<const std::string>> messages;
    for (auto& [id, list] : matched) {
      size_t from = 0;
      while (from < list.size()) {
        const size_t to = chunk_end(list, from, json_of);
        std::vector<Matched> chunk(std::make_move_iterator(list.begin() + from),
                                   std::make_move_iterator(list.begin() + to));
        from = to;
        const auto last_seq = events[chunk.back().index].seq;
        auto& message = messages[chunk];
        if (!message) message = events_message(events, chunk, json_of);
        if (!deliver_live(id, message, last_seq)) break;
      }
    }
    return true;
  }

  // Whether a message holding `entries` entries whose events total `bytes` takes no more: at most
  // kMaxEventsPerMessage entries, and none added once kEventsMessageBytes are in (so a single
  // larger entry still goes, alone). Live fan-out and replay both cut messages by this rule.
  static bool message_full(size_t entries, size_t bytes) {
    return entries >= kMaxEventsPerMessage || (entries > 0 && bytes >= kEventsMessageBytes);
  }

  // The end of the message that starts at list[from].
  template <typename EventJson>
  static size_t chunk_end(const std::vector<Matched>& list, size_t from, EventJson&& json_of) {
    size_t bytes = 0;
    size_t to = from;
    while (to < list.size() && !message_full(to - from, bytes)) {
      bytes += json_of(list[to].index).size();
      ++to;
    }
    return to;
  }

  // Offers one message to a live subscriber; false when the subscriber is gone (or just closed
  // as a slow consumer) and must get nothing more.
  bool deliver_live(std::uint64_t id, const std::shared_ptr<const std::string>& message,
                    std::int64_t seq) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end()) return false;
    auto session = it->second.session.lock();
    if (!session) {
      drop(id);
      return false;
    }
    switch (session->offer(message, seq)) {
      case WebSocketSession::Offer::kQueued:
        return true;
      case WebSocketSession::Offer::kFull:
        // Never buffer without limit: the client resumes from what it has seen.
        session->close(websocket::close_code::try_again_later, "slow consumer");
        drop(id);
        return false;
      case WebSocketSession::Offer::kClosed:
        drop(id);
        return false;
    }
    return false;
  }

  void post_step(std::uint64_t id, Subscriber& sub) {
    if (sub.step_posted || sub.live) return;
    sub.step_posted = true;
    net::post(strand_, [self = shared_from_this(), id] {
      self->guarded("replay", [&] { self->catch_up(id); });
    });
  }

  // One replay step for a subscriber behind the head: one journal read, at most as many
  // messages as its queue has room for. Then another step, or a wait for the client to drain.
  void catch_up(std::uint64_t id) {
    auto it = subscribers_.find(id);
    if (it == subscribers_.end() || stopped_.load()) return;
    Subscriber& sub = it->second;
    sub.step_posted = false;
    if (sub.live) return;
    auto session = sub.session.lock();
    if (!session) return drop(id);
    size_t room = replay_room(*session);
    if (room == 0) {
      if (session->notify_when_drained()) return;  // on_drained brings us back
      room = replay_room(*session);
      if (room == 0) return;  // closing: on_closed drops it
    }
    auto rows = store_.journal_after(sub.cursor, kJournalBatch);
    if (!rows.ok()) return report_failure("replaying the journal", rows.error());
    auto facts = load_facts(rows.value(), sub.wants_teams, sub.wants_approvals);
    if (!facts.ok()) return report_failure("reading case facts", facts.error());
    // Matching entries go out kMaxEventsPerMessage to a message, each message taking one place
    // of the room. The cursor only passes entries whose message was queued, so a step that runs
    // out of room resumes exactly there.
    const auto& read = rows.value();
    std::vector<std::optional<std::string>> event_json(read.size());
    const auto json_of = [&](size_t i) -> const std::string& {
      if (!event_json[i]) event_json[i] = event_to_json(read[i].event).dump();
      return *event_json[i];
    };
    std::vector<Matched> batch;
    size_t batch_bytes = 0;
    bool full = false;
    bool closed = false;
    const auto flush = [&]() -> bool {
      if (room == 0) return false;
      const auto last_seq = read[batch.back().index].seq;
      const auto offered = session->offer(events_message(read, batch, json_of), last_seq);
      if (offered == WebSocketSession::Offer::kClosed) closed = true;
      if (offered != WebSocketSession::Offer::kQueued) return false;
      --room;
      sub.cursor = last_seq;
      batch.clear();
      batch_bytes = 0;
      return true;
    };
    std::int64_t scanned = sub.cursor;
    for (size_t i = 0; i < read.size(); ++i) {
      std::vector<std::string> matched;
      for (auto& topic : topics_of(read[i], facts.value())) {
        if (sub.topics.count(topic)) matched.push_back(std::move(topic));
      }
      if (!matched.empty()) {
        if (message_full(batch.size(), batch_bytes) && !flush()) {
          full = true;
          break;
        }
        batch.push_back({i, std::move(matched)});
        batch_bytes += json_of(i).size();
      }
      scanned = read[i].seq;
    }
    if (!full && !batch.empty() && !flush()) full = true;
    if (closed) return drop(id);
    if (!full) sub.cursor = std::max(sub.cursor, scanned);
    if (!full && rows.value().size() < kJournalBatch && sub.cursor >= *head_) {
      // The end of the journal as this read saw it, which is at or past head_ (read earlier):
      // from here on the tail delivers exactly the entries after the cursor.
      sub.live = true;
      catching_up_.erase(id);
      return;
    }
    if (full && session->notify_when_drained()) return;
    post_step(id, sub);
  }

  // A replay leaves a quarter of the queue free for replies (pong, errors), so a client that
  // pings while it catches up is not mistaken for a slow consumer.
  size_t replay_room(const WebSocketSession& session) const {
    const size_t reserve = queue_limit_ / 4;
    const size_t room = session.room();
    return room > reserve ? room - reserve : 0;
  }

  void report_failure(const std::string& what, const Error& error) {
    // Retried at the next poll; logged once per run of failures.
    if (!failing_)
      log_error(clock_.now(), what + " failed; retrying",
                std::string(error.code_name()) + ": " + error.message);
    failing_ = true;
  }

  void schedule_tick() {
    timer_.expires_after(kPollInterval);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_.load()) return;
      self->guarded("tail", [&] { self->tail(); });
      self->schedule_tick();
    });
  }

  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer timer_;  // runs on strand_
  storage::CaseStore& store_;
  const storage::ServerQueries queries_;  // the journal head and the facts topics need
  const Authenticate authenticate_;
  const Clock& clock_;
  const size_t queue_limit_;

  std::atomic<bool> stopped_{false};
  std::atomic<bool> poke_pending_{false};
  std::atomic<std::int64_t> published_head_{0};
  std::atomic<std::uint64_t> next_session_id_{1};

  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::weak_ptr<WebSocketSession>> sessions_;  // every open connection

  // Strand only.
  std::optional<std::int64_t> head_;  // the last sequence fanned out; unknown until first read
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::unordered_map<std::string, std::set<std::uint64_t>> index_;  // topic -> subscribers
  std::int64_t team_keys_ = 0;      // index keys whose matching needs case teams
  std::int64_t approval_keys_ = 0;  // ... approval roles
  std::set<std::uint64_t> catching_up_;
  bool failing_ = false;
};

// ------------------------------------------------------------------------------------------------

StreamHub::StreamHub(net::io_context& ioc, storage::CaseStore& store, Authenticate authenticate,
                     const Clock& clock, size_t queue_limit)
    : core_(std::make_shared<Core>(ioc, store, std::move(authenticate), clock, queue_limit)) {
  core_->start();
}

StreamHub::~StreamHub() {
  stop();
}

void StreamHub::accept(beast::tcp_stream stream, Request upgrade_request) {
  core_->accept(std::move(stream), std::move(upgrade_request));
}

void StreamHub::poke() {
  core_->poke();
}

void StreamHub::stop() {
  core_->stop();
}

void StreamHub::close_for_credentials(const std::string& token_id, const std::string& user_id) {
  core_->close_for_credentials(token_id, user_id);
}

size_t StreamHub::connection_count() const {
  return core_->connection_count();
}

std::int64_t StreamHub::head() const {
  return core_->head();
}

}  // namespace redress::api
