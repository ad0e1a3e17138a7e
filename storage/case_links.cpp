#include "storage/case_links.h"

#include <sqlite3.h>

#include <variant>

#include "storage/case_rows.h"

namespace redress::storage {
namespace {

// Whether case `id` exists and `scope` sees it: a case the linker may not see is as missing as
// an unknown one.
bool case_in_scope(StatementCache& statements, const std::string& id, const ReadScope& scope) {
  auto s = statements.get("SELECT team, assignee FROM cases WHERE id = ?");
  s->bind(1, id);
  return s->step() && scope.sees(s->column_text(0), s->column_text(1));
}

CaseLink link_from_row(const Statement& s) {
  return CaseLink{s.column_int(0),
                  s.column_text(1),
                  s.column_text(2),
                  s.column_text(3),
                  s.column_text(4),
                  s.column_text(5),
                  from_millis(s.column_int(6))};
}

}  // namespace

Result<CaseLink> write_case_link(WriteContext& context, CaseLink link, const ReadScope& scope) {
  if (link.case_id == link.linked_case_id) {
    return Error::invalid_field("a case cannot be linked to itself", "/case_id",
                                problem_params("same_case"));
  }
  if (!case_in_scope(context.statements(), link.linked_case_id, scope)) {
    return Error::not_found("there is no case '" + link.linked_case_id + "' to link to",
                            "/case_id");
  }
  {
    auto s = context.statement(
        "SELECT 1 FROM case_links WHERE case_id = ? AND linked_case_id = ? AND kind = ?");
    s->bind(1, link.case_id).bind(2, link.linked_case_id).bind(3, link.kind);
    if (s->step()) {
      return Error::already_exists("case " + link.case_id + " is already linked to " +
                                       link.linked_case_id + " as " + link.kind,
                                   "/case_id");
    }
  }
  auto s = context.statement(
      "INSERT INTO case_links (case_id, linked_case_id, kind, reason, created_by, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s->bind(1, link.case_id)
      .bind(2, link.linked_case_id)
      .bind(3, link.kind)
      .bind(4, link.reason)
      .bind(5, link.created_by)
      .bind(6, to_millis(link.created_at));
  s->run();
  link.id = sqlite3_last_insert_rowid(context.db().handle());
  return link;
}

std::string open_case_of_order(WriteContext& context, const std::string& order_id,
                               const std::string& workflow_id, const std::string& except_case_id) {
  if (order_id.empty()) return {};
  auto s = context.statement(
      "SELECT id FROM cases WHERE order_id = ? AND workflow_id = ? AND closed_at IS NULL "
      "AND id <> ? ORDER BY created_at, id LIMIT 1");
  s->bind(1, order_id).bind(2, workflow_id).bind(3, except_case_id);
  return s->step() ? s->column_text(0) : std::string();
}

std::vector<std::string> closed_cases_of_order(WriteContext& context, const std::string& order_id,
                                               const std::string& workflow_id,
                                               const std::string& except_case_id) {
  std::vector<std::string> out;
  if (order_id.empty()) return out;
  auto s = context.statement(
      "SELECT id FROM cases WHERE order_id = ? AND workflow_id = ? AND closed_at IS NOT NULL "
      "AND id <> ? ORDER BY closed_at DESC, id LIMIT 5");
  s->bind(1, order_id).bind(2, workflow_id).bind(3, except_case_id);
  while (s->step()) out.push_back(s->column_text(0));
  return out;
}

void CaseLinkStore::link(CaseLink link, ReadScope scope,
                         std::function<void(Result<CaseLink>)> done) {
  store_.write<CaseLink>(
      [link = std::move(link),
       scope = std::move(scope)](WriteContext& context) -> Result<CaseLink> {
        if (!case_in_scope(context.statements(), link.case_id, scope)) {
          return Error::not_found("there is no case '" + link.case_id + "'", "/id");
        }
        return write_case_link(context, link, scope);
      },
      std::move(done));
}

Result<std::vector<CaseLink>> CaseLinkStore::links_of(const std::string& case_id,
                                                      const ReadScope& scope) const {
  return store_.read<std::vector<CaseLink>>([&](ReadContext& context) {
    // Joined to the case at the link's other end, for the scope.
    std::string sql =
        "SELECT l.id, l.case_id, l.linked_case_id, l.kind, l.reason, l.created_by, l.created_at "
        "FROM case_links l JOIN cases other ON other.id = CASE WHEN l.case_id = ?1 "
        "THEN l.linked_case_id ELSE l.case_id END "
        "WHERE (l.case_id = ?1 OR l.linked_case_id = ?1)";
    std::vector<std::variant<std::string, std::int64_t>> values{case_id};
    append_scope_condition(scope, "other.team", "other.assignee", sql, values);
    sql += " ORDER BY l.created_at, l.id";
    auto s = context.statement(sql);
    rows::bind_values(*s, values);
    std::vector<CaseLink> out;
    while (s->step()) out.push_back(link_from_row(*s));
    return out;
  });
}

}  // namespace redress::storage
