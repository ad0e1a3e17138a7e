// Helpers shared by the storage suites: a real temporary directory per test, the shipped
// workflows' engine, and command builders for the complaint workflow.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <ostream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/engine.h"
#include "storage/case_store.h"
#include "storage/verify.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace std::chrono {
inline std::ostream& boost_test_print_type(std::ostream& out, const redress::Instant& t) {
  return out << redress::format_rfc3339(t);
}
}  // namespace std::chrono

namespace redress::testing {

// A fresh directory under $TMPDIR, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "redress-test-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::shared_ptr<const Engine> shipped_engine() {
  static const auto engine = [] {
    auto load = WorkflowCatalog::load_directory(std::string(REDRESS_SOURCE_DIR) + "/workflows");
    BOOST_REQUIRE_MESSAGE(load.catalog, "the shipped workflows must load");
    return std::make_shared<const Engine>(load.catalog);
  }();
  return engine;
}

inline Instant monday_morning() {  // Monday 2026-11-23 09:00 in Shanghai
  return *parse_rfc3339("2026-11-23T09:00:00+08:00");
}

// That Monday at `local_time` ("11:45:00") in Shanghai, the cn_office calendar's zone.
inline Instant monday_at(const char* local_time) {
  return *parse_rfc3339(std::string("2026-11-23T") + local_time + "+08:00");
}

inline Actor agent(const std::string& id = "agent.li") {
  return Actor{id, Role::kAgent, "after_sales"};
}
inline Actor team_lead() {
  return Actor{"lead.wang", Role::kTeamLead, "after_sales"};
}
inline Actor system_actor() {
  return Actor{"system", Role::kSystem, ""};
}

inline storage::CaseCommand create_complaint(Instant now, const std::string& customer = "cust-1",
                                             const std::string& case_id = "") {
  CreateCase create;
  create.case_id = case_id;
  create.workflow_id = "complaint";
  create.customer = {customer, "regular", "silver"};
  create.order = {"TB-1", Money{29900, "CNY"}, Money{0, "CNY"}};
  create.team = "after_sales";
  create.assignee = "agent.li";
  create.fields = {{"summary", "袖口开线 (cuff seam split)"}, {"category", "quality"}};
  return {"", Command{create, std::nullopt}, agent(), now};
}

inline storage::CaseCommand comment(const std::string& case_id, Instant now,
                                    std::optional<std::int64_t> expected_version = std::nullopt,
                                    const std::string& text = "checked the chat record") {
  return {case_id, Command{AddComment{text}, expected_version}, agent(), now};
}

// confirm_problem with the fields the complaint workflow requires (confirming -> analysing).
inline storage::CaseCommand confirm(const std::string& case_id, Instant now) {
  return {case_id,
          Command{FireTransition{"confirm_problem",
                                 {{"desired_outcome", "refund"}, {"customer_confirmed", true}}},
                  std::nullopt},
          agent(), now};
}

inline storage::StoreOptions options_for(const TempDir& dir,
                                         const std::string& name = "redress.db") {
  storage::StoreOptions options;
  options.path = dir.file(name);
  return options;
}

// For tests of migrations from older versions: the SQL that takes a latest-version database back
// to what an older version left. Each undo starts with the undo of the version after it, so that a
// new migration adds one string at the top and the tests of older versions keep working.
//
// Back to version 16: no index of orders by tracking number.
inline const std::string kUndoMigrationSeventeenSql =
    "DROP INDEX orders_by_tracking_number;"
    "PRAGMA user_version = 16;";

// Back to version 15: no index of the parcels cases hold (their snapshots keep the fields).
inline const std::string kUndoMigrationSixteenSql = kUndoMigrationSeventeenSql +
                                                    "DROP TABLE case_parcels;"
                                                    "PRAGMA user_version = 15;";

// Back to version 14: no reopen counts (snapshots keep theirs, which version 14 reads and
// ignores).
inline const std::string kUndoMigrationFifteenSql = kUndoMigrationSixteenSql +
                                                    "DROP INDEX cases_reopened;"
                                                    "DROP INDEX case_events_reopened;"
                                                    "ALTER TABLE cases DROP COLUMN reopen_count;"
                                                    "PRAGMA user_version = 14;";

