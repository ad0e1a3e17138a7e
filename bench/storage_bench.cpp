// redress_storage_bench: how fast the storage layer makes complaint commands durable, and how
// fast it answers the two hot reads (a case with its journal, a team queue) on a large database.
//
// One run, on one machine, prints:
//   1. the disk's ceiling: raw SQLite single-row durable commits (WAL, synchronous=FULL, one
//      prepared INSERT of one small row per transaction, fresh file next to --db);
//   1b. the schema's write ceiling: SQLite alone (prepared statements, no engine, no JSON)
//      writing the rows of one complaint transition on the real schema, 64 per transaction, with
//      4 (what a transition writes) and with 1 journal row per transition, each as a ratio to (1);
//   2. durable complaint transitions through CaseStore::execute with 1, 8 and 64 concurrent
//      writers (each on its own case, alternating request_customer_info and
//      customer_provided_info), each as a ratio to (1), plus CaseStore::stats();
//   3. on a database of --cases cases (populated once through CaseStore::submit, kept between
//      runs): p50/p99 latency of load_case_with_journal and of list_cases for a team queue and
//      for the unassigned team queue;
//   4. the process's peak resident memory (getrusage ru_maxrss);
//   5. with --search, instead of 1b to 4: full-text search on --cases cases written with SQL
//      into a version-5 database, the index built by migration 6 (its time and size, bytes per
//      case), and p50/p99 of 1-, 2- and 3+-character Chinese and Latin queries and id fragments,
//      each listing open cases in SLA order as the queue does, as multiples of one raw commit;
//   6. with --parcels, instead of 1b to 4: carriers' parcel events on --cases return cases whose
//      parcels are in transit (populated through CaseStore::submit into a fresh file): the
//      latency of CarrierEventStore::record for an in-transit event (found by case_parcels, one
//      parcel.event webhook) and for a delivery (which also fires receive_item on the case), as
//      multiples of one raw commit; and the lookup of a tracking number's open cases through the
//      case_parcels index beside the json_each scan of open snapshots it replaced (schema v16);
// then a summary table with each figure, its target and PASS/MISS. docs/benchmarks.md has the
// figures measured and how to read them.
//
// Exit status: 0 when the benchmark ran (targets missed or not), 1 on a usage error, 2 when the
// benchmark itself failed (a store error, a rejected command, a missing case).
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/workflow_catalog.h"
#include "storage/carrier_events.h"
#include "storage/case_parcels.h"
#include "storage/case_store.h"
#include "storage/schema.h"
#include "storage/sqlite.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

using redress::Actor;
using redress::Command;
using redress::CreateCase;
using redress::FireTransition;
using redress::Instant;
using redress::Millis;
using redress::Role;
using redress::storage::CaseCommand;
using redress::storage::CaseQuery;
using redress::storage::CaseStore;
using redress::storage::CommandOutcome;
using redress::storage::StoreOptions;
using redress::storage::StoreStats;
using redress::storage::Synchronous;
using Clock = std::chrono::steady_clock;
using redress::storage::kNoSlaDue;

// --- options ---------------------------------------------------------------------------------

struct Options {
  std::string db;  // empty: the mode's default
  std::int64_t cases = 1'000'000;
  double seconds = 3.0;  // per rate measurement
  size_t queries = 2000;
  size_t warmup = 200;
  size_t inflight = 2000;  // population: submissions in flight at once (all threads)
  int populate_threads = 2;
  std::string workflows = std::string(REDRESS_SOURCE_DIR) + "/workflows";
  bool quick = false;
  bool search = false;   // only part 5 (after the disk's ceiling)
  bool parcels = false;  // only part 6 (after the disk's ceiling)
};

void usage(std::ostream& out) {
  out << "usage: redress_storage_bench [--quick] [--db PATH] [--cases N] [--seconds S]\n"
         "                             [--queries N] [--inflight N] [--threads N]\n"
         "                             [--workflows DIR] [--search | --parcels]\n"
         "  --db PATH       populated database, kept between runs (default\n"
         "                  bench-data/storage-bench.db, with --quick\n"
         "                  bench-data/storage-bench-quick.db); population is skipped when it\n"
         "                  already holds at least N cases\n"
         "  --cases N       cases in the populated database (default 1000000; --quick 20000)\n"
         "  --seconds S     duration of each commit-rate measurement (default 3; --quick 1)\n"
         "  --queries N     measured queries per read latency figure (default 2000)\n"
         "  --inflight N    population: submissions in flight at once (default 2000)\n"
         "  --threads N     population: submitting threads (default 2)\n"
         "  --workflows DIR the shipped workflow definitions (default: the source tree's)\n"
         "  --quick         smoke-test sizes: 20000 cases, 1 s per rate (well under a minute)\n"
         "  --search        full-text search only: the disk's ceiling, then --cases cases\n"
         "                  written with SQL into a version-5 database (default\n"
         "                  bench-data/search-bench.db, rebuilt every run), migration 6\n"
         "                  building the search index, and query latencies (--queries\n"
         "                  default 200)\n";
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  std::optional<std::int64_t> cases;
  std::optional<double> seconds;
  bool queries_given = false;
  auto number = [](const std::string& flag, const char* text) -> double {
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(v > 0)) {
      throw std::invalid_argument(flag + " needs a positive number, not '" + text + "'");
    }
    return v;
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      auto value = [&]() -> const char* {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--quick") {
        o.quick = true;
      } else if (arg == "--db") {
        o.db = value();
      } else if (arg == "--cases") {
        cases = static_cast<std::int64_t>(number(arg, value()));
      } else if (arg == "--seconds") {
        seconds = number(arg, value());
      } else if (arg == "--queries") {
        o.queries = static_cast<size_t>(number(arg, value()));
        queries_given = true;
      } else if (arg == "--inflight") {
        o.inflight = static_cast<size_t>(number(arg, value()));
      } else if (arg == "--threads") {
        o.populate_threads = static_cast<int>(number(arg, value()));
      } else if (arg == "--workflows") {
        o.workflows = value();
      } else if (arg == "--search") {
        o.search = true;
      } else if (arg == "--parcels") {
        o.parcels = true;
      } else if (arg == "--help" || arg == "-h") {
        usage(std::cout);
        std::exit(0);
      } else {
        throw std::invalid_argument("unknown option " + arg);
      }
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "redress_storage_bench: " << e.what() << "\n";
    usage(std::cerr);
    return std::nullopt;
  }
  if (o.search && o.parcels) {
    std::cerr << "redress_storage_bench: --search and --parcels are separate runs: choose one\n";
    return std::nullopt;
  }
  if (o.quick) {
    o.cases = o.parcels ? 2'000 : 20'000;
    o.seconds = 1.0;
  }
  if (o.parcels && !o.quick && !cases) o.cases = 100'000;
  if (cases) o.cases = *cases;
  if (seconds) o.seconds = *seconds;
  if (o.search && !queries_given) o.queries = 200;
  if (o.parcels && !queries_given) o.queries = 500;
  if (o.db.empty() && o.search) o.db = "bench-data/search-bench.db";
  if (o.db.empty() && o.parcels) o.db = "bench-data/parcel-bench.db";
  if (o.db.empty()) {
    o.db = o.quick ? "bench-data/storage-bench-quick.db" : "bench-data/storage-bench.db";
  }
  if (o.populate_threads < 1) o.populate_threads = 1;
  if (o.inflight < static_cast<size_t>(o.populate_threads)) {
    o.inflight = static_cast<size_t>(o.populate_threads);
  }
  return o;
}

// --- small helpers ---------------------------------------------------------------------------

[[noreturn]] void fail(const std::string& what) {
  std::cout << std::flush;
  std::cerr << "redress_storage_bench: FAILED: " << what << "\n";
  std::exit(2);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

Instant wall_now() {
  return std::chrono::floor<Millis>(std::chrono::system_clock::now());
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

std::string with_commas(double v) {
  auto digits = std::to_string(static_cast<long long>(std::llround(v)));
  std::string out;
  const size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (i - lead) % 3 == 0 && i >= lead) out += ',';
    out += digits[i];
  }
  return out;
}

// Nearest-rank percentile of microsecond samples.
double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  rank = std::clamp<size_t>(rank, 1, samples.size());
  return samples[rank - 1];
}

// SplitMix64: a case's attributes are a pure function of its index, so a run that tops up an
// interrupted population continues the same distribution.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return mix(state_++); }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

std::string padded(const char* prefix, std::uint64_t n, int width) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s%0*llu", prefix, width,
                static_cast<unsigned long long>(n));
  return buffer;
}

void remove_database_files(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ignored);
  }
}

