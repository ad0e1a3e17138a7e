// CaseStore: makes the engine's decisions durable in an embedded SQLite database.
//
// Writes. One writer thread owns the only read-write connection. Commands from any thread are
// queued; the writer takes every command waiting (up to `max_batch`), opens ONE transaction and
// runs each command in its own savepoint: load the snapshot, gather the customer's history,
// `Engine::decide`, then apply the decision — snapshot row, journal appends, timer rows, outbox
// rows, compensation and approval rows. A command that fails (engine rejection or a storage
// error) rolls back to its savepoint and does not disturb the others. After COMMIT returns (with
// synchronous=FULL: after the WAL is fsynced) every caller in the batch gets its answer: nothing
// is acknowledged before it is durable. If SQLite aborts the whole transaction (disk full, I/O
// error), or COMMIT fails, each command of the batch is retried alone so that one fault reaches
// only the command it belongs to.
//
// Concurrency. The writer is the only place a case changes, so commands are totally ordered.
// A command carrying `expected_version` (the ETag the client saw) that no longer matches is
// refused with VERSION_CONFLICT and writes nothing.
//
// Reads. A pool of read-only connections (WAL mode) serves queries; readers never wait for the
// writer and always see a committed state.
//
// Timers. `due_timers` lists due rows in due order; firing one runs FireTimer through the writer,
// and the writer consumes the row in the same transaction as the effects, so a timer fires
// exactly once even across crashes and restarts. A row whose case no longer has that timer is
// consumed without effect.
//
// Errors are values: STORAGE_FULL, STORAGE_IO, STORAGE_BUSY, STORAGE_CORRUPT, STORAGE_READONLY,
// STORAGE_OVERLOADED (queue full), STORAGE_CLOSED, SCHEMA_TOO_NEW, NOT_A_REDRESS_DATABASE. A
// storage error means nothing of that command was written; the process keeps running.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/command.h"
#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/result.h"
#include "engine/role.h"
#include "storage/customer_records.h"
#include "storage/listing_limit.h"
#include "storage/read_scope.h"
#include "storage/sqlite.h"
#include "storage/wal_checkpointer.h"

namespace redress::storage {

struct StoreOptions {
  std::string path;  // the database file; created on first open
  Synchronous synchronous = Synchronous::kFull;
  int reader_connections = 4;  // read-only connections for queries
  size_t max_batch = 512;      // commands per group-commit transaction
  size_t max_queue = 20000;    // pending writes beyond this fail at once
  int busy_timeout_ms = 5000;  // wait for another process's lock before BUSY
  int writer_cache_mib = 64;   // SQLite page cache of the writer connection
  int reader_cache_mib = 16;   // page cache of each reader connection
  // Checkpoint the WAL into the database when it exceeds this many pages (~40 MiB), on a
  // thread of its own (storage/wal_checkpointer.h). 0: never while open (only at close).
  int wal_autocheckpoint_pages = 10000;
  // Parsed snapshots the writer keeps of the cases it wrote last (storage/snapshot_cache.h);
  // each is a few KB. 0 turns the cache off.
  size_t writer_snapshot_cache = 4096;
  std::string vfs;  // SQLite VFS name; empty: the default
};

// A new case's link to an existing one (storage/case_links.h), made in the same write.
struct CaseLinkRequest {
  std::string case_id;  // the existing case
  std::string kind;     // duplicate_of, related_to, follow_up_of, reopen_of
  std::string reason;
};

// One command for one case, as the writer runs it.
struct CaseCommand {
  std::string case_id;  // ignored for CreateCase (whose own case_id, if empty, is allocated)
  Command command;
  Actor actor;
  Instant now{};
  // The cases the actor may see (read_scope.h): a command on a case outside it is refused as
  // for a case that does not exist. Everything by default (timers, tools, tests).
  ReadScope scope{};
  // CreateCase only: the customer and order records an integration sent inline, written in the
  // command's own savepoint before the case is opened (a refused creation writes neither). The
  // case then takes segment, tier and the order's amounts from the stored records, which are the
  // truth; an inline level only ever raises the stored one (see customer_records.h).
  // Unset, the CreateCase's own customer and order (id, segment, tier; id, paid, refunded) are
  // written as such records, unless named by reference: the API's customer_id and order_id,
  // which must name records that exist.
  std::optional<CustomerInput> customer_record{};
  std::optional<OrderInput> order_record{};
  bool customer_by_reference = false;
  bool order_by_reference = false;
  LevelRank level_rank{};  // ranks membership levels for the inline customer's level
  // CreateCase only: links the new case to an existing one. With `refuse_open_duplicate` (the
  // API sets it), a complaint about an order that has an open case of the same workflow is
  // refused (ALREADY_EXISTS naming that case) unless it comes with a link.
  std::optional<CaseLinkRequest> link{};
  bool refuse_open_duplicate = false;
};

// A journal entry as stored: the global sequence and the case's own sequence.
struct StoredEvent {
  std::int64_t seq = 0;       // global journal sequence, increasing across all cases
  std::int64_t case_seq = 0;  // 1, 2, ... within the case
  std::string case_id;
  Event event;
};

struct CommandOutcome {
  std::optional<Rejection> rejection;  // set: the engine refused; nothing was written
  CaseSnapshot snapshot;               // accepted: the new snapshot
  std::vector<StoredEvent> events;     // accepted: the journal entries written
  std::vector<ApprovalRequest> approvals_requested;
  std::vector<std::string> webhook_ids;  // outbox rows written, in order

