// Online backup of a live database.
//
// `backup_database` copies the database with SQLite's online backup API from its own read-only
// connection, in one step, so the copy is one consistent snapshot while the server keeps serving
// (in WAL mode the reader never blocks the writer). The copy is written to a temporary file
// beside the destination, checked (PRAGMA quick_check), fsynced and only then renamed into place:
// a crash or a full disk never leaves a half-written file under the destination name. An
// existing destination is refused, not overwritten.
//
// Restoring: stop the server, move the database file aside together with its `-wal` and `-shm`
// files, copy the backup to the database path, start the server (docs/operations.md).
//
// Thread-safety: uses its own connections; safe alongside a running CaseStore.
#pragma once

#include <string>

#include "engine/result.h"

namespace redress::storage {

struct BackupReport {
  std::int64_t pages = 0;
  std::int64_t bytes = 0;
  std::int64_t cases = 0;
  std::int64_t attachment_files = 0;  // content files copied (attachments and thumbnails)
  std::int64_t attachment_bytes = 0;
  std::int64_t attachments_missing = 0;  // named by the copy but missing or corrupt in the source
};

// Errors: DESTINATION_EXISTS, or a storage error (nothing left at the destination).
Result<BackupReport> backup_database(const std::string& source_path,
                                     const std::string& destination_path);

}  // namespace redress::storage
