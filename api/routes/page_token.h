// Paging: the one scheme of every listing (cases, approvals, users, teams, tokens, webhooks,
// deliveries) — its page token, its reader of page_size and page_token, and its next_page_token.
//
// Listings use keyset pagination: a page ends at the sort key of its last row (its position) and
// the next page starts after it, so rows added or removed meanwhile never shift a page. The
// position travels to the client as an opaque token: unpadded base64url (RFC 4648 §5) of
//
//   version (1 byte, 1)
//   listing name (1-byte length, then its bytes)
//   field count (1 byte), then each field: 'i' + int64 (8 bytes, big-endian)
//                                       or 's' + length (2 bytes, big-endian) + bytes
//   checksum: the first 8 bytes of SHA-256 of everything before it
//
// The name ties a token to its listing, which refuses the tokens of any other. The checksum finds
// a token damaged on its way (cut short, a character changed); it is not a signature, and needs
// none: a forged token only chooses where a listing resumes, and every filter and permission
// applies to the next page as to the first. Exactly one text encodes a token, so a token decoded
// and encoded again by something other than Redress (padded, standard alphabet) is refused.
//
// The journal (GET /v1/cases/{id}/events, the stream) is the one deliberate exception: it pages
// by sequence number (`after` / `next_after`), which clients keep to resume a feed.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/http/json_body.h"
#include "engine/result.h"
#include "storage/listing_limit.h"

namespace redress::api {

// One field of a listing's position (the sort key of a page's last row).
using PageKey = std::variant<std::int64_t, std::string>;
using PagePosition = std::vector<PageKey>;
enum class PageKeyType { kInteger, kString };

// The longest page token accepted (characters); positions of ids up to 128 bytes stay far below.
inline constexpr size_t kMaxPageTokenLength = 1024;
// The largest page_size of every listing (the store reads one row more).
inline constexpr std::int64_t kMaxPageSize = static_cast<std::int64_t>(storage::kMaxPageSize);

// A listing as paging sees it.
struct PageListing {
  std::string name;                // in every token: "cases", "deliveries:<subscription id>"
  std::vector<PageKeyType> key;    // the types of the position's fields, in order
  std::int64_t default_size = 50;  // page_size when the request gives none
};

// The token that resumes `listing` after `position`. Throws std::length_error when the token
// would exceed kMaxPageTokenLength (a broken invariant: listings' keys are bounded ids).
std::string encode_page_token(std::string_view listing, const PagePosition& position);

// The position `token` carries if it is a token of `listing` whose fields have the types `key`;
// else INVALID_QUERY at "/query/page_token" with a message that says what is wrong (too long, not
// a page token, damaged, of another listing).
Result<PagePosition> decode_page_token(std::string_view token, std::string_view listing,
                                       std::span<const PageKeyType> key);

// What a request asks of a listing.
struct PageRequest {
  size_t size = 50;                   // rows per page, 1..kMaxPageSize
  std::optional<PagePosition> after;  // continue after this position; nullopt: the first page
  // How many rows to ask the store for: one more than the page tells whether another follows.
  size_t rows_to_read() const { return size + 1; }
};

// Reads page_size (1..kMaxPageSize, default listing.default_size) and page_token. Problems are
// left in `query` (INVALID_QUERY at /query/page_size, /query/page_token); check query.ok().
PageRequest read_page(QueryReader& query, const PageListing& listing);

// Trims `rows` (read with page.rows_to_read()) to the page. Answers next_page_token: the token of
// the page's last row when the store had a row beyond the page, nullopt (null in the answer) on
// the last page. `position_of(row)` gives a row's position.
template <typename Row, typename PositionOf>
std::optional<std::string> finish_page(std::vector<Row>& rows, const PageRequest& page,
                                       const PageListing& listing, PositionOf position_of) {
  if (rows.size() <= page.size) return std::nullopt;
  rows.resize(page.size);
  return encode_page_token(listing.name, position_of(rows.back()));
}

// next_page_token as a JSON value: the token, or null on the last page.
nlohmann::json page_token_json(const std::optional<std::string>& token);

}  // namespace redress::api
