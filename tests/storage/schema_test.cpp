// Migrations: applied once in one transaction, refused on newer or foreign databases.
#include "storage/schema.h"
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

BOOST_AUTO_TEST_SUITE(schema)

BOOST_AUTO_TEST_CASE(a_new_database_is_migrated_to_the_latest_version_once) {
  TempDir dir;
  SqliteDb db(dir.file("a.db"), OpenOptions{});
  auto first = migrate(db);
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(first.value().from_version == 0);
  BOOST_TEST(first.value().to_version == latest_schema_version());
  BOOST_TEST(first.value().applied.size() == migrations().size());
  auto second = migrate(db);
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(second.value().applied.empty());
  BOOST_TEST(schema_version(db) == latest_schema_version());
  // Every table the issue names exists.
  for (const char* table :
       {"cases", "case_events", "timers", "outbox", "compensations", "approvals", "customers",
        "orders", "users", "teams", "api_tokens", "idempotency_keys", "webhook_subscriptions",
        "webhook_deliveries", "workflow_definitions"}) {
    Statement s(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?");
    s.bind(1, table);
    s.step();
    BOOST_TEST(s.column_int(0) == 1, "table " << table);
  }
}

BOOST_AUTO_TEST_CASE(migrations_apply_step_by_step_and_a_failing_one_changes_nothing) {
  TempDir dir;
  SqliteDb db(dir.file("a.db"), OpenOptions{});
  const std::vector<Migration> v1 = {{1, "one", "CREATE TABLE one (x INTEGER);"}};
  BOOST_REQUIRE(migrate(db, v1).ok());
  const std::vector<Migration> v3 = {
      {1, "one", "CREATE TABLE one (x INTEGER);"},
      {2, "two", "CREATE TABLE two (x INTEGER);"},
      {3, "three (broken)", "CREATE TABLE three (x INTEGER); INSERT INTO nowhere VALUES (1);"}};
  auto failed = migrate(db, v3);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().code == redress::ErrorCode::kStorageError);
  BOOST_TEST(failed.error().message.find("nowhere") != std::string::npos);
  // Neither 2 nor the first half of 3 was kept.
  BOOST_TEST(schema_version(db) == 1);
  BOOST_TEST(db.query_int("SELECT count(*) FROM sqlite_schema WHERE name IN ('two', 'three')") ==
             0);

  const std::vector<Migration> v2 = {v3[0], v3[1]};
  auto ok = migrate(db, v2);
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(ok.value().from_version == 1);
  BOOST_TEST(ok.value().applied.size() == 1u);
  BOOST_TEST(schema_version(db) == 2);
}

BOOST_AUTO_TEST_CASE(a_database_from_a_newer_version_is_refused_untouched) {
  TempDir dir;
  const auto path = dir.file("a.db");
  {
    SqliteDb db(path, OpenOptions{});  // rollback-journal mode, unlike anything Redress leaves
    BOOST_REQUIRE(migrate(db).ok());
    db.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
  }
  auto store = CaseStore::open(options_for(dir, "a.db"), shipped_engine());
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST(store.error().code == redress::ErrorCode::kSchemaTooNew);
  BOOST_TEST(store.error().message.find("newer than this build") != std::string::npos);
  SqliteDb db(path, OpenOptions{});
  BOOST_TEST(schema_version(db) == latest_schema_version() + 1);
  BOOST_TEST(db.query_text("PRAGMA journal_mode") == "delete");  // not switched to WAL
}

BOOST_AUTO_TEST_CASE(a_foreign_file_with_a_schema_version_is_refused_untouched) {
  TempDir dir;
  const auto path = dir.file("other.db");
  for (int version : {1, 99}) {
    {
      SqliteDb db(path, OpenOptions{});
      db.exec("PRAGMA user_version = " + std::to_string(version));
    }
    auto store = CaseStore::open(options_for(dir, "other.db"), shipped_engine());
    BOOST_REQUIRE(!store.ok());
    BOOST_TEST(store.error().code == redress::ErrorCode::kNotARedressDatabase);
    SqliteDb db(path, OpenOptions{});
    BOOST_TEST(db.query_text("PRAGMA journal_mode") == "delete");
  }
}

BOOST_AUTO_TEST_CASE(a_foreign_sqlite_file_is_refused_untouched) {
  TempDir dir;
  const auto path = dir.file("other.db");
  {
    SqliteDb db(path, OpenOptions{});
    db.exec("CREATE TABLE photos (id INTEGER)");
  }
  auto store = CaseStore::open(options_for(dir, "other.db"), shipped_engine());
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST(store.error().code == redress::ErrorCode::kNotARedressDatabase);
  SqliteDb db(path, OpenOptions{});
  BOOST_TEST(db.query_text("PRAGMA journal_mode") == "delete");  // not even switched to WAL
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_a_clear_error) {
  TempDir dir;
  {
    std::ofstream junk(dir.file("junk.db"));
    junk << "this is not an SQLite database, just some text long enough to have a header....";
  }
  auto store = CaseStore::open(options_for(dir, "junk.db"), shipped_engine());
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST(store.error().code == redress::ErrorCode::kStorageCorrupt);
}

BOOST_AUTO_TEST_CASE(the_journal_is_append_only) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  accept(*store, create_complaint(monday_morning()));
  SqliteDb db(options_for(dir).path, OpenOptions{});
  BOOST_CHECK_THROW(db.exec("UPDATE case_events SET type = 'forged'"), SqliteError);
  BOOST_CHECK_THROW(db.exec("DELETE FROM case_events"), SqliteError);
}

BOOST_AUTO_TEST_SUITE_END()
