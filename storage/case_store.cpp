#include "storage/case_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "engine/case_json.h"
#include "storage/case_rows.h"
#include "storage/schema.h"

namespace redress::storage {
namespace {

// "msg_" + 32 hex digits: the creation time in milliseconds (48 bits), then 80 random bits.
// Random bits keep ids unique across databases (a restored backup must not reuse a webhook id a
// receiver has already seen and deduplicated). The time in front makes ids ascend, so each
// outbox insert lands at the right edge of the webhook_id index; fully random ids put every
// insert on a page of its own, the largest share of the pages a batch of transitions wrote to
// the WAL (38 of 190, measured with the WAL's frame headers).
std::string new_webhook_id(Instant now) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "msg_";
  const auto millis = static_cast<std::uint64_t>(std::max<std::int64_t>(to_millis(now), 0));
  for (int shift = 44; shift >= 0; shift -= 4) id += kHex[(millis >> shift) & 0xf];
  auto bits = rng();
  for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 0xf];
  bits = rng();
  for (int i = 0; i < 4; ++i, bits >>= 4) id += kHex[bits & 0xf];
  return id;
}

std::string timer_kind(const std::string& key) {
  const auto colon = key.find(':');
  return colon == std::string::npos ? key : key.substr(0, colon);
}

// The next free "C-<n>". A caller may have chosen such an id itself; those are skipped.
std::string allocate_case_id(WriteContext& context) {
  for (;;) {
    std::string id;
    {
      auto s = context.statement(
          "UPDATE id_sequences SET next_value = next_value + 1 WHERE name = 'case' "
          "RETURNING next_value - 1");
      if (!s->step()) throw SqliteError(SQLITE_CORRUPT, "the case id sequence is missing");
      id = "C-" + std::to_string(s->column_int(0));
    }
    auto taken = context.statement("SELECT 1 FROM cases WHERE id = ?");
    taken->bind(1, id);
    if (!taken->step()) return id;
  }
}

CustomerHistory gather_history(WriteContext& context, const std::string& customer_id,
                               const std::string& case_id, const std::string& currency,
                               Instant now) {
  CustomerHistory history;
  if (customer_id.empty()) return history;
  {
    // The escalation policy looks at a window of weeks; 200 recent cases is far beyond any rule.
    auto s = context.statement(
        "SELECT created_at FROM cases WHERE customer_id = ? AND id <> ? "
        "ORDER BY created_at DESC LIMIT 200");
    s->bind(1, customer_id).bind(2, case_id);
    while (s->step()) history.other_cases_opened_at.push_back(from_millis(s->column_int(0)));
  }
  if (!currency.empty()) {
    // Summed here with saturating arithmetic, not by SQL sum(), which fails the whole command
    // with "integer overflow" once the stored amounts add up past int64.
    auto s = context.statement(
        "SELECT amount FROM compensations "
        "WHERE customer_id = ? AND case_id <> ? AND status IN ('approved', 'executed') "
        "AND decided_at > ? AND currency = ?");
    s->bind(1, customer_id)
        .bind(2, case_id)
        .bind(3, to_millis(now - std::chrono::days(30)))
        .bind(4, currency);
    std::int64_t total = 0;
    while (s->step()) total = saturating_add(total, s->column_int(0));
    history.compensation_granted_30d = Money{total, currency};
  }
  return history;
}

// The words a journal entry adds to its case's full-text index (case_text, schema v2), or
// nothing. Must agree with migration 2, which indexes the entries written before it existed.
std::optional<std::string> searchable_text(const Event& e) {
  const auto string_values = [](const nlohmann::json& object, std::string& out) {
    if (!object.is_object()) return;
    for (const auto& [key, value] : object.items()) {
      if (!value.is_string()) continue;
      if (!out.empty()) out += ' ';
      out += value.get<std::string>();
    }
  };
  std::string text;
  if (e.type == "case.created") {
    for (const char* pointer : {"/id", "/customer/id", "/order/id"}) {
      const auto p = nlohmann::json::json_pointer(pointer);
      if (e.data.contains(p) && e.data.at(p).is_string()) {
        if (!text.empty()) text += ' ';
        text += e.data.at(p).get<std::string>();
      }
    }
    if (e.data.contains("fields")) string_values(e.data.at("fields"), text);
  } else if (e.type == "case.fields_set") {
    if (e.data.contains("fields")) string_values(e.data.at("fields"), text);
  } else if (e.type == "comment.added" || e.type == "message.received" || e.type == "reply.sent") {
    if (e.data.contains("text") && e.data.at("text").is_string()) {
      text = e.data.at("text").get<std::string>();
    }
  } else {
    return std::nullopt;
  }
  if (text.empty()) return std::nullopt;
  return text;
}

void index_case_text(WriteContext& context, const std::string& case_id, const Event& e) {
  auto text = searchable_text(e);
  if (!text) return;
  context.defer_case_text(case_id, e.type, std::move(*text));
}

