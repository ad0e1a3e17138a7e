#include "storage/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "storage/attachment_store.h"
#include "storage/sqlite.h"

namespace redress::storage {
namespace {

// fsync a file or directory by path; rename is only durable once the directory is synced.
bool sync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

void remove_partial(const std::string& partial) {
  std::error_code ignored;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::filesystem::remove(partial + suffix, ignored);
  }
}

// Copies the content files the backup copy names; counts those the source lacks.
Status copy_content_files(const std::string& source_path, const std::string& destination_path,
                          BackupReport& report) {
  std::set<std::string> named;
  {
    OpenOptions read_only;
    read_only.read_only = true;
    SqliteDb copy(destination_path, read_only);
    if (copy.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'attachments'") == 0) {
      return Status::Ok();  // a database from before attachments
    }
    named = referenced_content(copy);
  }
  const ContentFiles source(ContentFiles::directory_for_database(source_path));
  ContentFiles destination(ContentFiles::directory_for_database(destination_path));
  for (const auto& sha256 : named) {
    auto bytes = source.read(sha256);
    if (!bytes.ok()) return bytes.error();
    if (!bytes.value() || sha256_hex(*bytes.value()) != sha256) {
      ++report.attachments_missing;
      continue;
    }
    auto stored = destination.put(*bytes.value());
    if (!stored.ok()) return stored.error();
    ++report.attachment_files;
    report.attachment_bytes += stored.value().size;
  }
  return Status::Ok();
}

}  // namespace

Result<BackupReport> backup_database(const std::string& source_path,
                                     const std::string& destination_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(destination_path, ec)) {
    return Error(ErrorCode::kDestinationExists,
                 destination_path + " already exists; choose a new file name for the backup");
  }
  if (!fs::exists(source_path, ec)) {
    return Error(ErrorCode::kStorageCantOpen, "no database at " + source_path);
  }
  const std::string partial = destination_path + ".partial";
  remove_partial(partial);  // a leftover of an interrupted backup
  BackupReport report;
  try {
    {
      OpenOptions read_only;
      read_only.read_only = true;
      SqliteDb source(source_path, read_only);
      SqliteDb destination(partial, OpenOptions{});
      sqlite3_backup* backup =
          sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
      if (!backup) destination.fail(sqlite3_errcode(destination.handle()), "backup init");
      // One step of -1 pages copies everything under a single read transaction: a consistent
      // snapshot that concurrent commits (WAL) neither block nor restart.
      const int rc = sqlite3_backup_step(backup, -1);
      report.pages = sqlite3_backup_pagecount(backup);
      sqlite3_backup_finish(backup);
      if (rc != SQLITE_DONE) {
        throw SqliteError(rc, std::string("backup: ") + sqlite3_errstr(rc));
      }
      const auto check = destination.query_text("PRAGMA quick_check");
      if (check != "ok")
        throw SqliteError(SQLITE_CORRUPT, "backup copy failed its check: " + check);
      report.cases = destination.query_int(
          "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'cases') "
          "THEN (SELECT count(*) FROM cases) ELSE 0 END");
      // The copy is a standalone file: no -wal beside it.
      destination.exec("PRAGMA journal_mode = DELETE");
    }
    if (!sync_path(partial)) throw SqliteError(SQLITE_IOERR, "fsync " + partial + " failed");
    fs::rename(partial, destination_path, ec);
    if (ec) throw SqliteError(SQLITE_IOERR, "rename to " + destination_path + ": " + ec.message());
    const auto parent = fs::absolute(destination_path).parent_path().string();
    sync_path(parent);
    report.bytes = static_cast<std::int64_t>(fs::file_size(destination_path, ec));
    if (auto copied = copy_content_files(source_path, destination_path, report); !copied.ok()) {
      return copied.error();
    }
    return report;
  } catch (const SqliteError& e) {
    fs::remove(partial, ec);
    fs::remove(partial + "-journal", ec);
    return to_error(e);
  }
}

}  // namespace redress::storage
