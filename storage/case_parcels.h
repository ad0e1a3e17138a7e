// The parcels cases hold, indexed by tracking number (case_parcels, schema v16), so that a
// carrier's event finds its cases by one index lookup instead of a look into every open case's
// snapshot.
//
// A case holds a parcel in a string field: a tracking field (named `tracking_number` or ending
// in `_tracking`, as the shipped workflows name the return's and the replacement's parcels), or
// the `tracking_field` of a carrier trigger of its workflow version (workflow_definition.h), which
// may be named otherwise (is_tracking_field, carrier_events.h). The writer keeps one row per
// (tracking number, field) of each case whenever it writes the case's snapshot, closed cases
// included: the rows are a function of the snapshot alone, so a reopened case needs nothing
// re-added and the backfill is one statement. Lookups keep to open cases through the cases row
// (closed_at).
//
// Internal to storage/. Thread-safety: the free functions are pure; save_case_parcels runs on
// the writer thread.
#pragma once

#include <compare>
#include <set>
#include <string>

#include "engine/case_snapshot.h"
#include "engine/engine.h"
#include "engine/workflow_definition.h"
#include "storage/carrier_events.h"
#include "storage/case_store.h"

namespace redress::storage {

// One case_parcels row of a case.
struct CaseParcel {
  std::string tracking_number;
  std::string field;
  auto operator<=>(const CaseParcel&) const = default;
};

// The rows `snapshot` has: its string fields that are tracking fields or a carrier trigger's
// tracking field in `workflow` (its workflow version; null: tracking fields only).
std::set<CaseParcel> case_parcels(const CaseSnapshot& snapshot, const WorkflowDefinition* workflow);

// Brings the case's case_parcels rows from what `before` held (null: a new case) to what `after`
// holds, rewriting only what changed. Writer thread, inside the write's savepoint.
void save_case_parcels(WriteContext& context, const Engine& engine, const CaseSnapshot* before,
                       const CaseSnapshot& after);

// ?1 tracking number → id, team, assignee of each open case holding it in a tracking field (a
// case holding it in two fields comes twice).
extern const char* const kOpenCasesOfParcelSql;
// ?1 tracking number → id, team, assignee of each case, open or closed, of the order whose record
// carries that tracking number (orders_by_tracking_number, schema v17).
extern const char* const kCasesOfOrderParcelSql;
// ?1 tracking number, ?2 field, ?3 workflow id, ?4 workflow version → id, state of each open case
// of that workflow version holding the number in that field, by id.
extern const char* const kOpenCasesOfParcelFieldSql;

}  // namespace redress::storage