std::unique_ptr<CaseStore> open_store(const StoreOptions& options,
                                      std::shared_ptr<const redress::Engine> engine) {
  auto store = CaseStore::open(options, std::move(engine));
  if (!store.ok()) {
    fail("cannot open " + options.path + ": " + std::string(store.error().code_name()) + ": " +
         store.error().message);
  }
  return std::move(store).value();
}

std::string describe(const redress::Result<CommandOutcome>& r) {
  if (!r.ok()) return std::string(r.error().code_name()) + ": " + r.error().message;
  if (r.value().rejection) {
    return std::string(redress::error_code_name(r.value().rejection->code)) + ": " +
           r.value().rejection->message;
  }
  return "accepted";
}

StoreStats minus(const StoreStats& a, const StoreStats& b) {
  StoreStats d = a;  // running maxima and gauges stay as they are
  d.transactions -= b.transactions;
  d.writes -= b.writes;
  d.batch_retries -= b.batch_retries;
  d.snapshot_cache_hits -= b.snapshot_cache_hits;
  d.snapshot_cache_misses -= b.snapshot_cache_misses;
  d.checkpoints.background -= b.checkpoints.background;
  d.checkpoints.by_writer -= b.checkpoints.by_writer;
  d.checkpoints.failures -= b.checkpoints.failures;
  return d;
}

// --- 1. the disk's ceiling -------------------------------------------------------------------

struct RawResult {
  std::uint64_t commits = 0;
  double seconds = 0;
  double rate() const { return static_cast<double>(commits) / seconds; }
};

void raw_check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fail(std::string("raw SQLite: ") + what + ": " + sqlite3_errmsg(db));
  }
}

RawResult raw_commit_rate(const std::string& path, double seconds) {
  remove_database_files(path);
  sqlite3* db = nullptr;
  raw_check(db,
            sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            "open");
  raw_check(db,
            sqlite3_exec(db,
                         "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                         "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
                         nullptr, nullptr, nullptr),
            "setup");
  // The store's own shape: BEGIN IMMEDIATE, the write, COMMIT — each a prepared statement.
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* commit = nullptr;
  raw_check(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr), "prepare");
  raw_check(db, sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?)", -1, &insert, nullptr),
            "prepare");
  raw_check(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr), "prepare");
  RawResult r;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    const std::string row = "row-" + std::to_string(r.commits);
    raw_check(db, sqlite3_step(begin), "BEGIN");
    sqlite3_reset(begin);
    sqlite3_bind_text(insert, 1, row.data(), static_cast<int>(row.size()), SQLITE_TRANSIENT);
    raw_check(db, sqlite3_step(insert), "INSERT");
    sqlite3_reset(insert);
    raw_check(db, sqlite3_step(commit), "COMMIT");
    sqlite3_reset(commit);
    ++r.commits;
  }
  r.seconds = seconds_since(start);
  sqlite3_finalize(begin);
  sqlite3_finalize(insert);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  remove_database_files(path);
  return r;
}

// --- 1b. the schema's write ceiling -----------------------------------------------------------

// The writers' cases (parts 1b and 2): complaints of team after_sales, all held by one agent.
const Actor kAfterSalesAgent{"agent.bench", Role::kAgent, "after_sales"};

CaseCommand complaint_for_writer(int n) {
  CreateCase create;
  create.workflow_id = "complaint";
  create.category = "quality";
  create.customer = {"bench-cust-" + std::to_string(n), "regular", "silver"};
  create.order = {"TB-W" + std::to_string(n), redress::Money{29900, "CNY"},
                  redress::Money{0, "CNY"}};
  create.team = "after_sales";
  create.assignee = "agent.bench";
  create.fields = {{"summary", "cuff seam split after one wash"}, {"category", "quality"}};
  return {"", Command{create, std::nullopt}, kAfterSalesAgent, wall_now()};
}

constexpr int kCeilingCases = 64;  // = the largest writer count of part 2, one transaction each

struct CeilingResult {
  std::uint64_t transitions = 0;
  double seconds = 0;
  double rate() const { return static_cast<double>(transitions) / seconds; }
};

int bind_one(sqlite3_stmt* s, int i, std::int64_t v) {
  return sqlite3_bind_int64(s, i, v);
}
int bind_one(sqlite3_stmt* s, int i, std::string_view v) {
  return sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
// Binds `values` to ?1, ?2, ... (texts must outlive the statement's next reset).
template <typename... Values>
void bind_all(sqlite3* db, sqlite3_stmt* s, const char* what, const Values&... values) {
  int i = 0;
  (raw_check(db, bind_one(s, ++i, values), what), ...);
}
// Binds, steps once (a write, or a read whose row is not needed) and resets.
template <typename... Values>
void run(sqlite3* db, sqlite3_stmt* s, const char* what, const Values&... values) {
  if constexpr (sizeof...(values) > 0) bind_all(db, s, what, values...);
  raw_check(db, sqlite3_step(s), what);
  raw_check(db, sqlite3_reset(s), what);
}
std::string column_text(sqlite3* db, sqlite3_stmt* s, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  if (!text) fail(std::string("raw SQLite: NULL column: ") + sqlite3_errmsg(db));
  return text;
}

// SQLite alone, on the real schema, writing what one complaint transition writes, batched as the
// store batches 64 writers: a ceiling no work on the engine or the writer thread can beat.
// Journal rows per transition alternate `rows_a` and `rows_b` (the real workload alternates two
// transitions). Leaving out parts of the real write set only raises this ceiling: the outbox row,
// request_customer_info's case_text (FTS5) row, and the 2 of 7 case indexes the store's upsert
// rewrites but this UPDATE does not touch (customer, category).
CeilingResult schema_ceiling(const std::string& path,
                             const std::shared_ptr<const redress::Engine>& engine, int rows_a,
                             int rows_b, double seconds) {
  // Real rows, snapshots and timers: a fresh file created and migrated by CaseStore itself.
  remove_database_files(path);
  StoreOptions defaults;  // the store's pragmas, applied again below
  defaults.path = path;
  std::vector<std::string> ids;
  {
    auto store = open_store(defaults, engine);
    for (int n = 0; n < kCeilingCases; ++n) {
      auto created = store->execute(complaint_for_writer(n));
      if (!created.ok() || !created.value().accepted()) fail("seeding: " + describe(created));
      ids.push_back(created.value().snapshot.id);
    }
  }  // closed: drained and checkpointed
  sqlite3* db = nullptr;
  raw_check(db, sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), "open");
  const std::string pragmas =
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
      "PRAGMA cache_size = -" +
      std::to_string(defaults.writer_cache_mib * 1024) +
      "; PRAGMA wal_autocheckpoint = " + std::to_string(defaults.wal_autocheckpoint_pages) +
      "; PRAGMA temp_store = MEMORY";  // as the store's writer (savepoint journals in memory)
  raw_check(db, sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr), "pragmas");
  std::vector<sqlite3_stmt*> all;
  auto prepare = [&](const char* sql) {
    sqlite3_stmt* s = nullptr;
    raw_check(db, sqlite3_prepare_v2(db, sql, -1, &s, nullptr), sql);
    all.push_back(s);
    return s;
  };
  auto* begin = prepare("BEGIN IMMEDIATE");
  auto* commit = prepare("COMMIT");
  auto* savepoint = prepare("SAVEPOINT one_transition");
  auto* release = prepare("RELEASE one_transition");
  auto* read = prepare("SELECT snapshot, version FROM cases WHERE id = ?");
  auto* last_seq = prepare("SELECT coalesce(max(case_seq), 0) FROM case_events WHERE case_id = ?");
  auto* update = prepare(
      "UPDATE cases SET version = ?2, state = ?3, sla_due = ?4, updated_at = ?5, snapshot = ?6 "
      "WHERE id = ?1");
  auto* append = prepare(
      "INSERT INTO case_events (case_id, case_seq, case_version, type, at, actor_id, actor_role, "
      "data) VALUES (?, ?, ?, ?, ?, ?, 'agent', ?)");
  auto* list_timers = prepare("SELECT timer_key, name, kind FROM timers WHERE case_id = ? LIMIT 2");
  auto* timer_delete = prepare("DELETE FROM timers WHERE case_id = ? AND timer_key = ?");
  auto* timer_insert = prepare(
      "INSERT INTO timers (case_id, timer_key, name, kind, due_at, fire_at, set_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  // Two of each case's own timers (a new complaint holds its SLA warning and breach timers).
  std::vector<std::vector<std::array<std::string, 3>>> timers;  // key, name, kind
  for (const auto& id : ids) {
    bind_all(db, list_timers, "SELECT timers", id);
    auto& rows = timers.emplace_back();
    while (sqlite3_step(list_timers) == SQLITE_ROW) {
      rows.push_back({column_text(db, list_timers, 0), column_text(db, list_timers, 1),
                      column_text(db, list_timers, 2)});
    }
    raw_check(db, sqlite3_reset(list_timers), "SELECT timers");
    if (rows.size() != 2) fail("seeded case " + id + " holds fewer than 2 timers");
  }

  CeilingResult r;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    run(db, begin, "BEGIN");
    for (size_t c = 0; c < ids.size(); ++c) {
      const std::string& id = ids[c];
      const std::int64_t now = redress::storage::to_millis(wall_now());
      run(db, savepoint, "SAVEPOINT");
      bind_all(db, read, "SELECT case", id);
      if (sqlite3_step(read) != SQLITE_ROW) fail("reading case " + id + ": " + sqlite3_errmsg(db));
      // A copy, as the store re-serialises it: the same ~2.2 KB goes back into the row.
      const std::string snapshot = column_text(db, read, 0);
      const std::int64_t version = sqlite3_column_int64(read, 1) + 1;
      raw_check(db, sqlite3_reset(read), "SELECT case");
      bind_all(db, last_seq, "SELECT max(case_seq)", id);
      raw_check(db, sqlite3_step(last_seq), "SELECT max(case_seq)");
      std::int64_t case_seq = sqlite3_column_int64(last_seq, 0);
      raw_check(db, sqlite3_reset(last_seq), "SELECT max(case_seq)");
      // The indexed columns these transitions change: state, sla_due, updated_at.
      run(db, update, "UPDATE cases", id, version,
          version % 2 ? "confirming" : "awaiting_customer_info", now + 4 * 3'600'000 + version, now,
          snapshot);
      for (int e = 0; e < (version % 2 ? rows_a : rows_b); ++e) {
        // ~100 bytes, the journal's typical data size (case.transitioned 126, sla.paused with
        // its two timer changes ~130, case.fields_set ~60).
        const std::string data =
            R"({"key":"sla:first_response:breach","name":"sla_breach","kind":"sla","due":")" +
            std::to_string(now + e) + R"(","entry":)" + std::to_string(e) + "}";
        run(db, append, "INSERT INTO case_events", id, ++case_seq, version,
            e == 0 ? "case.transitioned" : "timer.set", now, kAfterSalesAgent.id, data);
      }
      for (const auto& [key, name, kind] : timers[c]) {
        run(db, timer_delete, "DELETE FROM timers", id, key);
        run(db, timer_insert, "INSERT INTO timers", id, key, name, kind, now + 3'600'000,
            now + 3'600'000, now);
      }
      run(db, release, "RELEASE");
    }
    run(db, commit, "COMMIT");
    r.transitions += ids.size();
  }
  r.seconds = seconds_since(start);
  for (auto* s : all) sqlite3_finalize(s);
  raw_check(db, sqlite3_close(db), "close");
  remove_database_files(path);
  return r;
}

