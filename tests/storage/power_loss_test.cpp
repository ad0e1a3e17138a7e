// Power loss, simulated like SQLite's crash tests: every write that was not fsynced before the
// cut is undone. With synchronous=FULL every acknowledged command survives; with NORMAL the
// acknowledged commands since the last checkpoint are lost (the risk docs/storage.md states) —
// the negative control that shows this test can tell the two apart.
#include <map>

#include "storage/verify.h"
#include "tests/storage/faulty_vfs.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

struct PowerCutResult {
  int acknowledged = 0;
  int survived = 0;
};

// Runs commands on a store until the power is cut, restores the disk as it would be after the
// cut, reopens it and counts the acknowledged commands that survived.
PowerCutResult run_until_power_cut(Synchronous synchronous) {
  FaultyVfs::install();
  TempDir dir;
  auto options = options_for(dir);
  options.vfs = FaultyVfs::kName;
  options.synchronous = synchronous;
  std::map<std::string, std::int64_t> acknowledged;  // case id -> version acknowledged
  {
    auto store = open_store(options);
    FaultyVfs::track_unsynced_writes();  // what was written so far counts as on disk
    auto now = monday_morning();
    for (int i = 0; i < 20; ++i) {
      const auto id = accept(*store, create_complaint(now, "c" + std::to_string(i))).snapshot.id;
      acknowledged[id] = accept(*store, comment(id, now)).snapshot.version;
      now += std::chrono::minutes(1);
    }
    FaultyVfs::cut_power();
  }  // the store's closing checkpoint and WAL removal are lost with the power
  FaultyVfs::restore_after_power_cut();
  std::error_code ignored;
  std::filesystem::remove(options.path + "-shm", ignored);

  PowerCutResult result;
  result.acknowledged = static_cast<int>(acknowledged.size());
  auto store = open_store(options_for(dir));  // the default VFS, as after a reboot
  for (const auto& [id, version] : acknowledged) {
    auto loaded = store->load_case(id);
    BOOST_REQUIRE(loaded.ok());
    if (loaded.value() && loaded.value()->version >= version) ++result.survived;
  }
  store.reset();
  auto report = verify_database(options.path);
  BOOST_REQUIRE(report.ok());
  // Whatever survived is whole: nothing half-applied, journals replay to snapshots.
  BOOST_TEST(report.value().ok(), describe(report.value()));
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(power_loss)

BOOST_AUTO_TEST_CASE(every_acknowledged_command_survives_a_power_cut_with_synchronous_full) {
  const auto result = run_until_power_cut(Synchronous::kFull);
  BOOST_TEST(result.acknowledged == 20);
  BOOST_TEST(result.survived == result.acknowledged);
}

BOOST_AUTO_TEST_CASE(synchronous_normal_loses_recent_acknowledged_commands_to_a_power_cut) {
  const auto result = run_until_power_cut(Synchronous::kNormal);
  BOOST_TEST(result.acknowledged == 20);
  BOOST_TEST(result.survived < result.acknowledged);  // the documented risk, made visible
}

BOOST_AUTO_TEST_SUITE_END()
