// The read half of CaseStore: every query runs on a pooled read-only connection (reader_pool.h)
// and never waits for the writer.
#include <sqlite3.h>

#include "engine/case_json.h"
#include "storage/case_rows.h"
#include "storage/case_store.h"
#include "storage/reader_pool.h"

namespace redress::storage {

Result<std::optional<CaseSnapshot>> CaseStore::load_case(const std::string& case_id) const {
  return readers_->with<std::optional<CaseSnapshot>>(
      [&](ReaderPool::Reader& r) { return rows::load_snapshot(r.statements, case_id); });
}

Result<std::optional<CaseDocument>> CaseStore::load_case_document(
    const std::string& case_id) const {
  return readers_->with<std::optional<CaseDocument>>([&](ReaderPool::Reader& r)
                                                         -> std::optional<CaseDocument> {
    auto s = r.statements.get("SELECT version, snapshot, team, assignee FROM cases WHERE id = ?");
    s->bind(1, case_id);
    if (!s->step()) return std::nullopt;
    return CaseDocument{s->column_int(0), s->column_text(1), s->column_text(2), s->column_text(3)};
  });
}

Result<std::optional<CaseWithJournal>> CaseStore::load_case_with_journal(
    const std::string& case_id) const {
  return readers_->with<std::optional<CaseWithJournal>>(
      [&](ReaderPool::Reader& r) -> std::optional<CaseWithJournal> {
        Transaction tx(*r.db, Transaction::Kind::kDeferred);  // one consistent view
        auto snapshot = rows::load_snapshot(r.statements, case_id);
        if (!snapshot) return std::nullopt;
        CaseWithJournal out{std::move(*snapshot), rows::load_journal(r.statements, case_id)};
        tx.commit();
        return out;
      });
}

Result<std::optional<CaseWithHistory>> CaseStore::load_case_with_customer_history(
    const std::string& case_id, Instant now) const {
  return readers_->with<std::optional<CaseWithHistory>>(
      [&](ReaderPool::Reader& r) -> std::optional<CaseWithHistory> {
        Transaction tx(*r.db, Transaction::Kind::kDeferred);  // one consistent view
        auto snapshot = rows::load_snapshot(r.statements, case_id);
        if (!snapshot) return std::nullopt;
        // The currency the writer gathers a proposal's history in: the order's.
        auto history = rows::customer_history(r.statements, snapshot->customer.id, case_id,
                                              snapshot->order.paid.currency, now);
        tx.commit();
        return CaseWithHistory{std::move(*snapshot), std::move(history)};
      });
}

Result<std::vector<StoredEvent>> CaseStore::journal_after(std::int64_t after_seq,
                                                          size_t limit) const {
  return readers_->with<std::vector<StoredEvent>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(std::string("SELECT ") + rows::kEventColumns +
                              " FROM case_events WHERE seq > ? ORDER BY seq LIMIT ?");
    s->bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
    std::vector<StoredEvent> out;
    while (s->step()) out.push_back(rows::event_from_row(*s));
    return out;
  });
}

Result<std::vector<CaseSummary>> CaseStore::list_cases(const CaseQuery& q) const {
  if (auto limit = check_listing_limit(q.limit); !limit.ok()) return limit.error();
  const auto query = rows::list_cases_query(q);
  return readers_->with<std::vector<CaseSummary>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(query.sql);
    rows::bind_values(*s, query.values);
    std::vector<CaseSummary> out;
    while (s->step()) {
      const auto c = rows::case_columns_from_row(*s);
      CaseSummary summary;
      summary.id = c.id;
      summary.workflow_id = c.workflow_id;
      summary.workflow_version = static_cast<int>(c.workflow_version);
      summary.version = c.version;
      summary.state = c.state;
      summary.stage = c.stage;
      summary.severity = c.severity;
      summary.priority = c.priority;
      summary.category = c.category;
      summary.escalation_level = c.escalation_level;
      summary.assignee = c.assignee;
      summary.team = c.team;
      summary.customer_id = c.customer_id;
      if (c.sla_due != kNoSlaDue) summary.sla_due = from_millis(c.sla_due);
      if (c.sla_warn_at) summary.sla_warn_at = from_millis(*c.sla_warn_at);
      summary.sla_warned = c.sla_warned != 0;
      summary.sla_breached = c.sla_breached != 0;
      summary.summary = c.summary;
      summary.reopen_count = c.reopen_count;
      summary.created_at = from_millis(c.created_at);
      summary.updated_at = from_millis(c.updated_at);
      if (c.closed_at) summary.closed_at = from_millis(*c.closed_at);
      if (c.next_due != kNoSlaDue) summary.next_due = from_millis(c.next_due);
      if (c.follow_up_due) summary.follow_up_due = from_millis(*c.follow_up_due);
      summary.cursor = CaseCursor{c.sla_due, c.id, c.next_due};
      out.push_back(std::move(summary));
    }
    return out;
  });
}