// --- 2. concurrent writers -------------------------------------------------------------------

struct WriterRun {
  int writers = 0;
  std::uint64_t commands = 0;
  std::uint64_t journal_entries = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
  StoreStats stats;  // this run's transactions and writes; largest_batch is the running maximum
  double rate() const { return static_cast<double>(commands) / seconds; }
};

WriterRun run_writers(CaseStore& store, const std::vector<std::string>& case_ids, double seconds) {
  WriterRun run;
  run.writers = static_cast<int>(case_ids.size());
  std::atomic<bool> stop{false};
  std::latch ready(static_cast<std::ptrdiff_t>(case_ids.size()) + 1);
  std::mutex merge;
  std::string failure;
  const auto before = store.stats();
  std::vector<std::thread> threads;
  for (const auto& case_id : case_ids) {
    threads.emplace_back([&, case_id] {
      std::vector<double> latencies;
      latencies.reserve(4096);
      std::uint64_t commands = 0;
      std::uint64_t entries = 0;
      bool awaiting = false;  // every case starts in `confirming`
      std::string problem;
      ready.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        FireTransition fire;
        if (awaiting) {
          fire.transition = "customer_provided_info";
        } else {
          fire.transition = "request_customer_info";
          fire.data = {{"waiting_reason", "please send a photo of the damaged seam"}};
        }
        const auto t0 = Clock::now();
        auto result = store.execute(
            CaseCommand{case_id, Command{fire, std::nullopt}, kAfterSalesAgent, wall_now()});
        latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        if (!result.ok() || !result.value().accepted()) {
          problem = case_id + " " + fire.transition + ": " + describe(result);
          break;
        }
        ++commands;
        entries += result.value().events.size();
        awaiting = !awaiting;
      }
      std::lock_guard lock(merge);
      run.commands += commands;
      run.journal_entries += entries;
      run.latencies_us.insert(run.latencies_us.end(), latencies.begin(), latencies.end());
      if (!problem.empty() && failure.empty()) failure = problem;
      if (!problem.empty()) stop = true;
    });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  run.seconds = seconds_since(start);
  if (!failure.empty()) fail("writer benchmark: " + failure);
  run.stats = minus(store.stats(), before);
  return run;
}

// --- 3. population ---------------------------------------------------------------------------

constexpr int kTeams = 50;
constexpr int kAgentsPerTeam = 10;  // 500 assignees
constexpr std::uint64_t kCustomers = 300'000;
constexpr std::uint64_t kSeed = 0x5245'4452'4553'5321ULL;

const char* const kCategories[] = {
    "wrong_item",     "damaged",          "quality",    "late_delivery", "missing_item",
    "refund_dispute", "service_attitude", "bad_review", "out_of_stock",  "other"};

std::string team_name(std::uint64_t t) {
  return padded("team-", t, 2);
}
std::string agent_name(std::uint64_t a) {
  return padded("agent-", a, 3);
}

// What happens to a case after it is opened.
enum class Fate { kStaysOpen, kConfirmed, kWithdrawn };

struct CaseSpec {
  CaseCommand create;
  Fate fate = Fate::kStaysOpen;
  Actor actor;
  Instant later{};  // when the follow-up command runs
};

