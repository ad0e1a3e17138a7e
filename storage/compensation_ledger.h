// CompensationLedger: every compensation across cases, as finance and supervisors look at it —
// filtered by period, type, status, team, proposer, approver, customer, order, category and fault
// party, newest proposal first and paged, with totals by currency and status over the same filter.
//
// The rows are the `compensations` projection (written with each case command, so a listing
// never parses snapshots) joined to the case's row for its team, category and order; the fault
// party is read from the case's snapshot (`fields.fault_party`) only when it is filtered on.
//
// Thread-safety: every method may be called from any thread; reads run on the CaseStore's
// read-only connections and never wait for the writer. The CaseStore must outlive the ledger.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/money.h"
#include "engine/result.h"
#include "engine/time.h"
#include "storage/case_store.h"
#include "storage/read_scope.h"

namespace redress::storage {

// Where a page ended: pass as `after` to continue with older proposals.
struct LedgerCursor {
  Instant proposed_at{};
  std::string case_id;
  std::string compensation_id;
};

// Empty strings and nullopt filter nothing.
struct LedgerQuery {
  ReadScope scope;  // only compensations of cases the reader may see (read_scope.h)
  std::optional<Instant> proposed_from;    // proposed at or after
  std::optional<Instant> proposed_before;  // proposed strictly before
  std::string type;                        // a compensation type name
  std::string status;                      // pending, approved, rejected, executed, withdrawn
  std::string team;
  std::string proposed_by;
  std::string decided_by;  // the approver (or the proposer, for one granted at once)
  std::string customer_id;
  std::string order_id;
  std::string category;
  std::string fault_party;
  size_t limit = 50;  // 1..kMaxListingRows (page) or kMaxLedgerExportRows + 1 (export)
  std::optional<LedgerCursor> after;
};

// At most this many rows in one export; a larger one asks for a narrower filter.
inline constexpr size_t kMaxLedgerExportRows = 100000;

struct LedgerRow {
  std::string case_id;
  std::string compensation_id;
  std::string type;
  Money value;
  std::string status;
  std::string proposed_by;
  std::string required_role;  // "" when granted at once
  std::string approval_id;    // ""
  std::string decided_by;     // ""
  std::string reference;      // "" until executed
  Instant proposed_at{};
  std::optional<Instant> decided_at;
  std::optional<Instant> executed_at;
  std::string customer_id;  // ""
  std::string order_id;     // ""
  std::string team;         // ""
  std::string category;
  LedgerCursor cursor() const { return {proposed_at, case_id, compensation_id}; }
};

// The rows of one currency and status matching a filter.
struct LedgerTotal {
  std::string currency;
  std::string status;
  std::int64_t count = 0;
  std::int64_t amount = 0;  // minor units
};

class CompensationLedger {
 public:
  explicit CompensationLedger(const CaseStore& store) : store_(store) {}

  // Newest proposal first (proposed_at, case id, compensation id, all descending). A limit
  // above kMaxListingRows is allowed only up to kMaxLedgerExportRows + 1, for exports.
  Result<std::vector<LedgerRow>> rows(const LedgerQuery& query) const;
  // Over the whole filter (the cursor and limit are ignored), by currency then status.
  Result<std::vector<LedgerTotal>> totals(const LedgerQuery& query) const;

 private:
  const CaseStore& store_;
};

}  // namespace redress::storage
