// IdempotencyStore on real SQLite files: claims, replays, mismatches, the response recorded in
// the same write as its effect (and rolled back with it), release, expiry, stale claims, purge,
// per-actor scoping and the fingerprint.
#include <chrono>
#include <future>
#include <string>
#include <utility>

#include "storage/await.h"
#include "storage/idempotency_store.h"
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;
using Kind = IdempotencyClaim::Kind;

namespace redress::storage {
inline std::ostream& boost_test_print_type(std::ostream& out, IdempotencyClaim::Kind kind) {
  switch (kind) {
    case IdempotencyClaim::Kind::kClaimed:
      return out << "kClaimed";
    case IdempotencyClaim::Kind::kReplay:
      return out << "kReplay";
    case IdempotencyClaim::Kind::kInProgress:
      return out << "kInProgress";
    case IdempotencyClaim::Kind::kMismatch:
      return out << "kMismatch";
  }
  return out << "?";
}
inline std::ostream& boost_test_print_type(std::ostream& out,
                                           const std::optional<StoredResponse>& response) {
  if (!response) return out << "(none)";
  return out << response->status << " " << response->headers.dump() << " (" << response->body.size()
             << " bytes)";
}
}  // namespace redress::storage

namespace {

const IdempotencyOptions kOptions{std::chrono::hours(1), std::chrono::minutes(1)};

const std::string kCreate =
    IdempotencyStore::fingerprint("POST", "/v1/cases", R"({"summary":"cuff seam split"})");
const std::string kOtherBody =
    IdempotencyStore::fingerprint("POST", "/v1/cases", R"({"summary":"late delivery"})");

Result<IdempotencyClaim> claim(IdempotencyStore& keys, const std::string& actor,
                               const std::string& key, const std::string& fingerprint,
                               Instant now) {
  return await_result<IdempotencyClaim>(
      [&](auto done) { keys.claim(actor, key, fingerprint, now, std::move(done)); });
}

Kind claim_kind(IdempotencyStore& keys, const std::string& actor, const std::string& key,
                const std::string& fingerprint, Instant now) {
  auto result = claim(keys, actor, key, fingerprint, now);
  BOOST_REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return result.value().kind;
}

Result<bool> complete(IdempotencyStore& keys, const std::string& actor, const std::string& key,
                      StoredResponse response, Instant now) {
  return await_result<bool>(
      [&](auto done) { keys.complete(actor, key, std::move(response), now, std::move(done)); });
}

Result<bool> release(IdempotencyStore& keys, const std::string& actor, const std::string& key) {
  return await_result<bool>([&](auto done) { keys.release(actor, key, std::move(done)); });
}

Result<size_t> purge(IdempotencyStore& keys, Instant now, size_t limit) {
  return await_result<size_t>([&](auto done) { keys.purge_expired(now, limit, std::move(done)); });
}

StoredResponse created_response() {
  StoredResponse response;
  response.status = 201;
  response.headers = {
      {"Content-Type", "application/json"}, {"ETag", "\"1\""}, {"Location", "/v1/cases/C-1"}};
  // Bytes, not text: a NUL and a byte that is not UTF-8 must come back exactly.
  response.body = std::string("{\"id\":\"C-1\"}\0\xff tail", 18);
  return response;
}

std::int64_t count_keys(const std::string& path) {
  SqliteDb db(path, OpenOptions{true, false, nullptr, 1000});
  return db.query_int("SELECT count(*) FROM idempotency_keys");
}

template <typename T>
T required(Result<T> result) {
  BOOST_REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return std::move(result).value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency_store)

BOOST_AUTO_TEST_CASE(a_first_claim_wins_and_a_second_sees_it_in_progress_or_mismatched) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, now) == Kind::kClaimed);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, now + std::chrono::seconds(1)) ==
             Kind::kInProgress);
  const auto mismatch = required(claim(keys, "agent.li", "key-1", kOtherBody, now));
  BOOST_TEST(mismatch.kind == Kind::kMismatch);
  BOOST_TEST(!mismatch.response.has_value());
  BOOST_TEST(count_keys(options_for(dir).path) == 1);
}

BOOST_AUTO_TEST_CASE(claims_queued_in_one_batch_are_answered_one_claim_at_a_time) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  std::promise<Result<IdempotencyClaim>> first, second;
  {
    WriterGate gate(*store);  // both claims run in the same group-commit transaction
    keys.claim("agent.li", "key-1", kCreate, monday_morning(),
               [&](Result<IdempotencyClaim> r) { first.set_value(std::move(r)); });
    keys.claim("agent.li", "key-1", kCreate, monday_morning(),
               [&](Result<IdempotencyClaim> r) { second.set_value(std::move(r)); });
  }
  BOOST_TEST(required(first.get_future().get()).kind == Kind::kClaimed);
  BOOST_TEST(required(second.get_future().get()).kind == Kind::kInProgress);
}

