// Storage of reopens on real SQLite files: the reopen_count column (schema v15) written from the
// snapshot, the reopened listing filter, the reopen report read from the journal, migration 15
// on a database from before it, and the duplicate rule pointing at a closed case's reopen while
// its window is open.
#include <boost/test/unit_test.hpp>

#include "storage/reopen_report.h"
#include "storage/schema.h"
#include "storage/sqlite.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

storage::CaseCommand fire(const std::string& case_id, const std::string& transition,
                          nlohmann::json data, Instant now) {
  return {case_id, Command{FireTransition{transition, std::move(data)}, std::nullopt}, agent(),
          now};
}

// A complaint about TB-1 taken to closed at `t`; returns its id.
std::string closed_complaint(storage::CaseStore& store, Instant t) {
  const auto id = accept(store, create_complaint(t)).snapshot.id;
  accept(store, confirm(id, t));
  accept(store, fire(id, "complete_analysis", {{"cause", "seam"}, {"fault_party", "supplier"}}, t));
  accept(store, fire(id, "agree_remedy",
                     {{"remedy_summary", "CNY 30 refund"}, {"customer_accepted", true}}, t));
  accept(store, fire(id, "confirm_resolved", {{"resolution_note", "refund issued"}}, t));
  const auto closed = accept(
      store, {id, Command{RecordFollowUp{"chat", "reached", 5, ""}, std::nullopt}, agent(), t});
  BOOST_REQUIRE(closed.snapshot.closed_at.has_value());
  return id;
}

const nlohmann::json kReason{{"reopen_reason", "the refund never arrived"}};

}  // namespace

BOOST_AUTO_TEST_SUITE(reopen_storage)

BOOST_AUTO_TEST_CASE(a_reopen_is_counted_in_the_row_the_filter_and_the_report) {
  TempDir dir;
  const auto options = options_for(dir);
  auto store = open_store(options);
  const auto t0 = monday_at("09:00:00");
  const auto id = closed_complaint(*store, t0);
  const auto reopened_at = t0 + std::chrono::hours(24 * 2);
  const auto reopened = accept(*store, fire(id, "reopen", kReason, reopened_at));
  BOOST_TEST(reopened.snapshot.reopen_count == 1);

  storage::CaseQuery query;
  query.reopened_only = true;
  const auto open = require_ok(store->list_cases(query));
  BOOST_REQUIRE(open.size() == 1U);
  BOOST_TEST(open[0].id == id);
  BOOST_TEST(open[0].reopen_count == 1);
  query.reopened_only = false;
  query.open_only = false;
  accept(*store, create_complaint(t0, "cust-2"));  // never reopened
  BOOST_TEST(require_ok(store->list_cases(query)).size() == 2U);

  const auto report =
      require_ok(storage::read_reopen_report(*store, t0, reopened_at + std::chrono::hours(1), {}));
  BOOST_TEST(report.total.reopens == 1);
  BOOST_TEST(report.total.cases == 1);
  BOOST_REQUIRE(report.teams.size() == 1U);
  BOOST_TEST(report.teams[0].team_id == "after_sales");
  BOOST_REQUIRE(report.teams[0].agents.size() == 1U);
  BOOST_TEST(report.teams[0].agents[0].user_id == "agent.li");
  // [from, to): the reopen's own instant is the end of a period that does not count it.
  BOOST_TEST(require_ok(storage::read_reopen_report(*store, t0, reopened_at, {})).total.reopens ==
             0);
  // An agent of another team sees none of it.
  const storage::ReadScope billing{false, "billing", "agent.qian"};
  BOOST_TEST(require_ok(storage::read_reopen_report(*store, t0, reopened_at + std::chrono::hours(1),
                                                    billing))
                 .total.reopens == 0);
  store.reset();
  const auto verified = require_ok(storage::verify_database(options.path));
  BOOST_TEST(verified.ok(), describe(verified));
}

// A database from version 12 (13 and 14 are other features'): no reopen_count column.
// Migration 15 adds it, 0 for every case, which is exact: nothing was reopened before it.
BOOST_AUTO_TEST_CASE(migration_fifteen_counts_no_reopens_before_it) {
  TempDir dir;
  const auto options = options_for(dir);
  {
    auto store = open_store(options);
    closed_complaint(*store, monday_at("09:00:00"));
  }
  {
    SqliteDb db(options.path, OpenOptions{});
    db.exec(kUndoMigrationFifteenSql);
    BOOST_TEST(db.query_int("SELECT count(*) FROM pragma_table_info('cases') WHERE name = "
                            "'reopen_count'") == 0);
    // Snapshots from before have no reopen_count member.
    db.exec("UPDATE cases SET snapshot = json_remove(snapshot, '$.reopen_count')");
  }
  {
    auto store = open_store(options);
    storage::CaseQuery query;
    query.open_only = false;
    const auto cases = require_ok(store->list_cases(query));
    BOOST_REQUIRE(cases.size() == 1U);
    BOOST_TEST(cases[0].reopen_count == 0);
  }
  SqliteDb db(options.path, OpenOptions{});
  BOOST_TEST(storage::schema_version(db) == storage::latest_schema_version());
  const auto verified = require_ok(storage::verify_database(options.path));
  BOOST_TEST(verified.ok(), describe(verified));
}

BOOST_AUTO_TEST_CASE(a_new_complaint_about_the_order_points_at_the_reopen_inside_the_window) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto t0 = monday_at("09:00:00");
  const auto id = closed_complaint(*store, t0);
  const auto closed_at = t0;

  auto again = create_complaint(closed_at + std::chrono::hours(24 * 15));
  again.refuse_open_duplicate = true;
  const auto refused = require_ok(store->execute(again));
  BOOST_REQUIRE(refused.rejection.has_value());
  BOOST_TEST(error_code_name(refused.rejection->code) == std::string("ALREADY_EXISTS"));
  BOOST_REQUIRE(refused.rejection->problems.size() == 1U);
  const auto& params = refused.rejection->problems[0].params;
  BOOST_TEST(params.at("reason") == "reopen_case");
  BOOST_TEST(params.at("case_id") == id);
  BOOST_TEST(params.at("transition") == "reopen");

  // One minute after the window: no pointer, the new case opens.
  auto later = create_complaint(closed_at + std::chrono::hours(24 * 15) + std::chrono::minutes(1));
  later.refuse_open_duplicate = true;
  const auto opened = require_ok(store->execute(later));
  BOOST_TEST(!opened.rejection.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
