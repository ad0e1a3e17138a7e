#include "api/delivery/stream_hub.h"

#include <algorithm>
#include <atomic>
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

#include "api/delivery/journal_tail.h"
#include "api/http/request_pipeline.h"
#include "api/transport/websocket_session.h"
#include "engine/case_snapshot.h"
#include "engine/mutex.h"

namespace redress::api {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view kStreamPath = "/v1/stream";
// Tail passes per strand turn before yielding to subscription changes and replays.
constexpr int kMaxTailRounds = 8;

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

void close_session(WebSocketSession& session, const StreamClose& why) {
  session.close(static_cast<websocket::close_code>(why.code), std::string(why.why));
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

// ------------------------------------------------------------------------------------------------

class StreamHub::Core final : public WebSocketSession::Owner,
                              public std::enable_shared_from_this<Core> {
 public:
  Core(net::io_context& ioc, storage::CaseStore& store, Authenticate authenticate,
       const Clock& clock, size_t queue_limit)
      : strand_(net::make_strand(ioc)),
        timer_(strand_),
        journal_(std::make_unique<JournalTail>(store)),
        authenticate_(std::move(authenticate)),
        clock_(clock),
        queue_limit_(queue_limit == 0 ? 1 : queue_limit) {}

  void start() {
    // Start at the journal's end: a subscriber without after_seq wants what happens from now.
    // Read here so that head() is right at once; the strand retries if this read fails.
    if (auto end = journal_->end(); end.ok()) {
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
    const auto offered = upgrade_credentials(request[http::field::authorization],
                                             request[http::field::sec_websocket_protocol]);
    Request credentials;
    if (!offered.authorization.empty()) {
      credentials.set(http::field::authorization, offered.authorization);
    }
    auto who = authenticate_(credentials, clock_.now());
    if (auto* problem = std::get_if<ApiProblem>(&who)) {
      return refuse_upgrade(std::move(stream), *problem, request);
    }
    std::shared_ptr<WebSocketSession> session;
    {
      // Checked under the registry's lock: stop() either sees this session or refuses it.
      MutexLock lock(mutex_);
      if (!stopped_.load()) {
        const auto id = next_session_id_.fetch_add(1);
        session = std::make_shared<WebSocketSession>(std::move(stream), id,
                                                     std::get<Principal>(std::move(who)),
                                                     queue_limit_, shared_from_this());
        sessions_[id] = session;
      }
    }
    if (!session) return refuse_upgrade(std::move(stream), shutting_down(), request);
    session->run(std::move(request), offered.offered_bearer ? "bearer" : "");
  }

  void poke() {
    if (stopped_.load() || poke_pending_.exchange(true)) return;
    net::post(strand_,
              [self = shared_from_this()] { self->guarded("tail", [&] { self->tail(); }); });
  }

  void publish(std::vector<CaseNotice> notices) {
    if (stopped_.load() || notices.empty()) return;
    net::post(strand_, [self = shared_from_this(), notices = std::move(notices)] {
      self->guarded("notice", [&] { self->fan_out_notices(notices); });
    });
  }

  void stop() {
    {
      MutexLock lock(mutex_);
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
      MutexLock lock(mutex_);
      for (const auto& [id, weak] : sessions_) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (const auto& session : live) {
      close_session(*session, kShuttingDownClose);
    }
  }

  void close_for_credentials(const std::string& token_id, const std::string& user_id) {
    std::vector<std::shared_ptr<WebSocketSession>> affected;
    {
      MutexLock lock(mutex_);
      for (const auto& [id, weak] : sessions_) {
        auto session = weak.lock();
        if (!session) continue;
        const auto& who = session->principal();
        // A session acts as its parent token: revoking the parent closes its sessions' streams
        // too, and revoking one session (its id in `token_id`) closes only that session's.
        if ((!token_id.empty() && (who.token_id == token_id || who.session_id == token_id)) ||
            (!user_id.empty() && who.user_id == user_id)) {
          affected.push_back(std::move(session));
        }
      }
    }
    for (const auto& session : affected) {
      close_session(*session, kCredentialsChangedClose);
    }
  }

  size_t connection_count() const {
    MutexLock lock(mutex_);
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
      send(session, internal_error_frame());
    }
  }

  void on_binary(const std::shared_ptr<WebSocketSession>& session) override {
    send(session, binary_not_supported_frame());
  }

  void on_drained(const std::shared_ptr<WebSocketSession>& session) override {
    net::post(strand_, [self = shared_from_this(), id = session->id()] {
      self->guarded("replay", [&] { self->catch_up(id); });
    });
  }

  void on_closed(std::uint64_t session_id) override {
    {
      MutexLock lock(mutex_);
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
    // Whose cases the subscriber may see (storage/read_scope.h): entries of other cases are
    // never delivered, whatever topic they match.
    storage::ReadScope scope;
    std::string team_marker;      // holder_team_topic(scope.team), or "" for no team
    std::string assignee_marker;  // holder_assignee_topic(scope.user_id)
  };

  // Whether an entry published on `topics` is about a case `sub` may see: read with the
  // holder facts of its case (event_topics), which `sub`'s markers match.
  static bool in_scope(const Subscriber& sub, const std::vector<std::string>& topics) {
    if (sub.scope.everything) return true;
    return std::any_of(topics.begin(), topics.end(), [&](const std::string& topic) {
      return topic == sub.team_marker || topic == sub.assignee_marker;
    });
  }

  template <typename F>
  void guarded(const char* what, F&& work) {
    try {
      work();
    } catch (const std::exception& e) {
      log_error(clock_.now(), what, e.what());
    }
  }

  // --- client messages ------------------------------------------------------------------------

  // Queues a reply; a client too slow to take even that is closed as a slow consumer.
  void send(const std::shared_ptr<WebSocketSession>& session, const nlohmann::json& message,
            std::optional<std::int64_t> position = std::nullopt) {
    if (session->offer(text(message), position) == WebSocketSession::Offer::kFull) {
      close_session(*session, kSlowConsumerClose);
    }
  }

  void handle_message(const std::shared_ptr<WebSocketSession>& session, std::string_view raw) {
    if (stopped_.load()) return;
    auto parsed = parse_client_message(raw);
    if (const auto* error = std::get_if<ProtocolError>(&parsed)) {
      return send(session, error_frame(error->code, error->message, error->id));
    }
    auto& message = std::get<ClientMessage>(parsed);
    if (message.kind == ClientMessage::Kind::kPing) return send(session, pong_frame(message.id));
    net::post(strand_, [self = shared_from_this(), session, change = std::move(message)] {
      self->guarded("subscribe", [&] { self->change_subscription(session, change); });
    });
  }

  // --- subscriptions (strand) -----------------------------------------------------------------

  void change_subscription(const std::shared_ptr<WebSocketSession>& session,
                           const ClientMessage& change) {
    if (stopped_.load()) return;
    if (!head_) {
      if (auto end = journal_->end(); end.ok()) {
        head_ = end.value();
        published_head_.store(end.value());
      } else {
        return send(session, stream_unavailable_frame(change.id));
      }
    }
    const auto id = session->id();
    auto [it, created] = subscribers_.try_emplace(id);
    Subscriber& sub = it->second;
    if (created) {
      sub.session = session;
      sub.principal = session->principal();
      sub.scope = storage::ReadScope::of(sub.principal.actor);
      if (!sub.scope.everything) {
        ++scoped_subscribers_;
        if (!sub.scope.team.empty()) sub.team_marker = holder_team_topic(sub.scope.team);
        if (!sub.scope.user_id.empty()) {
          sub.assignee_marker = holder_assignee_topic(sub.scope.user_id);
        }
      }
      sub.cursor = *head_;
    }
    std::vector<std::string> over_limit;
    const bool subscribe = change.kind == ClientMessage::Kind::kSubscribe;
    for (const auto& topic : change.topics) {
      if (!subscribe) {
        remove_topic(id, sub, topic);
        continue;
      }
      if (sub.topics.count(topic)) continue;
      const auto parsed = parse_stream_topic(topic);
      if (!parsed) {
        send(session, unknown_topic_frame(topic, change.id));
        continue;
      }
      if (auto refusal = stream_topic_refusal(sub.principal, *parsed)) {
        send(session, forbidden_topic_frame(topic, *refusal, change.id));
        continue;
      }
      if (sub.topics.size() >= kMaxTopics) {
        over_limit.push_back(topic);
        continue;
      }
      add_topic(id, sub, topic);
    }
    if (!over_limit.empty()) send(session, too_many_topics_frame(over_limit, change.id));
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
    // Once this reply is written, the client has seen everything up to this position.
    send(session, subscribed_frame(sub.topics, *head_, change.id),
         sub.live ? std::max(*head_, sub.cursor) : sub.cursor);
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
    if (!it->second.scope.everything) --scoped_subscribers_;
    subscribers_.erase(it);
    catching_up_.erase(id);
  }

  // --- the journal (strand) -------------------------------------------------------------------

  // A journal entry matched for one subscriber: its index in the batch read, and the topics of
  // the subscriber's it matched.
  struct Matched {
    size_t index = 0;
    std::vector<std::string> topics;
    bool operator<(const Matched& other) const {
      return std::tie(index, topics) < std::tie(other.index, other.topics);
    }
  };

  // The "events" frame of `matched` entries of `rows` (stream_protocol.h). `event_json(i)` is
  // entry i's event, serialised once per batch however many messages hold it.
  template <typename EventJson>
  static std::shared_ptr<const std::string> events_message(
      const std::vector<storage::StoredEvent>& rows, const std::vector<Matched>& matched,
      EventJson&& event_json) {
    std::vector<EventsFrameEntry> entries;
    entries.reserve(matched.size());
    for (const auto& m : matched) {
      const auto& e = rows[m.index];
      entries.push_back({e.seq, e.case_id, e.case_seq, &m.topics, event_json(m.index)});
    }
    return std::make_shared<const std::string>(events_frame(entries));
  }

  void tail() {
    poke_pending_.store(false);
    if (stopped_.load()) return;
    if (!head_) {
      auto end = journal_->end();
      if (!end.ok()) return report_failure("reading the journal's end", end.error());
      head_ = end.value();
      published_head_.store(end.value());
    }
    bool more = false;
    for (int round = 0; round < kMaxTailRounds; ++round) {
      auto rows = journal_->read_after(*head_, kJournalBatch);
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
    const bool holders = scoped_subscribers_ > 0;
    auto topics =
        journal_->topics_of(events, {team_keys_ > 0 || holders, approval_keys_ > 0, holders});
    if (!topics.ok()) {
      report_failure("reading case facts", topics.error());
      return false;
    }
    std::map<std::uint64_t, std::vector<Matched>> matched;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      for (const auto& topic : topics.value()[i]) {
        auto it = index_.find(topic);
        if (it == index_.end()) continue;
        for (const auto id : it->second) {
          const auto& sub = subscribers_.at(id);
          if (!sub.live || e.seq <= sub.cursor) continue;
          if (!in_scope(sub, topics.value()[i])) continue;
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

  // The end of the message that starts at list[from].
  template <typename EventJson>
  static size_t chunk_end(const std::vector<Matched>& list, size_t from, EventJson&& json_of) {
    size_t bytes = 0;
    size_t to = from;
    while (to < list.size() && !events_frame_full(to - from, bytes)) {
      bytes += json_of(list[to].index).size();
      ++to;
    }
    return to;
  }

  // Sends each notice to the live subscribers of its case's topics who may see the case, with
  // the topics it matched. A notice has no journal position: it moves no subscriber's cursor.
  void fan_out_notices(const std::vector<CaseNotice>& notices) {
    for (const auto& notice : notices) {
      std::vector<std::string> topics = {"all", "case:" + notice.case_id};
      std::vector<std::string> holders;
      if (!notice.team.empty()) {
        topics.push_back("team:" + notice.team);
        holders.push_back(holder_team_topic(notice.team));
      }
      if (!notice.assignee.empty()) holders.push_back(holder_assignee_topic(notice.assignee));
      std::map<std::uint64_t, std::vector<std::string>> matched;
      for (const auto& topic : topics) {
        auto it = index_.find(topic);
        if (it == index_.end()) continue;
        for (const auto id : it->second) {
          const auto& sub = subscribers_.at(id);
          if (sub.live && in_scope(sub, holders)) matched[id].push_back(topic);
        }
      }
      for (auto& [id, list] : matched) {
        auto message = notice.message;
        message["case_id"] = notice.case_id;
        message["topics"] = std::move(list);
        deliver_live(id, text(message), std::nullopt);
      }
    }
  }

  // Offers one message to a live subscriber; false when the subscriber is gone (or just closed
  // as a slow consumer) and must get nothing more.
  bool deliver_live(std::uint64_t id, const std::shared_ptr<const std::string>& message,
                    std::optional<std::int64_t> seq) {
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
        close_session(*session, kSlowConsumerClose);
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
    auto rows = journal_->read_after(sub.cursor, kJournalBatch);
    if (!rows.ok()) return report_failure("replaying the journal", rows.error());
    const bool holders = !sub.scope.everything;
    auto topics = journal_->topics_of(rows.value(),
                                      {sub.wants_teams || holders, sub.wants_approvals, holders});
    if (!topics.ok()) return report_failure("reading case facts", topics.error());
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
      if (in_scope(sub, topics.value()[i])) {
        for (auto& topic : topics.value()[i]) {
          if (sub.topics.count(topic)) matched.push_back(std::move(topic));
        }
      }
      if (!matched.empty()) {
        if (events_frame_full(batch.size(), batch_bytes) && !flush()) {
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
  const std::unique_ptr<const JournalSource> journal_;
  const Authenticate authenticate_;
  const Clock& clock_;
  const size_t queue_limit_;

  std::atomic<bool> stopped_{false};
  std::atomic<bool> poke_pending_{false};
  std::atomic<std::int64_t> published_head_{0};
  std::atomic<std::uint64_t> next_session_id_{1};

  mutable Mutex mutex_;
  std::map<std::uint64_t, std::weak_ptr<WebSocketSession>> sessions_
      GUARDED_BY(mutex_);  // every open connection

  // Strand only.
  std::optional<std::int64_t> head_;  // the last sequence fanned out; unknown until first read
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::unordered_map<std::string, std::set<std::uint64_t>> index_;  // topic -> subscribers
  std::int64_t scoped_subscribers_ = 0;  // subscribers that see only some cases
  std::int64_t team_keys_ = 0;           // index keys whose matching needs case teams
  std::int64_t approval_keys_ = 0;       // ... approval roles
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

void StreamHub::publish(std::vector<CaseNotice> notices) {
  core_->publish(std::move(notices));
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
