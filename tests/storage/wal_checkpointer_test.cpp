// The WAL is copied back into the database by the checkpoint thread, the writer finishes the
// tail, and the WAL starts over: it stays bounded while the store keeps writing.
#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/sqlite.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

// Writes comments until `done` holds for the store's stats. Each comment is its own commit.
// The checkpoint thread works on its own schedule, so this waits for an event, with a generous
// cap that only a hang would reach; it asserts nothing about time.
template <typename Condition>
bool write_until(CaseStore& store, const std::string& case_id, Condition done) {
  for (int i = 0; i < 20000; ++i) {
    if (done(store.stats())) return true;
    accept(store, comment(case_id, monday_morning()));
    if (i % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done(store.stats());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wal_checkpointer)

BOOST_AUTO_TEST_CASE(the_wal_is_checkpointed_off_the_writer_and_starts_over) {
  TempDir dir;
  auto options = options_for(dir);
  options.wal_autocheckpoint_pages = 64;
  auto store = open_store(options);
  const auto id = accept(*store, create_complaint(monday_morning())).snapshot.id;

  BOOST_REQUIRE(write_until(*store, id, [](const StoreStats& s) {
    return s.checkpoints.background > 0 && s.checkpoints.by_writer > 0;
  }));
  // Once the writer has finished a checkpoint, the WAL restarts from its first frame: it does
  // not keep growing with the number of commits.
  const auto before = store->stats().checkpoints;
  BOOST_REQUIRE(write_until(*store, id, [&](const StoreStats& s) {
    return s.checkpoints.by_writer >= before.by_writer + 3;
  }));
  const auto after = store->stats();
  BOOST_TEST(after.checkpoints.failures == 0u);
  BOOST_TEST(after.checkpoints.largest_wal_frames < 64 * WalCheckpointer::kHardLimitFactor);
  BOOST_TEST(after.checkpoints.wal_frames < 2 * 64);
  const auto wal_bytes = std::filesystem::file_size(options.path + "-wal");
  BOOST_TEST(wal_bytes < 64u * WalCheckpointer::kHardLimitFactor * (4096 + 24) + 32);

  // What was checkpointed is all there: the database file alone holds every commit.
  const auto version = store->load_case(id).value()->version;
  store.reset();
  BOOST_TEST(!std::filesystem::exists(options.path + "-wal"));  // the last close removed it
  auto reopened = open_store(options);
  BOOST_TEST(reopened->load_case(id).value()->version == version);
  reopened.reset();
  const auto report = verify_database(options.path);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report.value().ok(), describe(report.value()));
}

BOOST_AUTO_TEST_CASE(zero_turns_checkpoints_off_while_open) {
  TempDir dir;
  auto options = options_for(dir);
  options.wal_autocheckpoint_pages = 0;
  auto store = open_store(options);
  const auto id = accept(*store, create_complaint(monday_morning())).snapshot.id;
  for (int i = 0; i < 100; ++i) accept(*store, comment(id, monday_morning()));
  const auto stats = store->stats();
  BOOST_TEST(stats.checkpoints.background == 0u);
  BOOST_TEST(stats.checkpoints.by_writer == 0u);
  // SQLite's own automatic checkpoint is off as well: the WAL only grew.
  BOOST_TEST(std::filesystem::file_size(options.path + "-wal") > 100u * 4096);
}

BOOST_AUTO_TEST_SUITE_END()
