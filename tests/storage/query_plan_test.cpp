// The queries agents run all day are served by their indexes: EXPLAIN QUERY PLAN names the
// intended index, and the hot queue listings need no sort step. A change to the SQL or the
// schema that silently turns one into a table scan fails here, not in production.
#include "storage/case_parcels.h"
#include "storage/case_rows.h"
#include "storage/follow_up_coverage.h"
#include "storage/promise_register.h"
#include "storage/schema.h"
#include "storage/sqlite.h"
#include "storage/team_workload.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

std::string plan_of(SqliteDb& db, const std::string& sql) {
  Statement s(db, "EXPLAIN QUERY PLAN " + sql);
  std::string plan;
  while (s.step()) plan += s.column_text(3) + "\n";
  return plan;
}

void check_plan(SqliteDb& db, const std::string& sql, const std::string& index, bool sorted) {
  const auto plan = plan_of(db, sql);
  BOOST_TEST(plan.find("INDEX " + index) != std::string::npos, "expected index "
                                                                   << index << " in:\n"
                                                                   << plan << "for: " << sql);
  if (sorted) {
    BOOST_TEST(plan.find("TEMP B-TREE") == std::string::npos, "a sort step in:\n"
                                                                  << plan << "for: " << sql);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(query_plan)

BOOST_AUTO_TEST_CASE(listings_use_their_indexes) {
  TempDir dir;
  SqliteDb db(dir.file("plan.db"), OpenOptions{});
  BOOST_REQUIRE(migrate(db).ok());

  CaseQuery team;
  team.team = "after_sales";
  check_plan(db, rows::list_cases_query(team).sql, "cases_open_by_team", true);
  team.after = CaseCursor{123, "C-9"};  // the next page, too
  check_plan(db, rows::list_cases_query(team).sql, "cases_open_by_team", true);

  CaseQuery unassigned;
  unassigned.team = "after_sales";
  unassigned.unassigned_only = true;
  check_plan(db, rows::list_cases_query(unassigned).sql, "cases_queue_unassigned", true);

  CaseQuery mine;
  mine.assignee = "agent.li";
  check_plan(db, rows::list_cases_query(mine).sql, "cases_open_by_assignee", true);

  // The worklist by next due: every open case, and one person's, in index order.
  CaseQuery next_due;
  next_due.sort = CaseSort::kNextDue;
  check_plan(db, rows::list_cases_query(next_due).sql, "cases_by_next_due", true);
  next_due.after = CaseCursor{123, "C-9", 456};
  check_plan(db, rows::list_cases_query(next_due).sql, "cases_by_next_due", true);
  CaseQuery my_next_due;
  my_next_due.sort = CaseSort::kNextDue;
  my_next_due.assignee = "agent.li";
  check_plan(db, rows::list_cases_query(my_next_due).sql, "cases_open_by_assignee_next_due", true);
  // The follow-up worklist: one person's follow-ups due by a time.
  CaseQuery follow_ups;
  follow_ups.assignee = "agent.li";
  follow_ups.follow_up_due_by = Instant{};
  check_plan(db, rows::list_cases_query(follow_ups).sql, "cases_follow_up_due", false);
  // The coverage report walks the period on its index.
  check_plan(db, kFollowUpCoverageSql, "cases_follow_up_started", false);

  CaseQuery escalated;
  escalated.escalated_only = true;
  check_plan(db, rows::list_cases_query(escalated).sql, "cases_open_escalated", false);

  CaseQuery customer;
  customer.customer_id = "cust-1";
  customer.open_only = false;
  check_plan(db, rows::list_cases_query(customer).sql, "cases_by_customer", false);

  CaseQuery by_state;
  by_state.state = "negotiating";
  by_state.category = "quality";
  by_state.open_only = false;
  check_plan(db, rows::list_cases_query(by_state).sql, "cases_by_state", false);

  check_plan(db, rows::kPendingApprovalsSql, "approvals_pending", true);
  check_plan(db, rows::kDueTimersSql, "timers_by_fire_at", true);

  // The promise listing: each filter walks its index in due order, with no sort step.
  PromiseQuery open_promises;
  open_promises.status = "open";
  check_plan(db, promise_listing_sql(open_promises), "promises_by_status", true);
  PromiseQuery team_promises;
  team_promises.team = "after_sales";
  team_promises.after = PromiseCursor{};  // the next page, too
  check_plan(db, promise_listing_sql(team_promises), "promises_by_team", true);
  PromiseQuery held_promises;
  held_promises.assignee = "agent.li";
  check_plan(db, promise_listing_sql(held_promises), "promises_by_assignee", true);
  PromiseQuery made_promises;
  made_promises.made_by = "agent.li";
  check_plan(db, promise_listing_sql(made_promises), "promises_by_maker", true);
  PromiseQuery period;
  period.due_from = Instant{};
  period.due_before = Instant{} + std::chrono::hours(24);
  check_plan(db, promise_listing_sql(period), "promises_by_due", true);

  // The team workload reads its covering index alone, grouped in index order: no case row is
  // read, however many open cases the team has.
  check_plan(db, kTeamWorkloadSql, "cases_open_workload", true);
  BOOST_TEST(plan_of(db, kTeamWorkloadSql).find("USING COVERING INDEX cases_open_workload") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_carrier_event_finds_its_cases_by_the_parcel_index) {
  TempDir dir;
  SqliteDb db(dir.file("plan.db"), OpenOptions{});
  BOOST_REQUIRE(migrate(db).ok());
  // By tracking number on case_parcels' key, then each case by its id: no case is scanned (the
  // scan of every open case's snapshot is what the index replaced).
  for (const char* sql : {kOpenCasesOfParcelSql, kOpenCasesOfParcelFieldSql}) {
    const auto plan = plan_of(db, sql);
    BOOST_TEST(plan.find("SEARCH p USING PRIMARY KEY (tracking_number=?") != std::string::npos,
               plan);
    BOOST_TEST(plan.find("SEARCH c USING INDEX") != std::string::npos, plan);
    BOOST_TEST(plan.find("SCAN") == std::string::npos, plan);
  }
  BOOST_TEST(
      plan_of(db, kOpenCasesOfParcelFieldSql).find("PRIMARY KEY (tracking_number=? AND field=?)") !=
      std::string::npos);
}

// An event naming only a parcel finds the order that shipped it by the tracking number on the
// order's record, then the order's cases: neither orders nor cases are scanned (before version
// 17 every case was read to look at its order).
BOOST_AUTO_TEST_CASE(a_carrier_event_finds_its_order_by_the_tracking_number_index) {
  TempDir dir;
  SqliteDb db(dir.file("plan.db"), OpenOptions{});
  BOOST_REQUIRE(migrate(db).ok());
  const auto plan = plan_of(db, kCasesOfOrderParcelSql);
  BOOST_TEST(plan.find("SEARCH o USING INDEX orders_by_tracking_number") != std::string::npos,
             plan);
  BOOST_TEST(plan.find("SEARCH c USING INDEX cases_by_order (order_id=?)") != std::string::npos,
             plan);
  BOOST_TEST(plan.find("SCAN") == std::string::npos, plan);
}

BOOST_AUTO_TEST_SUITE_END()