// Case `i` of `n`: ~50 teams, 500 agents, 30% unassigned, skewed severities, ten categories,
// 300k customers, created over the 90 days before `end` in index order (as a real intake is).
CaseSpec spec_for(std::int64_t i, std::int64_t n, Instant end) {
  Rng rng(mix(kSeed ^ static_cast<std::uint64_t>(i)));
  CaseSpec spec;
  const auto team = rng.below(kTeams);
  const bool assigned = rng.below(100) >= 30;
  const auto agent = team * kAgentsPerTeam + rng.below(kAgentsPerTeam);
  const auto sev = rng.below(100);
  const auto category = kCategories[rng.below(std::size(kCategories))];
  const auto customer = rng.below(kCustomers);
  const auto seg = rng.below(100);
  const auto tier = rng.below(100);

  const auto span = std::chrono::duration_cast<Millis>(std::chrono::days(90));
  const auto step = span.count() / std::max<std::int64_t>(n, 1);
  const Instant created =
      end - span + Millis(step * i) + Millis(static_cast<std::int64_t>(rng.below(60'000)));

  CreateCase create;
  create.workflow_id = "complaint";
  create.severity = sev < 10 ? "low" : sev < 80 ? "normal" : sev < 95 ? "high" : "critical";
  create.category = category;
  // Customer ids are spread over the id space; the 300k are a pure function of `customer`.
  create.customer.id = padded("cust-", customer, 6);
  create.customer.segment = seg < 25   ? "new"
                            : seg < 70 ? "regular"
                            : seg < 80 ? "at_risk"
                            : seg < 85 ? "lost"
                            : seg < 95 ? "vip"
                                       : "champions";
  create.customer.tier = tier < 35 ? "" : tier < 70 ? "silver" : tier < 95 ? "gold" : "diamond";
  create.order.id = "TB-" + std::to_string(100'000'000 + i);
  create.order.paid = redress::Money{static_cast<std::int64_t>(1'000 + rng.below(200'000)), "CNY"};
  create.order.refunded = redress::Money{0, "CNY"};
  create.team = team_name(team);
  create.assignee = assigned ? agent_name(agent) : "";
  create.fields = {{"summary", std::string("Customer reports a ") + category +
                                   " problem with order " + create.order.id},
                   {"category", category}};

  spec.actor = Actor{assigned ? agent_name(agent) : "agent.intake", Role::kAgent, create.team};
  spec.create = CaseCommand{"", Command{std::move(create), std::nullopt}, spec.actor, created};
  const auto fate = rng.below(100);
  spec.fate = fate < 20 ? Fate::kConfirmed : fate < 30 ? Fate::kWithdrawn : Fate::kStaysOpen;
  spec.later = created + Millis(static_cast<std::int64_t>(30 * 60'000 + rng.below(90 * 60'000)));
  return spec;
}

CaseCommand follow_up_command(const CaseSpec& spec, const std::string& case_id) {
  FireTransition fire;
  if (spec.fate == Fate::kConfirmed) {
    fire.transition = "confirm_problem";
    fire.data = {{"desired_outcome", "a replacement or a partial refund"},
                 {"customer_confirmed", true}};
  } else {
    fire.transition = "withdraw";
    fire.data = {{"cancel_reason", "the customer solved it with the courier"}};
  }
  return CaseCommand{case_id, Command{std::move(fire), std::nullopt}, spec.actor, spec.later};
}

struct PopulationResult {
  std::int64_t created = 0;
  std::int64_t confirmed = 0;
  std::int64_t withdrawn = 0;
  double seconds = 0;
  StoreStats stats;
};

PopulationResult populate(const Options& options, std::shared_ptr<const redress::Engine> engine,
                          std::int64_t from, std::int64_t to) {
  StoreOptions store_options;
  store_options.path = options.db;
  // Population only: commits survive a process crash but not a power loss. The figures of
  // part 2 and the reads of part 3 use the store's default, synchronous=FULL.
  store_options.synchronous = Synchronous::kNormal;
  auto store = open_store(store_options, std::move(engine));

  const Instant end = wall_now();
  std::atomic<std::int64_t> next{from};
  std::atomic<std::int64_t> created{0};
  std::atomic<std::int64_t> confirmed{0};
  std::atomic<std::int64_t> withdrawn{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  std::string failure;
  const size_t window =
      std::max<size_t>(1, options.inflight / static_cast<size_t>(options.populate_threads));

  struct InFlight {
    std::future<redress::Result<CommandOutcome>> future;
    std::int64_t index = 0;
    bool follow_up = false;
  };

  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < options.populate_threads; ++t) {
    threads.emplace_back([&] {
      std::deque<InFlight> flight;  // bounded: at most `window` futures alive per thread
      for (;;) {
        while (flight.size() < window && !failed) {
          const auto i = next.fetch_add(1);
          if (i >= to) break;
          auto spec = spec_for(i, to, end);
          flight.push_back({store->submit(std::move(spec.create)), i, false});
        }
        if (flight.empty()) break;
        auto item = std::move(flight.front());
        flight.pop_front();
        auto result = item.future.get();
        if (!result.ok() || !result.value().accepted()) {
          std::lock_guard lock(failure_mutex);
          if (failure.empty()) {
            failure = "case index " + std::to_string(item.index) +
                      (item.follow_up ? " follow-up: " : " create: ") + describe(result);
          }
          failed = true;
          continue;
        }
        if (item.follow_up) {
          const auto spec = spec_for(item.index, to, end);
          (spec.fate == Fate::kConfirmed ? confirmed : withdrawn).fetch_add(1);
          continue;
        }
        created.fetch_add(1);
        const auto spec = spec_for(item.index, to, end);
        if (spec.fate != Fate::kStaysOpen && !failed) {
          flight.push_back({store->submit(follow_up_command(spec, result.value().snapshot.id)),
                            item.index, true});
        }
      }
    });
  }

  // Progress, so that a long population shows it is alive.
  std::thread progress([&] {
    auto last_print = Clock::now();
    while (next.load() < to + options.populate_threads && !failed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (Clock::now() - last_print >= std::chrono::seconds(30)) {
        last_print = Clock::now();
        const auto done = created.load();
        const auto elapsed = seconds_since(start);
        std::cout << "    ... " << with_commas(static_cast<double>(from + done)) << " / "
                  << with_commas(static_cast<double>(to)) << " cases, "
                  << with_commas(static_cast<double>(done) / elapsed) << " cases/s, "
                  << fixed(elapsed, 0) << " s, peak RSS " << fixed(peak_rss_mb(), 0) << " MB"
                  << std::endl;
      }
    }
  });
  for (auto& t : threads) t.join();
  next = to + options.populate_threads;
  progress.join();
  PopulationResult r;
  r.seconds = seconds_since(start);
  r.created = created;
  r.confirmed = confirmed;
  r.withdrawn = withdrawn;
  r.stats = store->stats();
  if (failed) fail("population: " + failure);
  store.reset();  // drains and checkpoints
  return r;
}

// --- 3. read latencies -----------------------------------------------------------------------

struct Latency {
  std::vector<double> samples_us;
  std::uint64_t rows = 0;  // rows (cases or journal entries) returned, for context
  double p50() const { return percentile(samples_us, 50) / 1000.0; }
  double p99() const { return percentile(samples_us, 99) / 1000.0; }
  double max() const {
    return samples_us.empty() ? 0 : *std::max_element(samples_us.begin(), samples_us.end()) / 1e3;
  }
  double mean_rows() const {
    return samples_us.empty() ? 0
                              : static_cast<double>(rows) / static_cast<double>(samples_us.size());
  }
};

template <typename Query>
Latency measure(size_t warmup, size_t count, Query&& query) {
  Latency l;
  for (size_t i = 0; i < warmup; ++i) query(i, nullptr);
  l.samples_us.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::uint64_t rows = 0;
    const auto t0 = Clock::now();
    query(warmup + i, &rows);
    l.samples_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    l.rows += rows;
  }
  return l;
}

// --- the report --------------------------------------------------------------------------------

struct Row {
  std::string figure;
  std::string value;
  std::string target;
  std::string verdict;  // PASS, MISS or empty (no target)
};

void print_table(const std::vector<Row>& rows) {
  size_t w0 = 6, w1 = 5, w2 = 6;
  for (const auto& r : rows) {
    w0 = std::max(w0, r.figure.size());
    w1 = std::max(w1, r.value.size());
    w2 = std::max(w2, r.target.size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& c,
                  const std::string& d) {
    std::cout << "  " << a << std::string(w0 - a.size() + 2, ' ') << std::string(w1 - b.size(), ' ')
              << b << "  " << c << std::string(w2 - c.size() + 2, ' ') << d << "\n";
  };
  line("figure", "value", "target", "result");
  line(std::string(w0, '-'), std::string(w1, '-'), std::string(w2, '-'), "------");
  for (const auto& r : rows) line(r.figure, r.value, r.target, r.verdict);
}

// --- 5. full-text search (--search) ----------------------------------------------------------

// What complaints are written with: Chinese phrases (1 to 3 characters) and English words.
constexpr std::array<const char*, 40> kChinesePhrases = {
    "退款", "破损", "发错", "物流", "太慢", "色差",   "尺码", "不合适", "质量", "问题",
    "包装", "漏发", "少件", "开线", "掉色", "客服",   "态度", "差",     "快递", "丢件",
    "退货", "换货", "补发", "发票", "价格", "保价",   "赠品", "没收到", "拉链", "坏了",
    "屏幕", "碎了", "电池", "鼓包", "袖口", "羽绒服", "起球", "异味",   "已经", "申请"};
constexpr std::array<const char*, 30> kEnglishWords = {
    "refund",  "damaged", "parcel",   "wrong",   "item",     "late",    "delivery", "zipper",
    "broken",  "size",    "color",    "missing", "screen",   "cracked", "battery",  "invoice",
    "courier", "lost",    "exchange", "return",  "quality",  "stain",   "smell",    "seam",
    "split",   "the",     "arrived",  "never",   "customer", "asks"};

// A complaint's text: six in ten Chinese (3 to 6 phrases, sometimes a comma between), the rest
// English (4 to 8 words).
std::string search_corpus_text(Rng& rng) {
  std::string text;
  if (rng.below(10) < 6) {
    const auto phrases = 3 + rng.below(4);
    for (std::uint64_t i = 0; i < phrases; ++i) {
      if (i > 0 && rng.below(4) == 0) text += "，";
      text += kChinesePhrases[rng.below(kChinesePhrases.size())];
    }
  } else {
    const auto words = 4 + rng.below(5);
    for (std::uint64_t i = 0; i < words; ++i) {
      if (i > 0) text += ' ';
      text += kEnglishWords[rng.below(kEnglishWords.size())];
    }
  }
  return text;
}

// The order id of case n: "TB-<yyyymmdd>-<5 digits>" as marketplaces write them.
std::string search_corpus_order_id(std::uint64_t n) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "TB-2026%02llu%02llu-%05llu",
                static_cast<unsigned long long>(9 + n % 3),
                static_cast<unsigned long long>(1 + n % 28),
                static_cast<unsigned long long>(n % 100000));
  return buffer;
}

struct SearchCorpus {
  std::uint64_t events = 0;      // text-bearing journal entries
  std::uint64_t text_bytes = 0;  // the text those entries give the index, before segmentation
  double seconds = 0;
};