  bool accepted() const { return !rejection.has_value(); }
};

// The stored `sla_due` of a case with no running SLA clock.
inline constexpr std::int64_t kNoSlaDue = std::numeric_limits<std::int64_t>::max();

// Where a listing page ends: the sort key of its last row. Listings are ordered by
// (SLA due, id), cases without a running SLA last.
struct CaseCursor {
  std::int64_t sla_due = kNoSlaDue;  // stored milliseconds, kNoSlaDue included
  std::string id;
  std::int64_t next_due = kNoSlaDue;  // the key of CaseSort::kNextDue listings
};

// The order of a case listing: by SLA due (the default), or by next due — the earliest of the
// running SLA dues, open promises and the follow-up due (rows::next_due), an agent's worklist.
enum class CaseSort { kSlaDue, kNextDue };

// What a queue listing shows of a case, without parsing its snapshot.
struct CaseSummary {
  std::string id;
  std::string workflow_id;
  int workflow_version = 0;
  std::int64_t version = 0;
  std::string state;
  std::string stage;
  std::string severity;
  std::string priority;
  std::string category;
  std::string escalation_level;
  std::string assignee;
  std::string team;
  std::string customer_id;
  std::optional<Instant> sla_due;
  std::optional<Instant> sla_warn_at;    // the warn instant of the clock that gives sla_due
  std::optional<Instant> next_due;       // rows::next_due
  std::optional<Instant> follow_up_due;  // while open in the follow_up stage
  bool sla_warned = false;               // some running clock has passed its warning
  bool sla_breached = false;             // some running clock has passed its breach
  std::string summary;                   // the `summary` field, cut for listings ("" if none)
  std::int64_t reopen_count = 0;         // times the case came back from closed
  Instant created_at{};
  Instant updated_at{};
  std::optional<Instant> closed_at;
  CaseCursor cursor;  // pass as CaseQuery::after to continue after this case
};

// Filters for listing cases; empty strings do not filter. Results are ordered by SLA due
// (soonest first, cases without a running SLA last) then id; `after` continues a page.
struct CaseQuery {
  ReadScope scope;  // whose cases the reader may see (read_scope.h)
  std::string team;
  std::string assignee;
  bool unassigned_only = false;  // the team queue: cases nobody holds yet
  bool open_only = true;
  std::string state;
  std::string stage;
  std::string category;
  std::string severity;
  std::string escalation_level;
  bool escalated_only = false;  // open cases above the agent level (the supervisors' view)
  bool reopened_only = false;   // cases reopened at least once (reopen_count > 0)
  std::string customer_id;
  std::optional<Instant> sla_due_before;
  // Open cases whose follow-up is due at or before this instant (the follow-up worklist).
  std::optional<Instant> follow_up_due_by;
  CaseSort sort = CaseSort::kSlaDue;
  // Full text, from 1 character: cases whose ids, opening fields, field updates, comments,
  // customer messages or replies hold it, case-insensitively (CJK characters where they stand
  // together, other words from their beginning; storage/case_search.h). Text without a letter,
  // digit or CJK character matches nothing.
  std::string text;
  // 1..kMaxListingRows (listing_limit.h): a listing asks for one row more than its page to tell
  // whether another page follows.
  size_t limit = 50;
  std::optional<CaseCursor> after;
};

// A case exactly as stored: its version (the ETag) and its snapshot as canonical JSON text, the
// same text snapshot_to_json(snapshot).dump() produces. Serving it as is spares a parse and a
// re-serialisation, which were 80% of the cost of reading one case over HTTP.
struct CaseDocument {
  std::int64_t version = 0;
  std::string snapshot_json;
  std::string team;  // as in the snapshot: who may read the case (read_scope.h)
  std::string assignee;
};

struct CaseWithJournal {
  CaseSnapshot snapshot;
  std::vector<StoredEvent> events;
};

// A case with what the engine would be told of its customer by a compensation proposal.
struct CaseWithHistory {
  CaseSnapshot snapshot;
  CustomerHistory history;
};

struct DueTimer {
  std::string case_id;
  std::string key;
  std::string name;
  Instant due{};
  int attempts = 0;        // earlier firings that could not be applied (see fire_due_timers)
  std::string last_error;  // why the last attempt could not be applied
};

struct PendingApproval {
  std::string case_id;
  std::string approval_id;
  std::string kind;
  std::string subject;
  std::string required_role;
  std::string requested_by;
  std::string team;
  Instant requested_at{};
  // What the approver decides on, read with the row: the case's summary, severity and pinned
  // workflow (for the transition's title), its customer, and for a compensation what is
  // proposed. Text is "" where the case has none.
  std::string requested_by_name;  // the directory's display name; "" for a token without a user
  std::string case_summary;
  std::string severity;
  std::string workflow_id;
  int workflow_version = 0;
  std::string customer_id;
  std::string customer_segment;
  std::string customer_tier;
  std::string compensation_type;            // kind compensation: the remedy type
  std::optional<Money> compensation_value;  // kind compensation: the amount proposed
};

// Where a page of the approval queue ended: pass as `after` to continue.
struct ApprovalCursor {
  Instant requested_at{};
  std::string case_id;
  std::string approval_id;
};

struct OutboxEntry {
  std::int64_t id = 0;
  std::string webhook_id;
  std::string type;
  std::string case_id;
  std::string payload;  // the exact JSON body to send
  Instant created_at{};
};

struct StoreStats {
  std::uint64_t transactions = 0;  // group-commit transactions committed
  std::uint64_t writes = 0;        // writes committed (accepted or refused)
  std::uint64_t largest_batch = 0;
  std::uint64_t batch_retries = 0;  // batches re-run one by one after a storage fault
  // Commands on an existing case whose snapshot came from the writer's cache, or was parsed.
  std::uint64_t snapshot_cache_hits = 0;
  std::uint64_t snapshot_cache_misses = 0;
  CheckpointStats checkpoints;  // empty when wal_autocheckpoint_pages is 0
};

class WriteContext;
class ReadContext;

class CaseStore {
 public:
  // Opens (creating if needed) and migrates the database, then starts the writer.
  static Result<std::unique_ptr<CaseStore>> open(const StoreOptions& options,
                                                 std::shared_ptr<const Engine> engine);
  // Finishes every queued write, then closes the database.
  ~CaseStore();
  // Blocks until every write queued so far (and any its callbacks queued in turn) is committed
  // or failed and answered. Shutdown uses it to answer writes while everything they call back
  // into is still alive.
  void wait_until_idle();
  CaseStore(const CaseStore&) = delete;
  CaseStore& operator=(const CaseStore&) = delete;