// The case's snapshot as this transaction sees it: the writer's parsed copy when it is at the
// row's version, else the row's text parsed. Null: no such case.
SnapshotCache::Entry load_current_snapshot(WriteContext& context, const std::string& case_id) {
  auto s = context.statement("SELECT version, snapshot FROM cases WHERE id = ?");
  s->bind(1, case_id);
  if (!s->step()) return nullptr;
  if (auto cached = context.snapshots().find(case_id, s->column_int(0))) return cached;
  return std::make_shared<const CaseSnapshot>(rows::parse_snapshot(s->column_text(1), case_id));
}

// Inserts the case's row, or updates what changed since `before`.
void save_case_row(WriteContext& context, const CaseSnapshot* before, const CaseSnapshot& snap) {
  const auto columns = rows::case_columns(snap);
  auto s = before ? context.statement(rows::case_update_sql(rows::case_columns(*before), columns))
                  : context.statement(std::string("INSERT INTO cases (") + rows::kCaseColumnList +
                                      ", snapshot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                                      "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)");
  rows::bind_case_columns(*s, columns);
  s->bind(rows::kCaseColumnCount + 1, snapshot_to_json(snap).dump());
  s->run();
  if (before && sqlite3_changes(context.db().handle()) != 1) {
    throw SqliteError(SQLITE_CORRUPT, "case " + snap.id + ": its row vanished during the write");
  }
}

std::optional<std::int64_t> millis_or_null(const std::optional<Instant>& t) {
  return t ? std::optional(to_millis(*t)) : std::nullopt;
}

