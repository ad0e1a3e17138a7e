// The writer's snapshot cache: the layers that keep it to what is durable, and a store with the
// cache writing exactly what a store without it writes.
#include <future>

#include <sqlite3.h>

#include "storage/case_rows.h"
#include "storage/snapshot_cache.h"
#include "storage/sqlite.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

CaseSnapshot snapshot(const std::string& id, std::int64_t version, const std::string& state) {
  CaseSnapshot s;
  s.id = id;
  s.version = version;
  s.state = state;
  return s;
}

// Every row a case command writes, apart from random webhook ids, as text (the full-text index
// included: its rows are written at the end of each transaction, not in the write's savepoint).
std::string dump_case_rows(const std::string& path) {
  SqliteDb db(path, OpenOptions{true, false, nullptr, 1000});
  std::string out;
  auto dump = [&](const std::string& sql, int columns) {
    Statement s(db, sql);
    while (s.step()) {
      for (int i = 0; i < columns; ++i) {
        out += s.column_is_null(i) ? "NULL" : s.column_text(i);
        out += '|';
      }
      out += '\n';
    }
  };
  dump("SELECT id, version, state, updated_at, snapshot FROM cases ORDER BY id", 5);
  dump("SELECT case_id, case_seq, case_version, type, at, data FROM case_events ORDER BY seq", 6);
  dump("SELECT case_id, timer_key, due_at, fire_at FROM timers ORDER BY case_id, timer_key", 4);
  dump("SELECT event_type, case_id, journal_seq FROM outbox ORDER BY id", 3);
  dump("SELECT case_id, source, terms FROM case_terms ORDER BY rowid", 3);
  return out;
}

// The same commands, some batched, one failing after acceptance, against a store.
void run_script(CaseStore& store, Instant now) {
  const auto a = accept(store, create_complaint(now, "cust-1")).snapshot.id;
  const auto b = accept(store, create_complaint(now, "cust-2")).snapshot.id;
  now += std::chrono::minutes(5);
  accept(store, comment(a, now));
  accept(store, confirm(a, now));
  {
    // Both commands on `a` in one transaction: the second reads the first's uncommitted row.
    WriterGate gate(store);
    auto first = store.submit(comment(a, now, std::nullopt, "first in the batch"));
    auto second = store.submit(comment(a, now, std::nullopt, "second in the batch"));
    auto other = store.submit(confirm(b, now));
    gate.release();
    BOOST_REQUIRE(first.get().ok());
    BOOST_REQUIRE(second.get().ok());
    BOOST_REQUIRE(other.get().ok());
  }
  now += std::chrono::minutes(5);
  {
    // Accepted by the engine, then rolled back: its snapshot must not be used later.
    // (A write of its own runs the command, then fails inside the same savepoint.)
    const auto never_stored = comment(a, now, std::nullopt, "never stored");
    bool accepted_inside = false;  // set on the writer thread, read after the write answered
    auto failed = store.write<CommandOutcome>([&](WriteContext& context) -> Result<CommandOutcome> {
      auto outcome = store.run_command(context, never_stored);
      accepted_inside = outcome.ok() && outcome.value().accepted();
      throw SqliteError(SQLITE_IOERR, "injected: the disk went away mid-command");
    });
    BOOST_TEST(!failed.get().ok());
    BOOST_TEST(accepted_inside);
  }
  accept(store, comment(a, now, std::nullopt, "after the failure"));
  accept(store,
         {a, Command{ProposeCompensation{"coupon", Money{1000, "CNY"}, "sorry"}, std::nullopt},
          agent(), now});
  accept(store, comment(b, now));
  // Commands that move the row's indexed columns: assignee, team, escalation level.
  accept(store, {b, Command{AssignCase{"", "", "back to the team queue"}, std::nullopt},
                 team_lead(), now});
  accept(store,
         {b, Command{AssignCase{"agent.wang", "after_sales", "li is on leave"}, std::nullopt},
          team_lead(), now});
  accept(
      store,
      {a, Command{EscalateCase{"customer threatens a complaint to the platform", ""}, std::nullopt},
       agent(), now});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot_cache)

BOOST_AUTO_TEST_CASE(a_snapshot_is_found_only_at_its_version_and_once_committed) {
  SnapshotCache cache(8);
  cache.stage(snapshot("C-1", 2, "analysing"));
  BOOST_TEST(cache.find("C-1", 2) != nullptr);  // the write's own savepoint sees it
  cache.release_savepoint();
  BOOST_TEST(cache.find("C-1", 2) != nullptr);  // later writes of the transaction see it
  BOOST_TEST(cache.find("C-1", 1) == nullptr);  // another version is a miss
  BOOST_TEST(cache.size() == 0u);
  cache.commit();
  BOOST_TEST(cache.size() == 1u);
  auto found = cache.find("C-1", 2);
  BOOST_REQUIRE(found != nullptr);
  BOOST_TEST(found->state == "analysing");
  BOOST_TEST(cache.find("C-2", 2) == nullptr);
  BOOST_TEST(cache.hits() == 3u);
  BOOST_TEST(cache.misses() == 2u);
}