// `cases` complaints written with SQL in one transaction into a version-5 database: the cases
// rows the queue reads (8 in 10 open, SLA due spread over 30 days), each case's case.created
// entry (ids and summary) and, for every third case, a comment.
SearchCorpus write_search_corpus(redress::storage::SqliteDb& db, std::int64_t cases) {
  using redress::storage::Statement;
  const auto start = Clock::now();
  SearchCorpus corpus;
  redress::storage::Transaction tx(db, redress::storage::Transaction::Kind::kImmediate);
  Statement insert_case(
      db,
      "INSERT INTO cases (id, workflow_id, workflow_version, version, state, stage, severity, "
      "priority, category, escalation_level, assignee, team, queue_role, customer_id, order_id, "
      "sla_due, created_at, updated_at, closed_at, snapshot, summary) VALUES (?1, 'complaint', 1, "
      "?2, 'analysing', 'analyse', 'normal', 'normal', 'quality', 'agent', NULL, ?3, 'agent', ?4, "
      "?5, ?6, ?7, ?7, ?8, '{}', ?9)");
  Statement insert_event(
      db,
      "INSERT INTO case_events (case_id, case_seq, case_version, type, at, "
      "actor_id, actor_role, data) VALUES (?, ?, ?, ?, ?, 'agent.li', 'agent', ?)");
  Rng rng(0x5EA4C4);
  const std::int64_t epoch = 1'790'000'000'000;  // 2026-09 in Unix milliseconds
  for (std::int64_t n = 1; n <= cases; ++n) {
    const auto u = static_cast<std::uint64_t>(n);
    const std::string id = "C-" + std::to_string(n);
    const std::string customer = padded("cust-", mix(u) % 400000, 6);
    const std::string order = search_corpus_order_id(mix(u ^ 0x0DE4));
    const std::string summary = search_corpus_text(rng);
    const bool commented = n % 3 == 0;
    const std::int64_t created = epoch + n * 2000;
    const std::int64_t sla_due = created + static_cast<std::int64_t>(rng.below(30ULL * 86400000));
    const bool open = rng.below(10) < 8;
    insert_case.bind(1, id)
        .bind(2, commented ? 2 : 1)
        .bind(3, "team-" + std::to_string(u % 20))
        .bind(4, customer)
        .bind(5, order)
        .bind(6, open ? sla_due : kNoSlaDue)
        .bind(7, created)
        .bind_or_null(8, open ? std::nullopt : std::optional<std::int64_t>(created + 86400000))
        .bind(9, summary);
    insert_case.run();
    const nlohmann::json created_data = {
        {"id", id},
        {"workflow_id", "complaint"},
        {"customer", {{"id", customer}}},
        {"order", {{"id", order}}},
        {"fields", {{"summary", summary}, {"category", "quality"}}}};
    insert_event.bind(1, id)
        .bind(2, 1)
        .bind(3, 1)
        .bind(4, "case.created")
        .bind(5, created)
        .bind(6, created_data.dump());
    insert_event.run();
    ++corpus.events;
    corpus.text_bytes += id.size() + customer.size() + order.size() + summary.size() + 7 + 4;
    if (commented) {
      const std::string text = search_corpus_text(rng);
      insert_event.bind(1, id)
          .bind(2, 2)
          .bind(3, 2)
          .bind(4, "comment.added")
          .bind(5, created + 60000)
          .bind(6, nlohmann::json{{"text", text}}.dump());
      insert_event.run();
      ++corpus.events;
      corpus.text_bytes += text.size();
    }
  }
  tx.commit();
  corpus.seconds = seconds_since(start);
  return corpus;
}

// Bytes of the search index's tables (FTS5 keeps it in case_terms_data, _idx, _content,
// _docsize and _config), from the dbstat table when SQLite has it, else nullopt.
std::optional<std::int64_t> search_index_bytes(redress::storage::SqliteDb& db) {
  try {
    return db.query_int(
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'case_terms%'");
  } catch (const redress::storage::SqliteError&) {
    return std::nullopt;
  }
}

struct SearchQuerySet {
  const char* name;
  std::vector<std::string> texts;  // cycled through
};

int run_search_bench(const Options& options, const std::filesystem::path& db_path,
                     std::shared_ptr<const redress::Engine> engine, const RawResult& raw,
                     Clock::time_point program_start) {
  namespace storage = redress::storage;
  std::cout << "[5] full-text search on " << with_commas(static_cast<double>(options.cases))
            << " cases\n"
            << std::flush;
  remove_database_files(db_path.string());
  SearchCorpus corpus;
  double migration_seconds = 0;
  std::optional<std::int64_t> index_bytes;
  std::int64_t file_bytes_before = 0;
  std::int64_t file_bytes_after = 0;
  {
    storage::SqliteDb db(db_path.string(), storage::OpenOptions{});
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    const auto& all = storage::migrations();
    const std::vector<storage::Migration> up_to_5(all.begin(), all.begin() + 5);
    if (auto v5 = storage::migrate(db, up_to_5); !v5.ok()) fail("schema v5: " + v5.error().message);
    corpus = write_search_corpus(db, options.cases);
    std::cout << "    written with SQL in one transaction: "
              << with_commas(static_cast<double>(options.cases)) << " cases, "
              << with_commas(static_cast<double>(corpus.events))
              << " text-bearing journal entries ("
              << fixed(static_cast<double>(corpus.text_bytes) / 1e6, 1) << " MB of text) in "
              << fixed(corpus.seconds, 1) << " s\n"
              << std::flush;
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    file_bytes_before = db.query_int("PRAGMA page_count") * db.query_int("PRAGMA page_size");
    const auto start = Clock::now();
    auto migrated = storage::migrate(db);
    if (!migrated.ok()) fail("migration to the latest schema: " + migrated.error().message);
    migration_seconds = seconds_since(start);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    file_bytes_after = db.query_int("PRAGMA page_count") * db.query_int("PRAGMA page_size");
    index_bytes = search_index_bytes(db);
  }
  const auto size = index_bytes.value_or(file_bytes_after - file_bytes_before);
  const double per_case = static_cast<double>(size) / static_cast<double>(options.cases);
  std::cout << "    migration 6 (index rebuilt from the journal): " << fixed(migration_seconds, 1)
            << " s = " << with_commas(static_cast<double>(corpus.events) / migration_seconds)
            << " entries/s\n"
            << "    index size: " << with_commas(static_cast<double>(size)) << " bytes"
            << (index_bytes ? " (dbstat)" : " (file growth; dbstat is not compiled in)") << ", "
            << fixed(per_case, 1) << " bytes per case, "
            << fixed(static_cast<double>(size) / static_cast<double>(corpus.text_bytes), 2)
            << "x the text it indexes\n"
            << std::flush;

  StoreOptions read_options;  // the defaults a server runs with
  read_options.path = db_path.string();
  auto store = open_store(read_options, std::move(engine));
  const std::vector<SearchQuerySet> sets = {
      {"Chinese, 1 character  ", {"退", "损", "错", "慢", "货", "色", "码", "包", "丢", "碎"}},
      {"Chinese, 2 characters ",
       {"退款", "破损", "发错", "物流", "色差", "尺码", "漏发", "掉色", "丢件", "屏幕"}},
      {"Chinese, 3+ characters",
       {"没收到", "羽绒服", "退款太慢", "包装破损", "电池鼓包", "申请退货"}},
      {"Latin, 1 character    ", {"r", "d", "z", "s", "b"}},
      {"Latin, 2 characters   ", {"re", "da", "zi", "co", "ba"}},
      {"Latin, 3+ characters  ", {"refund", "damaged", "zipper", "courier", "cracked screen"}},
      {"id fragment           ",
       {"TB-20261005", "20261112-0042", "cust-00123", "C-4242", "TB-20260917-12"}},
  };
  std::cout << "    " << options.queries << " queries per figure after 20 warm-up queries, the "
            << "words in turn, one at a time; each lists open cases in SLA order, 51 rows (a page "
               "of 50 and one to tell whether another follows)\n";
  struct SearchFigure {
    std::string name;
    Latency latency;
  };
  std::vector<SearchFigure> figures;
  const double raw_commit_ms = 1e3 / raw.rate();
  for (const auto& set : sets) {
    const auto latency = measure(20, options.queries, [&](size_t i, std::uint64_t* rows) {
      CaseQuery q;
      q.text = set.texts[i % set.texts.size()];
      q.limit = 51;
      auto r = store->list_cases(q);
      if (!r.ok()) fail("list_cases(q=" + q.text + "): " + r.error().message);
      if (rows) *rows += r.value().size();
    });
    std::cout << "    " << set.name << ": p50 " << fixed(latency.p50(), 3) << " ms, p99 "
              << fixed(latency.p99(), 3) << " ms (" << fixed(latency.p99() / raw_commit_ms, 2)
              << "x one raw commit), max " << fixed(latency.max(), 3) << " ms, "
              << fixed(latency.mean_rows(), 1) << " rows on average\n"
              << std::flush;
    figures.push_back({set.name, latency});
  }
  store.reset();
  std::cout << "\n";

  std::vector<Row> rows;
  rows.push_back({"raw SQLite durable commits/s (disk ceiling)",
                  with_commas(raw.rate()) + " (" + fixed(raw_commit_ms, 3) + " ms each)", "-", ""});
  rows.push_back({"index bytes (bytes per case)",
                  with_commas(static_cast<double>(size)) + " (" + fixed(per_case, 1) + ")", "-",
                  ""});
  rows.push_back({"migration 6 rebuild s", fixed(migration_seconds, 1), "-", ""});
  for (const auto& f : figures) {
    std::string name = f.name;
    while (!name.empty() && name.back() == ' ') name.pop_back();
    rows.push_back({"search p50 ms, " + name, fixed(f.latency.p50(), 3), "-", ""});
    rows.push_back(
        {"search p99 ms, " + name + " (x raw commit)",
         fixed(f.latency.p99(), 3) + " (" + fixed(f.latency.p99() / raw_commit_ms, 2) + "x)", "-",
         ""});
  }
  rows.push_back({"peak RSS MB", fixed(peak_rss_mb(), 1), "-", ""});
  std::cout << "Summary (" << with_commas(static_cast<double>(options.cases)) << " cases, "
            << fixed(seconds_since(program_start), 0) << " s in all)\n";
  print_table(rows);
  return 0;
}

}  // namespace

