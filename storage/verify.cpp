#include "storage/verify.h"

#include <algorithm>
#include <limits>
#include <map>

#include <sqlite3.h>

#include "engine/case_snapshot.h"
#include "engine/money.h"
#include "storage/attachment_store.h"
#include "storage/case_parcels.h"
#include "storage/case_rows.h"
#include "storage/schema.h"
#include "storage/sqlite.h"

namespace redress::storage {
namespace {

class Verifier {
 public:
  Verifier(SqliteDb& db, const VerifyProgress& progress, const MoneyBounds& bounds,
           std::string content_directory)
      : db_(db),
        statements_(db),
        progress_(progress),
        bounds_(bounds),
        content_(std::move(content_directory)) {}

  VerifyReport run() {
    check_integrity();
    const int version = schema_version(db_);
    if (version != latest_schema_version()) {
      add("", "SCHEMA_VERSION",
          "schema version " + std::to_string(version) + ", this build writes " +
              std::to_string(latest_schema_version()) + "; run `redress migrate`");
      return std::move(report_);  // the checks below assume the current layout
    }
    Transaction snapshot_view(db_, Transaction::Kind::kDeferred);
    const auto total = db_.query_int("SELECT count(*) FROM cases");
    auto cases = statements_.get(std::string("SELECT ") + rows::kCaseColumnList +
                                 ", snapshot FROM cases ORDER BY rowid");
    while (cases->step()) {
      check_case(rows::case_columns_from_row(*cases), cases->column_text(rows::kCaseColumnCount));
      ++report_.cases;
      if (progress_ && (report_.cases % 5000 == 0 || report_.cases == total)) {
        progress_(report_.cases, total);
      }
    }
    check_orphans("case_events", "ORPHAN_EVENTS", "journal entries");
    check_orphans("timers", "ORPHAN_TIMERS", "timer rows");
    check_orphans("promises", "ORPHAN_PROMISES", "promise rows");
    check_orphans("attachments", "ORPHAN_ATTACHMENTS", "attachments");
    check_attachment_files();
    snapshot_view.commit();
    return std::move(report_);
  }

 private:
  void add(const std::string& case_id, const std::string& code, const std::string& message) {
    ++report_.problems_total;
    if (report_.problems.size() < kMaxReportedProblems) {
      report_.problems.push_back({case_id, code, message});
    }
  }

  void check_integrity() {
    Statement s(db_, "PRAGMA integrity_check");
    while (s.step()) {
      const auto line = s.column_text(0);
      if (line != "ok") add("", "INTEGRITY", line);
    }
  }

  void check_case(const rows::CaseColumns& columns, const std::string& stored_text) {
    const auto& id = columns.id;
    std::vector<StoredEvent> journal;
    try {
      journal = rows::load_journal(statements_, id);
    } catch (const SqliteError& e) {
      // A damaged journal entry is a finding; an I/O error or a lock is not: it stops verify.
      if ((e.code() & 0xff) != SQLITE_CORRUPT) throw;
      add(id, "REPLAY_FAILED", e.what());
      return;
    }
    report_.events += static_cast<std::int64_t>(journal.size());
    std::vector<Event> events;
    events.reserve(journal.size());
    for (size_t i = 0; i < journal.size(); ++i) {
      if (journal[i].case_seq != static_cast<std::int64_t>(i + 1)) {
        add(id, "JOURNAL_GAP",
            "journal entry " + std::to_string(i + 1) + " is numbered " +
                std::to_string(journal[i].case_seq));
        return;
      }
      events.push_back(std::move(journal[i].event));
    }
    const auto stored = nlohmann::json::parse(stored_text, nullptr, false);
    if (stored.is_discarded()) {
      add(id, "REPLAY_MISMATCH", "the stored snapshot is not JSON");
      return;
    }
    auto replayed = replay(events);
    if (!replayed.ok()) {
      add(id, "REPLAY_FAILED", replayed.error().message);
      return;
    }
    const auto& snapshot = replayed.value();
    const auto replayed_json = snapshot_to_json(snapshot);
    if (replayed_json != stored) {
      const auto diff = nlohmann::json::diff(stored, replayed_json);
      std::string where = diff.empty() ? "" : diff.front().value("path", "");
      add(id, "REPLAY_MISMATCH",
          "replaying " + std::to_string(events.size()) +
              " journal entries does not reproduce the stored snapshot; first difference at '" +
              where + "' (" + std::to_string(diff.size()) + " differences)");
      return;
    }
    const auto expected_columns = rows::case_columns(snapshot);
    if (expected_columns != columns) {
      add(id, "COLUMN_MISMATCH",
          "the columns queues filter on disagree with the snapshot: " +
              rows::differing_columns(expected_columns, columns));
    }
    check_projections(snapshot);
    check_amounts(snapshot);
    std::map<std::string, std::int64_t> expected;
    for (const auto& t : snapshot.timers) expected[t.key] = to_millis(t.due);
    std::map<std::string, std::int64_t> actual;
    auto timers = statements_.get("SELECT timer_key, due_at FROM timers WHERE case_id = ?");
    timers->bind(1, id);
    while (timers->step()) actual[timers->column_text(0)] = timers->column_int(1);
    if (expected != actual) {
      add(id, "TIMER_MISMATCH",
          "the case has " + std::to_string(expected.size()) + " pending timers but " +
              std::to_string(actual.size()) + " timer rows (or their due times differ)");
    }
  }

