// Follow-up storage on real SQLite files: the next_due column and its listing order (the
// earliest of the SLA dues, open promises and the follow-up due; sla_due unchanged), the
// follow-up worklist filter, the coverage aggregate over a known history, and migration 14's
// backfill of a version 12 database whose snapshots predate follow_up_started_at.
#include <string>
#include <vector>

#include "storage/follow_up_coverage.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

CaseCommand fire(const std::string& id, Instant now, const std::string& transition,
                 nlohmann::json data, const Actor& actor = agent()) {
  return {id, Command{FireTransition{transition, std::move(data)}, std::nullopt}, actor, now};
}

CaseCommand follow_up(const std::string& id, Instant now, const char* channel, const char* outcome,
                      std::optional<std::int64_t> csat = std::nullopt,
                      const std::string& comment = {}, const Actor& actor = agent()) {
  return {id, Command{RecordFollowUp{channel, outcome, csat, comment}, std::nullopt}, actor, now};
}

// A complaint held by `assignee`, taken to following_up at `resolved_at`.
std::string to_following_up(CaseStore& store, const std::string& assignee, Instant resolved_at) {
  auto create = create_complaint(monday_morning());
  std::get<CreateCase>(create.command.body).assignee = assignee;
  const auto id = accept(store, std::move(create)).snapshot.id;
  accept(store, confirm(id, monday_morning()));
  accept(store, fire(id, monday_morning(), "complete_analysis",
                     {{"cause", "seam not locked"}, {"fault_party", "supplier"}}));
  accept(store, fire(id, monday_morning(), "agree_remedy",
                     {{"remedy_summary", "CNY 30 refund"}, {"customer_accepted", true}}));
  accept(store, fire(id, resolved_at, "confirm_resolved", {{"resolution_note", "refunded"}}));
  return id;
}

std::vector<std::string> ids_of(const std::vector<CaseSummary>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.id);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(follow_up_storage)

// A case in follow-up has no running SLA clock (sla_due: none) but its follow-up due leads the
// worklist; a promise due before a case's SLA deadline moves that case up too.
BOOST_AUTO_TEST_CASE(next_due_orders_the_worklist_and_sla_due_keeps_its_meaning) {
  TempDir dir;
  const auto options = options_for(dir);
  auto store = open_store(options);
  const auto following = to_following_up(*store, "agent.li", monday_at("10:00:00"));
  const auto fresh = accept(*store, create_complaint(monday_at("10:00:00"))).snapshot.id;
  const auto promised = accept(*store, create_complaint(monday_at("10:00:00"))).snapshot.id;
  accept(*store, {promised,
                  Command{RecordPromise{monday_at("10:30:00"), "call back at 10:30"}, std::nullopt},
                  agent(), monday_at("10:00:00")});

  CaseQuery by_sla;
  const auto sla_rows = require_ok(store->list_cases(by_sla));
  // By SLA: the two fresh cases (first response due 14:00... equal), the follow-up one last.
  BOOST_REQUIRE(sla_rows.size() == 3U);
  BOOST_TEST(sla_rows.back().id == following);
  BOOST_TEST(!sla_rows.back().sla_due.has_value());

  CaseQuery by_next;
  by_next.sort = CaseSort::kNextDue;
  const auto rows = require_ok(store->list_cases(by_next));
  BOOST_TEST((ids_of(rows) == std::vector<std::string>{promised, fresh, following}));
  BOOST_REQUIRE(rows[0].next_due.has_value());
  BOOST_TEST(*rows[0].next_due == monday_at("10:30:00"));
  BOOST_REQUIRE(rows[2].next_due.has_value());
  // Monday 10:00 + 2 days: Wednesday 10:00, inside a call window.
  BOOST_TEST(*rows[2].next_due == *parse_rfc3339("2026-11-25T10:00:00+08:00"));
  BOOST_TEST(*rows[2].follow_up_due == *rows[2].next_due);
  BOOST_TEST(!rows[0].follow_up_due.has_value());

  // Paging by next due continues after the last row's key.
  CaseQuery second_page = by_next;
  second_page.after = rows[0].cursor;
  BOOST_TEST((ids_of(require_ok(store->list_cases(second_page))) ==
              std::vector<std::string>{fresh, following}));

  // The follow-up worklist: due by Wednesday 10:00, not before.
  CaseQuery worklist;
  worklist.assignee = "agent.li";
  worklist.follow_up_due_by = *parse_rfc3339("2026-11-25T09:59:00+08:00");
  BOOST_TEST(require_ok(store->list_cases(worklist)).empty());
  worklist.follow_up_due_by = *parse_rfc3339("2026-11-25T10:00:00+08:00");
  BOOST_TEST(
      (ids_of(require_ok(store->list_cases(worklist))) == std::vector<std::string>{following}));

  const auto report = require_ok(verify_database(options.path));
  BOOST_TEST(report.ok(), describe(report));
}