// --- 6. parcel events (--parcels) ------------------------------------------------------------

std::string parcel_tracking_number(std::int64_t i) {
  return "SF" + std::to_string(7'000'000'000 + i);
}

// Case `i` of part 6: a return of an order, approved, its parcel handed to the carrier.
CaseCommand parcel_return_create(std::int64_t i, Instant at) {
  Rng rng(mix(kSeed ^ 0x70a7ULL ^ static_cast<std::uint64_t>(i)));
  CreateCase create;
  create.workflow_id = "return_exchange";
  create.severity = "normal";
  create.customer.id = padded("cust-", rng.below(kCustomers), 6);
  create.customer.segment = "regular";
  create.order.id = "TB-" + std::to_string(200'000'000 + i);
  create.order.paid = redress::Money{static_cast<std::int64_t>(1'000 + rng.below(200'000)), "CNY"};
  create.order.refunded = redress::Money{0, "CNY"};
  const auto team = rng.below(kTeams);
  create.team = team_name(team);
  create.assignee = agent_name(team * kAgentsPerTeam + rng.below(kAgentsPerTeam));
  create.fields = {{"request_type", "return_refund"}};
  const Actor actor{create.assignee, Role::kAgent, create.team};
  return CaseCommand{"", Command{std::move(create), std::nullopt}, actor, at};
}

// Populates `count` returns in transit (create, approve_request, provide_tracking), `window`
// submissions in flight; returns their ids in index order.
std::vector<std::string> populate_parcel_returns(CaseStore& store, std::int64_t count,
                                                 size_t window, Instant at) {
  struct InFlight {
    std::future<redress::Result<CommandOutcome>> future;
    std::int64_t index = 0;
    int step = 0;  // 0 create, 1 approve_request, 2 provide_tracking
  };
  std::vector<std::string> ids(static_cast<size_t>(count));
  std::deque<InFlight> flight;
  std::int64_t next = 0;
  while (next < count || !flight.empty()) {
    while (flight.size() < window && next < count) {
      flight.push_back({store.submit(parcel_return_create(next, at)), next, 0});
      ++next;
    }
    auto item = std::move(flight.front());
    flight.pop_front();
    auto result = item.future.get();
    if (!result.ok() || !result.value().accepted()) {
      fail("return " + std::to_string(item.index) + " step " + std::to_string(item.step) + ": " +
           describe(result));
    }
    const auto& snapshot = result.value().snapshot;
    const Actor actor{snapshot.assignee, Role::kAgent, snapshot.team};
    if (item.step == 0) {
      ids[static_cast<size_t>(item.index)] = snapshot.id;
      flight.push_back(
          {store.submit({snapshot.id, Command{FireTransition{"approve_request", {}}, std::nullopt},
                         actor, at}),
           item.index, 1});
    } else if (item.step == 1) {
      FireTransition provide{"provide_tracking",
                             {{"tracking_number", parcel_tracking_number(item.index)}}};
      flight.push_back(
          {store.submit({snapshot.id, Command{std::move(provide), std::nullopt}, actor, at}),
           item.index, 2});
    }
  }
  return ids;
}

// Records one event and waits for it to be durable; fails the benchmark unless it reached
// exactly `expected_cases` cases and fired `expected_fired` transitions.
void record_parcel_event(redress::storage::CarrierEventStore& events,
                         redress::storage::CarrierEventInput input, size_t expected_cases,
                         size_t expected_fired) {
  std::promise<redress::Result<redress::storage::RecordedCarrierEvents>> done;
  events.record({std::move(input)}, Actor{"carrier-sync", Role::kIntegration, ""}, wall_now(),
                [&done](redress::Result<redress::storage::RecordedCarrierEvents> r) {
                  done.set_value(std::move(r));
                });
  auto result = done.get_future().get();
  if (!result.ok()) fail("a parcel event: " + result.error().message);
  const auto& recorded = result.value();
  if (recorded.cases.size() != expected_cases || recorded.fired.size() != expected_fired) {
    fail("a parcel event reached " + std::to_string(recorded.cases.size()) + " case(s) and fired " +
         std::to_string(recorded.fired.size()) + " transition(s), expected " +
         std::to_string(expected_cases) + " and " + std::to_string(expected_fired));
  }
}

// The open cases holding `numbers[i]`, read `count` times with `sql` on its own read-only
// connection (?1: the tracking number); every lookup must find exactly one case.
Latency parcel_lookup(const std::string& path, const char* sql,
                      const std::vector<std::string>& numbers, size_t warmup, size_t count) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    fail("cannot open " + path + " to read");
  }
  sqlite3_stmt* statement = nullptr;
  raw_check(db, sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), "prepare a parcel lookup");
  auto latency = measure(warmup, count, [&](size_t i, std::uint64_t* rows) {
    const auto& number = numbers[i % numbers.size()];
    sqlite3_reset(statement);
    raw_check(db,
              sqlite3_bind_text(statement, 1, number.data(), static_cast<int>(number.size()),
                                SQLITE_TRANSIENT),
              "bind a tracking number");
    std::uint64_t found = 0;
    while (sqlite3_step(statement) == SQLITE_ROW) ++found;
    if (found != 1) fail("tracking number " + number + ": " + std::to_string(found) + " cases");
    if (rows) *rows += found;
  });
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return latency;
}

