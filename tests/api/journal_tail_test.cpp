// JournalTail (api/delivery/journal_tail.h) on a real store (a TestServer's), without a WebSocket:
// the journal's end, the entries after a sequence, and the topics of each entry, the case facts
// read only when asked for.
#include "api/delivery/journal_tail.h"

#include <algorithm>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::testing;

namespace {

bool has(const std::vector<std::string>& topics, const std::string& topic) {
  return std::find(topics.begin(), topics.end(), topic) != topics.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(journal_tail)

BOOST_AUTO_TEST_CASE(reads_the_entries_after_a_sequence_with_their_topics) {
  TestServer server;
  const api::JournalTail tail(server.server().store());
  const auto start = tail.end();
  BOOST_REQUIRE(start.ok());

  const auto created = accept(server.server().store(), create_complaint(server.clock().now()));
  const auto case_id = created.snapshot.id;
  accept(server.server().store(), comment(case_id, server.clock().now()));

  const auto end = tail.end();
  BOOST_REQUIRE(end.ok());
  BOOST_TEST(end.value() > start.value());

  const auto rows = tail.read_after(start.value(), 1000);
  BOOST_REQUIRE(rows.ok());
  BOOST_REQUIRE(!rows.value().empty());
  BOOST_TEST(rows.value().front().seq > start.value());
  BOOST_TEST(rows.value().back().seq == end.value());
  for (const auto& e : rows.value()) BOOST_TEST(e.case_id == case_id);
  // The limit is honoured, in journal order.
  const auto first = tail.read_after(start.value(), 1);
  BOOST_REQUIRE(first.ok());
  BOOST_REQUIRE_EQUAL(first.value().size(), 1U);
  BOOST_TEST(first.value().front().seq == rows.value().front().seq);
  BOOST_TEST(tail.read_after(end.value(), 1000).value().empty());

  // With the teams asked for, every entry is also on its case's team.
  const auto with_teams = tail.topics_of(rows.value(), {true, false});
  BOOST_REQUIRE(with_teams.ok());
  BOOST_REQUIRE_EQUAL(with_teams.value().size(), rows.value().size());
  for (const auto& topics : with_teams.value()) {
    BOOST_TEST(has(topics, "all"));
    BOOST_TEST(has(topics, "case:" + case_id));
    BOOST_TEST(has(topics, "team:after_sales"));
  }
  // Not asked for, the team is not read and not among the topics.
  const auto without = tail.topics_of(rows.value(), {});
  BOOST_REQUIRE(without.ok());
  for (const auto& topics : without.value()) {
    BOOST_TEST(has(topics, "case:" + case_id));
    BOOST_TEST(!has(topics, "team:after_sales"));
  }
}

BOOST_AUTO_TEST_SUITE_END()