Result<std::vector<PendingApproval>> CaseStore::pending_approvals(
    const std::string& required_role, size_t limit, const std::optional<ApprovalCursor>& after,
    const ReadScope& scope) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return readers_->with<std::vector<PendingApproval>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(rows::kPendingApprovalsSql);
    s->bind(1, required_role).bind(2, static_cast<std::int64_t>(limit));
    if (after) {
      s->bind(3, to_millis(after->requested_at))
          .bind(4, after->case_id)
          .bind(5, after->approval_id);
    } else {
      s->bind(3, std::numeric_limits<std::int64_t>::min()).bind(4, "").bind(5, "");
    }
    s->bind(6, std::int64_t{scope.everything ? 1 : 0})
        .bind_or_null(7, scope.team)
        .bind_or_null(8, scope.user_id);
    std::vector<PendingApproval> out;
    while (s->step()) {
      PendingApproval row;
      row.case_id = s->column_text(0);
      row.approval_id = s->column_text(1);
      row.kind = s->column_text(2);
      row.subject = s->column_text(3);
      row.required_role = s->column_text(4);
      row.requested_by = s->column_text(5);
      row.team = s->column_text(6);
      row.requested_at = from_millis(s->column_int(7));
      row.requested_by_name = s->column_text(8);
      row.case_summary = s->column_text(9);
      row.severity = s->column_text(10);
      row.workflow_id = s->column_text(11);
      row.workflow_version = static_cast<int>(s->column_int(12));
      row.customer_id = s->column_text(13);
      row.customer_segment = s->column_text(14);
      row.customer_tier = s->column_text(15);
      if (!s->column_is_null(16)) {
        row.compensation_type = s->column_text(16);
        row.compensation_value = Money{s->column_int(17), s->column_text(18)};
      }
      out.push_back(std::move(row));
    }
    return out;
  });
}

Result<std::vector<DueTimer>> CaseStore::due_timers(Instant now, size_t limit) const {
  return readers_->with<std::vector<DueTimer>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(rows::kDueTimersSql);
    s->bind(1, to_millis(now)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<DueTimer> out;
    while (s->step()) {
      out.push_back({s->column_text(0), s->column_text(1), s->column_text(2),
                     from_millis(s->column_int(3)), static_cast<int>(s->column_int(4)),
                     s->column_text(5)});
    }
    return out;
  });
}

Result<std::vector<OutboxEntry>> CaseStore::outbox_after(std::int64_t after_id,
                                                         size_t limit) const {
  return readers_->with<std::vector<OutboxEntry>>([&](ReaderPool::Reader& r) {
    auto s = r.statements.get(
        "SELECT id, webhook_id, event_type, coalesce(case_id, ''), payload, created_at "
        "FROM outbox WHERE id > ? ORDER BY id LIMIT ?");
    s->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<OutboxEntry> out;
    while (s->step()) {
      out.push_back({s->column_int(0), s->column_text(1), s->column_text(2), s->column_text(3),
                     s->column_text(4), from_millis(s->column_int(5))});
    }
    return out;
  });
}

Result<std::int64_t> CaseStore::count_cases() const {
  return readers_->with<std::int64_t>(
      [](ReaderPool::Reader& r) { return r.db->query_int("SELECT count(*) FROM cases"); });
}

Result<std::vector<std::string>> CaseStore::stored_workflow_definitions() const {
  return readers_->with<std::vector<std::string>>([](ReaderPool::Reader& r) {
    auto s = r.statements.get(
        "SELECT definition FROM workflow_definitions ORDER BY workflow_id, version");
    std::vector<std::string> out;
    while (s->step()) out.push_back(s->column_text(0));
    return out;
  });
}

}  // namespace redress::storage
