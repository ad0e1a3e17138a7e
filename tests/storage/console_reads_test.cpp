// What the console's queue and remedy panel read from storage: the listing's summary text and
// SLA facts kept in columns by the writer (schema v4) and backfilled for cases stored before
// them, and the customer history a remedy advice is judged with.
#include <string>
#include <vector>

#include "engine/utf8.h"
#include "storage/case_rows.h"
#include "storage/schema.h"
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

// The one listed case with this id (every case is open and in after_sales here).
CaseSummary listed(const CaseStore& store, const std::string& id) {
  CaseQuery query;
  query.team = "after_sales";
  query.limit = 100;
  for (auto& row : require_ok(store.list_cases(query))) {
    if (row.id == id) return row;
  }
  BOOST_FAIL("case " + id + " is not listed");
  return {};
}

std::string repeated(const std::string& piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(console_reads)

BOOST_AUTO_TEST_CASE(a_listed_case_carries_its_summary_cut_to_two_hundred_code_points) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto opened = monday_at("09:00:00");

  auto long_one = create_complaint(opened);
  auto& create = std::get<CreateCase>(long_one.command.body);
  create.fields["summary"] = repeated("袖口开线", 75);  // 300 code points, 900 bytes
  const auto long_id = accept(*store, long_one).snapshot.id;
  const auto short_id = accept(*store, create_complaint(opened)).snapshot.id;
  CreateCase stock;
  stock.workflow_id = "out_of_stock";
  stock.customer = {"cust-2", "regular", ""};
  stock.order = {"TB-2", Money{9900, "CNY"}, Money{0, "CNY"}};
  stock.team = "after_sales";
  stock.fields = {{"item", "down jacket, size L"}};
  const auto stock_id =
      accept(*store, {"", Command{stock, std::nullopt}, agent(), opened}).snapshot.id;

  const auto cut = listed(*store, long_id).summary;
  BOOST_TEST((utf8_length(cut) == std::optional<std::int64_t>(200)));
  BOOST_TEST(cut == repeated("袖口开线", 49) + "袖口开\u2026");
  BOOST_TEST(listed(*store, short_id).summary == "袖口开线 (cuff seam split)");
  BOOST_TEST(listed(*store, stock_id).summary == "");  // a workflow without a summary field
}

BOOST_AUTO_TEST_CASE(warn_and_breach_follow_the_running_clocks) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto id = accept(*store, create_complaint(monday_at("09:00:00"))).snapshot.id;

  // first_response (2h business, warning at 80%) gives sla_due: due 11:00, warn 10:36.
  auto row = listed(*store, id);
  BOOST_TEST((row.sla_due == std::optional<Instant>(monday_at("11:00:00"))));
  BOOST_TEST((row.sla_warn_at == std::optional<Instant>(monday_at("10:36:00"))));
  BOOST_TEST(!row.sla_warned);
  BOOST_TEST(!row.sla_breached);

  BOOST_TEST(require_ok(store->fire_due_timers(monday_at("10:40:00"))) > 0U);
  row = listed(*store, id);
  BOOST_TEST(row.sla_warned);
  BOOST_TEST(!row.sla_breached);

  BOOST_TEST(require_ok(store->fire_due_timers(monday_at("11:05:00"))) > 0U);
  row = listed(*store, id);
  BOOST_TEST(row.sla_warned);
  BOOST_TEST(row.sla_breached);

  // A reply meets first_response: the stage clock (due 14:30 after the lunch break, warn 13:42)
  // now gives sla_due, and nothing that is still running has warned.
  accept(*store, {id, Command{RecordReply{"sorry, checking now"}, std::nullopt}, agent(),
                  monday_at("11:10:00")});
  row = listed(*store, id);
  const auto snapshot = require_ok(store->load_case(id));
  BOOST_REQUIRE(snapshot.has_value());
  const auto* stage = snapshot->sla("stage");
  BOOST_REQUIRE(stage != nullptr);
  BOOST_TEST((row.sla_due == std::optional<Instant>(stage->due)));
  BOOST_TEST((row.sla_warn_at == std::optional<Instant>(stage->warn_at)));
  BOOST_TEST(!row.sla_warned);
  BOOST_TEST(!row.sla_breached);

  store.reset();
  const auto report = require_ok(verify_database(dir.file("redress.db")));
  BOOST_TEST(report.ok(), describe(report));
}

