// The promise listing across cases (storage/promise_register.h): the `promises` rows the writer
// keeps in the transaction of each case command, read with the reader's scope and filters in due
// order and paged; and migration 12, which fills them (and the promises' times in snapshots) for
// cases stored before it. Real SQLite files; `verify` checks rows against snapshots.
#include <string>
#include <vector>

#include "storage/listing_limit.h"
#include "storage/promise_register.h"
#include "storage/schema.h"
#include "storage/sqlite.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

CaseCommand promise(const std::string& case_id, Instant now, Instant due, const std::string& text,
                    const Actor& by = agent()) {
  return {case_id, Command{RecordPromise{due, text}, std::nullopt}, by, now};
}

CaseCommand reply(const std::string& case_id, Instant now, const std::string& promise_id = "") {
  return {case_id, Command{RecordReply{"您好，已为您处理", promise_id}, std::nullopt}, agent(),
          now};
}

std::vector<std::string> ids(const std::vector<PromiseRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.case_id + "/" + r.promise_id);
  return out;
}

PromiseQuery everything(size_t limit = 100) {
  PromiseQuery q;
  q.limit = limit;
  return q;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(promise_register)

BOOST_AUTO_TEST_CASE(promises_are_listed_with_their_own_status_in_due_order) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  PromiseRegister promises(*store);
  const auto t0 = monday_at("09:00:00");
  const auto a = accept(*store, create_complaint(t0, "cust-1")).snapshot.id;
  const auto b = accept(*store, create_complaint(t0, "cust-2")).snapshot.id;
  accept(*store, promise(a, t0, monday_at("12:00:00"), "下午前回复退款进度"));
  accept(*store, promise(a, t0, monday_at("10:00:00"), "十点前回电"));
  accept(*store,
         promise(b, t0, monday_at("11:00:00"), "the courier calls by eleven", agent("agent.zhao")));
  const auto open = require_ok(promises.rows(everything()));
  BOOST_TEST(ids(open) == (std::vector<std::string>{a + "/prm-2", b + "/prm-1", a + "/prm-1"}),
             boost::test_tools::per_element());
  BOOST_TEST(open.front().status == "open");
  BOOST_TEST(open.front().text == "十点前回电");
  BOOST_TEST(open.front().made_by == "agent.li");
  BOOST_TEST(open.front().made_at == t0);
  BOOST_TEST(open.front().team == "after_sales");
  BOOST_TEST(open.front().assignee == "agent.li");
  BOOST_TEST(open.front().case_state == "confirming");
  BOOST_TEST(!open.front().kept_at.has_value());

  // One reply keeps the earliest due on its case only; a reply naming the later one keeps it.
  accept(*store, reply(a, monday_at("09:30:00")));
  accept(*store, reply(b, monday_at("09:40:00"), "prm-1"));
  auto kept = everything();
  kept.status = "kept";
  const auto kept_rows = require_ok(promises.rows(kept));
  BOOST_TEST(ids(kept_rows) == (std::vector<std::string>{a + "/prm-2", b + "/prm-1"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(kept_rows.front().kept_at.has_value());
  BOOST_TEST(*kept_rows.front().kept_at == monday_at("09:30:00"));
  auto open_only = everything();
  open_only.status = "open";
  BOOST_TEST(ids(require_ok(promises.rows(open_only))) == std::vector<std::string>{a + "/prm-1"},
             boost::test_tools::per_element());

  // The open one breaches on its own when its timer fires.
  BOOST_REQUIRE(require_ok(store->fire_due_timers(monday_at("12:01:00"))) > 0U);
  auto breached = everything();
  breached.status = "breached";
  const auto breached_rows = require_ok(promises.rows(breached));
  BOOST_REQUIRE(breached_rows.size() == 1U);
  BOOST_TEST(breached_rows.front().promise_id == "prm-1");
  BOOST_REQUIRE(breached_rows.front().breached_at.has_value());
  // Recorded when the timer fired (never early, possibly late).
  BOOST_TEST(*breached_rows.front().breached_at == monday_at("12:01:00"));

  // Filters: who made it, and the period it is due in (from inclusive, before exclusive).
  auto by_zhao = everything();
  by_zhao.made_by = "agent.zhao";
  BOOST_TEST(ids(require_ok(promises.rows(by_zhao))) == std::vector<std::string>{b + "/prm-1"},
             boost::test_tools::per_element());
  auto window = everything();
  window.due_from = monday_at("10:00:00");
  window.due_before = monday_at("12:00:00");
  BOOST_TEST(ids(require_ok(promises.rows(window))) ==
                 (std::vector<std::string>{a + "/prm-2", b + "/prm-1"}),
             boost::test_tools::per_element());

  // Paging: a cursor continues after the last row of the page.
  const auto first_page = require_ok(promises.rows(everything(2)));
  BOOST_REQUIRE(first_page.size() == 2U);
  auto next = everything(2);
  next.after = first_page.back().cursor();
  BOOST_TEST(ids(require_ok(promises.rows(next))) == std::vector<std::string>{a + "/prm-1"},
             boost::test_tools::per_element());
  BOOST_TEST(promises.rows(everything(0)).error().code == ErrorCode::kInvalidArgument);
  BOOST_TEST(promises.rows(everything(kMaxListingRows + 1)).error().code ==
             ErrorCode::kInvalidArgument);

  store.reset();
  const auto report = require_ok(verify_database(options_for(dir).path));
  BOOST_TEST(report.ok(), describe(report));
}

// The rows carry the case's team and assignee: when the case moves, its promises follow, and the
// reader's scope is the case's.
BOOST_AUTO_TEST_CASE(promise_rows_follow_their_case_and_its_read_scope) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  PromiseRegister promises(*store);
  const auto t0 = monday_at("09:00:00");
  const auto a = accept(*store, create_complaint(t0, "cust-1")).snapshot.id;
  accept(*store, promise(a, t0, monday_at("15:00:00"), "三点前答复"));
  accept(*store, promise(a, t0, monday_at("16:00:00"), "四点前答复"));

  auto other_team_agent = everything();
  other_team_agent.scope = ReadScope{false, "returns", "agent.sun"};
  BOOST_TEST(require_ok(promises.rows(other_team_agent)).empty());
  auto own_team = everything();
  own_team.scope = ReadScope{false, "after_sales", "agent.zhao"};
  BOOST_TEST(require_ok(promises.rows(own_team)).size() == 2U);

  // Reassigned to the returns team's agent.sun: both rows follow.
  accept(*store,
         {a, Command{AssignCase{"agent.sun", "returns", "the parcel is a return"}, std::nullopt},
          team_lead(), monday_at("10:00:00")});
  BOOST_TEST(require_ok(promises.rows(other_team_agent)).size() == 2U);
  BOOST_TEST(require_ok(promises.rows(own_team)).empty());
  auto by_team = everything();
  by_team.team = "returns";
  const auto rows = require_ok(promises.rows(by_team));
  BOOST_REQUIRE(rows.size() == 2U);
  for (const auto& row : rows) {
    BOOST_TEST(row.team == "returns");
    BOOST_TEST(row.assignee == "agent.sun");
  }
  auto by_assignee = everything();
  by_assignee.assignee = "agent.li";
  BOOST_TEST(require_ok(promises.rows(by_assignee)).empty());

  store.reset();
  const auto report = require_ok(verify_database(options_for(dir).path));
  BOOST_TEST(report.ok(), describe(report));
}

// A database from version 11: snapshots whose promises have no times, and no promises table.
// Migration 12 replays each case with promises for the times and writes its rows; the result is
// what the writer would have written, so verify finds nothing.
BOOST_AUTO_TEST_CASE(migration_twelve_backfills_promises_stored_before_it) {
  TempDir dir;
  const auto options = options_for(dir);
  std::string a;
  {
    auto store = open_store(options);
    const auto t0 = monday_at("09:00:00");
    a = accept(*store, create_complaint(t0, "cust-1")).snapshot.id;
    accept(*store, create_complaint(t0, "cust-2"));  // no promises
    accept(*store, promise(a, t0, monday_at("10:00:00"), "十点前回电"));
    accept(*store, promise(a, t0, monday_at("11:00:00"), "十一点前回复"));
    accept(*store, reply(a, monday_at("09:20:00")));
    BOOST_REQUIRE(require_ok(store->fire_due_timers(monday_at("11:05:00"))) > 0U);
  }
  {
    SqliteDb db(options.path, OpenOptions{});
    db.exec(kUndoMigrationTwelveSql);
    // Version 11's snapshots: promises as {id, due, text, made_by, status}.
    db.exec(
        "UPDATE cases SET snapshot = json_set(snapshot, '$.promises', (SELECT json_group_array("
        "json_remove(value, '$.made_at', '$.kept_at', '$.breached_at')) FROM "
        "json_each(snapshot, '$.promises')))");
    BOOST_TEST(db.query_int("SELECT count(*) FROM cases WHERE snapshot LIKE '%made_at%'") == 0);
  }
  {
    auto store = open_store(options);
    PromiseRegister promises(*store);
    const auto rows = require_ok(promises.rows(everything()));
    BOOST_REQUIRE(rows.size() == 2U);
    BOOST_TEST(rows[0].status == "kept");
    BOOST_REQUIRE(rows[0].kept_at.has_value());
    BOOST_TEST(*rows[0].kept_at == monday_at("09:20:00"));
    BOOST_TEST(rows[0].made_at == monday_at("09:00:00"));
    BOOST_TEST(rows[1].status == "breached");
    BOOST_REQUIRE(rows[1].breached_at.has_value());
    BOOST_TEST(*rows[1].breached_at == monday_at("11:05:00"));
    BOOST_TEST(rows[1].team == "after_sales");
  }
  const auto report = require_ok(verify_database(options.path));
  BOOST_TEST(report.ok(), describe(report));
}

// verify finds a promise row that disagrees with its snapshot.
BOOST_AUTO_TEST_CASE(verify_finds_a_promise_row_that_disagrees_with_the_snapshot) {
  TempDir dir;
  const auto options = options_for(dir);
  {
    auto store = open_store(options);
    const auto t0 = monday_at("09:00:00");
    const auto a = accept(*store, create_complaint(t0)).snapshot.id;
    accept(*store, promise(a, t0, monday_at("10:00:00"), "十点前回电"));
  }
  {
    SqliteDb db(options.path, OpenOptions{});
    db.exec("UPDATE promises SET status = 'kept'");
  }
  const auto report = require_ok(verify_database(options.path));
  BOOST_REQUIRE(report.problems.size() == 1U);
  BOOST_TEST(report.problems.front().code == "PROJECTION_MISMATCH");
  BOOST_TEST(report.problems.front().message.find("promises") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