// Compensation and approval rows are projections of the snapshot for cross-case queries
// (approval queues, a customer's 30-day compensation); only changed records are rewritten.
void project_records(WriteContext& context, const CaseSnapshot* before, const CaseSnapshot& after) {
  std::map<std::string, nlohmann::json> old_compensations;
  std::map<std::string, nlohmann::json> old_approvals;
  if (before) {
    for (const auto& c : before->compensations) old_compensations[c.id] = c;
    for (const auto& a : before->approvals) old_approvals[a.id] = a;
  }
  for (const auto& c : after.compensations) {
    auto old = old_compensations.find(c.id);
    if (old != old_compensations.end() && old->second == nlohmann::json(c)) continue;
    auto s = context.statement(
        "INSERT OR REPLACE INTO compensations (case_id, compensation_id, customer_id, type, "
        "amount, currency, status, proposed_by, required_role, approval_id, decided_by, "
        "reference, proposed_at, decided_at, executed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s->bind(1, after.id)
        .bind(2, c.id)
        .bind_or_null(3, after.customer.id)
        .bind(4, c.type)
        .bind(5, c.value.amount)
        .bind(6, c.value.currency)
        .bind(7, c.status)
        .bind(8, c.proposed_by)
        .bind_or_null(9, c.required_role)
        .bind_or_null(10, c.approval_id)
        .bind_or_null(11, c.decided_by)
        .bind_or_null(12, c.reference)
        .bind(13, to_millis(c.proposed_at))
        .bind_or_null(14, millis_or_null(c.decided_at))
        .bind_or_null(15, millis_or_null(c.executed_at));
    s->run();
  }
  for (const auto& a : after.approvals) {
    auto old = old_approvals.find(a.id);
    if (old != old_approvals.end() && old->second == nlohmann::json(a)) continue;
    auto s = context.statement(
        "INSERT OR REPLACE INTO approvals (case_id, approval_id, kind, subject, required_role, "
        "requested_by, team, status, requested_at, decided_at, decided_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s->bind(1, after.id)
        .bind(2, a.id)
        .bind(3, a.kind)
        .bind(4, a.subject)
        .bind(5, a.required_role)
        .bind(6, a.requested_by)
        .bind_or_null(7, after.team)
        .bind(8, a.status)
        .bind(9, to_millis(a.requested_at))
        .bind_or_null(10, millis_or_null(a.decided_at))
        .bind_or_null(11, a.decided_by);
    s->run();
  }
}

// A FireTimer command first looks at its row: gone means another firing consumed it already; a
// row not yet due must not fire. Returns a rejection in either case.
std::optional<Rejection> check_timer_row(WriteContext& context, const std::string& case_id,
                                         const std::string& key, Instant now) {
  auto s = context.statement("SELECT due_at FROM timers WHERE case_id = ? AND timer_key = ?");
  s->bind(1, case_id).bind(2, key);
  if (!s->step()) {
    return Rejection{
        RejectionCode::kNotFound,
        "case " + case_id + " has no pending timer '" + key + "' (already fired or cancelled)",
        {}};
  }
  const auto due = from_millis(s->column_int(0));
  if (due > now) {
    return Rejection{RejectionCode::kInvalidState,
                     "timer '" + key + "' is not due until " + format_rfc3339(due),
                     {}};
  }
  return std::nullopt;
}

void delete_timer_row(WriteContext& context, const std::string& case_id, const std::string& key) {
  auto s = context.statement("DELETE FROM timers WHERE case_id = ? AND timer_key = ?");
  s->bind(1, case_id).bind(2, key);
  s->run();
}

void upsert_timer_row(WriteContext& context, const std::string& case_id, const CaseTimer& t,
                      Instant now) {
  auto s = context.statement(
      "INSERT OR REPLACE INTO timers (case_id, timer_key, name, kind, due_at, fire_at, set_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  s->bind(1, case_id)
      .bind(2, t.key)
      .bind(3, t.name)
      .bind(4, timer_kind(t.key))
      .bind(5, to_millis(t.due))
      .bind(6, to_millis(t.due))
      .bind(7, to_millis(now));
  s->run();
}

// The engine would not fire a due timer (its workflow version is not loaded, say): keep the row,
// record why, and try again later so it cannot block the timers due after it.
void postpone_timer_row(WriteContext& context, const std::string& case_id, const std::string& key,
                        Instant now, const std::string& why) {
  auto s = context.statement(
      "UPDATE timers SET attempts = attempts + 1, last_error = ?, "
      "fire_at = ? + (60000 << min(attempts, 6)) WHERE case_id = ? AND timer_key = ?");
  s->bind(1, why).bind(2, to_millis(now)).bind(3, case_id).bind(4, key);
  s->run();
}

// What happens to a due timer row when the engine refused to fire it.
void settle_refused_timer(WriteContext& context, const CaseSnapshot& current,
                          const std::string& key, const Rejection& rejection, Instant now) {
  switch (rejection.code) {
    case RejectionCode::kNotFound:
      // The case holds no such timer: the row is stale and can never fire.
      delete_timer_row(context, current.id, key);
      return;
    case RejectionCode::kInvalidState:
      // The row said due but the case's own deadline is later: the case is right.
      if (const auto* t = current.timer(key)) {
        upsert_timer_row(context, current.id, *t, now);
        return;
      }
      break;
    default:
      break;
  }
  postpone_timer_row(context, current.id, key, now,
                     std::string(error_code_name(rejection.code)) + ": " + rejection.message);
}

Result<CommandOutcome> apply_case_command(WriteContext& context, const Engine& engine,
                                          CaseCommand& command) {
  CommandOutcome outcome;
  std::string case_id = command.case_id;
  auto* create = std::get_if<CreateCase>(&command.command.body);
  if (create) {
    if (create->case_id.empty()) create->case_id = allocate_case_id(context);
    case_id = create->case_id;
  }
  const SnapshotCache::Entry current = load_current_snapshot(context, case_id);

  const auto* fire = std::get_if<FireTimer>(&command.command.body);
  if (fire && current) {
    if (auto refused = check_timer_row(context, case_id, fire->key, command.now)) {
      outcome.rejection = std::move(refused);
      return outcome;  // nothing was changed
    }
  }

  const std::string customer_id = create    ? create->customer.id
                                  : current ? current->customer.id
                                            : std::string();
  const std::string currency = create    ? create->order.paid.currency
                               : current ? current->order.paid.currency
                                         : std::string();
  const auto history = needs_customer_history(command.command.body)
                           ? gather_history(context, customer_id, case_id, currency, command.now)
                           : CustomerHistory{};
  std::optional<Decision> decided;
  try {
    decided.emplace(engine.decide(current ? &*current : nullptr, command.command, command.actor,
                                  command.now, history));
  } catch (const std::exception& e) {
    if (!(fire && current)) throw;
    // An engine bug on one timer must not wedge the timer queue: back the row off, report it.
    decided.emplace(Rejection{
        RejectionCode::kInvalidState, std::string("internal error while firing: ") + e.what(), {}});
  }
  auto& decision = *decided;
  if (!decision.accepted()) {
    outcome.rejection = decision.rejection();
    if (fire && current) {
      settle_refused_timer(context, *current, fire->key, decision.rejection(), command.now);
    } else if (fire) {
      delete_timer_row(context, case_id, fire->key);  // a row without its case can never fire
    } else {
      context.discard_changes();  // e.g. an allocated case id
    }
    return outcome;
  }
  if (fire && current) delete_timer_row(context, case_id, fire->key);  // consumed with its effects

  auto& accepted = decision.result();
  const CaseSnapshot& snap = accepted.snapshot;
  save_case_row(context, current.get(), snap);
  context.snapshots().stage(snap);

  std::int64_t case_seq = 0;
  if (current) {
    auto s =
        context.statement("SELECT coalesce(max(case_seq), 0) FROM case_events WHERE case_id = ?");
    s->bind(1, case_id);
    s->step();
    case_seq = s->column_int(0);
  }
  std::int64_t last_seq = 0;
  for (const auto& effect : accepted.effects) {
    if (const auto* j = std::get_if<JournalAppend>(&effect)) {
      const auto& e = j->event;
      auto s = context.statement(
          "INSERT INTO case_events (case_id, case_seq, case_version, type, at, actor_id, "
          "actor_role, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      s->bind(1, case_id)
          .bind(2, ++case_seq)
          .bind(3, e.case_version)
          .bind(4, e.type)
          .bind(5, to_millis(e.at))
          .bind(6, e.actor_id)
          .bind(7, e.actor_role)
          .bind(8, e.data.dump());
      s->run();
      last_seq = sqlite3_last_insert_rowid(context.db().handle());
      index_case_text(context, case_id, e);
      outcome.events.push_back(StoredEvent{last_seq, case_seq, case_id, e});
    } else if (const auto* t = std::get_if<TimerSet>(&effect)) {
      upsert_timer_row(context, case_id, CaseTimer{t->key, t->name, t->due}, command.now);
    } else if (const auto* c = std::get_if<TimerCancel>(&effect)) {
      delete_timer_row(context, c->case_id, c->key);
    } else if (const auto* w = std::get_if<WebhookEmit>(&effect)) {
      const auto webhook_id = new_webhook_id(command.now);
      const nlohmann::json payload{
          {"type", w->type}, {"timestamp", format_rfc3339(command.now)}, {"data", w->data}};
      auto s = context.statement(
          "INSERT INTO outbox (webhook_id, event_type, case_id, journal_seq, payload, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?)");
      s->bind(1, webhook_id)
          .bind(2, w->type)
          .bind(3, case_id)
          .bind_or_null(4, last_seq ? std::optional(last_seq) : std::nullopt)
          .bind(5, payload.dump())
          .bind(6, to_millis(command.now));
      s->run();
      outcome.webhook_ids.push_back(webhook_id);
    } else if (const auto* a = std::get_if<ApprovalRequest>(&effect)) {
      outcome.approvals_requested.push_back(*a);
    }
  }
  project_records(context, current ? &*current : nullptr, snap);
  outcome.snapshot = std::move(accepted.snapshot);
  return outcome;
}

void apply_connection_settings(SqliteDb& db, const StoreOptions& options) {
  const auto mode = db.query_text("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    throw SqliteError(SQLITE_CANTOPEN,
                      "cannot switch " + db.path() + " to WAL mode (got '" + mode + "')");
  }
  db.exec(options.synchronous == Synchronous::kFull ? "PRAGMA synchronous = FULL"
                                                    : "PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  // Negative cache_size is in KiB.
  db.exec("PRAGMA cache_size = -" + std::to_string(options.writer_cache_mib * 1024));
  // A larger checkpoint interval writes hot pages (index roots, the journal's tail) back to the
  // database file once per interval instead of once per few batches.
  db.exec("PRAGMA wal_autocheckpoint = " + std::to_string(options.wal_autocheckpoint_pages));
  // Each write runs in a savepoint, and SQLite keeps the original of every page a savepoint
  // changes in a sub-journal. On disk (the default) that journal spills to a temporary file
  // after 64 KiB and is never truncated again: every write then pays pwrite system calls for
  // pages it may never need. In memory, the sub-journal is emptied at each RELEASE.
  db.exec("PRAGMA temp_store = MEMORY");
}

}  // namespace

Result<std::unique_ptr<SqliteDb>> open_writer_connection(const StoreOptions& options,
                                                         MigrationReport* report) {
  try {
    OpenOptions open;
    open.vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
    open.busy_timeout_ms = options.busy_timeout_ms;
    auto db = std::make_unique<SqliteDb>(options.path, open);
    if (auto identity = check_database_identity(*db, latest_schema_version()); !identity.ok()) {
      return identity.error();
    }
    apply_connection_settings(*db, options);
    auto migrated = migrate(*db);
    if (!migrated.ok()) return migrated.error();
    if (report) *report = migrated.value();
    db->exec("INSERT OR IGNORE INTO id_sequences (name, next_value) VALUES ('case', 1)");
    return db;
  } catch (const SqliteError& e) {
    return to_error(e);
  }
}

// --- the writer ------------------------------------------------------------------------------

class CaseStore::Writer {
 public:
  Writer(std::unique_ptr<SqliteDb> db, const StoreOptions& options)
      : db_(std::move(db)),
        context_(*db_, options.writer_snapshot_cache),
        max_batch_(options.max_batch),
        max_queue_(options.max_queue) {
    if (options.wal_autocheckpoint_pages > 0) {
      OpenOptions open;
      open.vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
      open.busy_timeout_ms = options.busy_timeout_ms;
      checkpointer_ = std::make_unique<WalCheckpointer>(options.path, open, options.synchronous,
                                                        options.wal_autocheckpoint_pages);
      checkpointer_->attach(*db_);
    }
    thread_ = std::thread([this] { loop(); });
  }

  ~Writer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (checkpointer_) {
      checkpointer_->detach(*db_);
      checkpointer_.reset();
    }
    // The connection closes with db_; with WAL the last connection checkpoints on close.
  }

  void enqueue(std::unique_ptr<PendingWrite> write) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        write->set_error(
            Error(ErrorCode::kStorageClosed, "the store is shutting down; nothing was written"));
      } else if (queue_.size() >= max_queue_) {
        write->set_error(Error(ErrorCode::kStorageOverloaded,
                               "too many writes are waiting (" + std::to_string(max_queue_) +
                                   "); nothing was written, retry shortly"));
      } else {
        queue_.push_back(std::move(write));
        wake_.notify_one();
        return;
      }
    }
    write->deliver();
  }

  StoreStats stats() const {
    std::lock_guard lock(stats_mutex_);
    StoreStats stats = stats_;
    if (checkpointer_) stats.checkpoints = checkpointer_->stats();
    return stats;
  }

  void wait_until_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && !in_batch_; });
  }

 private:
  using Batch = std::vector<std::unique_ptr<PendingWrite>>;

  void loop() {
    for (;;) {
      Batch batch;
      {
        std::unique_lock lock(mutex_);
        if (queue_.empty()) {
          in_batch_ = false;
          idle_.notify_all();
        }
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        in_batch_ = true;
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      run_and_answer(batch);
    }
  }

  // Commits the batch and answers every write of it (retrying them one by one when SQLite gave
  // up on the transaction as a whole).
  void run_and_answer(Batch& batch) {
    if (run_batch(batch)) return;
    if (batch.size() == 1) {
      batch.front()->deliver();  // its own error is already set
      return;
    }
    // SQLite gave up on the whole transaction: run each write alone, so the fault reaches only
    // the write it belongs to.
    {
      std::lock_guard lock(stats_mutex_);
      ++stats_.batch_retries;
    }
    for (auto& write : batch) {
      Batch single;
      single.push_back(std::move(write));
      if (!run_batch(single)) single.front()->deliver();
    }
  }

  // Runs the writes in one transaction, one savepoint each, and answers them after COMMIT.
  // Returns false — nothing committed, nobody answered — when the transaction as a whole failed
  // after work had started; the caller then retries the writes one by one. A failure to BEGIN
  // (another process holds the lock for longer than busy_timeout) answers the whole batch at
  // once: retrying each write would make every one of them wait out the timeout again.
  bool run_batch(Batch& batch) {
    for (auto& w : batch) w->forget_result();
    std::optional<Transaction> tx;
    context_.transaction_rolled_back();  // nothing from a failed batch may linger
    if (checkpointer_) checkpointer_->before_transaction(*db_);
    try {
      tx.emplace(*db_, Transaction::Kind::kImmediate);
    } catch (const SqliteError& e) {
      for (auto& w : batch) {
        w->set_error(to_error(e));
        w->deliver();
      }
      return true;
    }
    try {
      forget_snapshots_changed_elsewhere();
      for (auto& w : batch) run_one(*w);
      context_.write_deferred_rows();
      tx->commit();
      context_.transaction_committed();
    } catch (const SqliteError& e) {
      tx.reset();  // rolls back whatever SQLite did not
      context_.transaction_rolled_back();
      if (batch.size() == 1) {
        batch.front()->set_error(to_error(e));
        return false;
      }
      for (auto& w : batch) w->forget_result();
      return false;
    }
    {
      std::lock_guard lock(stats_mutex_);
      ++stats_.transactions;
      stats_.writes += batch.size();
      stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
      stats_.snapshot_cache_hits = context_.snapshots().hits();
      stats_.snapshot_cache_misses = context_.snapshots().misses();
    }
    for (auto& w : batch) w->deliver();
    return true;
  }

  void run_one(PendingWrite& write) {
    // Prepared once: parsing these on every write cost the writer as much as its fsyncs.
    context_.statement("SAVEPOINT write")->run();
    try {
      const bool ok = write.run(context_);
      if (ok && !context_.take_discard()) {
        context_.statement("RELEASE write")->run();
        context_.savepoint_released();
      } else {
        context_.take_discard();
        rollback_savepoint();
      }
    } catch (const SqliteError& e) {
      if (!db_->in_transaction()) throw;  // SQLite rolled back the whole transaction
      rollback_savepoint();
      write.set_error(to_error(e));
    } catch (const std::exception& e) {
      // A broken invariant inside one write (a corrupt snapshot, an engine bug) must not take
      // down the writer or the other writes of the batch.
      if (!db_->in_transaction()) throw SqliteError(SQLITE_ERROR, e.what());
      rollback_savepoint();
      write.set_error(
          Error::storage_error(std::string("internal error; nothing was written: ") + e.what()));
    }
  }

  // Inside the transaction, so nobody else can commit until it ends.
  void forget_snapshots_changed_elsewhere() {
    auto s = context_.statement("PRAGMA data_version");
    s->step();
    const std::int64_t version = s->column_int(0);
    if (version != data_version_) context_.snapshots().clear();
    data_version_ = version;
  }

  void rollback_savepoint() {
    context_.savepoint_rolled_back();
    context_.statement("ROLLBACK TO write")->run();
    context_.statement("RELEASE write")->run();
  }

  std::unique_ptr<SqliteDb> db_;
  WriteContext context_;
  // PRAGMA data_version as of this connection's last transaction: it changes when another
  // connection commits.
  std::int64_t data_version_ = -1;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  const size_t max_batch_;
  const size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;  // the queue is empty and no batch is running
  bool in_batch_ = false;         // the writer took a batch and has not answered all of it
  std::deque<std::unique_ptr<PendingWrite>> queue_;
  bool stopping_ = false;
  mutable std::mutex stats_mutex_;
  StoreStats stats_;
  std::thread thread_;
};

