#include "tests/storage/faulty_vfs.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace redress::testing {
namespace {

std::atomic<int> g_countdown{0};  // 0: disarmed
std::atomic<int> g_error{SQLITE_IOERR_WRITE};
std::atomic<bool> g_persistent{false};
std::atomic<bool> g_fired{false};
std::atomic<int> g_writes{0};

sqlite3_vfs* g_base = nullptr;
sqlite3_vfs g_vfs;

// What a file looked like at its last fsync: its size then, and the old bytes of every range
// written since (oldest first).
struct UnsyncedWrite {
  sqlite3_int64 offset;
  std::vector<char> old_bytes;  // as long as what existed before the write
};
struct FileHistory {
  sqlite3_int64 synced_size = 0;
  std::vector<UnsyncedWrite> undo;
};

std::atomic<bool> g_tracking{false};
std::atomic<bool> g_power_cut{false};
std::mutex g_history_mutex;
std::map<std::string, FileHistory> g_history;  // by path

// Our file object; the real file's object follows it in the same allocation.
struct FaultyFile {
  sqlite3_file base;
  sqlite3_file* real;
  const char* path;  // owned by SQLite for the file's lifetime
};

// Returns the error to inject for this write, or SQLITE_OK.
int next_write_fault() {
  ++g_writes;
  if (g_fired && g_persistent) return g_error;
  int n = g_countdown.load();
  while (n > 0) {
    if (g_countdown.compare_exchange_weak(n, n - 1)) {
      if (n == 1) {
        g_fired = true;
        return g_error;
      }
      return SQLITE_OK;
    }
  }
  return SQLITE_OK;
}

sqlite3_file* real(sqlite3_file* f) {
  return reinterpret_cast<FaultyFile*>(f)->real;
}

int x_close(sqlite3_file* f) {
  return real(f)->pMethods->xClose(real(f));
}
int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return real(f)->pMethods->xRead(real(f), buf, amount, offset);
}
const char* path_of(sqlite3_file* f) {
  return reinterpret_cast<FaultyFile*>(f)->path;
}

// Saves the bytes in [offset, offset + length) that exist now, before they are overwritten.
void remember_old_bytes(sqlite3_file* f, sqlite3_int64 offset, sqlite3_int64 length) {
  if (!g_tracking || !path_of(f)) return;
  sqlite3_int64 size = 0;
  real(f)->pMethods->xFileSize(real(f), &size);
  UnsyncedWrite entry{offset, {}};
  if (offset < size) {
    entry.old_bytes.resize(static_cast<size_t>(std::min(length, size - offset)));
    real(f)->pMethods->xRead(real(f), entry.old_bytes.data(),
                             static_cast<int>(entry.old_bytes.size()), offset);
  }
  std::lock_guard lock(g_history_mutex);
  auto [it, inserted] = g_history.try_emplace(path_of(f));
  if (inserted) it->second.synced_size = size;
  it->second.undo.push_back(std::move(entry));
}

int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  if (g_power_cut) return SQLITE_OK;  // lost with the power
  if (int rc = next_write_fault(); rc != SQLITE_OK) return rc;
  remember_old_bytes(f, offset, amount);
  return real(f)->pMethods->xWrite(real(f), buf, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (g_power_cut) return SQLITE_OK;
  if (int rc = next_write_fault(); rc != SQLITE_OK) return rc;
  sqlite3_int64 old_size = 0;
  real(f)->pMethods->xFileSize(real(f), &old_size);
  if (old_size > size) remember_old_bytes(f, size, old_size - size);
  return real(f)->pMethods->xTruncate(real(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  if (g_power_cut) return SQLITE_OK;
  const int rc = real(f)->pMethods->xSync(real(f), flags);
  if (rc == SQLITE_OK && g_tracking && path_of(f)) {
    sqlite3_int64 size = 0;
    real(f)->pMethods->xFileSize(real(f), &size);
    std::lock_guard lock(g_history_mutex);
    auto& history = g_history[path_of(f)];
    history.synced_size = size;  // everything written so far is now on disk
    history.undo.clear();
  }
  return rc;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int x_lock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xLock(real(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xUnlock(real(f), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) {
  return real(f)->pMethods->xSectorSize(real(f));
}
int x_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  real(f)->pMethods->xShmBarrier(real(f));
}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real(f)->pMethods->xFetch(real(f), offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), offset, p);
}

const sqlite3_io_methods kMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* faulty = reinterpret_cast<FaultyFile*>(file);
  faulty->real = reinterpret_cast<sqlite3_file*>(faulty + 1);
  faulty->path = name;
  std::memset(faulty->real, 0, static_cast<size_t>(g_base->szOsFile));
  const int rc = g_base->xOpen(g_base, name, faulty->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set; mirror the real file's state.
  faulty->base.pMethods = faulty->real->pMethods ? &kMethods : nullptr;
  return rc;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  if (g_power_cut) return SQLITE_OK;
  {
    std::lock_guard lock(g_history_mutex);
    g_history.erase(name);
  }
  return g_base->xDelete(g_base, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_base->xAccess(g_base, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_base->xFullPathname(g_base, name, size, out);
}

}  // namespace

void FaultyVfs::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_base = sqlite3_vfs_find(nullptr);
    g_vfs = *g_base;  // inherit randomness, sleep, time, dlopen, syscalls
    g_vfs.zName = kName;
    g_vfs.szOsFile = static_cast<int>(sizeof(FaultyFile)) + g_base->szOsFile;
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full_pathname;
    sqlite3_vfs_register(&g_vfs, 0);
  });
}

void FaultyVfs::fail_nth_write(int n, int error, bool persistent) {
  g_error = error;
  g_persistent = persistent;
  g_fired = false;
  g_writes = 0;
  g_countdown = n;
}

void FaultyVfs::disarm() {
  g_countdown = 0;
  g_persistent = false;
}

bool FaultyVfs::fault_fired() {
  return g_fired;
}

int FaultyVfs::writes_seen() {
  return g_writes;
}

void FaultyVfs::track_unsynced_writes() {
  std::lock_guard lock(g_history_mutex);
  g_history.clear();
  g_power_cut = false;
  g_tracking = true;
}

void FaultyVfs::cut_power() {
  g_power_cut = true;
}

void FaultyVfs::restore_after_power_cut() {
  std::lock_guard lock(g_history_mutex);
  for (auto& [path, history] : g_history) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    // Newest first, so that the oldest record (the bytes as synced) is written last.
    for (auto it = history.undo.rbegin(); it != history.undo.rend(); ++it) {
      if (!it->old_bytes.empty()) {
        (void)!::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(), it->offset);
      }
    }
    (void)!::ftruncate(fd, history.synced_size);
    ::close(fd);
    // Shared memory never survives a power cut; SQLite rebuilds it from the WAL.
    std::error_code ignored;
    std::filesystem::remove(path + "-shm", ignored);
  }
  g_history.clear();
  g_tracking = false;
  g_power_cut = false;
}

}  // namespace redress::testing