BOOST_AUTO_TEST_CASE(a_completed_key_replays_the_exact_response) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, now) == Kind::kClaimed);
  BOOST_TEST(required(complete(keys, "agent.li", "key-1", created_response(), now)));

  const auto replay = required(claim(keys, "agent.li", "key-1", kCreate, now));
  BOOST_TEST(replay.kind == Kind::kReplay);
  BOOST_REQUIRE(replay.response.has_value());
  BOOST_TEST(replay.response->status == 201);
  BOOST_TEST(replay.response->headers == created_response().headers);
  BOOST_TEST(replay.response->body.size() == 18u);
  BOOST_TEST(replay.response->body == created_response().body);
  // A completed key keeps its first response: a late second completion changes nothing.
  auto other = created_response();
  other.status = 500;
  BOOST_TEST(!required(complete(keys, "agent.li", "key-1", other, now)));
  BOOST_TEST(required(claim(keys, "agent.li", "key-1", kCreate, now)).response->status == 201);
  // ... and cannot be reused for another request.
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kOtherBody, now) == Kind::kMismatch);
  // An empty body replays as empty.
  BOOST_TEST(claim_kind(keys, "agent.li", "key-2", kCreate, now) == Kind::kClaimed);
  BOOST_TEST(required(complete(keys, "agent.li", "key-2", StoredResponse{204, {}, ""}, now)));
  const auto empty = required(claim(keys, "agent.li", "key-2", kCreate, now));
  BOOST_TEST(empty.kind == Kind::kReplay);
  BOOST_TEST(empty.response->status == 204);
  BOOST_TEST(empty.response->body.empty());
}

BOOST_AUTO_TEST_CASE(record_completed_commits_or_rolls_back_with_the_effect_it_answers_for) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  const auto path = options_for(dir).path;
  const auto insert_team = [now](WriteContext& context, const std::string& id) {
    auto insert = context.statement("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)");
    insert->bind(1, id).bind(2, "A team").bind(3, to_millis(now));
    insert->run();
  };

  // The effect and its response in one write: both stored.
  BOOST_TEST(claim_kind(keys, "admin", "key-ok", kCreate, now) == Kind::kClaimed);
  auto done =
      store
          ->write<bool>([&](WriteContext& context) -> Result<bool> {
            insert_team(context, "returns");
            IdempotencyStore::record_completed(context, "admin", "key-ok", created_response(), now);
            return true;
          })
          .get();
  BOOST_REQUIRE(done.ok());
  SqliteDb reader(path, OpenOptions{true, false, nullptr, 1000});
  BOOST_TEST(reader.query_int("SELECT count(*) FROM teams WHERE id = 'returns'") == 1);
  const auto replay = required(claim(keys, "admin", "key-ok", kCreate, now));
  BOOST_TEST(replay.kind == Kind::kReplay);
  BOOST_TEST(replay.response == std::optional<StoredResponse>(created_response()));

  // The write fails after both: neither is stored, the key is still only claimed.
  BOOST_TEST(claim_kind(keys, "admin", "key-fail", kCreate, now) == Kind::kClaimed);
  auto failed = store
                    ->write<bool>([&](WriteContext& context) -> Result<bool> {
                      insert_team(context, "billing");
                      IdempotencyStore::record_completed(context, "admin", "key-fail",
                                                         created_response(), now);
                      return Error(redress::ErrorCode::kConditionFailed, "the effect was refused");
                    })
                    .get();
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().code == redress::ErrorCode::kConditionFailed);
  BOOST_TEST(reader.query_int("SELECT count(*) FROM teams WHERE id = 'billing'") == 0);
  BOOST_TEST(claim_kind(keys, "admin", "key-fail", kCreate, now) == Kind::kInProgress);

  // The same when the effect throws a storage error (here a constraint: the team exists).
  auto thrown = store
                    ->write<bool>([&](WriteContext& context) -> Result<bool> {
                      IdempotencyStore::record_completed(context, "admin", "key-fail",
                                                         created_response(), now);
                      insert_team(context, "returns");
                      return true;
                    })
                    .get();
  BOOST_REQUIRE(!thrown.ok());
  BOOST_TEST(claim_kind(keys, "admin", "key-fail", kCreate, now) == Kind::kInProgress);
}