// --- the readers -----------------------------------------------------------------------------

class CaseStore::ReaderPool {
 public:
  struct Reader {
    explicit Reader(std::unique_ptr<SqliteDb> connection)
        : db(std::move(connection)), statements(*db) {}
    std::unique_ptr<SqliteDb> db;
    StatementCache statements;
  };

  explicit ReaderPool(const StoreOptions& options) {
    OpenOptions open;
    open.read_only = true;
    open.vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
    open.busy_timeout_ms = options.busy_timeout_ms;
    for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
      auto db = std::make_unique<SqliteDb>(options.path, open);
      db->exec("PRAGMA cache_size = -" + std::to_string(options.reader_cache_mib * 1024));
      idle_.push_back(std::make_unique<Reader>(std::move(db)));
    }
  }

  // Runs `read` on an idle connection. SqliteError becomes a storage error; any other exception
  // (a broken invariant) an internal error. The connection always goes back to the pool.
  template <typename T, typename F>
  Result<T> with(F&& read) {
    Lease lease(*this);
    try {
      return Result<T>(read(*lease.reader));
    } catch (const SqliteError& e) {
      lease.end_transaction();
      return to_error(e);
    } catch (const std::exception& e) {
      lease.end_transaction();
      return Error::storage_error(std::string("internal error while reading: ") + e.what());
    }
  }

 private:
  // Borrows an idle connection for one read and returns it, whatever happens.
  struct Lease {
    explicit Lease(ReaderPool& p) : pool(p) {
      std::unique_lock lock(pool.mutex_);
      pool.available_.wait(lock, [this] { return !pool.idle_.empty(); });
      reader = std::move(pool.idle_.back());
      pool.idle_.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard lock(pool.mutex_);
        pool.idle_.push_back(std::move(reader));
      }
      pool.available_.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    void end_transaction() {
      if (!reader->db->in_transaction()) return;
      try {
        reader->db->exec("ROLLBACK");
      } catch (const SqliteError&) {
        // The read transaction ends when the connection is next used or closed.
      }
    }
    ReaderPool& pool;
    std::unique_ptr<Reader> reader;
  };

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Reader>> idle_;
};

