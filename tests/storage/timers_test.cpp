// What happens to a due timer row the engine will not fire: a stale row is consumed, a row that
// says "due" earlier than its case is corrected, and a timer that cannot fire now (its workflow
// version is not loaded) stays pending, is retried with backoff and never blocks the others.
#include <algorithm>

#include "storage/sqlite.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

// The shipped definitions without any version of `workflow_id` (complaint.json,
// complaint.v2.json ...): as after a deploy that dropped the workflow.
std::shared_ptr<const Engine> engine_without_workflow(const std::string& workflow_id) {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(REDRESS_SOURCE_DIR) + "/workflows")) {
    const auto name = entry.path().filename().string();
    const bool of_workflow =
        name == workflow_id + ".json" || name.rfind(workflow_id + ".v", 0) == 0;
    if (entry.path().extension() == ".json" && !of_workflow) {
      files.push_back(entry.path().string());
    }
  }
  auto load = WorkflowCatalog::load_files(files);
  BOOST_REQUIRE(load.catalog);
  return std::make_shared<const Engine>(load.catalog);
}

std::int64_t timer_rows(const std::string& path, const std::string& case_id) {
  SqliteDb db(path, OpenOptions{true, false, nullptr, 1000});
  Statement s(db, "SELECT count(*) FROM timers WHERE case_id = ?");
  s.bind(1, case_id);
  s.step();
  return s.column_int(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(timers)

BOOST_AUTO_TEST_CASE(a_fired_timer_row_is_gone_and_a_second_firing_finds_nothing) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto snap = accept(*store, create_complaint(monday_morning())).snapshot;
  // The earliest timer of the new case (the first-response SLA warning).
  const auto first = std::min_element(snap.timers.begin(), snap.timers.end(),
                                      [](const auto& a, const auto& b) { return a.due < b.due; });
  BOOST_REQUIRE(first != snap.timers.end());
  const auto rows_before = timer_rows(options_for(dir).path, snap.id);
  BOOST_TEST(rows_before == static_cast<std::int64_t>(snap.timers.size()));

  auto fired = store->fire_due_timers(first->due);
  BOOST_REQUIRE(fired.ok());
  BOOST_TEST(fired.value() == 1u);
  {
    SqliteDb db(options_for(dir).path, OpenOptions{true, false, nullptr, 1000});
    Statement s(db, "SELECT count(*) FROM timers WHERE case_id = ? AND timer_key = ?");
    s.bind(1, snap.id).bind(2, first->key);
    s.step();
    BOOST_TEST(s.column_int(0) == 0);  // consumed with its effects
  }
  const auto version = store->load_case(snap.id).value()->version;
  BOOST_TEST(version == snap.version + 1);

  // Firing again at the same instant finds nothing and changes nothing; so does firing that one
  // timer directly, as a second process racing the first would.
  auto again = store->fire_due_timers(first->due);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again.value() == 0u);
  auto direct = store->execute(
      {snap.id, Command{FireTimer{first->key}, std::nullopt}, system_actor(), first->due});
  BOOST_REQUIRE(direct.ok());
  BOOST_REQUIRE(direct.value().rejection.has_value());
  BOOST_TEST(direct.value().rejection->code == RejectionCode::kNotFound);
  BOOST_TEST(store->load_case(snap.id).value()->version == version);
  BOOST_TEST(timer_rows(options_for(dir).path, snap.id) == rows_before - 1);
  BOOST_TEST(verify_database(options_for(dir).path).value().ok());
}

BOOST_AUTO_TEST_CASE(a_stale_row_the_case_does_not_hold_is_consumed_without_effect) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto snap = accept(*store, create_complaint(monday_morning())).snapshot;
  {
    SqliteDb db(options_for(dir).path, OpenOptions{});
    db.exec(
        "INSERT INTO timers (case_id, timer_key, name, kind, due_at, fire_at, set_at) "
        "VALUES ('" +
        snap.id + "', 'timer:ghost', 'ghost', 'timer', 0, 0, 0)");
  }
  auto fired = store->fire_due_timers(monday_morning());
  BOOST_REQUIRE(fired.ok());
  BOOST_TEST(fired.value() == 0u);
  BOOST_TEST(store->due_timers(monday_morning(), 10).value().empty());
  BOOST_TEST(store->load_case(snap.id).value()->version == snap.version);
  BOOST_TEST(verify_database(options_for(dir).path).value().ok());
}

