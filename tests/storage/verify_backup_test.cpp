// redress verify and backup on real files: replay finds every kind of drift; a backup taken
// while writes continue is consistent and restorable.
#include <atomic>
#include <thread>

#include "storage/backup.h"
#include "storage/sqlite.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

bool has_code(const VerifyReport& report, const std::string& code, const std::string& case_id) {
  for (const auto& p : report.problems) {
    if (p.code == code && p.case_id == case_id) return true;
  }
  return false;
}

std::string populate(CaseStore& store, int cases) {
  std::string last;
  auto now = monday_morning();
  for (int i = 0; i < cases; ++i) {
    last = accept(store, create_complaint(now, "cust-" + std::to_string(i % 3))).snapshot.id;
    accept(store, comment(last, now));
    now += std::chrono::minutes(3);
  }
  return last;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_backup)

BOOST_AUTO_TEST_CASE(a_healthy_database_verifies_with_progress) {
  TempDir dir;
  {
    auto store = open_store(options_for(dir));
    populate(*store, 12);
    BOOST_REQUIRE(store->fire_due_timers(monday_morning() + std::chrono::hours(30)).ok());
  }
  std::vector<std::int64_t> seen;
  auto report = verify_database(options_for(dir).path, [&](std::int64_t done, std::int64_t total) {
    BOOST_TEST(total == 12);
    seen.push_back(done);
  });
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report.value().ok());
  BOOST_TEST(report.value().cases == 12);
  BOOST_TEST(report.value().events > 24);
  BOOST_REQUIRE(!seen.empty());
  BOOST_TEST(seen.back() == 12);
}