// --- CaseStore -------------------------------------------------------------------------------

CaseStore::CaseStore(StoreOptions options, std::shared_ptr<const Engine> engine)
    : options_(std::move(options)), engine_(std::move(engine)) {}

CaseStore::~CaseStore() {
  // Readers close first so that the writer is the last connection: closing it checkpoints the
  // WAL into the database file and removes it. The writer drains its queue before closing.
  readers_.reset();
  writer_.reset();
}

Result<std::unique_ptr<CaseStore>> CaseStore::open(const StoreOptions& options,
                                                   std::shared_ptr<const Engine> engine) {
  if (options.path.empty()) return Error::invalid_argument("no database path given");
  if (options.max_batch == 0 || options.max_queue == 0) {
    return Error::invalid_argument("max_batch and max_queue must be at least 1");
  }
  auto connection = open_writer_connection(options);
  if (!connection.ok()) return connection.error();
  std::unique_ptr<CaseStore> store(new CaseStore(options, std::move(engine)));
  try {
    store->readers_ = std::make_unique<ReaderPool>(options);
  } catch (const SqliteError& e) {
    return to_error(e);
  }
  try {
    store->writer_ = std::make_unique<Writer>(std::move(connection).value(), options);
  } catch (const SqliteError& e) {
    return to_error(e);
  }
  return store;
}