BOOST_AUTO_TEST_CASE(rolled_back_snapshots_are_forgotten_and_hide_the_older_committed_one) {
  SnapshotCache cache(8);
  cache.stage(snapshot("C-1", 1, "confirming"));
  cache.commit();

  cache.stage(snapshot("C-1", 2, "rolled back with its savepoint"));
  cache.rollback_savepoint();
  cache.commit();
  BOOST_TEST(cache.find("C-1", 2) == nullptr);
  BOOST_TEST(cache.find("C-1", 1) != nullptr);

  cache.stage(snapshot("C-1", 2, "rolled back with its transaction"));
  cache.release_savepoint();
  // Within the transaction the newer snapshot decides: version 1 is stale there.
  BOOST_TEST(cache.find("C-1", 1) == nullptr);
  cache.rollback();
  BOOST_TEST(cache.find("C-1", 2) == nullptr);
  BOOST_TEST(cache.find("C-1", 1) != nullptr);

  cache.clear();
  BOOST_TEST(cache.find("C-1", 1) == nullptr);
  BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE(the_least_recently_used_snapshot_goes_first) {
  SnapshotCache cache(2);
  cache.stage(snapshot("C-1", 1, "a"));
  cache.stage(snapshot("C-2", 1, "b"));
  cache.commit();
  BOOST_TEST(cache.find("C-1", 1) != nullptr);  // C-2 is now the least recently used
  cache.stage(snapshot("C-3", 1, "c"));
  cache.commit();
  BOOST_TEST(cache.size() == 2u);
  BOOST_TEST(cache.find("C-2", 1) == nullptr);
  BOOST_TEST(cache.find("C-1", 1) != nullptr);
  BOOST_TEST(cache.find("C-3", 1) != nullptr);
  // A newer version replaces its case's entry rather than adding one.
  cache.stage(snapshot("C-1", 2, "a2"));
  cache.commit();
  BOOST_TEST(cache.size() == 2u);
  BOOST_TEST(cache.find("C-1", 2)->state == "a2");

  SnapshotCache off(0);
  off.stage(snapshot("C-1", 1, "a"));
  off.commit();
  BOOST_TEST(off.find("C-1", 1) == nullptr);
}

BOOST_AUTO_TEST_CASE(a_store_with_the_cache_writes_exactly_what_a_store_without_it_writes) {
  TempDir dir;
  auto cached_options = options_for(dir, "cached.db");
  auto uncached_options = options_for(dir, "uncached.db");
  uncached_options.writer_snapshot_cache = 0;
  {
    auto cached = open_store(cached_options);
    auto uncached = open_store(uncached_options);
    run_script(*cached, monday_morning());
    run_script(*uncached, monday_morning());
    BOOST_TEST(cached->stats().snapshot_cache_hits > 0u);
    BOOST_TEST(uncached->stats().snapshot_cache_hits == 0u);
  }
  const auto with_cache = dump_case_rows(cached_options.path);
  BOOST_TEST(with_cache.find("never stored") == std::string::npos);
  BOOST_TEST(with_cache.find("|comment.added|first in the batch|") != std::string::npos);
  BOOST_TEST(with_cache.find("|comment.added|second in the batch|") != std::string::npos);
  BOOST_TEST(with_cache.find("|comment.added|after the failure|") != std::string::npos);
  BOOST_TEST(with_cache == dump_case_rows(uncached_options.path));
  // Each row's columns agree with its snapshot (rows are updated column by column).
  for (const auto* path : {&cached_options.path, &uncached_options.path}) {
    const auto report = verify_database(*path);
    BOOST_REQUIRE(report.ok());
    BOOST_TEST(report.value().ok(), describe(report.value()));
  }
}

BOOST_AUTO_TEST_CASE(a_row_changed_by_another_connection_is_read_again) {
  TempDir dir;
  const auto options = options_for(dir);
  auto store = open_store(options);
  const auto id = accept(*store, create_complaint(monday_morning())).snapshot.id;
  accept(*store, comment(id, monday_morning()));  // the writer now holds version 2
  {
    // An operator's tool edits the snapshot in place, keeping its version.
    SqliteDb other(options.path, OpenOptions{});
    auto stored = nlohmann::json::parse(other.query_text("SELECT snapshot FROM cases"));
    BOOST_REQUIRE(stored.at("severity") != "critical");
    stored["severity"] = "critical";
    Statement update(other, "UPDATE cases SET snapshot = ?, severity = 'critical'");
    update.bind(1, stored.dump());
    update.run();
  }
  const auto next = accept(*store, comment(id, monday_morning()));
  BOOST_TEST(next.snapshot.version == 3);
  BOOST_TEST(next.snapshot.severity == "critical");
}

BOOST_AUTO_TEST_SUITE_END()