int run_parcel_bench(const Options& options, const std::filesystem::path& db_path,
                     std::shared_ptr<const redress::Engine> engine, const RawResult& raw,
                     Clock::time_point program_start) {
  namespace storage = redress::storage;
  const auto count = options.cases;
  std::cout << "[6] parcel events on " << with_commas(static_cast<double>(count))
            << " returns in transit (return_exchange v3, one tracking number each)\n"
            << std::flush;
  remove_database_files(db_path.string());
  std::vector<std::string> ids;
  {
    StoreOptions populate_options;
    populate_options.path = db_path.string();
    populate_options.synchronous = Synchronous::kNormal;  // population only, as part 3's
    auto store = open_store(populate_options, engine);
    const auto start = Clock::now();
    ids = populate_parcel_returns(*store, count, options.inflight, wall_now());
    const auto seconds = seconds_since(start);
    std::cout << "    populated through CaseStore::submit (3 commands a case) in "
              << fixed(seconds, 1)
              << " s = " << with_commas(3.0 * static_cast<double>(count) / seconds)
              << " commands/s\n"
              << std::flush;
  }

  // Events on random returns, each a durable write (synchronous=FULL, the store's default).
  StoreOptions store_options;
  store_options.path = db_path.string();
  auto store = open_store(store_options, engine);
  storage::CarrierEventStore events(*store);
  Rng rng(kSeed ^ 0xca77'1e75ULL);
  std::vector<std::int64_t> order(static_cast<size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) order[static_cast<size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(kSeed));
  const auto event_for = [&](std::int64_t i, const char* kind, std::uint64_t n) {
    return storage::CarrierEventInput{"sf-express",
                                      "bench-" + std::to_string(n),
                                      parcel_tracking_number(i),
                                      "",
                                      kind,
                                      wall_now(),
                                      "Hangzhou",
                                      "scanned"};
  };
  const size_t queries = std::min(options.queries, static_cast<size_t>(count));
  const size_t warmup = std::min<size_t>(options.warmup / 4, queries);
  std::uint64_t serial = 0;
  const auto in_transit = measure(warmup, queries, [&](size_t, std::uint64_t* rows) {
    const auto i = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(count)));
    record_parcel_event(events, event_for(i, "in_transit", serial++), 1, 0);
    if (rows) *rows += 1;
  });
  // Deliveries on distinct returns: each fires receive_item (received, the warehouse's clock).
  const size_t deliveries = std::min(queries, static_cast<size_t>(count) - warmup);
  const auto delivered = measure(warmup, deliveries, [&](size_t k, std::uint64_t* rows) {
    record_parcel_event(events, event_for(order[k], "delivered", serial++), 1, 1);
    if (rows) *rows += 1;
  });
  store.reset();  // drains and checkpoints

  const double raw_ms = 1e3 / raw.rate();
  const auto print_write = [&](const char* what, const Latency& l) {
    std::cout << "    " << what << ": p50 " << fixed(l.p50(), 2) << " ms, p99 " << fixed(l.p99(), 2)
              << " ms = " << fixed(l.p50() / raw_ms, 2) << "x / " << fixed(l.p99() / raw_ms, 2)
              << "x one raw commit (" << fixed(raw_ms, 2) << " ms)\n";
  };
  print_write("an in-transit event (1 case, 1 parcel.event webhook)", in_transit);
  print_write("a delivery (also fires receive_item: journal, timers, case webhooks)", delivered);

  // The lookup: the index against the scan it replaced, on the same file (the delivered
  // returns are no longer in transit but still open, so every number still finds its case).
  std::vector<std::string> numbers;
  for (size_t k = 0; k < queries; ++k) {
    numbers.push_back(parcel_tracking_number(
        static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(count)))));
  }
  const char* const kSnapshotScanSql =
      "SELECT id, team, assignee FROM cases WHERE closed_at IS NULL AND EXISTS ("
      "SELECT 1 FROM json_each(snapshot, '$.fields') AS f WHERE f.value = ?1 AND "
      "f.type = 'text' AND (f.key = 'tracking_number' OR f.key LIKE '%\\_tracking' ESCAPE "
      "'\\'))";
  const auto indexed =
      parcel_lookup(db_path.string(), storage::kOpenCasesOfParcelSql, numbers, warmup, queries);
  // The scan reads every open snapshot: a few of them say enough.
  const size_t scans = std::max<size_t>(5, queries / 50);
  const auto scanned = parcel_lookup(db_path.string(), kSnapshotScanSql, numbers, 1, scans);
  std::cout << "    a tracking number's open cases through case_parcels: p50 "
            << fixed(indexed.p50() * 1e3, 1) << " us, p99 " << fixed(indexed.p99() * 1e3, 1)
            << " us\n"
            << "    the same through the json_each scan of open snapshots it replaced: p50 "
            << fixed(scanned.p50(), 1) << " ms, p99 " << fixed(scanned.p99(), 1) << " ms (" << scans
            << " lookups) = " << with_commas(scanned.p50() / indexed.p50()) << "x the index\n";

  const double in_transit_ratio = in_transit.p50() / raw_ms;
  std::cout << "\n";
  print_table({
      {"in-transit event p50, x raw commit", fixed(in_transit_ratio, 2), "", ""},
      {"delivery p50, x raw commit", fixed(delivered.p50() / raw_ms, 2), "", ""},
      {"index lookup p50 (us)", fixed(indexed.p50() * 1e3, 1), "", ""},
      {"scan / index lookup p50", with_commas(scanned.p50() / indexed.p50()), "", ""},
      {"peak RSS (MB)", fixed(peak_rss_mb(), 0), "", ""},
  });
  std::cout << "\n  ran " << fixed(seconds_since(program_start), 1) << " s\n";
  return 0;
}

int main(int argc, char** argv) {
  const auto parsed = parse_options(argc, argv);
  if (!parsed) return 1;
  const Options options = *parsed;
  const auto program_start = Clock::now();

  auto load = redress::WorkflowCatalog::load_directory(options.workflows);
  if (!load.catalog) fail("the workflows in " + options.workflows + " do not load");
  const auto engine = std::make_shared<const redress::Engine>(load.catalog);

  const std::filesystem::path db_path = std::filesystem::absolute(options.db);
  const auto dir = db_path.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir.string() + ": " + ec.message());

  std::cout << "redress_storage_bench" << (options.quick ? " --quick" : "") << "\n"
            << "  SQLite " << sqlite3_libversion() << ", " << std::thread::hardware_concurrency()
            << " hardware threads, "
#ifdef NDEBUG
            << "optimised build (NDEBUG)"
#else
            << "ASSERTIONS ON: not a Release build, figures are not representative"