// Back to version 13: no worklist and follow-up columns (snapshots keep their follow-up
// members, which version 13 reads and ignores).
inline const std::string kUndoMigrationFourteenSql =
    kUndoMigrationFifteenSql +
    "DROP INDEX cases_by_next_due;"
    "DROP INDEX cases_open_by_assignee_next_due;"
    "DROP INDEX cases_follow_up_due;"
    "DROP INDEX cases_follow_up_started;"
    "ALTER TABLE cases DROP COLUMN next_due;"
    "ALTER TABLE cases DROP COLUMN follow_up_due;"
    "ALTER TABLE cases DROP COLUMN follow_up_started_at;"
    "ALTER TABLE cases DROP COLUMN follow_up_completed;"
    "ALTER TABLE cases DROP COLUMN follow_up_csat;"
    "PRAGMA user_version = 13;";

// Back to version 12: no carrier events; snapshots do not say whom the case waits on.
inline const std::string kUndoMigrationThirteenSql =
    kUndoMigrationFourteenSql +
    "DROP TABLE carrier_events;"
    "UPDATE cases SET snapshot = json_remove(snapshot, '$.waiting_on');"
    "PRAGMA user_version = 12;";

// Back to version 11: no promises table (snapshots keep their promises' times, which version 11
// reads and ignores).
inline const std::string kUndoMigrationTwelveSql = kUndoMigrationThirteenSql +
                                                   "DROP TABLE promises;"
                                                   "PRAGMA user_version = 11;";

// Back to version 10: no import jobs.
inline const std::string kUndoMigrationElevenSql = kUndoMigrationTwelveSql +
                                                   "DROP TABLE import_job_customers;"
                                                   "DROP TABLE import_job_records;"
                                                   "DROP TABLE import_line_errors;"
                                                   "DROP TABLE import_jobs;"
                                                   "PRAGMA user_version = 10;";

// Back to version 9: no team calendars, availability or skills.
inline const std::string kUndoMigrationTenSql = kUndoMigrationElevenSql +
                                                "DROP TABLE user_availability_changes;"
                                                "ALTER TABLE users DROP COLUMN skills;"
                                                "ALTER TABLE users DROP COLUMN availability_by;"
                                                "ALTER TABLE users DROP COLUMN availability_since;"
                                                "ALTER TABLE users DROP COLUMN availability;"
                                                "ALTER TABLE teams DROP COLUMN calendar;"
                                                "PRAGMA user_version = 9;";

// Back to version 8: no evidence table.
inline const std::string kUndoMigrationNineSql = kUndoMigrationTenSql +
                                                 "DROP TABLE attachments;"
                                                 "PRAGMA user_version = 8;";

// Back to version 7: token scopes dropped.
inline const std::string kUndoMigrationEightSql = kUndoMigrationNineSql +
                                                  "ALTER TABLE api_tokens DROP COLUMN scopes;"
                                                  "PRAGMA user_version = 7;";

// Back to what version 6 left: the customers table of version 1, no orders (migration 7 fills
// both from the cases), no level changes, contact views or customer name index.
inline const std::string kUndoMigrationSevenSql =
    kUndoMigrationEightSql +
    "DROP TABLE case_links;"
    "DROP TABLE customer_terms;"
    "DROP TABLE customer_level_changes;"
    "DROP TABLE customer_contact_views;"
    "DROP TABLE customers;"
    "CREATE TABLE customers (id TEXT PRIMARY KEY, display_name TEXT NOT NULL DEFAULT '', "
    "  segment TEXT NOT NULL DEFAULT '', tier TEXT NOT NULL DEFAULT '', "
    "  tags TEXT NOT NULL DEFAULT '[]', contacts TEXT NOT NULL DEFAULT '{}', "
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;"
    "DELETE FROM orders;"
    "DROP INDEX compensations_by_order;"
    "DROP INDEX compensations_by_proposed_at;"
    "DROP INDEX cases_by_order;"
    "ALTER TABLE compensations DROP COLUMN order_id;"
    "ALTER TABLE orders DROP COLUMN status;"
    "ALTER TABLE orders DROP COLUMN created_at;"
    "PRAGMA user_version = 6;";