  // Queues a command; the future is ready once its transaction is durable (or it failed).
  std::future<Result<CommandOutcome>> submit(CaseCommand command);
  Result<CommandOutcome> execute(CaseCommand command) { return submit(std::move(command)).get(); }
  // The same, answering through `done` instead: called exactly once, on the writer thread after
  // the commit (or at once, from this thread, when the queue refuses the command). `done` must
  // not block: hand the result to your own executor.
  void submit(CaseCommand command, std::function<void(Result<CommandOutcome>)> done);

  // Runs `command` inside a write of the caller's (queued with write()), so that the caller's own
  // rows commit or roll back together with the command's: IdempotencyStore looks up a key, runs
  // its command and stores the answer in one savepoint this way. The command gets a savepoint of
  // its own inside the caller's: an engine rejection that must leave nothing behind (an
  // allocated case id, say) is rolled back to it, and the caller's write goes on. A storage error
  // is returned or thrown (SqliteError); the caller's write must then fail too, which rolls
  // everything back. Writer thread only (inside `work`).
  Result<CommandOutcome> run_command(WriteContext& context, const CaseCommand& command) const;

  // Queues any other write, run by the writer in a savepoint of a group-commit transaction.
  // An error result rolls the savepoint back. `work` may throw SqliteError (rolled back and
  // reported as a storage error) and must not block.
  template <typename T>
  std::future<Result<T>> write(std::function<Result<T>(WriteContext&)> work);
  // The same, answering through `done` (see submit's callback form).
  template <typename T>
  void write(std::function<Result<T>(WriteContext&)> work, std::function<void(Result<T>)> done);
  // A bulk write (an import batch, sized to hold the writer some milliseconds): the writer runs
  // it in a transaction of its own and only when no other write is waiting, so an agent's command
  // queued behind it waits for at most the bulk write already running, never also for the next
  // one it would otherwise share a transaction with.
  template <typename T>
  void write_bulk(std::function<Result<T>(WriteContext&)> work,
                  std::function<void(Result<T>)> done);

