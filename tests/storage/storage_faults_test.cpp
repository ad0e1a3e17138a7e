// Faults that come from outside the process (another process holding the lock, a damaged row)
// and cross-case context gathered by storage for the engine.
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

CaseCommand propose_coupon(const std::string& id, std::int64_t amount) {
  return {id, Command{ProposeCompensation{"coupon", Money{amount, "CNY"}, "sorry"}, std::nullopt},
          agent(), monday_morning()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(storage_faults)

BOOST_AUTO_TEST_CASE(a_database_locked_by_another_process_is_busy_not_a_crash) {
  TempDir dir;
  auto options = options_for(dir);
  options.busy_timeout_ms = 50;
  auto store = open_store(options);
  const auto id = accept(*store, create_complaint(monday_morning())).snapshot.id;
  {
    SqliteDb other(options.path, OpenOptions{});
    other.exec("BEGIN IMMEDIATE");  // another process holds the write lock
    auto outcome = store->execute(comment(id, monday_morning()));
    BOOST_REQUIRE(!outcome.ok());
    BOOST_TEST(outcome.error().code == redress::ErrorCode::kStorageBusy);
    BOOST_TEST(outcome.error().message.find("retry") != std::string::npos);
    // Reads are not blocked by a writer in WAL mode.
    BOOST_TEST(store->load_case(id).value()->version == 1);
    other.exec("ROLLBACK");
  }
  accept(*store, comment(id, monday_morning()));
  BOOST_TEST(store->load_case(id).value()->version == 2);
}

BOOST_AUTO_TEST_CASE(a_damaged_snapshot_fails_its_own_commands_only) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto damaged = accept(*store, create_complaint(monday_morning(), "a")).snapshot.id;
  const auto healthy = accept(*store, create_complaint(monday_morning(), "b")).snapshot.id;
  {
    SqliteDb db(options_for(dir).path, OpenOptions{});
    db.exec("UPDATE cases SET snapshot = '{\"truncated' WHERE id = '" + damaged + "'");
  }
  auto bad_write = store->submit(comment(damaged, monday_morning()));
  auto good_write = store->submit(comment(healthy, monday_morning()));
  auto bad = bad_write.get();
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().code == redress::ErrorCode::kStorageCorrupt);
  BOOST_TEST(bad.error().message.find(damaged) != std::string::npos);
  BOOST_REQUIRE(good_write.get().ok());
  BOOST_TEST(store->load_case(healthy).value()->version == 2);
  auto read = store->load_case(damaged);
  BOOST_REQUIRE(!read.ok());
  BOOST_TEST(read.error().code == redress::ErrorCode::kStorageCorrupt);
}

BOOST_AUTO_TEST_CASE(compensation_on_the_customers_other_cases_counts_against_the_30_day_limit) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  // An agent may grant CNY 50 per case and CNY 100 per customer in 30 days
  // (workflows/compensation.json).
  std::vector<std::string> cases;
  for (int i = 0; i < 3; ++i) {
    cases.push_back(accept(*store, create_complaint(monday_morning(), "cust-repeat")).snapshot.id);
    accept(*store, confirm(cases.back(), monday_morning()));
  }
  BOOST_TEST(accept(*store, propose_coupon(cases[0], 4000)).approvals_requested.empty());
  BOOST_TEST(accept(*store, propose_coupon(cases[1], 4000)).approvals_requested.empty());
  // 40 + 40 on the other cases + 40 here exceeds 100: a superior must approve.
  BOOST_TEST(!accept(*store, propose_coupon(cases[2], 4000)).approvals_requested.empty());

  // Another customer is not affected.
  const auto other = accept(*store, create_complaint(monday_morning(), "cust-new")).snapshot.id;
  accept(*store, confirm(other, monday_morning()));
  BOOST_TEST(accept(*store, propose_coupon(other, 4000)).approvals_requested.empty());
}

BOOST_AUTO_TEST_CASE(a_customers_third_case_in_30_days_escalates_from_stored_history) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  // workflows/escalation.json: 3 cases within 30 days raise the case to team_lead.
  auto now = monday_morning();
  for (int i = 0; i < 2; ++i) {
    const auto snap = accept(*store, create_complaint(now, "cust-again")).snapshot;
    BOOST_TEST(snap.escalation_level == "agent");
    now += std::chrono::days(3);
  }
  const auto third = accept(*store, create_complaint(now, "cust-again")).snapshot;
  BOOST_TEST(third.escalation_level == "team_lead");
  // Only after a reopen, too: the history comes from the database, not from memory.
  store.reset();
  store = open_store(options_for(dir));
  const auto fourth =
      accept(*store, create_complaint(now + std::chrono::days(1), "cust-again")).snapshot;
  BOOST_TEST(fourth.escalation_level == "team_lead");
  BOOST_TEST(accept(*store, create_complaint(now, "cust-first")).snapshot.escalation_level ==
             "agent");
}

BOOST_AUTO_TEST_CASE(a_full_write_queue_is_refused_at_once) {
  TempDir dir;
  auto options = options_for(dir);
  options.max_queue = 1;
  options.busy_timeout_ms = 2000;
  auto store = open_store(options);
  // Hold the write lock so the writer stalls on its first batch, then overfill the queue.
  SqliteDb other(options.path, OpenOptions{});
  other.exec("BEGIN IMMEDIATE");
  std::vector<std::future<Result<CommandOutcome>>> pending;
  for (int i = 0; i < 4; ++i) pending.push_back(store->submit(create_complaint(monday_morning())));
  bool overloaded = false;
  for (auto& f : pending) {
    if (f.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      auto outcome = f.get();
      overloaded |= !outcome.ok() && outcome.error().code == redress::ErrorCode::kStorageOverloaded;
    }
  }
  other.exec("ROLLBACK");
  BOOST_TEST(overloaded);
}

BOOST_AUTO_TEST_SUITE_END()