BOOST_AUTO_TEST_CASE(release_forgets_a_claim_but_never_a_completed_response) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, now) == Kind::kClaimed);
  BOOST_TEST(required(release(keys, "agent.li", "key-1")));
  BOOST_TEST(count_keys(options_for(dir).path) == 0);
  // The client may now retry with the same key, even with a corrected body.
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kOtherBody, now) == Kind::kClaimed);
  BOOST_TEST(required(complete(keys, "agent.li", "key-1", created_response(), now)));
  BOOST_TEST(!required(release(keys, "agent.li", "key-1")));
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kOtherBody, now) == Kind::kReplay);
  BOOST_TEST(!required(release(keys, "agent.li", "never-claimed")));
  // Completing a key nobody claimed records nothing.
  BOOST_TEST(!required(complete(keys, "agent.li", "never-claimed", created_response(), now)));
  BOOST_TEST(count_keys(options_for(dir).path) == 1);
}

BOOST_AUTO_TEST_CASE(an_expired_key_is_replaced_by_the_next_claim) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto t = monday_morning();
  const auto after_ttl = t + kOptions.ttl + std::chrono::milliseconds(1);

  // An in-progress claim (stale long before it expires) ...
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, t) == Kind::kClaimed);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, after_ttl) == Kind::kClaimed);
  // ... and a completed one, even for a different request.
  BOOST_TEST(claim_kind(keys, "agent.li", "key-2", kCreate, t) == Kind::kClaimed);
  BOOST_TEST(required(complete(keys, "agent.li", "key-2", created_response(), t)));
  BOOST_TEST(claim_kind(keys, "agent.li", "key-2", kCreate,
                        after_ttl - std::chrono::milliseconds(2)) == Kind::kReplay);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-2", kOtherBody, after_ttl) == Kind::kClaimed);
  // The replacement is a fresh claim: in progress, for the new request, with a new expiry.
  BOOST_TEST(claim_kind(keys, "agent.li", "key-2", kOtherBody, after_ttl) == Kind::kInProgress);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-2", kCreate, after_ttl) == Kind::kMismatch);
  BOOST_TEST(count_keys(options_for(dir).path) == 2);
}

BOOST_AUTO_TEST_CASE(a_claim_in_progress_longer_than_stale_after_is_taken_over) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto t = monday_morning();
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, t) == Kind::kClaimed);
  const auto just_before = t + kOptions.stale_after - std::chrono::milliseconds(1);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, just_before) == Kind::kInProgress);
  // A different request is still a mismatch, stale or not: the key belongs to the first.
  const auto stale = t + kOptions.stale_after + std::chrono::milliseconds(1);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kOtherBody, stale) == Kind::kMismatch);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, stale) == Kind::kClaimed);
  // The takeover is a fresh claim, timed from now.
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, stale + std::chrono::seconds(1)) ==
             Kind::kInProgress);
}

BOOST_AUTO_TEST_CASE(purge_expired_deletes_only_expired_rows_a_limited_number_at_a_time) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto t = monday_morning();
  const auto path = options_for(dir).path;
  for (const char* key : {"old-1", "old-2", "old-3"}) {
    BOOST_TEST(claim_kind(keys, "agent.li", key, kCreate, t) == Kind::kClaimed);
  }
  BOOST_TEST(required(complete(keys, "agent.li", "old-3", created_response(), t)));
  const auto later = t + std::chrono::minutes(30);
  BOOST_TEST(claim_kind(keys, "agent.li", "young", kCreate, later) == Kind::kClaimed);
  BOOST_TEST(required(complete(keys, "agent.li", "young", created_response(), later)));

  const auto purge_time = t + kOptions.ttl + std::chrono::milliseconds(1);
  BOOST_TEST(required(purge(keys, t + std::chrono::minutes(59), 100)) == 0u);
  BOOST_TEST(required(purge(keys, purge_time, 0)) == 0u);
  BOOST_TEST(required(purge(keys, purge_time, 2)) == 2u);
  BOOST_TEST(count_keys(path) == 2);
  BOOST_TEST(required(purge(keys, purge_time, 2)) == 1u);
  BOOST_TEST(required(purge(keys, purge_time, 2)) == 0u);
  BOOST_TEST(count_keys(path) == 1);
  // The young key is untouched: its response still replays.
  BOOST_TEST(claim_kind(keys, "agent.li", "young", kCreate, purge_time) == Kind::kReplay);
}