void CaseStore::enqueue(std::unique_ptr<PendingWrite> write) {
  writer_->enqueue(std::move(write));
}

namespace {

std::function<Result<CommandOutcome>(WriteContext&)> case_command_work(CaseCommand command,
                                                                       const Engine* engine) {
  auto shared = std::make_shared<CaseCommand>(std::move(command));
  return [shared, engine](WriteContext& context) {
    // Work on a copy: a retried batch must start again from the command as submitted.
    CaseCommand attempt = *shared;
    return apply_case_command(context, *engine, attempt);
  };
}

}  // namespace

std::future<Result<CommandOutcome>> CaseStore::submit(CaseCommand command) {
  return write<CommandOutcome>(case_command_work(std::move(command), engine_.get()));
}

void CaseStore::submit(CaseCommand command, std::function<void(Result<CommandOutcome>)> done) {
  write<CommandOutcome>(case_command_work(std::move(command), engine_.get()), std::move(done));
}

Result<CommandOutcome> CaseStore::run_command(WriteContext& context,
                                              const CaseCommand& command) const {
  context.statement("SAVEPOINT command")->run();
  CaseCommand attempt = command;
  auto outcome = apply_case_command(context, *engine_, attempt);
  // The discard request is answered here, not by the writer: only the command's changes go.
  if (!outcome.ok() || context.take_discard()) {
    context.statement("ROLLBACK TO command")->run();
  }
  context.statement("RELEASE command")->run();
  return outcome;
}