// The SQL that takes a latest-version database back to what version 5 left of full-text search, the
// trigram table case_text of migration 2 (filled with the comments only: migration 6 drops it
// whatever it holds), without migration 6's case_terms. A test downgrading further runs it first.
inline const std::string kUndoMigrationSixSql =
    kUndoMigrationSevenSql +
    "DROP TABLE case_terms;"
    "CREATE VIRTUAL TABLE case_text USING fts5("
    "  case_id UNINDEXED, source UNINDEXED, body, tokenize = 'trigram case_sensitive 0');"
    "INSERT INTO case_text (case_id, source, body) "
    "  SELECT case_id, type, json_extract(data, '$.text') FROM case_events "
    "  WHERE type = 'comment.added';"
    "PRAGMA user_version = 5;";

inline std::unique_ptr<storage::CaseStore> open_store(const storage::StoreOptions& options) {
  auto store = storage::CaseStore::open(options, shipped_engine());
  BOOST_REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  return std::move(store).value();
}

// Holds the store's writer inside a write of its own until released, so that commands submitted
// meanwhile queue up and are taken as ONE batch — deterministic group commit in tests. The
// holding write changes nothing, so it performs no disk write.
class WriterGate {
 public:
  explicit WriterGate(storage::CaseStore& store) {
    auto entered = entered_.get_future();
    done_ = store.write<bool>([this](storage::WriteContext&) -> Result<bool> {
      entered_.set_value();
      release_.get_future().wait();
      return true;
    });
    entered.wait();
  }
  ~WriterGate() { release(); }
  WriterGate(const WriterGate&) = delete;
  WriterGate& operator=(const WriterGate&) = delete;
  void release() {
    if (released_) return;
    released_ = true;
    release_.set_value();
    BOOST_TEST(done_.get().ok());
  }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
  std::future<Result<bool>> done_;
  bool released_ = false;
};

// The first problem verify found, for failure messages ("" when there is none). Boost.Test
// builds a check's message even when the check passes, so it must be safe on a clean report.
inline std::string describe(const storage::VerifyReport& report) {
  if (report.problems.empty()) return "";
  const auto& p = report.problems.front();
  return p.case_id + " " + p.code + ": " + p.message;
}

// Executes a command and requires that it was stored and accepted.
inline storage::CommandOutcome accept(storage::CaseStore& store, storage::CaseCommand command) {
  auto outcome = store.execute(std::move(command));
  BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? "" : outcome.error().message));
  BOOST_REQUIRE_MESSAGE(outcome.value().accepted(),
                        (outcome.value().rejection ? outcome.value().rejection->message : ""));
  return std::move(outcome).value();
}

// Requires `result` to be a value and returns it.
template <typename T>
T require_ok(Result<T> result) {
  BOOST_REQUIRE_MESSAGE(
      result.ok(),
      (result.ok() ? "" : std::string(result.error().code_name()) + ": " + result.error().message));
  return std::move(result).value();
}

// A complaint taken to a compensation proposal above an agent's authority (CNY 80, see
// workflows/compensation.json): one approval pending.
struct ProposalAboveAuthority {
  std::string case_id;
  ApprovalRequest approval;
};
inline ProposalAboveAuthority propose_above_authority(storage::CaseStore& store, Instant now) {
  const auto id = accept(store, create_complaint(now)).snapshot.id;
  accept(store, confirm(id, now));
  accept(store, {id,
                 Command{FireTransition{"complete_analysis",
                                        {{"cause", "seam"}, {"fault_party", "supplier"}}},
                         std::nullopt},
                 agent(), now});
  const auto proposed = accept(
      store,
      {id, Command{ProposeCompensation{"partial_refund", Money{8000, "CNY"}, "seam"}, std::nullopt},
       agent(), now});
  BOOST_REQUIRE(!proposed.approvals_requested.empty());
  return {id, proposed.approvals_requested.front()};
}

}  // namespace redress::testing