BOOST_AUTO_TEST_CASE(the_same_key_from_different_actors_does_not_collide) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  BOOST_TEST(claim_kind(keys, "agent.li", "shared-key", kCreate, now) == Kind::kClaimed);
  BOOST_TEST(required(complete(keys, "agent.li", "shared-key", created_response(), now)));
  BOOST_TEST(claim_kind(keys, "agent.wang", "shared-key", kOtherBody, now) == Kind::kClaimed);
  BOOST_TEST(claim_kind(keys, "agent.wang", "shared-key", kOtherBody, now) == Kind::kInProgress);
  BOOST_TEST(required(release(keys, "agent.wang", "shared-key")));
  BOOST_TEST(claim_kind(keys, "agent.li", "shared-key", kCreate, now) == Kind::kReplay);
}

BOOST_AUTO_TEST_CASE(a_claim_survives_a_restart) {
  TempDir dir;
  const auto now = monday_morning();
  {
    auto store = open_store(options_for(dir));
    IdempotencyStore keys(*store, kOptions);
    BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, now) == Kind::kClaimed);
    BOOST_TEST(claim_kind(keys, "agent.li", "key-2", kCreate, now) == Kind::kClaimed);
    BOOST_TEST(required(complete(keys, "agent.li", "key-2", created_response(), now)));
  }
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  BOOST_TEST(claim_kind(keys, "agent.li", "key-1", kCreate, now) == Kind::kInProgress);
  const auto replay = required(claim(keys, "agent.li", "key-2", kCreate, now));
  BOOST_TEST(replay.kind == Kind::kReplay);
  BOOST_TEST(replay.response == std::optional<StoredResponse>(created_response()));
}

BOOST_AUTO_TEST_CASE(the_fingerprint_is_stable_and_tells_requests_apart) {
  // Pinned: stored fingerprints must keep matching across builds and releases. (FNV-1a 128 of
  // "4:POST9:/v1/cases29:{...}", checked against an independent implementation.)
  BOOST_TEST(kCreate == "ea9e6b809ac12f14e8e51b077458f971");
  BOOST_TEST(IdempotencyStore::fingerprint("", "", "") == "172f4054a83c64bf6e6da697b7940627");
  BOOST_TEST(IdempotencyStore::fingerprint("POST", "/v1/cases",
                                           R"({"summary":"cuff seam split"})") == kCreate);
  BOOST_TEST(kCreate != kOtherBody);
  BOOST_TEST(IdempotencyStore::fingerprint("POST", "/v1/cases", "{}") !=
             IdempotencyStore::fingerprint("PUT", "/v1/cases", "{}"));
  BOOST_TEST(IdempotencyStore::fingerprint("POST", "/v1/cases", "{}") !=
             IdempotencyStore::fingerprint("POST", "/v1/casez", "{}"));
  // The parts are framed: moving bytes from one part to the next is another request.
  BOOST_TEST(IdempotencyStore::fingerprint("POST", "/a", "b") !=
             IdempotencyStore::fingerprint("POST", "/ab", ""));
  BOOST_TEST(kCreate.size() == 32u);
}

BOOST_AUTO_TEST_CASE(keys_outside_printable_ascii_are_refused) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  for (const std::string& bad :
       {std::string(""), std::string(256, 'k'), std::string("has space"), std::string("tab\there"),
        std::string("ключ"), std::string("del\x7f"), std::string("nul\0", 4)}) {
    const auto result = claim(keys, "agent.li", bad, kCreate, now);
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST(result.error().code == redress::ErrorCode::kInvalidField);
    BOOST_TEST(result.error().pointer == "");
    BOOST_TEST(result.error().message.find("Idempotency-Key") != std::string::npos);
    BOOST_TEST(!complete(keys, "agent.li", bad, created_response(), now).ok());
    BOOST_TEST(!release(keys, "agent.li", bad).ok());
  }
  BOOST_TEST(count_keys(options_for(dir).path) == 0);
  // The whole printable range, and exactly 255 characters, are fine.
  std::string printable;
  for (char c = 0x21; c <= 0x7E; ++c) printable += c;
  BOOST_TEST(claim_kind(keys, "agent.li", printable, kCreate, now) == Kind::kClaimed);
  BOOST_TEST(claim_kind(keys, "agent.li", std::string(255, 'k'), kCreate, now) == Kind::kClaimed);
  // A claim needs an actor and a fingerprint.
  BOOST_TEST(!claim(keys, "", "key-1", kCreate, now).ok());
  BOOST_TEST(!claim(keys, "agent.li", "key-1", "", now).ok());
}

BOOST_AUTO_TEST_SUITE_END()