BOOST_AUTO_TEST_CASE(verify_reports_each_kind_of_drift_with_its_case) {
  TempDir dir;
  std::string id;
  {
    auto store = open_store(options_for(dir));
    populate(*store, 3);
    id = "C-2";
  }
  {
    SqliteDb db(options_for(dir).path, OpenOptions{});
    // A snapshot edited behind the journal's back.
    db.exec(
        "UPDATE cases SET snapshot = json_set(snapshot, '$.severity', 'critical') "
        "WHERE id = 'C-1'");
    // An index column that disagrees with the snapshot.
    db.exec("UPDATE cases SET state = 'closed', assignee = NULL WHERE id = 'C-2'");
    // A compensation row the case never had.
    db.exec(
        "INSERT INTO compensations (case_id, compensation_id, type, amount, currency, "
        "status, proposed_by, proposed_at) "
        "VALUES ('C-2', 'cmp-9', 'coupon', 500, 'CNY', 'approved', 'agent.li', 0)");
    // A lost timer row.
    db.exec(
        "DELETE FROM timers WHERE case_id = 'C-3' AND timer_key = "
        "(SELECT min(timer_key) FROM timers WHERE case_id = 'C-3')");
  }
  auto report = verify_database(options_for(dir).path);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(!report.value().ok());
  BOOST_TEST(has_code(report.value(), "REPLAY_MISMATCH", "C-1"));
  BOOST_TEST(has_code(report.value(), "COLUMN_MISMATCH", "C-2"));
  BOOST_TEST(has_code(report.value(), "TIMER_MISMATCH", "C-3"));
  BOOST_TEST(has_code(report.value(), "PROJECTION_MISMATCH", "C-2"));
  BOOST_TEST(report.value().problems_total == 4);
  for (const auto& p : report.value().problems) {
    if (p.code == "REPLAY_MISMATCH") BOOST_TEST(p.message.find("/severity") != std::string::npos);
    if (p.code == "COLUMN_MISMATCH")
      BOOST_TEST(p.message.find("state, assignee") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(verify_reports_amounts_and_totals_out_of_bounds) {
  TempDir dir;
  std::string id;
  {
    auto store = open_store(options_for(dir));
    id = accept(*store, create_complaint(monday_morning())).snapshot.id;
    for (int i = 0; i < 2; ++i) {  // two coupons within the agent's authority: approved at once
      accept(*store,
             {id, Command{ProposeCompensation{"coupon", Money{500, "CNY"}, ""}, std::nullopt},
              agent(), monday_morning()});
    }
  }
  const auto path = options_for(dir).path;
  BOOST_TEST(verify_database(path).value().ok());
  // A policy whose maximum is now below what the case holds: each amount above it is reported
  // (the order's CNY 299.00 and the two CNY 5.00 coupons).
  const auto lowered = verify_database(path, {}, "", {{"CNY", 400}});
  BOOST_REQUIRE(lowered.ok());
  BOOST_TEST(lowered.value().problems_total == 3, describe(lowered.value()));
  BOOST_TEST(has_code(lowered.value(), "AMOUNT_OUT_OF_BOUNDS", id));
  BOOST_TEST(verify_database(path, {}, "", {{"CNY", 29900}}).value().ok());

  // Amounts written before they were bounded, alike in the journal, the snapshot and the
  // projection (so replay still matches): each is out of bounds, and their total overflows.
  {
    SqliteDb db(path, OpenOptions{});
    db.exec("DROP TRIGGER case_events_no_update");
    db.exec(
        "UPDATE case_events SET data = json_set(data, '$.value.amount', 5000000000000000000) "
        "WHERE type = 'compensation.proposed'");
    db.exec(
        "UPDATE cases SET snapshot = json_set(snapshot, "
        "'$.compensations[0].value.amount', 5000000000000000000, "
        "'$.compensations[1].value.amount', 5000000000000000000)");
    db.exec("UPDATE compensations SET amount = 5000000000000000000");
  }
  const auto report = verify_database(path);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report.value().problems_total == 3, describe(report.value()));
  BOOST_TEST(has_code(report.value(), "AMOUNT_OUT_OF_BOUNDS", id));
  BOOST_TEST(has_code(report.value(), "TOTAL_OUT_OF_BOUNDS", id));
}

BOOST_AUTO_TEST_CASE(verify_of_a_missing_file_is_an_error) {
  TempDir dir;
  auto report = verify_database(dir.file("nope.db"));
  BOOST_REQUIRE(!report.ok());
  BOOST_TEST(report.error().code == redress::ErrorCode::kStorageCantOpen);
}

BOOST_AUTO_TEST_CASE(a_backup_taken_during_writes_is_consistent_and_restorable) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  populate(*store, 5);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_before_backup{0};
  std::atomic<bool> backup_started{false};
  std::thread writer([&] {
    auto now = monday_morning();
    while (!stop) {
      auto outcome = store->execute(create_complaint(now, "cust-w"));
      if (outcome.ok() && outcome.value().accepted() && !backup_started) {
        ++acknowledged_before_backup;
      }
    }
  });
  while (acknowledged_before_backup < 20) std::this_thread::yield();
  backup_started = true;
  const int at_least = 5 + acknowledged_before_backup.load();
  auto report = backup_database(options_for(dir).path, dir.file("backup.db"));
  stop = true;
  writer.join();
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
  BOOST_TEST(report.value().cases >= at_least);
  BOOST_TEST(!std::filesystem::exists(dir.file("backup.db.partial")));

  // A second backup to the same name is refused, not overwritten.
  auto again = backup_database(options_for(dir).path, dir.file("backup.db"));
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST(again.error().code == redress::ErrorCode::kDestinationExists);

  // Restore as docs/operations.md says: copy the backup to the database path, then start.
  std::filesystem::create_directories(dir.path() / "restored");
  std::filesystem::copy_file(dir.file("backup.db"), dir.file("restored/redress.db"));
  auto verified = verify_database(dir.file("restored/redress.db"));
  BOOST_REQUIRE(verified.ok());
  BOOST_TEST(verified.value().ok());
  BOOST_TEST(verified.value().cases == report.value().cases);
  auto restored = open_store(options_for(dir, "restored/redress.db"));
  BOOST_TEST(restored->count_cases().value() == report.value().cases);
  // The restored store keeps working: new ids continue after the copied ones.
  const auto next = accept(*restored, create_complaint(monday_morning())).snapshot.id;
  BOOST_TEST(next == "C-" + std::to_string(report.value().cases + 1));
}

BOOST_AUTO_TEST_SUITE_END()
