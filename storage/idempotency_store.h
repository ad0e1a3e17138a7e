// IdempotencyStore: makes a retried POST safe, by remembering each (actor, Idempotency-Key).
//
// The rule (docs: DESIGN.md, HTTP API conventions): a retry of a request that completed replays
// the stored response; the same key with a different request is refused (422). A command with a
// key is ONE write of the CaseStore's serial writer, in one savepoint:
//
//   look up (actor, key)  → a live row of another request: kMismatch;
//                           a live completed row: kReplay with its response; nothing else runs
//   run the case command  (CaseStore::run_command)
//   render its answer     (the caller's `render`, inside the savepoint: the stored bytes are the
//                          bytes sent, so a replay is byte-for-byte the first answer)
//   store the answer      when `render` gives one (final answers); a retryable refusal (a
//                          version conflict, say) stores nothing and leaves the key free
//
// The key, the command's effects and the answer therefore commit together or not at all: a
// crash at any moment leaves either everything (a retry replays) or nothing (a retry runs the
// command afresh), and no key is ever left "in progress". Two requests with one key never run
// at once either: the writer runs them one after the other, and the second finds the first's
// row (in the same batch, or committed).
//
// Keys are scoped by actor: two clients choosing the same key never see each other's responses.
// A key lives `ttl` after its answer was stored; an expired row is replaced by the next request
// with that key and removed by purge_expired. Rows left "in_progress" by servers before this
// scheme (which claimed a key in a write of its own) are replaced like expired ones: the request
// they belonged to died with that server.
//
// `done` is called exactly once: on the writer thread after the commit is durable, or at once on
// the calling thread when the input is invalid or the store refuses the write. `done` must not
// block.
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

// The key of one idempotent request and what identifies the request itself.
struct IdempotentRequest {
  std::string key;          // the Idempotency-Key header: 1..255 printable ASCII characters
  std::string fingerprint;  // fingerprint(method, path, body)
};

// How a command's answer is stored: called inside the command's savepoint with its outcome
// (accepted or refused by the engine). nullopt: this answer may change on a retry (a conflict),
// so it is not stored and the key stays free. Must not block; may throw SqliteError.
using RenderAnswer = std::function<std::optional<StoredResponse>(const CommandOutcome&)>;

struct IdempotentOutcome {
  enum class Kind {
    kExecuted,  // the command ran now: `outcome`, and `response` when it was stored
    kReplay,    // the key answered before: `response` is that answer, nothing ran
    kMismatch,  // the key was used for a different request (422); nothing ran
  };
  Kind kind = Kind::kExecuted;
  std::optional<CommandOutcome> outcome;   // kExecuted
  std::optional<StoredResponse> response;  // kReplay; kExecuted when the answer was stored
};

struct IdempotencyOptions {
  // How long a key is remembered after its answer (default 24 h, as clients expect of a key).
  std::chrono::milliseconds ttl = std::chrono::hours(24);
};

class IdempotencyStore {
 public:
  explicit IdempotencyStore(CaseStore& store, IdempotencyOptions options = {});
  IdempotencyStore(const IdempotencyStore&) = delete;
  IdempotencyStore& operator=(const IdempotencyStore&) = delete;

  // Runs `command` under `request`'s key as described at the top: one write. The actor is
  // the command's actor, `now` the command's. INVALID_FIELD (pointer "") when the key is not
  // 1..255 printable ASCII characters; a storage error means nothing was written, the key
  // included.
  void submit(IdempotentRequest request, CaseCommand command, RenderAnswer render,
              std::function<void(Result<IdempotentOutcome>)> done);

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