Status CaseStore::run_read(const std::function<void(ReadContext&)>& work) const {
  auto result = readers_->with<bool>([&](ReaderPool::Reader& reader) {
    ReadContext context(*reader.db, reader.statements);
    work(context);
    return true;
  });
  if (!result.ok()) return result.error();
  return Status::Ok();
}

StoreStats CaseStore::stats() const {
  return writer_->stats();
}

void CaseStore::wait_until_idle() {
  writer_->wait_until_idle();
}

Result<std::optional<CaseSnapshot>> CaseStore::load_case(const std::string& case_id) const {
  return readers_->with<std::optional<CaseSnapshot>>(
      [&](ReaderPool::Reader& r) { return rows::load_snapshot(r.statements, case_id); });
}

Result<std::optional<CaseDocument>> CaseStore::load_case_document(
    const std::string& case_id) const {
  return readers_->with<std::optional<CaseDocument>>(
      [&](ReaderPool::Reader& r) -> std::optional<CaseDocument> {
        auto s = r.statements.get("SELECT version, snapshot FROM cases WHERE id = ?");
        s->bind(1, case_id);
        if (!s->step()) return std::nullopt;
        return CaseDocument{s->column_int(0), s->column_text(1)};
      });
}

Result<std::optional<CaseWithJournal>> CaseStore::load_case_with_journal(
    const std::string& case_id) const {
  return readers_->with<std::optional<CaseWithJournal>>(
      [&](ReaderPool::Reader& r) -> std::optional<CaseWithJournal> {
        Transaction tx(*r.db, Transaction::Kind::kDeferred);  // one consistent view
        auto snapshot = rows::load_snapshot(r.statements, case_id);
        if (!snapshot) return std::nullopt;
        CaseWithJournal out{std::move(*snapshot), rows::load_journal(r.statements, case_id)};
        tx.commit();
        return out;
      });
}

Result<std::vector<StoredEvent>> CaseStore::journal_after(std::int64_t after_seq,
                                                          size_t limit) const {
  return readers_->with<std::vector<StoredEvent>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(std::string("SELECT ") + rows::kEventColumns +
                              " FROM case_events WHERE seq > ? ORDER BY seq LIMIT ?");
    s->bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
    std::vector<StoredEvent> out;
    while (s->step()) out.push_back(rows::event_from_row(*s));
    return out;
  });
}

Result<std::vector<CaseSummary>> CaseStore::list_cases(const CaseQuery& q) const {
  if (auto limit = check_listing_limit(q.limit); !limit.ok()) return limit.error();
  const auto query = rows::list_cases_query(q);
  return readers_->with<std::vector<CaseSummary>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(query.sql);
    int index = 1;
    for (const auto& value : query.values) {
      if (const auto* t = std::get_if<std::string>(&value)) {
        s->bind(index++, *t);
      } else {
        s->bind(index++, std::get<std::int64_t>(value));
      }
    }
    std::vector<CaseSummary> out;
    while (s->step()) {
      const auto c = rows::case_columns_from_row(*s);
      CaseSummary summary;
      summary.id = c.id;
      summary.workflow_id = c.workflow_id;
      summary.workflow_version = static_cast<int>(c.workflow_version);
      summary.version = c.version;
      summary.state = c.state;
      summary.stage = c.stage;
      summary.severity = c.severity;
      summary.priority = c.priority;
      summary.category = c.category;
      summary.escalation_level = c.escalation_level;
      summary.assignee = c.assignee;
      summary.team = c.team;
      summary.customer_id = c.customer_id;
      if (c.sla_due != kNoSlaDue) summary.sla_due = from_millis(c.sla_due);
      summary.created_at = from_millis(c.created_at);
      summary.updated_at = from_millis(c.updated_at);
      if (c.closed_at) summary.closed_at = from_millis(*c.closed_at);
      summary.cursor = CaseCursor{c.sla_due, c.id};
      out.push_back(std::move(summary));
    }
    return out;
  });
}