#endif
            << "\n  database " << db_path.string() << " ("
            << with_commas(static_cast<double>(options.cases)) << " cases), scratch files in "
            << dir.string() << "\n\n";

  // 1. -------------------------------------------------------------------------------------------
  std::cout << "[1] raw SQLite durable commits (WAL, synchronous=FULL, one prepared INSERT of one "
               "small row per transaction, fresh file)\n"
            << std::flush;
  const auto raw = raw_commit_rate((dir / "raw-commit-bench.db").string(), options.seconds);
  std::cout << "    " << with_commas(static_cast<double>(raw.commits)) << " commits in "
            << fixed(raw.seconds, 2) << " s = " << with_commas(raw.rate())
            << " commits/s  (the disk's ceiling for one-at-a-time durable commits; "
            << fixed(1e3 / raw.rate(), 2) << " ms each)\n\n";
  if (options.search) return run_search_bench(options, db_path, engine, raw, program_start);
  if (options.parcels) return run_parcel_bench(options, db_path, engine, raw, program_start);

  // 1b. ------------------------------------------------------------------------------------------
  std::cout << "[1b] the schema's write ceiling: SQLite alone applying one transition's rows "
               "(real schema and store pragmas, 64 cases created by CaseStore, then per transition "
               "in a savepoint: read the case, update its row with its snapshot, K journal rows, "
               "2 timer rows replaced; 64 transitions per transaction)\n"
            << std::flush;
  struct CeilingRun {
    std::string k, detail;  // journal rows per transition, and what they stand for
    int rows_a, rows_b;
    CeilingResult result;
  };
  std::vector<CeilingRun> ceilings = {
      {"4", "journal rows (5 and 3 alternating: what part 2's two transitions write)", 5, 3, {}},
      {"1", "journal row (what one row per decision would cost)", 1, 1, {}}};
  for (auto& c : ceilings) {
    c.result = schema_ceiling((dir / "schema-ceiling-bench.db").string(), engine, c.rows_a,
                              c.rows_b, options.seconds);
    std::cout << "    K = " << c.k << " " << c.detail << ": " << with_commas(c.result.rate())
              << " transitions/s = " << fixed(c.result.rate() / raw.rate(), 2) << "x raw\n"
              << std::flush;
  }
  std::cout << "\n";

  // 2. -------------------------------------------------------------------------------------------
  std::cout << "[2] durable complaint transitions through CaseStore::execute (synchronous=FULL, "
               "fresh database; request_customer_info / customer_provided_info alternating, one "
               "case per writer, actor agent of after_sales)\n"
            << std::flush;
  std::vector<WriterRun> runs;
  StoreStats writer_totals;
  {
    const auto path = (dir / "writers-bench.db").string();
    remove_database_files(path);
    StoreOptions store_options;
    store_options.path = path;
    auto store = open_store(store_options, engine);
    std::vector<std::vector<std::string>> groups;
    int made = 0;
    for (int writers : {1, 8, 64}) {
      std::vector<std::string> ids;
      for (int w = 0; w < writers; ++w) {
        // One at a time, so that setup does not inflate the largest batch.
        auto created = store->execute(complaint_for_writer(made++));
        if (!created.ok() || !created.value().accepted()) {
          fail("creating a writer's case: " + describe(created));
        }
        ids.push_back(created.value().snapshot.id);
      }
      groups.push_back(std::move(ids));
    }
    for (const auto& ids : groups) {
      auto run = run_writers(*store, ids, options.seconds);
      std::cout << "    " << run.writers << (run.writers == 1 ? " writer:  " : " writers: ")
                << with_commas(run.rate()) << " commands/s = " << fixed(run.rate() / raw.rate(), 2)
                << "x raw; latency p50 " << fixed(percentile(run.latencies_us, 50) / 1e3, 2)
                << " ms, p99 " << fixed(percentile(run.latencies_us, 99) / 1e3, 2) << " ms; "
                << run.stats.transactions << " transactions for " << run.stats.writes << " writes ("
                << fixed(
                       static_cast<double>(run.stats.writes) /
                           static_cast<double>(std::max<std::uint64_t>(1, run.stats.transactions)),
                       1)
                << " per commit), largest batch so far " << run.stats.largest_batch << "; "
                << fixed(static_cast<double>(run.journal_entries) /
                             static_cast<double>(std::max<std::uint64_t>(1, run.commands)),
                         1)
                << " journal entries per command; snapshot cache " << run.stats.snapshot_cache_hits
                << " hits, " << run.stats.snapshot_cache_misses << " misses; WAL checkpoints "
                << run.stats.checkpoints.background << " in the background, "
                << run.stats.checkpoints.by_writer << " finished by the writer, largest WAL "
                << run.stats.checkpoints.largest_wal_frames << " frames\n"
                << std::flush;
      runs.push_back(std::move(run));
    }
    writer_totals = store->stats();
    std::cout << "    CaseStore::stats(): transactions " << writer_totals.transactions
              << ", writes " << writer_totals.writes << ", largest batch "
              << writer_totals.largest_batch << ", batch retries " << writer_totals.batch_retries
              << "\n\n";
    store.reset();
    remove_database_files(path);
  }
  const double rss_after_writers = peak_rss_mb();

  // 3. -------------------------------------------------------------------------------------------
  std::cout << "[3] reads on a database of " << with_commas(static_cast<double>(options.cases))
            << " cases\n"
            << std::flush;
  std::int64_t existing = 0;
  {
    StoreOptions probe;
    probe.path = db_path.string();
    auto store = open_store(probe, engine);
    auto count = store->count_cases();
    if (!count.ok()) fail("counting cases: " + count.error().message);
    existing = count.value();
  }
  std::optional<PopulationResult> population;
  if (existing >= options.cases) {
    std::cout << "    population skipped: the database already holds "
              << with_commas(static_cast<double>(existing)) << " cases\n";
  } else {
    std::cout << "    populating cases " << with_commas(static_cast<double>(existing + 1)) << ".."
              << with_commas(static_cast<double>(options.cases))
              << " through CaseStore::submit (CreateCase; 20% then confirm_problem, 10% withdraw), "
              << options.populate_threads << " submitting threads, at most " << options.inflight
              << " in flight, synchronous=NORMAL for population only\n"
              << std::flush;
    population = populate(options, engine, existing, options.cases);
    const auto& p = *population;
    const auto commands = p.created + p.confirmed + p.withdrawn;
    std::cout << "    populated " << with_commas(static_cast<double>(p.created)) << " cases ("
              << with_commas(static_cast<double>(p.confirmed)) << " confirmed, "
              << with_commas(static_cast<double>(p.withdrawn)) << " withdrawn) in "
              << fixed(p.seconds, 1)
              << " s = " << with_commas(static_cast<double>(p.created) / p.seconds) << " cases/s, "
              << with_commas(static_cast<double>(commands) / p.seconds) << " commands/s; "
              << p.stats.transactions << " transactions, largest batch " << p.stats.largest_batch
              << ", batch retries " << p.stats.batch_retries << "\n";
  }
  const double rss_after_population = peak_rss_mb();
  std::uintmax_t db_bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code size_ec;
    const auto size = std::filesystem::file_size(db_path.string() + suffix, size_ec);
    if (!size_ec) db_bytes += size;
  }

  StoreOptions read_options;  // the defaults a server runs with
  read_options.path = db_path.string();
  auto store = open_store(read_options, engine);
  auto counted = store->count_cases();
  if (!counted.ok()) fail("counting cases: " + counted.error().message);
  const std::int64_t total = counted.value();
  if (total < 1) fail("the database holds no cases");
  std::cout << "    database: " << with_commas(static_cast<double>(total)) << " cases, "
            << fixed(static_cast<double>(db_bytes) / (1024.0 * 1024.0), 0) << " MB on disk\n"
            << "    " << options.queries << " random queries per figure after " << options.warmup
            << " warm-up queries, one at a time from one thread, no concurrent writes\n"
            << std::flush;

  std::uint64_t misses = 0;
  Rng rng(0xC0FFEE);
  const auto case_load = measure(options.warmup, options.queries, [&](size_t, std::uint64_t* rows) {
    const auto id = "C-" + std::to_string(1 + rng.below(static_cast<std::uint64_t>(total)));
    auto r = store->load_case_with_journal(id);
    if (!r.ok()) fail("load_case_with_journal(" + id + "): " + r.error().message);
    if (!r.value()) {
      ++misses;
      return;
    }
    if (rows) *rows += r.value()->events.size();
  });
  auto queue = [&](bool unassigned) {
    return [&, unassigned](size_t, std::uint64_t* rows) {
      CaseQuery q;
      q.team = team_name(rng.below(kTeams));
      q.unassigned_only = unassigned;
      q.limit = 50;
      auto r = store->list_cases(q);
      if (!r.ok()) fail("list_cases: " + r.error().message);
      if (rows) *rows += r.value().size();
    };
  };
  const auto team_queue = measure(options.warmup, options.queries, queue(false));
  const auto unassigned_queue = measure(options.warmup, options.queries, queue(true));
  const auto my_cases = measure(options.warmup, options.queries, [&](size_t, std::uint64_t* rows) {
    CaseQuery q;
    q.assignee = agent_name(rng.below(kTeams * kAgentsPerTeam));
    q.limit = 50;
    auto r = store->list_cases(q);
    if (!r.ok()) fail("list_cases: " + r.error().message);
    if (rows) *rows += r.value().size();
  });
  if (misses > 0) {
    std::cout << "    note: " << misses << " random case ids were not found (ids C-1..C-" << total
              << " assumed)\n";
  }
  auto print_latency = [](const char* name, const Latency& l, const char* unit) {
    std::cout << "    " << name << ": p50 " << fixed(l.p50(), 3) << " ms, p99 " << fixed(l.p99(), 3)
              << " ms, max " << fixed(l.max(), 3) << " ms (" << fixed(l.mean_rows(), 1) << " "
              << unit << " on average)\n";
  };
  print_latency("load_case_with_journal (random id)       ", case_load, "journal entries");
  print_latency("list_cases team queue (open, SLA order)  ", team_queue, "cases");
  print_latency("list_cases team queue, unassigned only   ", unassigned_queue, "cases");
  print_latency("list_cases assignee's open cases (extra) ", my_cases, "cases");
  store.reset();

  // 4. -------------------------------------------------------------------------------------------
  const double rss = peak_rss_mb();
  std::cout << "\n[4] peak resident memory (getrusage ru_maxrss): " << fixed(rss, 1)
            << " MB (after part 2: " << fixed(rss_after_writers, 1)
            << " MB, after population: " << fixed(rss_after_population, 1) << " MB)\n\n";

  // Summary ----------------------------------------------------------------------------------
  auto verdict = [](bool pass) { return std::string(pass ? "PASS" : "MISS"); };
  std::vector<Row> rows;
  rows.push_back({"raw SQLite durable commits/s (disk ceiling)", with_commas(raw.rate()), "-", ""});
  for (const auto& c : ceilings) {
    rows.push_back(
        {"schema ceiling, SQLite alone, K = " + c.k + " (x raw)",
         with_commas(c.result.rate()) + " (" + fixed(c.result.rate() / raw.rate(), 2) + "x)", "-",
         ""});
  }
  for (const auto& run : runs) {
    const double ratio = run.rate() / raw.rate();
    const bool targeted = run.writers == 64;
    rows.push_back({"transitions/s, " + std::to_string(run.writers) + " writer" +
                        (run.writers == 1 ? "" : "s") + " (x raw)",
                    with_commas(run.rate()) + " (" + fixed(ratio, 2) + "x)",
                    targeted ? ">= 5.00x raw" : "-", targeted ? verdict(ratio >= 5.0) : ""});
  }
  rows.push_back(
      {"largest group-commit batch", std::to_string(writer_totals.largest_batch), "-", ""});
  if (population) {
    rows.push_back({"population, cases/s (synchronous=NORMAL)",
                    with_commas(static_cast<double>(population->created) / population->seconds),
                    "-", ""});
  }
  rows.push_back({"load_case_with_journal p50 ms", fixed(case_load.p50(), 3), "-", ""});
  rows.push_back({"load_case_with_journal p99 ms", fixed(case_load.p99(), 3), "< 2 ms",
                  verdict(case_load.p99() < 2.0)});
  rows.push_back({"team queue list_cases p50 ms", fixed(team_queue.p50(), 3), "-", ""});
  rows.push_back({"team queue list_cases p99 ms", fixed(team_queue.p99(), 3), "< 5 ms",
                  verdict(team_queue.p99() < 5.0)});
  rows.push_back({"unassigned queue list_cases p50 ms", fixed(unassigned_queue.p50(), 3), "-", ""});
  rows.push_back({"unassigned queue list_cases p99 ms", fixed(unassigned_queue.p99(), 3), "< 5 ms",
                  verdict(unassigned_queue.p99() < 5.0)});
  rows.push_back({"peak RSS MB", fixed(rss, 1), "< 300 MB", verdict(rss < 300.0)});
  std::cout << "Summary (" << with_commas(static_cast<double>(total)) << " cases, "
            << fixed(seconds_since(program_start), 0) << " s in all)\n";
  print_table(rows);
  return 0;
}
