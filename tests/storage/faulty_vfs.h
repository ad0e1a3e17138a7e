// A fault-injecting SQLite VFS for tests, in the style of SQLite's own test_vfs: it forwards
// every call to the default VFS and, when armed, makes the Nth write (xWrite or xTruncate, on any
// file: database, WAL or journal) fail — once (transient) or from then on (persistent).
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
};

}  // namespace redress::testing
