// ServerQueries: the named queries behind the journal tail, the stream hub's routing facts, the
// gauges of /metrics and the readiness probe, on a real SQLite file.
#include "storage/server_queries.h"

#include <future>

#include <boost/test/unit_test.hpp>

#include "storage/schema.h"
#include "tests/storage/storage_test_support.h"

namespace redress::testing {

BOOST_AUTO_TEST_SUITE(server_queries)

BOOST_AUTO_TEST_CASE(journal_head_is_the_newest_sequence_number) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::ServerQueries queries(*store);
  BOOST_TEST(require_ok(queries.journal_head()) == 0);
  const auto created = accept(*store, create_complaint(monday_morning()));
  BOOST_REQUIRE(!created.events.empty());
  BOOST_TEST(require_ok(queries.journal_head()) == created.events.back().seq);
}

BOOST_AUTO_TEST_CASE(case_teams_and_approval_roles_answer_only_what_exists) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::ServerQueries queries(*store);
  const auto pending = propose_above_authority(*store, monday_morning());

  const auto teams = require_ok(queries.case_teams({pending.case_id, "C-NOPE"}));
  BOOST_TEST(teams.size() == 1u);
  BOOST_TEST(teams.at(pending.case_id) == "after_sales");
  BOOST_TEST(require_ok(queries.case_teams({})).empty());

  const auto roles = require_ok(queries.approval_roles(
      {{pending.case_id, pending.approval.approval_id}, {pending.case_id, "A-NOPE"}}));
  BOOST_TEST(roles.size() == 1u);
  BOOST_TEST(roles.at({pending.case_id, pending.approval.approval_id}) ==
             pending.approval.required_role);
  BOOST_TEST(require_ok(queries.approval_roles({})).empty());
}

BOOST_AUTO_TEST_CASE(gauge_counts_group_open_cases_and_pending_approvals) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::ServerQueries queries(*store);
  const auto now = monday_morning();
  BOOST_TEST(require_ok(queries.open_cases_by_state()).empty());
  BOOST_TEST(require_ok(queries.pending_approvals_by_role()).empty());

  const auto pending = propose_above_authority(*store, now);
  accept(*store, create_complaint(now, "cust-2"));
  accept(*store, create_complaint(now, "cust-3"));

  const auto by_state = require_ok(queries.open_cases_by_state());
  std::int64_t open = 0;
  for (const auto& c : by_state) open += c.count;
  BOOST_TEST(open == 3);
  BOOST_TEST(by_state.size() == 2u);  // the two new cases share their initial state

  const auto by_role = require_ok(queries.pending_approvals_by_role());
  BOOST_REQUIRE(by_role.size() == 1u);
  BOOST_TEST(by_role.front().group == pending.approval.required_role);
  BOOST_TEST(by_role.front().count == 1);
}

BOOST_AUTO_TEST_CASE(each_readiness_probe_is_a_durable_write_that_is_counted) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::ServerQueries queries(*store);
  BOOST_TEST(require_ok(queries.readiness_probes_written()) == 0);
  for (int i = 1; i <= 2; ++i) {
    std::promise<Result<int>> answered;
    queries.probe_writable([&answered](Result<int> r) { answered.set_value(std::move(r)); });
    BOOST_TEST(require_ok(answered.get_future().get()) == storage::latest_schema_version());
    BOOST_TEST(require_ok(queries.readiness_probes_written()) == i);
  }
}

BOOST_AUTO_TEST_CASE(stored_workflow_definitions_are_read_before_the_store_opens) {
  TempDir dir;
  const auto options = options_for(dir);
  // A fresh database is created and migrated, and holds none.
  BOOST_TEST(require_ok(storage::read_stored_workflow_definitions(options)).empty());
  {
    auto store = open_store(options);
    BOOST_REQUIRE(
        store->record_workflow_definitions(store->engine().catalog(), monday_morning()).ok());
  }
  const auto stored = require_ok(storage::read_stored_workflow_definitions(options));
  const auto loaded = shipped_engine()->catalog().workflows();
  BOOST_REQUIRE(stored.size() == loaded.size());
  for (size_t i = 1; i < stored.size(); ++i) {
    BOOST_TEST((std::pair(stored[i - 1].workflow_id, stored[i - 1].version) <
                std::pair(stored[i].workflow_id, stored[i].version)));
  }
  for (const auto& s : stored) {
    const auto wf = shipped_engine()->catalog().find(s.workflow_id, s.version);
    BOOST_REQUIRE(wf);
    BOOST_TEST((nlohmann::json::parse(s.definition) == wf->source));
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
