// StatementCache on a real SQLite file: statements are compiled once and reused, the cache stays
// within its capacity by dropping the least recently used statement, and never drops one that a
// caller still holds.
#include <string>

#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress::storage;
using namespace redress::testing;

namespace {

std::string select_constant(int n) {
  return "SELECT " + std::to_string(n);
}

std::int64_t first_value(StatementCache& cache, const std::string& sql) {
  auto s = cache.get(sql);
  BOOST_REQUIRE(s->step());
  return s->column_int(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(statement_cache)

BOOST_AUTO_TEST_CASE(reuses_a_compiled_statement) {
  TempDir dir;
  SqliteDb db((dir.path() / "cache.db").string(), OpenOptions{});
  StatementCache cache(db);
  const Statement* first = nullptr;
  {
    auto s = cache.get(select_constant(1));
    first = &*s;
  }
  auto again = cache.get(select_constant(1));
  BOOST_TEST(&*again == first);
  BOOST_TEST(cache.size() == 1U);
}

BOOST_AUTO_TEST_CASE(stays_within_its_capacity_dropping_the_least_recently_used) {
  TempDir dir;
  SqliteDb db((dir.path() / "cache.db").string(), OpenOptions{});
  StatementCache cache(db, 3);
  for (int n = 1; n <= 3; ++n) BOOST_TEST(first_value(cache, select_constant(n)) == n);
  const Statement* one = nullptr;
  {
    auto s = cache.get(select_constant(1));  // 1 is now the most recently used
    one = &*s;
  }
  BOOST_TEST(first_value(cache, select_constant(4)) == 4);  // drops 2, the least recent
  BOOST_TEST(cache.size() == 3U);
  {
    auto s = cache.get(select_constant(1));
    BOOST_TEST(&*s == one);  // kept
  }
  // Hundreds of distinct texts (a case update names the columns that changed) stay bounded.
  for (int n = 5; n < 500; ++n) BOOST_TEST_REQUIRE(first_value(cache, select_constant(n)) == n);
  BOOST_TEST(cache.size() == 3U);
  BOOST_TEST(first_value(cache, select_constant(2)) == 2);  // dropped ones compile again
}

BOOST_AUTO_TEST_CASE(never_drops_a_statement_a_caller_holds) {
  TempDir dir;
  SqliteDb db((dir.path() / "cache.db").string(), OpenOptions{});
  db.exec("CREATE TABLE numbers (n INTEGER)");
  db.exec("INSERT INTO numbers VALUES (1), (2), (3)");
  StatementCache cache(db, 2);
  // Stepping through an older statement while others are prepared and run.
  auto outer = cache.get("SELECT n FROM numbers ORDER BY n");
  std::int64_t sum = 0;
  int inner = 100;
  while (outer->step()) {
    sum += outer->column_int(0);
    for (int k = 0; k < 3; ++k, ++inner) {
      BOOST_TEST_REQUIRE(first_value(cache, select_constant(inner)) == inner);
    }
  }
  BOOST_TEST(sum == 6);
  BOOST_TEST(cache.size() <= 3U);  // the held one may keep the cache one over until released
}

BOOST_AUTO_TEST_SUITE_END()
