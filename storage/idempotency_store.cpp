#include "storage/idempotency_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <limits>

namespace redress::storage {
namespace {

constexpr size_t kMaxKeyLength = 255;
constexpr const char* kCompleted = "completed";

std::optional<Error> check_key(std::string_view key) {
  constexpr const char* kRule =
      "; the Idempotency-Key header must be 1 to 255 printable ASCII characters (0x21 to 0x7E: no "
      "spaces, control characters or non-ASCII)";
  if (key.empty()) return Error::invalid_field(std::string("the key is empty") + kRule);
  if (key.size() > kMaxKeyLength) {
    return Error::invalid_field("the key is " + std::to_string(key.size()) + " characters long" +
                                kRule);
  }
  const auto bad = std::find_if(key.begin(), key.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x21 || byte > 0x7E;
  });
  if (bad != key.end()) {
    // Named by position and code, not shown: the byte may not belong in a message.
    constexpr const char* kHex = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(*bad);
    return Error::invalid_field("the key has byte 0x" +
                                std::string{kHex[byte >> 4], kHex[byte & 0xF]} + " at position " +
                                std::to_string(bad - key.begin() + 1) + kRule);
  }
  return std::nullopt;
}

std::optional<Error> check_actor(std::string_view actor_id) {
  if (actor_id.empty()) {
    return Error::invalid_argument("an idempotency key needs the id of the actor it belongs to");
  }
  return std::nullopt;
}

std::int64_t plus(Instant t, std::chrono::milliseconds d) {
  return to_millis(t + d);
}

// The response body is stored as a BLOB: it is bytes, not necessarily text.
void bind_body(Statement& statement, int index, const std::string& body) {
  if (body.size() > static_cast<size_t>(INT_MAX)) {
    throw SqliteError(SQLITE_TOOBIG, "an idempotent response body of " +
                                         std::to_string(body.size()) + " bytes is too large");
  }
  statement.bind_blob(index, body.data(), static_cast<int>(body.size()));
}

std::string headers_text(const nlohmann::json& headers) {
  // Replace rather than throw on invalid UTF-8: the headers are replayed, not interpreted.
  return headers.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

IdempotencyStore::IdempotencyStore(CaseStore& store, IdempotencyOptions options)
    : store_(store), options_(options) {
  // A non-positive lifetime would make every stored answer expired at once.
  options_.ttl = std::max(options_.ttl, std::chrono::milliseconds(1));
}

namespace {

// What a live row of (actor, key) says before the command runs: nothing (run it), a mismatch, or
// the stored answer to replay. Expired rows and rows "in_progress" (left by servers before one
// write per command) say nothing: they are replaced.
std::optional<IdempotentOutcome> stored_outcome(WriteContext& context, const std::string& actor_id,
                                                const IdempotentRequest& request, Instant now) {
  auto select = context.statement(
      "SELECT request_fingerprint, state, response_status, response_headers, response_body, "
      "expires_at FROM idempotency_keys WHERE actor_id = ? AND idempotency_key = ?");
  select->bind(1, actor_id).bind(2, request.key);
  if (!select->step()) return std::nullopt;
  const bool expired = select->column_int(5) <= to_millis(now);
  if (expired || select->column_text(1) != kCompleted) return std::nullopt;
  if (select->column_text(0) != request.fingerprint) {
    return IdempotentOutcome{IdempotentOutcome::Kind::kMismatch, std::nullopt, std::nullopt};
  }
  StoredResponse response;
  response.status = static_cast<int>(select->column_int(2));
  response.headers = nlohmann::json::parse(select->column_text(3), nullptr, false);
  if (response.headers.is_discarded()) {
    throw SqliteError(SQLITE_CORRUPT,
                      "the stored headers of an idempotency key are not valid JSON");
  }
  response.body = select->column_text(4);  // the BLOB's bytes, NULs included
  return IdempotentOutcome{IdempotentOutcome::Kind::kReplay, std::nullopt, std::move(response)};
}

void store_answer(WriteContext& context, const std::string& actor_id,
                  const IdempotentRequest& request, const StoredResponse& response, Instant now,
                  std::chrono::milliseconds ttl) {
  auto upsert = context.statement(
      "INSERT INTO idempotency_keys (actor_id, idempotency_key, request_fingerprint, state, "
      "response_status, response_headers, response_body, created_at, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT (actor_id, idempotency_key) DO UPDATE SET "
      "request_fingerprint = ?3, state = ?4, response_status = ?5, response_headers = ?6, "
      "response_body = ?7, created_at = ?8, expires_at = ?9");
  upsert->bind(1, actor_id)
      .bind(2, request.key)
      .bind(3, request.fingerprint)
      .bind(4, kCompleted)
      .bind(5, response.status)
      .bind(6, headers_text(response.headers));
  bind_body(*upsert, 7, response.body);
  upsert->bind(8, to_millis(now)).bind(9, plus(now, ttl));
  upsert->run();
}

}  // namespace

void IdempotencyStore::submit(IdempotentRequest request, CaseCommand command, RenderAnswer render,
                              std::function<void(Result<IdempotentOutcome>)> done) {
  auto invalid = check_key(request.key);
  if (!invalid) invalid = check_actor(command.actor.id);
  if (!invalid && request.fingerprint.empty()) {
    invalid = Error::invalid_argument("an idempotent request needs a request fingerprint");
  }
  if (!invalid && !render) invalid = Error::invalid_argument("an idempotent command needs render");
  if (invalid) {
    done(*invalid);
    return;
  }
  auto shared = std::make_shared<const CaseCommand>(std::move(command));
  auto work = [this, request = std::move(request), shared, render = std::move(render),
               ttl = options_.ttl](WriteContext& context) -> Result<IdempotentOutcome> {
    const CaseCommand& command = *shared;
    if (auto stored = stored_outcome(context, command.actor.id, request, command.now)) {
      return std::move(*stored);
    }
    auto outcome = store_.run_command(context, command);
    if (!outcome.ok()) return outcome.error();  // rolls the whole savepoint back
    auto response = render(outcome.value());
    IdempotentOutcome executed{IdempotentOutcome::Kind::kExecuted, std::move(outcome.value()),
                               std::move(response)};
    if (executed.response) {
      store_answer(context, command.actor.id, request, *executed.response, command.now, ttl);
    }
    return executed;
  };
  store_.write<IdempotentOutcome>(std::move(work), std::move(done));
}

void IdempotencyStore::purge_expired(Instant now, size_t limit,
                                     std::function<void(Result<size_t>)> done) {
  if (limit == 0) {
    done(size_t{0});
    return;
  }
  const auto bounded = static_cast<std::int64_t>(
      std::min<size_t>(limit, static_cast<size_t>(std::numeric_limits<std::int64_t>::max())));
  auto work = [now, bounded](WriteContext& context) -> Result<size_t> {
    // WITHOUT ROWID: the rows are named by their primary key. idempotency_keys_by_expiry finds
    // the oldest expired rows without a scan.
    auto remove = context.statement(
        "DELETE FROM idempotency_keys WHERE (actor_id, idempotency_key) IN ("
        "SELECT actor_id, idempotency_key FROM idempotency_keys WHERE expires_at <= ? "
        "ORDER BY expires_at LIMIT ?)");
    remove->bind(1, to_millis(now)).bind(2, bounded);
    remove->run();
    return static_cast<size_t>(context.db().changes());
  };
  store_.write<size_t>(std::move(work), std::move(done));
}

namespace {

// FNV-1a 128 (http://www.isthe.com/chongo/tech/comp/fnv/): the hash is kept as four 32-bit limbs,
// least significant first, so that the multiplication needs no 128-bit integer type.
class Fnv1a128 {
 public:
  void add(std::string_view bytes) {
    for (const char c : bytes) {
      limbs_[0] ^= static_cast<unsigned char>(c);
      multiply_by_prime();
    }
  }

  // Each part preceded by its decimal length and ':' (netstring-like framing).
  void add_part(std::string_view part) {
    add(std::to_string(part.size()));
    add(":");
    add(part);
  }

  std::string hex() const {
    constexpr const char* kHex = "0123456789abcdef";
    std::string out;
    for (int limb = 3; limb >= 0; --limb) {
      for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(limbs_[limb] >> shift) & 0xF];
    }
    return out;
  }

 private:
  // The FNV-128 prime is 2^88 + 2^8 + 0x3b: h * p = h * 0x13b + (h << 88), modulo 2^128.
  void multiply_by_prime() {
    constexpr std::uint64_t kLow = 0x13B;
    std::array<std::uint64_t, 4> t{};
    t[0] = std::uint64_t{limbs_[0]} * kLow;
    t[1] = std::uint64_t{limbs_[1]} * kLow;
    // 88 = 2 * 32 + 24: limb i moves to limb i + 2, shifted left by 24 (limbs 2 and 3 move out).
    t[2] = std::uint64_t{limbs_[2]} * kLow + (std::uint64_t{limbs_[0]} << 24);
    t[3] = std::uint64_t{limbs_[3]} * kLow + (std::uint64_t{limbs_[1]} << 24);
    t[1] += t[0] >> 32;
    t[2] += t[1] >> 32;
    t[3] += t[2] >> 32;
    for (size_t i = 0; i < 4; ++i) limbs_[i] = static_cast<std::uint32_t>(t[i]);
  }

  // The offset basis 0x6c62272e07bb014262b821756295c58d.
  std::array<std::uint32_t, 4> limbs_{0x6295c58d, 0x62b82175, 0x07bb0142, 0x6c62272e};
};

}  // namespace

std::string IdempotencyStore::fingerprint(std::string_view method, std::string_view path,
                                          std::string_view body) {
  Fnv1a128 hash;
  hash.add_part(method);
  hash.add_part(path);
  hash.add_part(body);
  return hash.hex();
}

}  // namespace redress::storage
