// The database schema and its versioned migrations.
//
// The schema version lives in `PRAGMA user_version`. `migrate` applies every migration above the
// database's version, in order, in ONE transaction: a failure leaves the database exactly as it
// was. A database whose version is above the newest this build knows is refused (SCHEMA_TOO_NEW)
// rather than touched: an older binary must not write to a newer layout.
//
// Times in indexed columns are INTEGER milliseconds since the Unix epoch (UTC); RFC 3339 text is
// for the wire only. Money is INTEGER minor units plus a TEXT currency code.
//
// Thread-safety: run on the writer connection before any other connection is opened.
#pragma once

#include <string>
#include <vector>

#include "engine/result.h"
#include "storage/sqlite.h"

namespace redress::storage {

struct Migration {
  int version;
  const char* description;
  const char* sql;
  // Runs after `sql`, in the same transaction, for what SQL alone cannot derive (columns
  // computed from stored snapshots by the writer's own code). May throw SqliteError.
  void (*backfill)(SqliteDb& db) = nullptr;
};

// Every migration this build knows, in version order.
const std::vector<Migration>& migrations();
int latest_schema_version();

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // "2: full-text search over case summaries"
};

// Brings `db` to the latest version. Errors: SCHEMA_TOO_NEW, or a storage error (nothing applied).
Result<MigrationReport> migrate(SqliteDb& db);
// The same with another list of migrations (tests: a failing migration must change nothing).
Result<MigrationReport> migrate(SqliteDb& db, const std::vector<Migration>& list);

// Checked before anything is changed: NOT_A_REDRESS_DATABASE for a file of another
// application, SCHEMA_TOO_NEW for one above `latest_version`.
Status check_database_identity(SqliteDb& db, int latest_version);

// The database's schema version without changing anything.
int schema_version(SqliteDb& db);

}  // namespace redress::storage
