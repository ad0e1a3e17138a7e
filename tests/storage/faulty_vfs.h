// A fault-injecting SQLite VFS for tests, in the style of SQLite's own test_vfs: it forwards
// every call to the default VFS and, when armed, makes the Nth write (xWrite or xTruncate, on any
// file: database, WAL or journal) fail — once (transient) or from then on (persistent).
//
// It also simulates a power cut, like SQLite's crash tests: while tracking, every write records
// what it overwrote until the file is next fsynced; cut_power() makes later writes, syncs and
// deletes vanish, and restore_after_power_cut() puts back what an unsynced write changed, so
// the files hold exactly what had reached the disk.
//
// Open a store with StoreOptions::vfs = FaultyVfs::kName. Process-wide; tests arm and disarm it
// around one operation at a time.
#pragma once

namespace redress::testing {

class FaultyVfs {
 public:
  static constexpr const char* kName = "redress-faulty";

  // Registers the VFS (idempotent).
  static void install();
  // The nth write from now (1-based) fails with `error` (e.g. SQLITE_IOERR_WRITE, SQLITE_FULL);
  // when `persistent`, every later write fails too, until disarm().
  static void fail_nth_write(int n, int error, bool persistent);
  static void disarm();
  // Whether an armed fault has been delivered since the last arming.
  static bool fault_fired();
  static int writes_seen();  // writes since the last arming

  // Starts recording unsynced writes (forgetting earlier records).
  static void track_unsynced_writes();
  // From now on writes, syncs and deletes are silently dropped, as if the machine lost power.
  static void cut_power();
  // After every connection is closed: undoes each write not fsynced before the cut, truncates
  // files to their last synced size, removes shared-memory files, and restores normal operation.
  static void restore_after_power_cut();
};

}  // namespace redress::testing
