// StreamHub: GET /v1/stream — live updates over WebSocket, from the journal, resumable. The hub
// holds the connections and their subscriptions and runs the loop; the protocol's messages and
// frames are stream_protocol.h (pure), the journal reads journal_tail.h.
//
// The hub TAILS THE JOURNAL: on poke() (coalesced) and every kPollInterval it reads the entries
// after its head (JournalSource::read_after, in batches) on ONE strand and fans each out to the
// connections whose topics match it. Live delivery and resume-after-reconnect therefore read the
// same source in the same order (the global journal sequence): whatever path committed an event —
// the API, the timer loop, another tool on the same database — reaches the clients.
//
// Protocol (JSON text frames; every server message may echo the client's "id"):
//   client → server
//     {"type":"subscribe","topics":["case:C-1","team:after_sales"],"after_seq":N}
//         after_seq is optional: when given, every entry of the connection's topics with
//         seq > N is replayed from the journal first (paced by the client's reading), then the
//         connection continues live — no gap, no duplicate.
//     {"type":"unsubscribe","topics":[...]}
//     {"type":"ping"}
//   server → client
//     {"type":"events","seq":S,"events":[{"seq":..,"case_id":..,"case_seq":..,
//         "topics":[matched],"event":{..}},..]}
//         journal entries in journal order, S being the last one's seq (resume from it). The
//         entries one poll of the journal finds for a connection travel together (at most
//         kMaxEventsPerMessage or about kEventsMessageBytes per message), so a command's entries —
//         a transition writes about nine — arrive in one message: one send per subscriber instead
//         of nine.
//     {"type":"subscribed","topics":[all current topics],"head":N}   (answers both subscribe
//         and unsubscribe; without after_seq, delivery continues with the entries after N, the
//         hub's position — which may trail the journal by one poll, so entries committed just
//         before the subscribe can still arrive: never a gap after a REST read made before
//         subscribing; de-duplicate against it by case_seq)
//     {"type":"error","code":..,"message":..[,"topic":..]}           (the connection stays open)
//     {"type":"pong"}
//     {"type":"carrier_event","case_id":..,"topics":[matched],"carrier_event":{..}}
//         a notice (publish()): a fact shown with a case that is not a change to it, so not a
//         journal entry and without a seq — it is sent live only, never replayed; a client that
//         (re)connects reads the facts by REST (GET /v1/cases/{id}/carrier-events) and then
//         takes the notices that follow.
// Topics: case:<id>; team:<team> (events of cases currently in that team); approvals:<role>
// (approval.requested / approval.decided / approval.cancelled whose required role is <role>);
// escalations
// (case.escalated / case.deescalated); all. Who may subscribe: see stream_topic_refusal
// (stream_protocol.h).
//
// Authentication happens before the upgrade: `Authorization: Bearer <token>`, or — for
// browsers, which cannot set headers — the subprotocols "bearer" and "bearer.<token>" offered
// together (new WebSocket(url, ["bearer", "bearer." + token])); the hub selects "bearer". A
// refused token gets the usual 401 problem+json and no WebSocket. Tokens are never logged.
//
// Bounded everywhere: 64 KiB per client message, kMaxTopics per connection, `queue_limit`
// messages queued per connection. A live connection whose queue is full is closed with 1013
// (try again later) and the reason "slow consumer: resume with after_seq=<N>", N being the
// position of the last message written to it; a replay never overflows (it waits for the client
// to drain). stop() closes every connection with 1001 and the same kind of resume reason.
//
// Lifetime: the hub's state is shared with its connections and handlers, so a connection may
// outlive the hub object; the io_context must outlive the hub (declare the hub after it).
// Journal reads are blocking read-only SQLite queries on the hub's strand; the hub never writes.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "api/delivery/stream_protocol.h"
#include "api/http/http_types.h"
#include "api/http/problem.h"
#include "api/http/request_context.h"
#include "engine/time.h"
#include "storage/case_store.h"

namespace redress::api {

class StreamHub {
 public:
  using Authenticate = std::function<std::variant<Principal, ApiProblem>(const Request&, Instant)>;

  static constexpr std::chrono::milliseconds kPollInterval{250};
  static constexpr size_t kMaxTopics = kMaxStreamTopics;
  static constexpr size_t kJournalBatch = 1000;
  // One "events" message carries at most this many journal entries, and stops taking more once
  // its entries' events reach kEventsMessageBytes (a single larger entry still goes alone), so a
  // burst becomes several messages that the send queue's bound still sees (stream_protocol.h).
  static constexpr size_t kMaxEventsPerMessage = kMaxEventsPerFrame;
  static constexpr size_t kEventsMessageBytes = kEventsFrameBytes;

  // Starts tailing the journal from its current end. `store` and `clock` must outlive the hub;
  // `queue_limit` is the per-connection send queue (ServerConfig::stream_queue_limit).
  StreamHub(boost::asio::io_context& ioc, storage::CaseStore& store, Authenticate authenticate,
            const Clock& clock, size_t queue_limit);
  // Calls stop().
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  // The server's UpgradeHandler: takes over a connection whose request asked for a WebSocket.
  // Only /v1/stream is served (else 404 problem); the token is checked first (else 401
  // problem); after stop(), 503. Must be called on the stream's executor (a strand).
  void accept(boost::beast::tcp_stream stream, Request upgrade_request);
  // New journal entries were committed: fan them out now rather than at the next poll.
  void poke();
  // Sends `notices` to the live subscribers they match (see CaseNotice); publishing is the
  // writer's job: only the process that recorded a fact publishes it.
  void publish(std::vector<CaseNotice> notices);
  // Closes every connection with 1001 (going away) and stops polling. Idempotent.
  void stop();

  // A token or a console session was revoked (`token_id`: a token id, or a session id) or a
  // user's role, team or activity changed (`user_id`): every connection opened with that token
  // (or a session of it), that session, or by that user, is closed with 1008 (policy
  // violation) and the reason "credentials changed: resume with after_seq=<N>", so a stream
  // never outlives the rights it was opened with (a reconnect is authenticated afresh). Empty
  // ids match nothing.
  void close_for_credentials(const std::string& token_id, const std::string& user_id);

  // Open WebSocket connections (for /metrics and the connection limit).
  size_t connection_count() const;
  // The last journal sequence fanned out.
  std::int64_t head() const;

 private:
  class Core;
  std::shared_ptr<Core> core_;
};

}  // namespace redress::api