// A known history: li's three follow-ups (CSAT 5 by chat, CSAT 2 and back to negotiation, three
// unreached calls), zhao's two (CSAT 4, one still open), one of lead's outside the period.
BOOST_AUTO_TEST_CASE(coverage_of_a_known_history) {
  TempDir dir;
  const auto options = options_for(dir);
  auto store = open_store(options);
  const auto wednesday = [](const char* t) {
    return *parse_rfc3339(std::string("2026-11-25T") + t + "+08:00");
  };
  const auto satisfied = to_following_up(*store, "agent.li", monday_at("10:00:00"));
  accept(*store, follow_up(satisfied, wednesday("10:05:00"), "chat", "reached", 5));
  const auto unhappy = to_following_up(*store, "agent.li", monday_at("10:10:00"));
  accept(*store, follow_up(unhappy, wednesday("10:15:00"), "phone", "reached", 2, "still torn"));
  const auto unreached = to_following_up(*store, "agent.li", monday_at("10:20:00"));
  for (const char* t : {"10:25:00", "14:30:00", "16:40:00"}) {
    accept(*store, follow_up(unreached, wednesday(t), "phone", "not_reached"));
  }
  const auto zhao_done = to_following_up(*store, "agent.zhao", monday_at("10:30:00"));
  accept(*store, follow_up(zhao_done, wednesday("10:35:00"), "phone", "reached", 4, {},
                           agent("agent.zhao")));
  to_following_up(*store, "agent.zhao", monday_at("10:40:00"));
  // Reached follow-up the next week: outside the period.
  to_following_up(*store, "lead.wang", *parse_rfc3339("2026-12-01T10:00:00+08:00"));

  FollowUpCoverageQuery query;
  query.from = monday_morning();
  query.to = *parse_rfc3339("2026-11-30T00:00:00+08:00");
  const auto coverage = require_ok(read_follow_up_coverage(*store, query));
  BOOST_TEST(!coverage.truncated);
  const std::vector<FollowUpCoverageRow> expected = {
      {"after_sales", "agent.li", 3, 2, 1, 2, 7},
      {"after_sales", "agent.zhao", 2, 1, 0, 1, 4},
  };
  BOOST_TEST((coverage.rows == expected));

  query.assignee = "agent.zhao";
  const auto zhao = require_ok(read_follow_up_coverage(*store, query));
  BOOST_TEST((zhao.rows == std::vector<FollowUpCoverageRow>{expected[1]}));
  query.assignee.clear();
  query.team = "warehouse";
  BOOST_TEST(require_ok(read_follow_up_coverage(*store, query)).rows.empty());

  const auto report = require_ok(verify_database(options.path));
  BOOST_TEST(report.ok(), describe(report));
}

// Version 12's database: no next_due or follow-up columns, and snapshots written before
// follow_up_started_at existed. Migration 14 fills the columns, the start from the journal.
BOOST_AUTO_TEST_CASE(migration_14_backfills_from_snapshots_and_journals) {
  TempDir dir;
  const auto options = options_for(dir);
  std::string following;
  {
    auto store = open_store(options);
    following = to_following_up(*store, "agent.li", monday_at("10:00:00"));
    accept(*store, create_complaint(monday_at("10:00:00")));
  }
  {
    SqliteDb db(options.path, OpenOptions{});
    db.exec(kUndoMigrationFourteenSql);
    db.exec(
        "UPDATE cases SET snapshot = json_remove(snapshot, '$.follow_up_started_at', "
        "'$.follow_up_attempts', '$.follow_up_unreached')");
    BOOST_TEST(db.query_int("SELECT count(*) FROM cases WHERE snapshot LIKE "
                            "'%follow_up_started_at%'") == 0);
  }
  {
    auto store = open_store(options);
    CaseQuery by_next;
    by_next.sort = CaseSort::kNextDue;
    const auto rows = require_ok(store->list_cases(by_next));
    BOOST_REQUIRE(rows.size() == 2U);
    BOOST_TEST(rows[1].id == following);
    BOOST_TEST(rows[1].follow_up_due.has_value());
    FollowUpCoverageQuery query;
    query.from = monday_morning();
    query.to = *parse_rfc3339("2026-11-30T00:00:00+08:00");
    const auto coverage = require_ok(read_follow_up_coverage(*store, query));
    BOOST_REQUIRE(coverage.rows.size() == 1U);
    BOOST_TEST(coverage.rows[0].reached_follow_up == 1);
  }
  const auto report = require_ok(verify_database(options.path));
  BOOST_TEST(report.ok(), describe(report));
}

BOOST_AUTO_TEST_SUITE_END()
