// Fault injection in the style of SQLite's own tests: make the Nth write fail, for N = 1, 2, ...
// until the operation succeeds. After every failure the caller got a clear storage error, the
// database is byte-for-byte what it was (as seen by a fresh connection), it passes the integrity
// check and `verify`, and the same store keeps working.
#include <sqlite3.h>

#include "storage/verify.h"
#include "tests/storage/faulty_vfs.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

// Every row of every table, as text, read through a fresh connection on the default VFS.
std::string database_digest(const std::string& path) {
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* list = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", -1,
                     &list, nullptr);
  while (sqlite3_step(list) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
  }
  sqlite3_finalize(list);
  std::string digest;
  for (const auto& table : tables) {
    digest += "[" + table + "]\n";
    sqlite3_stmt* rows = nullptr;
    // Tables of one column (customer_terms) order by it alone.
    if (sqlite3_prepare_v2(db, ("SELECT * FROM \"" + table + "\" ORDER BY 1, 2").c_str(), -1, &rows,
                           nullptr) != SQLITE_OK) {
      BOOST_REQUIRE(sqlite3_prepare_v2(db, ("SELECT * FROM \"" + table + "\" ORDER BY 1").c_str(),
                                       -1, &rows, nullptr) == SQLITE_OK);
    }
    while (sqlite3_step(rows) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(rows); ++c) {
        const auto* text = sqlite3_column_text(rows, c);
        digest += text ? reinterpret_cast<const char*>(text) : "NULL";
        digest += '|';
      }
      digest += '\n';
    }
    sqlite3_finalize(rows);
  }
  sqlite3_close(db);
  return digest;
}

void require_consistent(const std::string& path) {
  auto report = verify_database(path);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report.value().ok(), "verify: " << describe(report.value()));
}

struct FaultyStore {
  TempDir dir;
  StoreOptions options;
  std::unique_ptr<CaseStore> store;

  FaultyStore() {
    FaultyVfs::install();
    options = options_for(dir);
    options.vfs = FaultyVfs::kName;
    store = open_store(options);
  }
  ~FaultyStore() { FaultyVfs::disarm(); }
};

// Runs `make_command()` with the Nth write failing, N = 1, 2, ... until it succeeds. Returns the
// number of injected failures.
template <typename MakeCommand>
int fail_each_write_until_success(FaultyStore& f, MakeCommand make_command, int error,
                                  const char* expected_code) {
  for (int n = 1; n < 500; ++n) {
    const auto before = database_digest(f.options.path);
    FaultyVfs::fail_nth_write(n, error, /*persistent=*/false);
    auto outcome = f.store->execute(make_command());
    const bool fired = FaultyVfs::fault_fired();
    FaultyVfs::disarm();
    if (outcome.ok()) {
      BOOST_REQUIRE_MESSAGE(outcome.value().accepted(), "the command itself must be valid");
      // A fault after COMMIT (in the WAL auto-checkpoint) does not undo a durable commit.
      BOOST_TEST(database_digest(f.options.path) != before);
      require_consistent(f.options.path);
      if (!fired) {
        BOOST_TEST_MESSAGE("succeeded after " << n - 1 << " injected failures");
        return n - 1;
      }
      continue;
    }
    BOOST_TEST_REQUIRE(fired, "an error without an injected fault: " << outcome.error().message);
    BOOST_TEST(std::string(outcome.error().code_name()) == expected_code,
               "write " << n << ": " << outcome.error().code << " " << outcome.error().message);
    BOOST_TEST(database_digest(f.options.path) == before, "write " << n << " left a change behind");
    require_consistent(f.options.path);
  }
  BOOST_FAIL("the command never succeeded");
  return 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fault_injection)

BOOST_AUTO_TEST_CASE(an_io_error_at_any_write_of_a_case_creation_leaves_nothing_behind) {
  FaultyStore f;
  accept(*f.store, create_complaint(monday_morning(), "cust-0"));  // not the first page
  const int failures = fail_each_write_until_success(
      f, [] { return create_complaint(monday_morning(), "cust-1"); }, SQLITE_IOERR_WRITE,
      "STORAGE_IO");
  BOOST_TEST(failures >= 1);  // the loop really failed some writes
  BOOST_TEST(f.store->count_cases().value() == 2);
}

