// The bound on one read of a listing: how many rows a store's listing call may return.
//
// Every listing of the API (cases, approvals, users, teams, tokens, webhooks, deliveries) pages
// with at most kMaxPageSize rows per page, and asks its store for one row more than the page to
// tell whether another page follows. So every store listing accepts limits 1..kMaxListingRows and
// refuses any other limit with INVALID_ARGUMENT (a bug of the caller: the API bounds page_size
// first) rather than clamping it — a clamp to the page size silently dropped that extra row, and
// with it the last full page's next_page_token.
//
// Thread-safety: constants and a pure function.
#pragma once

#include <cstddef>
#include <string>

#include "engine/result.h"

namespace redress::storage {

// The largest page any listing returns: page_size's documented maximum.
inline constexpr size_t kMaxPageSize = 1000;
// The most rows one listing read returns: the largest page and the row that says more follow.
inline constexpr size_t kMaxListingRows = kMaxPageSize + 1;

// OK when 1 <= limit <= kMaxListingRows.
inline Status check_listing_limit(size_t limit) {
  if (limit == 0 || limit > kMaxListingRows) {
    return Error::invalid_argument("a listing's limit must be between 1 and " +
                                   std::to_string(kMaxListingRows) + ", not " +
                                   std::to_string(limit));
  }
  return Status::Ok();
}

}  // namespace redress::storage
