// Sub-commands of the `redress` executable. Each returns the process exit code and writes
// human-readable output to `out` and errors to `err`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace redress::cli {

// One line of usage per subcommand: printed by `redress CMD --help` and after a usage error.
inline constexpr const char* kServeUsage = "redress serve [options]";
inline constexpr const char* kInitUsage =
    "redress init [--db PATH] [--workflows DIR] [--new-admin-token]";
inline constexpr const char* kValidateUsage = "redress validate [--json] FILE...";
inline constexpr const char* kDemoUsage = "redress demo [--workflows DIR] [--db PATH]";
inline constexpr const char* kSeedDemoUsage =
    "redress seed-demo [--db PATH] [--workflows DIR] [--cases N]";
inline constexpr const char* kMigrateUsage = "redress migrate [--db PATH] [--dry-run]";
inline constexpr const char* kVerifyUsage = "redress verify [--db PATH] [--workflows DIR]";
inline constexpr const char* kBackupUsage = "redress backup [--db PATH] FILE";
inline constexpr const char* kImportUsage =
    "redress import customers|orders FILE [--url URL] [--token TOKEN]";

// redress validate [--json] FILE...  — exit 0 when valid, 1 when any error, 2 on usage errors.
int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress demo [--workflows DIR] [--db PATH] — walks a complaint through all five stages on a
// fake clock, stored through CaseStore (default data/demo.db), then verifies the database.
int run_demo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress seed-demo [--db PATH] [--workflows DIR] — demo team, people, tokens and cases in a
// database without cases; exit 2 when it holds cases (or on usage errors), 1 on other errors.
int run_seed_demo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress migrate [--db PATH] [--dry-run] — bring the database to this build's schema.
int run_migrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress verify [--db PATH] — replay every journal, compare with snapshots, integrity check.
int run_verify(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress backup [--db PATH] FILE — consistent online copy of a live database.
int run_backup(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress import customers|orders FILE [--url URL] [--token TOKEN] — send a JSON Lines file to a
// running server (URL default http://127.0.0.1:8080 or REDRESS_URL; token or REDRESS_TOKEN) as an
// import job and follow it: 0 all applied, 1 lines rejected or the job failed, 2 usage, 3 the
// server unreachable or refusing.
int run_import(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress serve [options] — the HTTP/WebSocket server (see `redress serve --help`).
int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// redress init [--db PATH] [--workflows DIR] [--new-admin-token] — create the database and the
// first admin token.
int run_init(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace redress::cli