  // Runs `work` on a read-only connection of the pool. SqliteError thrown by `work` becomes a
  // storage error result. For reads other modules keep in their own tables (tokens, webhooks).
  template <typename T>
  Result<T> read(const std::function<T(ReadContext&)>& work) const;

  // --- reads (read-only connections; never wait for the writer) -------------------------------
  Result<std::optional<CaseSnapshot>> load_case(const std::string& case_id) const;
  Result<std::optional<CaseDocument>> load_case_document(const std::string& case_id) const;
  // The snapshot and its journal read in one read transaction (consistent with each other).
  Result<std::optional<CaseWithJournal>> load_case_with_journal(const std::string& case_id) const;
  // The snapshot and the CustomerHistory the writer would gather for a compensation proposal on
  // the case at `now` (the customer's other cases), read in one read transaction: what
  // Engine::advise_remedies needs to agree with the proposal's decision.
  Result<std::optional<CaseWithHistory>> load_case_with_customer_history(const std::string& case_id,
                                                                         Instant now) const;
  // Journal entries with seq > after_seq across all cases, in order (live-update resume).
  Result<std::vector<StoredEvent>> journal_after(std::int64_t after_seq, size_t limit) const;
  Result<std::vector<CaseSummary>> list_cases(const CaseQuery& query) const;
  // Oldest request first; `after` continues a page; `limit` 1..kMaxListingRows; only the
  // approvals of cases in `scope`.
  Result<std::vector<PendingApproval>> pending_approvals(
      const std::string& required_role, size_t limit,
      const std::optional<ApprovalCursor>& after = std::nullopt, const ReadScope& scope = {}) const;
  Result<std::vector<DueTimer>> due_timers(Instant now, size_t limit) const;
  Result<std::vector<OutboxEntry>> outbox_after(std::int64_t after_id, size_t limit) const;
  Result<std::int64_t> count_cases() const;

  // Fires every timer due at `now`, in due order, each in its own durable write (the timer loop
  // and start-up recovery call this). Returns how many fired with effect. A timer the engine
  // cannot fire now (its workflow version is not loaded, say) stays pending and is retried with
  // backoff (1 min doubling to 1 h), so it never blocks the timers behind it.
  Result<size_t> fire_due_timers(Instant now, size_t limit = 1000);

  // Stores each workflow version of `catalog` (id, version, definition) so a case's pinned
  // version survives changes to the files. Error VERSION_CHANGED when a stored version differs.
  Status record_workflow_definitions(const WorkflowCatalog& catalog, Instant now);
  Result<std::vector<std::string>> stored_workflow_definitions() const;  // JSON texts

  StoreStats stats() const;
  const StoreOptions& options() const { return options_; }
  const Engine& engine() const { return *engine_; }

 private:
  class Writer;
  class ReaderPool;
  struct PendingWrite;
  template <typename T>
  struct TypedWrite;

  CaseStore(StoreOptions options, std::shared_ptr<const Engine> engine);
  void enqueue(std::unique_ptr<PendingWrite> write);
  Status run_read(const std::function<void(ReadContext&)>& work) const;

  StoreOptions options_;
  std::shared_ptr<const Engine> engine_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<ReaderPool> readers_;
};

// Opens the connection the writer uses with Redress's settings (WAL, synchronous, foreign keys)
// and migrates it. Also used by `redress migrate`.
Result<std::unique_ptr<SqliteDb>> open_writer_connection(const StoreOptions& options,
                                                         struct MigrationReport* report = nullptr);

}  // namespace redress::storage

#include "storage/case_store_impl.h"
