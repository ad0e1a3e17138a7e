// IdempotencyStore: makes a retried POST safe, by remembering each (actor, Idempotency-Key).
//
// The rule (docs: DESIGN.md, HTTP API conventions): a retry of a request that completed replays
// the stored response; the same key with a different request is refused (422); a retry while the
// first request is still running is refused (409). The flow of one request:
//
//   claim(actor, key, fingerprint(method, path, body), now)
//     kClaimed    → run the request; then record its response, either
//                   - record_completed(...) INSIDE the same CaseStore::write as the effect, so a
//                     crash can never leave the effect done but its key unrecorded (or the
//                     reverse), or
//                   - complete(...) when the effect was not a storage write;
//                   or release(...) when the request failed without effect, so the client may
//                   retry with the same key.
//     kReplay     → answer with `response`, do nothing else
//     kInProgress → 409;   kMismatch → 422
//
// Keys are scoped by actor: two clients choosing the same key never see each other's responses.
// A key lives `ttl` after its claim; an expired row is replaced by the next claim and removed by
// purge_expired. A claim that stayed in progress longer than `stale_after` is presumed dead (the
// server stopped mid-request; the effect, if it was a storage write, rolled back with it) and
// the next claim takes it over.
//
// Writes go through the CaseStore's writer and answer through `done`, called exactly once: on
// the writer thread after the commit is durable, or at once on the calling thread when the input
// is invalid or the store refuses the write. `done` must not block.
//
// Thread-safety: every method may be called from any thread. The CaseStore must outlive the
// IdempotencyStore and every write it queued.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/result.h"
#include "engine/time.h"
#include "storage/case_store.h"

namespace redress::storage {

// A response as it is replayed: status, the headers worth repeating, and the exact body bytes.
struct StoredResponse {
  int status = 0;
  nlohmann::json headers = nlohmann::json::object();  // {"Content-Type": "...", ...}
  std::string body;

  bool operator==(const StoredResponse&) const = default;
};

struct IdempotencyClaim {
  enum class Kind {
    kClaimed,     // the caller owns the key now: run the request
    kReplay,      // completed before: answer with `response`
    kInProgress,  // the first request with this key is still running (409)
    kMismatch,    // the key was used for a different request (422)
  };
  Kind kind = Kind::kClaimed;
  std::optional<StoredResponse> response;  // kReplay only
};

struct IdempotencyOptions {
  // How long a key is remembered after its claim (default 24 h, as clients expect of a key).
  std::chrono::milliseconds ttl = std::chrono::hours(24);
  // An in-progress claim older than this is presumed dead and may be taken over (default 5 min,
  // far beyond any request's timeout).
  std::chrono::milliseconds stale_after = std::chrono::minutes(5);
};

class IdempotencyStore {
 public:
  explicit IdempotencyStore(CaseStore& store, IdempotencyOptions options = {});
  IdempotencyStore(const IdempotencyStore&) = delete;
  IdempotencyStore& operator=(const IdempotencyStore&) = delete;

  // One write. If (actor, key) has a live row: kMismatch when its fingerprint differs;
  // kInProgress while it is in progress and younger than stale_after; kReplay with the stored
  // response when it completed. An expired row, or an in-progress row older than stale_after, is
  // replaced. Otherwise a new in-progress row is inserted: kClaimed.
  // INVALID_FIELD (pointer "") when the key is not 1..255 printable ASCII characters.
  void claim(std::string actor_id, std::string key, std::string fingerprint, Instant now,
             std::function<void(Result<IdempotencyClaim>)> done);

  // Records the final response INSIDE the caller's own write (the savepoint of the effect it
  // answers for): both are committed, or neither. Completes only an in-progress claim: a key
  // already completed keeps its first response, and a key with no claim (released, or purged
  // after expiry) records nothing. Keeps the key's expiry from its claim, but not earlier than
  // `now`. Throws SqliteError like any statement of a write.
  static void record_completed(WriteContext& context, const std::string& actor_id,
                               const std::string& key, const StoredResponse& response, Instant now);

  // record_completed as a write of its own, for responses whose effect was not a storage write.
  // Answers whether an in-progress claim was completed.
  void complete(std::string actor_id, std::string key, StoredResponse response, Instant now,
                std::function<void(Result<bool>)> done);

  // The request failed without any effect (validation error, storage error): forgets an
  // in-progress claim so that the client may retry with the same key. A completed key is kept.
  // Answers whether a claim was removed.
  void release(std::string actor_id, std::string key, std::function<void(Result<bool>)> done);

  // Deletes at most `limit` expired rows (expires_at <= now), oldest first; answers how many.
  // Meant for a periodic job: a small limit keeps each write short.
  void purge_expired(Instant now, size_t limit, std::function<void(Result<size_t>)> done);

  // A stable 128-bit digest (32 lowercase hex digits) of method, path and body: FNV-1a 128 over
  // the three parts, each preceded by its length so that no two different triples frame to the
  // same bytes. Not cryptographic: it tells one actor's retries of one key apart from a
  // different request, where only accidents (not adversaries) matter.
  static std::string fingerprint(std::string_view method, std::string_view path,
                                 std::string_view body);

  const IdempotencyOptions& options() const { return options_; }

 private:
  CaseStore& store_;
  IdempotencyOptions options_;
};

}  // namespace redress::storage