  std::int64_t max_amount(const std::string& currency) const {
    const auto it = bounds_.find(currency);
    return it == bounds_.end() ? kMaxMoneyAmount : std::min(it->second, kMaxMoneyAmount);
  }

  // Amounts stored before they were bounded (or written behind the engine's back): each within
  // [0, its currency's bound], and the granted totals summed without overflow.
  void check_amounts(const CaseSnapshot& snapshot) {
    const auto check = [&](const Money& m, const std::string& what) {
      if (m.amount < 0 || m.amount > max_amount(m.currency)) {
        add(snapshot.id, "AMOUNT_OUT_OF_BOUNDS",
            what + " is " + std::to_string(m.amount) + " minor units of " + m.currency +
                "; amounts must be between 0 and " + std::to_string(max_amount(m.currency)));
      }
    };
    check(snapshot.order.paid, "order paid");
    check(snapshot.order.refunded, "order refunded");
    if (snapshot.fields.is_object()) {
      for (const auto& [name, value] : snapshot.fields.items()) {
        if (!value.is_object() || !value.contains("amount")) continue;
        const auto money = money_from_json(value, /*allow_negative=*/true);
        if (money.ok()) check(money.value(), "field '" + name + "'");
      }
    }
    std::map<std::string, std::int64_t> granted;  // currency -> total
    for (const auto& c : snapshot.compensations) {
      check(c.value, "compensation " + c.id);
      if (c.status != "approved" && c.status != "executed") continue;
      auto& total = granted[c.value.currency];
      if (__builtin_add_overflow(total, c.value.amount, &total)) {
        add(snapshot.id, "TOTAL_OUT_OF_BOUNDS",
            "the compensation granted in " + c.value.currency +
                " adds up past the largest total that can be stored (at " + c.id + ")");
        total = std::numeric_limits<std::int64_t>::max();
        break;
      }
    }
  }

  // The compensation, promise, approval and parcel rows must be exactly the snapshot's records.
  void check_projections(const CaseSnapshot& snapshot) {
    std::map<std::string, std::string> compensations;
    for (const auto& c : snapshot.compensations) {
      compensations[c.id] =
          c.status + " " + std::to_string(c.value.amount) + " " + c.value.currency;
    }
    check_projection(snapshot.id, compensations, "compensations",
                     "SELECT compensation_id, status || ' ' || amount || ' ' || currency "
                     "FROM compensations WHERE case_id = ?");
    std::map<std::string, std::string> promises;
    for (const auto& p : snapshot.promises) {
      promises[p.id] =
          rows::promise_row_signature(p.status, to_millis(p.due), snapshot.team, snapshot.assignee);
    }
    check_projection(snapshot.id, promises, "promises",
                     "SELECT promise_id, status || ' ' || due_at || ' ' || coalesce(team, '') || "
                     "' ' || coalesce(assignee, '') FROM promises WHERE case_id = ?");
    std::map<std::string, std::string> approvals;
    for (const auto& a : snapshot.approvals) approvals[a.id] = a.status + " " + a.required_role;
    check_projection(snapshot.id, approvals, "approvals",
                     "SELECT approval_id, status || ' ' || required_role "
                     "FROM approvals WHERE case_id = ?");
    // The tracking fields' rows; a carrier trigger's other field would need the workflow
    // version, which verify does not load.
    std::map<std::string, std::string> parcels;
    for (const auto& p : case_parcels(snapshot, nullptr)) parcels[p.field] = p.tracking_number;
    check_projection(snapshot.id, parcels, "case_parcels",
                     "SELECT field, tracking_number FROM case_parcels WHERE case_id = ? AND "
                     "(field = 'tracking_number' OR field LIKE '%\\_tracking' ESCAPE '\\')");
  }

