// Verification of a database: the journal is the truth, snapshots are a cache of it.
//
// `verify_database` checks, in one read transaction (so it can run against a live database):
//   - PRAGMA integrity_check (every line it reports);
//   - the schema version is the one this build writes;
//   - for every case: its journal is numbered 1..n without gaps, replaying it through the engine's
//     `replay` reproduces the stored snapshot exactly, and the indexed columns (version, state,
//     stage, SLA due) and the timer rows agree with that snapshot;
//   - the compensation, approval and promise rows are exactly the snapshot's records;
//   - no journal entry, timer row or promise row belongs to a case that does not exist;
//   - every amount a case holds (order paid and refunded, compensations, money fields) is within
//     its currency's bound, and the case's totals of granted compensation fit in int64;
//   - every attachment's content file and thumbnail (`<database>.attachments/`) exists and hashes
//     to its SHA-256 (ATTACHMENT_MISSING, ATTACHMENT_CORRUPT), and belongs to an existing case.
// Each finding is reported with its case and a stable code; nothing is changed.
//
// Thread-safety: uses its own connection; safe alongside a running CaseStore.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/result.h"

namespace redress::storage {

struct VerifyProblem {
  std::string case_id;  // empty for database-wide problems
  std::string code;     // INTEGRITY, SCHEMA_VERSION, JOURNAL_GAP, REPLAY_FAILED, REPLAY_MISMATCH,
                        // COLUMN_MISMATCH, TIMER_MISMATCH, PROJECTION_MISMATCH,
                        // ORPHAN_EVENTS, ORPHAN_TIMERS, ORPHAN_PROMISES, AMOUNT_OUT_OF_BOUNDS,
                        // TOTAL_OUT_OF_BOUNDS, ORPHAN_ATTACHMENTS, ATTACHMENT_MISSING,
                        // ATTACHMENT_CORRUPT
  std::string message;
};

struct VerifyReport {
  std::int64_t cases = 0;
  std::int64_t events = 0;
  std::int64_t attachments = 0;         // rows whose files were checked
  std::vector<VerifyProblem> problems;  // at most kMaxReportedProblems
  std::int64_t problems_total = 0;      // including those not listed
  bool ok() const { return problems_total == 0; }
};

inline constexpr size_t kMaxReportedProblems = 1000;

// Called every few thousand cases with (cases checked, total cases).
using VerifyProgress = std::function<void(std::int64_t done, std::int64_t total)>;

// The largest single amount per currency (minor units), as a compensation policy's `max_amount`
// gives it; currencies not listed are bounded by kMaxMoneyAmount.
using MoneyBounds = std::map<std::string, std::int64_t>;

// Errors: when the database cannot be read (STORAGE_CANTOPEN, STORAGE_IO, STORAGE_BUSY, a file
// that is not a database, ...); damage found inside a readable database is a finding instead.
Result<VerifyReport> verify_database(const std::string& path, const VerifyProgress& progress = {},
                                     const std::string& vfs = "", const MoneyBounds& bounds = {});

}  // namespace redress::storage
