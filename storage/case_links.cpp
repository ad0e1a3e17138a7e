#include "storage/case_links.h"

#include <sqlite3.h>

namespace redress::storage {
namespace {

bool case_exists(StatementCache& statements, const std::string& id) {
  auto s = statements.get("SELECT 1 FROM cases WHERE id = ?");
  s->bind(1, id);
  return s->step();
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

Result<CaseLink> write_case_link(WriteContext& context, CaseLink link) {
  if (link.case_id == link.linked_case_id) {
    return Error::invalid_field("a case cannot be linked to itself", "/case_id",
                                problem_params("same_case"));
  }
  if (!case_exists(context.statements(), link.linked_case_id)) {
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

void CaseLinkStore::link(CaseLink link, std::function<void(Result<CaseLink>)> done) {
  store_.write<CaseLink>(
      [link = std::move(link)](WriteContext& context) -> Result<CaseLink> {
        if (!case_exists(context.statements(), link.case_id)) {
          return Error::not_found("there is no case '" + link.case_id + "'", "/id");
        }
        return write_case_link(context, link);
      },
      std::move(done));
}

Result<std::vector<CaseLink>> CaseLinkStore::links_of(const std::string& case_id) const {
  return store_.read<std::vector<CaseLink>>([&](ReadContext& context) {
    auto s = context.statement(
        "SELECT id, case_id, linked_case_id, kind, reason, created_by, created_at FROM case_links "
        "WHERE case_id = ?1 OR linked_case_id = ?1 ORDER BY created_at, id");
    s->bind(1, case_id);
    std::vector<CaseLink> out;
    while (s->step()) out.push_back(link_from_row(*s));
    return out;
  });
}

}  // namespace redress::storage