Result<std::vector<PendingApproval>> CaseStore::pending_approvals(
    const std::string& required_role, size_t limit,
    const std::optional<ApprovalCursor>& after) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return readers_->with<std::vector<PendingApproval>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(rows::kPendingApprovalsSql);
    s->bind(1, required_role).bind(2, static_cast<std::int64_t>(limit));
    if (after) {
      s->bind(3, to_millis(after->requested_at))
          .bind(4, after->case_id)
          .bind(5, after->approval_id);
    } else {
      s->bind(3, std::numeric_limits<std::int64_t>::min()).bind(4, "").bind(5, "");
    }
    std::vector<PendingApproval> out;
    while (s->step()) {
      out.push_back({s->column_text(0), s->column_text(1), s->column_text(2), s->column_text(3),
                     s->column_text(4), s->column_text(5), s->column_text(6),
                     from_millis(s->column_int(7))});
    }
    return out;
  });
}

Result<std::vector<DueTimer>> CaseStore::due_timers(Instant now, size_t limit) const {
  return readers_->with<std::vector<DueTimer>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(rows::kDueTimersSql);
    s->bind(1, to_millis(now)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<DueTimer> out;
    while (s->step()) {
      out.push_back({s->column_text(0), s->column_text(1), s->column_text(2),
                     from_millis(s->column_int(3)), static_cast<int>(s->column_int(4)),
                     s->column_text(5)});
    }
    return out;
  });
}

Result<std::vector<OutboxEntry>> CaseStore::outbox_after(std::int64_t after_id,
                                                         size_t limit) const {
  return readers_->with<std::vector<OutboxEntry>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(
        "SELECT id, webhook_id, event_type, coalesce(case_id, ''), payload, created_at "
        "FROM outbox WHERE id > ? ORDER BY id LIMIT ?");
    s->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<OutboxEntry> out;
    while (s->step()) {
      out.push_back({s->column_int(0), s->column_text(1), s->column_text(2), s->column_text(3),
                     s->column_text(4), from_millis(s->column_int(5))});
    }
    return out;
  });
}

Result<std::int64_t> CaseStore::count_cases() const {
  return readers_->with<std::int64_t>(
      [](ReaderPool::Reader& r) { return r.db->query_int("SELECT count(*) FROM cases"); });
}

Result<size_t> CaseStore::fire_due_timers(Instant now, size_t limit) {
  auto due = due_timers(now, limit);
  if (!due.ok()) return due.error();
  // Submit all, then wait: they share group commits, yet the writer runs them in due order.
  std::vector<std::future<Result<CommandOutcome>>> pending;
  pending.reserve(due.value().size());
  for (const auto& timer : due.value()) {
    pending.push_back(submit(CaseCommand{timer.case_id, Command{FireTimer{timer.key}, std::nullopt},
                                         Actor{"system", Role::kSystem, ""}, now}));
  }
  size_t fired = 0;
  std::optional<Error> first_error;
  for (auto& f : pending) {
    auto outcome = f.get();
    if (!outcome.ok()) {
      if (!first_error) first_error = outcome.error();
    } else if (outcome.value().accepted()) {
      ++fired;
    }
  }
  if (first_error) return *first_error;
  return fired;
}

Status CaseStore::record_workflow_definitions(const WorkflowCatalog& catalog, Instant now) {
  std::vector<std::shared_ptr<const WorkflowDefinition>> workflows = catalog.workflows();
  auto done = write<bool>([workflows, now](WriteContext& context) -> Result<bool> {
    for (const auto& wf : workflows) {
      auto existing = context.statement(
          "SELECT definition FROM workflow_definitions WHERE workflow_id = ? AND version = ?");
      existing->bind(1, wf->id).bind(2, wf->version);
      if (existing->step()) {
        const auto stored = nlohmann::json::parse(existing->column_text(0), nullptr, false);
        if (stored != wf->source) {
          return Error(ErrorCode::kVersionChanged,
                       "workflow '" + wf->id + "' version " + std::to_string(wf->version) +
                           " differs from the definition cases were started on; give the "
                           "changed definition a new version number");
        }
        continue;
      }
      auto insert = context.statement(
          "INSERT INTO workflow_definitions (workflow_id, version, definition, installed_at) "
          "VALUES (?, ?, ?, ?)");
      insert->bind(1, wf->id)
          .bind(2, wf->version)
          .bind(3, wf->source.dump())
          .bind(4, to_millis(now));
      insert->run();
    }
    return true;
  });
  auto result = done.get();
  if (!result.ok()) return result.error();
  return Status::Ok();
}

Result<std::vector<std::string>> CaseStore::stored_workflow_definitions() const {
  return readers_->with<std::vector<std::string>>([](ReaderPool::Reader& r) {
    auto s = r.statements.get(
        "SELECT definition FROM workflow_definitions ORDER BY workflow_id, version");
    std::vector<std::string> out;
    while (s->step()) out.push_back(s->column_text(0));
    return out;
  });
}

}  // namespace redress::storage
