// PromiseRegister: the promises agents made to customers, across cases -- the manager's "what
// have they promised customers, and did they keep it?" -- filtered by status, team, assignee,
// who made them and when they are due, earliest due first and paged.
//
// The rows are the `promises` projection (schema version 12), written with each case command in
// the same transaction as the case's row: one row per promise with its status, due time, text,
// who made it and when, when it was kept or breached, and the case's team and assignee (kept
// current when the case moves, so the reader's scope and the team filter need no join). The
// case's state is read from its row for the page's rows only.
//
// Thread-safety: every method may be called from any thread; reads run on the CaseStore's
// read-only connections and never wait for the writer. The CaseStore must outlive the register.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"
#include "storage/case_store.h"
#include "storage/read_scope.h"

namespace redress::storage {

// Where a page ended: pass as `after` to continue with later dues.
struct PromiseCursor {
  Instant due{};
  std::string case_id;
  std::string promise_id;
};

// Empty strings and nullopt filter nothing.
struct PromiseQuery {
  ReadScope scope;                    // only promises on cases the reader may see (read_scope.h)
  std::string status;                 // open, kept, breached
  std::string team;                   // the case's team
  std::string assignee;               // who holds the case now
  std::string made_by;                // who made the promise
  std::optional<Instant> due_from;    // due at or after
  std::optional<Instant> due_before;  // due strictly before
  size_t limit = 50;                  // 1..kMaxListingRows
  std::optional<PromiseCursor> after;
};

struct PromiseRow {
  std::string case_id;
  std::string promise_id;
  std::string text;
  Instant due{};
  std::string status;  // open, kept, breached
  std::string made_by;
  Instant made_at{};
  std::optional<Instant> kept_at;
  std::optional<Instant> breached_at;
  std::string team;      // the case's; "" when it has none
  std::string assignee;  // the case's; "" when unassigned
  std::string case_state;
  PromiseCursor cursor() const { return {due, case_id, promise_id}; }
};

// Every status a promise row can have, for the API's filter check.
inline constexpr const char* kPromiseStatuses[] = {"open", "kept", "breached"};

// The listing's SQL (public so that a test can check its query plan uses the promises' indexes).
std::string promise_listing_sql(const PromiseQuery& query);

class PromiseRegister {
 public:
  explicit PromiseRegister(const CaseStore& store) : store_(store) {}

  // Earliest due first (due, case id, promise id, ascending). Errors: INVALID_ARGUMENT for a
  // limit outside 1..kMaxListingRows; storage errors.
  Result<std::vector<PromiseRow>> rows(const PromiseQuery& query) const;

 private:
  const CaseStore& store_;
};

}  // namespace redress::storage