  // `sql` yields (record id, signature) rows for one case; they must equal `expected`.
  void check_projection(const std::string& case_id,
                        const std::map<std::string, std::string>& expected,
                        const std::string& table, const std::string& sql) {
    std::map<std::string, std::string> actual;
    auto s = statements_.get(sql);
    s->bind(1, case_id);
    while (s->step()) actual[s->column_text(0)] = s->column_text(1);
    if (expected != actual) {
      add(case_id, "PROJECTION_MISMATCH",
          "the " + table + " table disagrees with the case's " + std::to_string(expected.size()) +
              " records");
    }
  }

  void check_orphans(const std::string& table, const std::string& code, const std::string& what) {
    Statement s(db_, "SELECT case_id, count(*) FROM " + table +
                         " WHERE case_id NOT IN (SELECT id FROM cases) GROUP BY case_id LIMIT 100");
    while (s.step()) {
      add(s.column_text(0), code,
          std::to_string(s.column_int(1)) + " " + what + " belong to a case that does not exist");
    }
  }

  // Every content file a row names (an attachment's and its thumbnail's) must exist and hash to
  // its name: the files live outside the database, where nothing else guards them.
  void check_attachment_files() {
    auto s = statements_.get(
        "SELECT case_id, id, sha256, thumbnail_sha256 FROM attachments ORDER BY case_id, id");
    while (s->step()) {
      const auto case_id = s->column_text(0);
      const auto id = s->column_text(1);
      check_content_file(case_id, "attachment " + id, s->column_text(2));
      if (!s->column_is_null(3)) {
        check_content_file(case_id, "the thumbnail of attachment " + id, s->column_text(3));
      }
      ++report_.attachments;
    }
  }

  void check_content_file(const std::string& case_id, const std::string& what,
                          const std::string& sha256) {
    ContentFiles files(content_);
    switch (files.check(sha256)) {
      case ContentCheck::kOk:
        return;
      case ContentCheck::kMissing:
        add(case_id, "ATTACHMENT_MISSING",
            what + ": the file " + files.path_of(sha256) + " is missing; restore it from a backup");
        return;
      case ContentCheck::kCorrupt:
        add(case_id, "ATTACHMENT_CORRUPT",
            what + ": the file " + files.path_of(sha256) +
                " does not hash to its SHA-256; restore it from a backup");
        return;
    }
  }

  SqliteDb& db_;
  StatementCache statements_;
  const VerifyProgress& progress_;
  const MoneyBounds& bounds_;
  std::string content_;
  VerifyReport report_;
};

}  // namespace

Result<VerifyReport> verify_database(const std::string& path, const VerifyProgress& progress,
                                     const std::string& vfs, const MoneyBounds& bounds) {
  try {
    OpenOptions options;
    options.read_only = true;
    options.vfs = vfs.empty() ? nullptr : vfs.c_str();
    SqliteDb db(path, options);
    if (db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'cases'") == 0) {
      return Error(ErrorCode::kNotARedressDatabase, path + " holds no Redress cases table");
    }
    Verifier verifier(db, progress, bounds, ContentFiles::directory_for_database(path));
    return verifier.run();
  } catch (const SqliteError& e) {
    return to_error(e);
  }
}

}  // namespace redress::storage