BOOST_AUTO_TEST_CASE(a_row_due_earlier_than_its_case_says_is_corrected_not_fired) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto snap = accept(*store, create_complaint(monday_morning())).snapshot;
  const auto& timer = snap.timers.front();
  {
    SqliteDb db(options_for(dir).path, OpenOptions{});
    Statement s(db,
                "UPDATE timers SET due_at = ?, fire_at = ? WHERE case_id = ? AND timer_key = ?");
    s.bind(1, to_millis(monday_morning())).bind(2, to_millis(monday_morning()));
    s.bind(3, snap.id).bind(4, timer.key);
    s.run();
  }
  BOOST_TEST(store->fire_due_timers(monday_morning()).value() == 0u);
  const auto pending = store->due_timers(timer.due, 100).value();
  bool corrected = false;
  for (const auto& t : pending) corrected |= t.key == timer.key && t.due == timer.due;
  BOOST_TEST(corrected);
  BOOST_TEST(verify_database(options_for(dir).path).value().ok());
}

BOOST_AUTO_TEST_CASE(a_timer_that_cannot_fire_now_is_retried_with_backoff_and_blocks_nobody) {
  TempDir dir;
  std::string stuck;
  std::string other;
  {
    auto store = open_store(options_for(dir));
    stuck = accept(*store, create_complaint(monday_morning(), "a")).snapshot.id;
    CreateCase review;
    review.workflow_id = "review_recovery";
    review.customer = {"b", "regular", ""};
    review.team = "after_sales";
    review.fields = {{"review_text", "物流太慢 (delivery far too slow)"}, {"rating", 1}};
    auto created = store->execute({"", Command{review, std::nullopt}, agent(), monday_morning()});
    BOOST_REQUIRE(created.ok());
    BOOST_REQUIRE_MESSAGE(created.value().accepted(),
                          (created.value().rejection ? created.value().rejection->message : ""));
    other = created.value().snapshot.id;
  }
  const auto later = monday_morning() + std::chrono::hours(72);
  const auto stuck_rows = timer_rows(options_for(dir).path, stuck);
  BOOST_REQUIRE(stuck_rows > 0);
  {
    // A deploy dropped the complaint workflow: its cases' timers cannot fire now.
    auto store = CaseStore::open(options_for(dir), engine_without_workflow("complaint"));
    BOOST_REQUIRE(store.ok());
    auto& s = *store.value();
    for (int round = 0; round < 10 && !s.due_timers(later, 1000).value().empty(); ++round) {
      BOOST_REQUIRE(s.fire_due_timers(later).ok());
    }
    // The other workflow's timers all fired; the stuck ones were kept and backed off.
    BOOST_TEST(s.due_timers(later, 1000).value().empty());
    BOOST_TEST(timer_rows(options_for(dir).path, other) == 0);
    BOOST_TEST(timer_rows(options_for(dir).path, stuck) == stuck_rows);
    const auto retry = s.due_timers(later + std::chrono::minutes(2), 1000).value();
    BOOST_REQUIRE(!retry.empty());
    for (const auto& t : retry) {
      BOOST_TEST(t.case_id == stuck);
      BOOST_TEST(t.attempts == 1);
      BOOST_TEST(t.last_error.find("UNKNOWN_WORKFLOW") != std::string::npos);
    }
  }
  // With the workflow back, the kept timers fire.
  auto store = open_store(options_for(dir));
  const auto retry_time = later + std::chrono::minutes(2);
  BOOST_TEST(store->fire_due_timers(retry_time).value() > 0u);
  BOOST_TEST(verify_database(options_for(dir).path).value().ok());
}

BOOST_AUTO_TEST_SUITE_END()