BOOST_AUTO_TEST_CASE(an_io_error_at_any_write_of_a_transition_leaves_nothing_behind) {
  FaultyStore f;
  const auto id = accept(*f.store, create_complaint(monday_morning())).snapshot.id;
  const int failures = fail_each_write_until_success(
      f, [&] { return confirm(id, monday_morning()); }, SQLITE_IOERR_WRITE, "STORAGE_IO");
  BOOST_TEST(failures >= 1);
  BOOST_TEST(f.store->load_case(id).value()->state == "analysing");
}

BOOST_AUTO_TEST_CASE(a_full_disk_at_any_write_is_reported_as_such) {
  FaultyStore f;
  accept(*f.store, create_complaint(monday_morning(), "cust-0"));
  const int failures = fail_each_write_until_success(
      f, [] { return create_complaint(monday_morning(), "cust-1"); }, SQLITE_FULL, "STORAGE_FULL");
  BOOST_TEST(failures >= 1);
}

BOOST_AUTO_TEST_CASE(a_disk_that_stays_full_fails_writes_until_space_is_freed) {
  FaultyStore f;
  const auto id = accept(*f.store, create_complaint(monday_morning())).snapshot.id;
  const auto before = database_digest(f.options.path);
  FaultyVfs::fail_nth_write(1, SQLITE_FULL, /*persistent=*/true);
  for (int i = 0; i < 3; ++i) {
    auto outcome = f.store->execute(comment(id, monday_morning()));
    BOOST_REQUIRE(!outcome.ok());
    BOOST_TEST(outcome.error().code == redress::ErrorCode::kStorageFull);
    BOOST_TEST(outcome.error().message.find("disk") != std::string::npos);
  }
  // Reads keep working while the disk is full.
  BOOST_TEST(f.store->load_case(id).value()->version == 1);
  FaultyVfs::disarm();  // space freed
  BOOST_TEST(database_digest(f.options.path) == before);
  accept(*f.store, comment(id, monday_morning()));
  BOOST_TEST(f.store->load_case(id).value()->version == 2);
  require_consistent(f.options.path);
}

BOOST_AUTO_TEST_CASE(a_fault_in_a_group_commit_reaches_only_its_own_command) {
  FaultyStore f;
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    ids.push_back(
        accept(*f.store, create_complaint(monday_morning(), "c" + std::to_string(i))).snapshot.id);
  }
  for (int n = 1; n <= 12; ++n) {
    std::vector<std::int64_t> versions;
    for (const auto& id : ids) versions.push_back(f.store->load_case(id).value()->version);
    std::vector<std::future<Result<CommandOutcome>>> pending;
    {
      WriterGate gate(*f.store);  // the commands queue up behind it and share one transaction
      for (const auto& id : ids) pending.push_back(f.store->submit(comment(id, monday_morning())));
      FaultyVfs::fail_nth_write(n, SQLITE_IOERR_WRITE, /*persistent=*/false);
    }
    int failed = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto outcome = pending[i].get();
      const auto now_version = f.store->load_case(ids[i]).value()->version;
      if (outcome.ok()) {
        BOOST_TEST(outcome.value().accepted());
        BOOST_TEST(now_version == versions[i] + 1);  // acknowledged means stored
      } else {
        ++failed;
        BOOST_TEST(outcome.error().code == redress::ErrorCode::kStorageIo);
        BOOST_TEST(now_version == versions[i]);  // refused means not stored
      }
    }
    FaultyVfs::disarm();
    // Retrying the batch one by one confines a transient fault to at most one command.
    BOOST_TEST(failed <= 1, "write " << n << ": " << failed << " commands failed");
    require_consistent(f.options.path);
  }
  // Every fault hit a batch of eight, which was then retried one by one.
  BOOST_TEST(f.store->stats().batch_retries == 12u);
}

BOOST_AUTO_TEST_SUITE_END()