BOOST_AUTO_TEST_CASE(migration_four_backfills_cases_stored_before_it) {
  TempDir dir;
  const auto options = options_for(dir);
  std::vector<CaseSummary> before;
  {
    auto store = open_store(options);
    auto long_one = create_complaint(monday_at("09:00:00"));
    std::get<CreateCase>(long_one.command.body).fields["summary"] = repeated("开线", 150);
    accept(*store, long_one);
    accept(*store, create_complaint(monday_at("10:00:00")));
    accept(*store, create_complaint(monday_at("11:30:00")));
    // 11:45: the first case breached, the second warned, the third neither.
    BOOST_REQUIRE(require_ok(store->fire_due_timers(monday_at("11:45:00"))) > 0U);
    CaseQuery all;
    all.open_only = false;
    before = require_ok(store->list_cases(all));
  }
  BOOST_REQUIRE(before.size() == 3U);
  BOOST_TEST(before[0].sla_breached);
  BOOST_TEST((before[1].sla_warned && !before[1].sla_breached));
  BOOST_TEST((!before[2].sla_warned && !before[2].sla_breached));
  {
    // The database as version 3 left it: without migration 4's columns and index (nor
    // migration 5's sessions table, nor migration 6's search index).
    SqliteDb db(options.path, OpenOptions{});
    db.exec(kUndoMigrationSixSql);
    db.exec(
        "DROP TABLE sessions;"
        "DROP INDEX cases_open_workload;"
        "ALTER TABLE cases DROP COLUMN summary;"
        "ALTER TABLE cases DROP COLUMN sla_warn_at;"
        "ALTER TABLE cases DROP COLUMN sla_warned;"
        "ALTER TABLE cases DROP COLUMN sla_breached;"
        "PRAGMA user_version = 3;");
  }
  {
    auto store = open_store(options);
    CaseQuery all;
    all.open_only = false;
    const auto after = require_ok(store->list_cases(all));
    BOOST_REQUIRE(after.size() == before.size());
    for (size_t i = 0; i < after.size(); ++i) {
      BOOST_TEST(after[i].summary == before[i].summary);
      BOOST_TEST((after[i].sla_warn_at == before[i].sla_warn_at));
      BOOST_TEST(after[i].sla_warned == before[i].sla_warned);
      BOOST_TEST(after[i].sla_breached == before[i].sla_breached);
    }
  }
  const auto report = require_ok(verify_database(options.path));
  BOOST_TEST(report.ok(), describe(report));
}

BOOST_AUTO_TEST_CASE(a_case_is_read_with_the_history_a_proposal_would_be_judged_by) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto now = monday_at("09:00:00");
  // The same customer's other case was granted CNY 30.00 (within an agent's authority).
  const auto earlier = accept(*store, create_complaint(now, "cust-7")).snapshot.id;
  accept(*store,
         {earlier, Command{ProposeCompensation{"coupon", Money{3000, "CNY"}, ""}, std::nullopt},
          agent(), now});
  const auto id = accept(*store, create_complaint(now, "cust-7")).snapshot.id;
  accept(*store, create_complaint(now, "cust-8"));

  const auto read = require_ok(store->load_case_with_customer_history(id, now));
  BOOST_REQUIRE(read.has_value());
  BOOST_TEST(read->snapshot.id == id);
  BOOST_TEST(read->history.compensation_granted_30d.amount == 3000);
  BOOST_TEST(read->history.compensation_granted_30d.currency == "CNY");
  BOOST_TEST(read->history.other_cases_opened_at.size() == 1U);
  // Thirty days later the grant has left the window.
  const auto later =
      require_ok(store->load_case_with_customer_history(id, now + std::chrono::days(31)));
  BOOST_TEST(later->history.compensation_granted_30d.amount == 0);
  BOOST_TEST(!require_ok(store->load_case_with_customer_history("C-404", now)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
