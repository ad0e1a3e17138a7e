#include "storage/case_store.h"

#include <sqlite3.h>

#include "storage/case_commands.h"
#include "storage/case_writer.h"
#include "storage/reader_pool.h"
#include "storage/schema.h"

namespace redress::storage {
namespace {

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
        if (stored == wf->source) continue;
        // Words a person reads (titles, descriptions) may be corrected or translated without a
        // new version: cases behave the same. The stored copy takes the new words.
        if (!stored.is_discarded() && without_labels(stored) == without_labels(wf->source)) {
          auto relabel = context.statement(
              "UPDATE workflow_definitions SET definition = ? WHERE workflow_id = ? AND "
              "version = ?");
          relabel->bind(1, wf->source.dump()).bind(2, wf->id).bind(3, wf->version);
          relabel->run();
          continue;
        }
        return Error(ErrorCode::kVersionChanged,
                     "workflow '" + wf->id + "' version " + std::to_string(wf->version) +
                         " differs from the definition cases were started on; give the "
                         "changed definition a new version number");
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

}  // namespace redress::storage
