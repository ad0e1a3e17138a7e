// redress migrate / verify / backup: operator commands on the database file.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "api/cli/cli.h"
#include "engine/workflow_catalog.h"
#include "storage/backup.h"
#include "storage/case_store.h"
#include "storage/schema.h"
#include "storage/verify.h"

namespace redress::cli {
namespace {

constexpr const char* kDefaultDatabase = "data/redress.db";

struct DbArgs {
  std::string db = kDefaultDatabase;
  std::vector<std::string> positional;
  bool dry_run = false;
};

// Parses --db PATH (and --dry-run where allowed) and exactly `positional` other arguments;
// returns false after printing a usage error.
bool parse_db_args(const std::vector<std::string>& args, const char* usage, bool allow_dry_run,
                   size_t positional, DbArgs& out, std::ostream& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        err << "redress: --db needs a file path\nusage: " << usage << "\n";
        return false;
      }
      out.db = args[++i];
    } else if (allow_dry_run && args[i] == "--dry-run") {
      out.dry_run = true;
    } else if (!args[i].empty() && args[i][0] == '-') {
      err << "redress: unknown option '" << args[i] << "'\nusage: " << usage << "\n";
      return false;
    } else {
      out.positional.push_back(args[i]);
    }
  }
  if (out.positional.size() != positional) {
    if (out.positional.size() > positional) {
      err << "redress: unexpected argument '" << out.positional[positional] << "'\n";
    } else {
      err << "redress: missing argument\n";
    }
    err << "usage: " << usage << "\n";
    return false;
  }
  return true;
}

}  // namespace

int run_migrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  DbArgs a;
  if (!parse_db_args(args, kMigrateUsage, true, 0, a, err)) return 2;
  if (a.dry_run) {
    int version = 0;
    if (std::filesystem::exists(a.db)) {
      try {
        storage::OpenOptions read_only;
        read_only.read_only = true;
        storage::SqliteDb db(a.db, read_only);
        version = storage::schema_version(db);
      } catch (const storage::SqliteError& e) {
        err << "redress migrate: " << storage::to_error(e).message << "\n";
        return 1;
      }
    }
    out << a.db << ": schema version " << version << ", this build writes "
        << storage::latest_schema_version() << "\n";
    for (const auto& m : storage::migrations()) {
      if (m.version > version)
        out << "  would apply " << m.version << ": " << m.description << "\n";
    }
    return version > storage::latest_schema_version() ? 1 : 0;
  }
  const auto parent = std::filesystem::path(a.db).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  storage::StoreOptions options;
  options.path = a.db;
  storage::MigrationReport report;
  auto db = storage::open_writer_connection(options, &report);
  if (!db.ok()) {
    err << "redress migrate: " << db.error().code << ": " << db.error().message << "\n";
    return 1;
  }
  if (report.applied.empty()) {
    out << a.db << ": schema is up to date (version " << report.to_version << ")\n";
  } else {
    out << a.db << ": migrated from version " << report.from_version << " to " << report.to_version
        << "\n";
    for (const auto& line : report.applied) out << "  applied " << line << "\n";
  }
  return 0;
}

int run_verify(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  // --workflows DIR: bound amounts by the max_amount of its compensation policies (the lowest
  // where several name a currency); without it, by the ceiling kMaxMoneyAmount.
  std::vector<std::string> db_args;
  std::string workflows;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--workflows") {
      db_args.push_back(args[i]);
    } else if (i + 1 < args.size() && !args[i + 1].empty()) {
      workflows = args[++i];
    } else {
      err << "redress: --workflows needs a directory\nusage: " << kVerifyUsage << "\n";
      return 2;
    }
  }
  DbArgs a;
  if (!parse_db_args(db_args, kVerifyUsage, false, 0, a, err)) return 2;
  storage::MoneyBounds bounds;
  if (!workflows.empty()) {
    const auto load = WorkflowCatalog::load_directory(workflows);
    if (!load.catalog) {
      err << "redress verify: the definitions in " << workflows
          << " do not load; run `redress validate` on them\n";
      return 1;
    }
    for (const auto& id : load.catalog->policy_ids(PolicyKind::kCompensation)) {
      for (const auto& [currency, max] : load.catalog->compensation_policy(id)->max_amounts()) {
        const auto known = bounds.find(currency);
        bounds[currency] = known == bounds.end() ? max : std::min(known->second, max);
      }
    }
  }
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  std::int64_t last_decile = -1;
  auto progress = [&](std::int64_t done, std::int64_t total) {
    const auto percent = total ? done * 100 / total : 100;
    if (tty) {
      err << "\rverify: " << done << "/" << total << " cases (" << percent << "%)" << std::flush;
      if (done == total) err << "\n";
    } else if (percent / 10 != last_decile) {  // a line per 10% when logging to a file
      last_decile = percent / 10;
      err << "verify: " << done << "/" << total << " cases (" << percent << "%)\n";
    }
  };
  auto report = storage::verify_database(a.db, progress, "", bounds);
  if (!report.ok()) {
    err << "redress verify: " << report.error().code << ": " << report.error().message << "\n";
    return 1;
  }
  const auto& r = report.value();
  for (const auto& p : r.problems) {
    out << (p.case_id.empty() ? "database" : "case " + p.case_id) << ": " << p.code << ": "
        << p.message << "\n";
  }
  if (r.problems_total > static_cast<std::int64_t>(r.problems.size())) {
    out << "... and " << (r.problems_total - static_cast<std::int64_t>(r.problems.size()))
        << " more problems\n";
  }
  out << a.db << ": " << r.cases << " cases, " << r.events << " journal entries replayed, "
      << r.attachments << " attachments checked against their files; "
      << (r.ok() ? "every snapshot matches its journal, integrity check ok"
                 : std::to_string(r.problems_total) + " problems")
      << "\n";
  return r.ok() ? 0 : 1;
}

int run_backup(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  DbArgs a;
  if (!parse_db_args(args, kBackupUsage, false, 1, a, err)) return 2;
  auto report = storage::backup_database(a.db, a.positional.front());
  if (!report.ok()) {
    err << "redress backup: " << report.error().code << ": " << report.error().message << "\n";
    return 1;
  }
  const auto& r = report.value();
  out << "backed up " << a.db << " to " << a.positional.front() << ": " << r.cases << " cases, "
      << r.bytes << " bytes; " << r.attachment_files << " attachment files, " << r.attachment_bytes
      << " bytes\n";
  if (r.attachments_missing > 0) {
    // The database copy is whole; the files it names that the source lacks cannot be made up.
    err << "redress backup: " << r.attachments_missing
        << " attachment files the database names are missing or corrupt in the source and were "
           "not copied; run `redress verify` to name them\n";
    return 1;
  }
  return 0;
}

}  // namespace redress::cli
