#include "storage/case_parcels.h"

#include <algorithm>
#include <cctype>

#include "storage/case_store_impl.h"

namespace redress::storage {

const char* const kOpenCasesOfParcelSql =
    "SELECT c.id, c.team, c.assignee FROM case_parcels AS p JOIN cases AS c ON c.id = p.case_id "
    "WHERE p.tracking_number = ?1 AND c.closed_at IS NULL AND (p.field = 'tracking_number' OR "
    "p.field LIKE '%\\_tracking' ESCAPE '\\') ORDER BY c.id";

const char* const kCasesOfOrderParcelSql =
    "SELECT c.id, c.team, c.assignee FROM orders AS o INDEXED BY orders_by_tracking_number "
    "JOIN cases AS c ON c.order_id = o.id WHERE json_extract(o.details, '$.tracking_number') = ?1 "
    "ORDER BY c.id";

const char* const kOpenCasesOfParcelFieldSql =
    "SELECT c.id, c.state FROM case_parcels AS p JOIN cases AS c ON c.id = p.case_id "
    "WHERE p.tracking_number = ?1 AND p.field = ?2 AND c.closed_at IS NULL AND "
    "c.workflow_id = ?3 AND c.workflow_version = ?4 ORDER BY c.id";

bool is_tracking_field(std::string_view key) {
  if (key == "tracking_number") return true;
  constexpr std::string_view kSuffix = "_tracking";
  if (key.size() < kSuffix.size()) return false;
  const auto tail = key.substr(key.size() - kSuffix.size());
  return std::equal(tail.begin(), tail.end(), kSuffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

std::vector<std::string> case_tracking_numbers(const CaseSnapshot& snapshot) {
  std::vector<std::string> out;
  for (const auto& [key, value] : snapshot.fields.items()) {
    if (!value.is_string() || !is_tracking_field(key)) continue;
    auto number = value.get<std::string>();
    if (std::find(out.begin(), out.end(), number) == out.end()) out.push_back(std::move(number));
  }
  return out;
}

std::set<CaseParcel> case_parcels(const CaseSnapshot& snapshot,
                                  const WorkflowDefinition* workflow) {
  std::set<CaseParcel> out;
  const auto add = [&](const std::string& field) {
    const auto it = snapshot.fields.find(field);
    if (it != snapshot.fields.end() && it->is_string()) {
      out.insert({it->get<std::string>(), field});
    }
  };
  if (!snapshot.fields.is_object()) return out;
  for (const auto& [key, value] : snapshot.fields.items()) {
    if (is_tracking_field(key)) add(key);
  }
  if (workflow) {
    for (const auto& t : workflow->transitions) {
      if (t.on_carrier_event) add(t.on_carrier_event->tracking_field);
    }
  }
  return out;
}

void save_case_parcels(WriteContext& context, const Engine& engine, const CaseSnapshot* before,
                       const CaseSnapshot& after) {
  const auto workflow = engine.catalog().find(after.workflow_id, after.workflow_version);
  const auto now = case_parcels(after, workflow.get());
  const auto then = before ? case_parcels(*before, workflow.get()) : std::set<CaseParcel>{};
  if (now == then) return;  // most commands touch no parcel
  // Runs `sql` for each of `parcels` that `other` lacks.
  const auto each_missing_from = [&](const std::set<CaseParcel>& parcels,
                                     const std::set<CaseParcel>& other, const char* sql) {
    for (const auto& row : parcels) {
      if (other.count(row)) continue;
      auto s = context.statement(sql);
      s->bind(1, row.tracking_number).bind(2, row.field).bind(3, after.id);
      s->run();
    }
  };
  each_missing_from(then, now,
                    "DELETE FROM case_parcels WHERE tracking_number = ? AND field = ? AND "
                    "case_id = ?");
  each_missing_from(
      now, then,
      "INSERT OR IGNORE INTO case_parcels (tracking_number, field, case_id) VALUES (?, ?, ?)");
}

}  // namespace redress::storage
