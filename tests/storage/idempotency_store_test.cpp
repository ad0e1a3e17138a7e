// IdempotencyStore on real SQLite files: a keyed command is one write (look-up, command, stored
// answer in one savepoint), replays, mismatches, refusals that are stored or leave the key free,
// a failure that leaves nothing behind, keys in one batch, rows of the older claim protocol,
// expiry, purge, per-actor scoping, restarts and the fingerprint.
#include <sqlite3.h>

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
using Kind = IdempotentOutcome::Kind;

namespace redress::storage {
inline std::ostream& boost_test_print_type(std::ostream& out, IdempotentOutcome::Kind kind) {
  switch (kind) {
    case IdempotentOutcome::Kind::kExecuted:
      return out << "kExecuted";
    case IdempotentOutcome::Kind::kReplay:
      return out << "kReplay";
    case IdempotentOutcome::Kind::kMismatch:
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

const IdempotencyOptions kOptions{std::chrono::hours(1)};

const std::string kCreate =
    IdempotencyStore::fingerprint("POST", "/v1/cases", R"({"summary":"cuff seam split"})");
const std::string kOtherBody =
    IdempotencyStore::fingerprint("POST", "/v1/cases", R"({"summary":"late delivery"})");

// Renders as the API does, in miniature: accepted → 201 with the case id and version; refused →
// 422 with the rejection's code, stored unless `keep_refusals_free`. The body carries a NUL and a
// byte that is not UTF-8: a replay must give the bytes back exactly.
RenderAnswer render(bool keep_refusals_free = false) {
  return [keep_refusals_free](const CommandOutcome& outcome) -> std::optional<StoredResponse> {
    if (!outcome.accepted()) {
      if (keep_refusals_free) return std::nullopt;
      return StoredResponse{422,
                            {{"Content-Type", "application/problem+json"}},
                            std::string(error_code_name(outcome.rejection->code))};
    }
    StoredResponse response;
    response.status = 201;
    response.headers = {{"Content-Type", "application/json"},
                        {"ETag", "\"" + std::to_string(outcome.snapshot.version) + "\""},
                        {"Location", "/v1/cases/" + outcome.snapshot.id}};
    response.body =
        outcome.snapshot.id + std::string("\0\xff", 2) + std::to_string(outcome.snapshot.version);
    return response;
  };
}

Result<IdempotentOutcome> run(IdempotencyStore& keys, const std::string& key,
                              const std::string& fingerprint, CaseCommand command,
                              RenderAnswer answer = render()) {
  return await_result<IdempotentOutcome>([&](auto done) {
    keys.submit({key, fingerprint}, std::move(command), std::move(answer), std::move(done));
  });
}

IdempotentOutcome required(Result<IdempotentOutcome> result) {
  return require_ok(std::move(result));
}

Result<size_t> purge(IdempotencyStore& keys, Instant now, size_t limit) {
  return await_result<size_t>([&](auto done) { keys.purge_expired(now, limit, std::move(done)); });
}

std::int64_t query_int(const std::string& path, const std::string& sql) {
  SqliteDb db(path, OpenOptions{true, false, nullptr, 1000});
  return db.query_int(sql);
}

std::int64_t count_keys(const std::string& path) {
  return query_int(path, "SELECT count(*) FROM idempotency_keys");
}
std::int64_t count_cases(const std::string& path) {
  return query_int(path, "SELECT count(*) FROM cases");
}

// A comment by another agent, refused by nobody; used where the command does not matter.
CaseCommand comment_as(const std::string& actor, const std::string& case_id, Instant now) {
  auto command = comment(case_id, now);
  command.actor = agent(actor);
  return command;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency_store)

BOOST_AUTO_TEST_CASE(the_command_and_its_answer_are_stored_together_and_a_retry_replays_it) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  const auto path = options_for(dir).path;

  const auto first = required(run(keys, "key-1", kCreate, create_complaint(now)));
  BOOST_TEST(first.kind == Kind::kExecuted);
  BOOST_REQUIRE(first.outcome.has_value());
  BOOST_TEST(first.outcome->accepted());
  BOOST_REQUIRE(first.response.has_value());
  BOOST_TEST(first.response->status == 201);
  BOOST_TEST(count_cases(path) == 1);
  BOOST_TEST(count_keys(path) == 1);
  // Nothing is ever left in progress: the row is written only with its answer.
  BOOST_TEST(query_int(path, "SELECT count(*) FROM idempotency_keys WHERE state <> 'completed'") ==
             0);

  // The retry runs nothing and answers the stored bytes.
  const auto replay =
      required(run(keys, "key-1", kCreate, create_complaint(now + std::chrono::seconds(5))));
  BOOST_TEST(replay.kind == Kind::kReplay);
  BOOST_TEST(!replay.outcome.has_value());
  BOOST_TEST(replay.response == first.response);
  BOOST_TEST(replay.response->body.size() == first.response->body.size());
  BOOST_TEST(count_cases(path) == 1);

  // The same key for another request is refused and runs nothing either.
  const auto mismatch = required(run(keys, "key-1", kOtherBody, create_complaint(now)));
  BOOST_TEST(mismatch.kind == Kind::kMismatch);
  BOOST_TEST(!mismatch.response.has_value());
  BOOST_TEST(count_cases(path) == 1);
}

BOOST_AUTO_TEST_CASE(a_refusal_is_stored_when_final_and_leaves_the_key_free_when_not) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  const auto path = options_for(dir).path;
  const auto case_id = accept(*store, create_complaint(now)).snapshot.id;

  // A version conflict may go another way on a retry: not stored, the key stays free ...
  auto stale = comment(case_id, now, /*expected_version=*/99);
  const auto conflict = required(run(keys, "key-1", kCreate, stale, render(true)));
  BOOST_TEST(conflict.kind == Kind::kExecuted);
  BOOST_TEST(!conflict.outcome->accepted());
  BOOST_TEST(!conflict.response.has_value());
  BOOST_TEST(count_keys(path) == 0);
  // ... so the retry, now with the right version, runs.
  const auto retried = required(run(keys, "key-1", kCreate, comment(case_id, now, 1)));
  BOOST_TEST(retried.kind == Kind::kExecuted);
  BOOST_TEST(retried.outcome->accepted());

  // A final refusal is stored like an acceptance and replayed.
  const auto refused = required(run(keys, "key-2", kCreate, comment(case_id, now, 99)));
  BOOST_TEST(refused.kind == Kind::kExecuted);
  BOOST_REQUIRE(refused.response.has_value());
  BOOST_TEST(refused.response->status == 422);
  BOOST_TEST(refused.response->body == "VERSION_CONFLICT");
  const auto again = required(run(keys, "key-2", kCreate, comment(case_id, now, 2)));
  BOOST_TEST(again.kind == Kind::kReplay);
  BOOST_TEST(again.response == refused.response);
}

BOOST_AUTO_TEST_CASE(a_refused_creation_leaves_no_case_id_behind_but_keeps_its_answer) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  auto bad = create_complaint(now);
  std::get<CreateCase>(bad.command.body).workflow_id = "no_such_workflow";
  const auto refused = required(run(keys, "key-1", kCreate, bad));
  BOOST_TEST(!refused.outcome->accepted());
  BOOST_REQUIRE(refused.response.has_value());
  // The engine's refusal rolled back the case id it had allocated (only the command's nested
  // savepoint), while the stored answer in the same write was kept.
  BOOST_TEST(count_keys(options_for(dir).path) == 1);
  const auto plain = accept(*store, create_complaint(now));
  const auto keyed = required(run(keys, "key-2", kCreate, create_complaint(now)));
  BOOST_TEST(keyed.outcome->accepted());
  BOOST_TEST(plain.snapshot.id != keyed.outcome->snapshot.id);
  BOOST_TEST(count_cases(options_for(dir).path) == 2);
}

BOOST_AUTO_TEST_CASE(a_failure_after_the_command_leaves_neither_the_command_nor_the_key) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  const auto path = options_for(dir).path;
  RenderAnswer failing = [](const CommandOutcome&) -> std::optional<StoredResponse> {
    throw SqliteError(SQLITE_IOERR, "injected: the disk went away while storing the answer");
  };
  const auto failed = run(keys, "key-1", kCreate, create_complaint(now), failing);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(count_cases(path) == 0);
  BOOST_TEST(count_keys(path) == 0);
  // The retry is a first run: it creates the case once.
  const auto retried = required(run(keys, "key-1", kCreate, create_complaint(now)));
  BOOST_TEST(retried.kind == Kind::kExecuted);
  BOOST_TEST(count_cases(path) == 1);
  BOOST_TEST(count_keys(path) == 1);
}

BOOST_AUTO_TEST_CASE(requests_with_one_key_in_one_batch_run_the_command_once) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  std::promise<Result<IdempotentOutcome>> first, second, other;
  {
    WriterGate gate(*store);  // all three run in the same group-commit transaction
    keys.submit({"key-1", kCreate}, create_complaint(now), render(),
                [&](Result<IdempotentOutcome> r) { first.set_value(std::move(r)); });
    keys.submit({"key-1", kCreate}, create_complaint(now), render(),
                [&](Result<IdempotentOutcome> r) { second.set_value(std::move(r)); });
    keys.submit({"key-1", kOtherBody}, create_complaint(now), render(),
                [&](Result<IdempotentOutcome> r) { other.set_value(std::move(r)); });
  }
  const auto a = required(first.get_future().get());
  const auto b = required(second.get_future().get());
  BOOST_TEST(a.kind == Kind::kExecuted);
  BOOST_TEST(b.kind == Kind::kReplay);
  BOOST_TEST(b.response == a.response);
  BOOST_TEST(required(other.get_future().get()).kind == Kind::kMismatch);
  BOOST_TEST(count_cases(options_for(dir).path) == 1);
}

BOOST_AUTO_TEST_CASE(a_key_left_in_progress_by_an_older_server_is_taken_over_at_once) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  // The row the former claim-then-command protocol left when the server died between the two.
  require_ok(
      store
          ->write<bool>([&](WriteContext& context) -> Result<bool> {
            auto insert = context.statement(
                "INSERT INTO idempotency_keys (actor_id, idempotency_key, "
                "request_fingerprint, state, created_at, expires_at) "
                "VALUES ('agent.li', 'key-1', ?, 'in_progress', ?, ?)");
            insert->bind(1, kCreate).bind(2, to_millis(now)).bind(3, to_millis(now + kOptions.ttl));
            insert->run();
            return true;
          })
          .get());
  const auto retried = required(run(keys, "key-1", kCreate, create_complaint(now)));
  BOOST_TEST(retried.kind == Kind::kExecuted);
  BOOST_TEST(retried.outcome->accepted());
  BOOST_TEST(required(run(keys, "key-1", kCreate, create_complaint(now))).kind == Kind::kReplay);
}

BOOST_AUTO_TEST_CASE(an_expired_key_is_replaced_by_the_next_request) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto t = monday_morning();
  const auto case_id = accept(*store, create_complaint(t)).snapshot.id;
  const auto after_ttl = t + kOptions.ttl + std::chrono::milliseconds(1);

  BOOST_TEST(required(run(keys, "key-1", kCreate, comment(case_id, t))).kind == Kind::kExecuted);
  BOOST_TEST(required(run(keys, "key-1", kCreate,
                          comment(case_id, after_ttl - std::chrono::milliseconds(2))))
                 .kind == Kind::kReplay);
  // Expired: even a different request runs, and the key belongs to it from now on.
  BOOST_TEST(required(run(keys, "key-1", kOtherBody, comment(case_id, after_ttl))).kind ==
             Kind::kExecuted);
  BOOST_TEST(required(run(keys, "key-1", kOtherBody, comment(case_id, after_ttl))).kind ==
             Kind::kReplay);
  BOOST_TEST(required(run(keys, "key-1", kCreate, comment(case_id, after_ttl))).kind ==
             Kind::kMismatch);
  BOOST_TEST(count_keys(options_for(dir).path) == 1);
}

BOOST_AUTO_TEST_CASE(purge_expired_deletes_only_expired_rows_a_limited_number_at_a_time) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto t = monday_morning();
  const auto path = options_for(dir).path;
  const auto case_id = accept(*store, create_complaint(t)).snapshot.id;
  for (const char* key : {"old-1", "old-2", "old-3"}) {
    BOOST_TEST(required(run(keys, key, kCreate, comment(case_id, t))).kind == Kind::kExecuted);
  }
  const auto later = t + std::chrono::minutes(30);
  BOOST_TEST(required(run(keys, "young", kCreate, comment(case_id, later))).kind ==
             Kind::kExecuted);

  const auto purge_time = t + kOptions.ttl + std::chrono::milliseconds(1);
  BOOST_TEST(require_ok(purge(keys, t + std::chrono::minutes(59), 100)) == 0u);
  BOOST_TEST(require_ok(purge(keys, purge_time, 0)) == 0u);
  BOOST_TEST(require_ok(purge(keys, purge_time, 2)) == 2u);
  BOOST_TEST(count_keys(path) == 2);
  BOOST_TEST(require_ok(purge(keys, purge_time, 2)) == 1u);
  BOOST_TEST(require_ok(purge(keys, purge_time, 2)) == 0u);
  BOOST_TEST(count_keys(path) == 1);
  // The young key is untouched: its answer still replays.
  BOOST_TEST(required(run(keys, "young", kCreate, comment(case_id, purge_time))).kind ==
             Kind::kReplay);
}

BOOST_AUTO_TEST_CASE(the_same_key_from_different_actors_does_not_collide) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  const auto case_id = accept(*store, create_complaint(now)).snapshot.id;
  const auto li = required(run(keys, "shared-key", kCreate, comment_as("agent.li", case_id, now)));
  const auto wang =
      required(run(keys, "shared-key", kOtherBody, comment_as("agent.wang", case_id, now)));
  BOOST_TEST(li.kind == Kind::kExecuted);
  BOOST_TEST(wang.kind == Kind::kExecuted);
  BOOST_TEST(
      required(run(keys, "shared-key", kCreate, comment_as("agent.li", case_id, now))).response ==
      li.response);
  BOOST_TEST(required(run(keys, "shared-key", kOtherBody, comment_as("agent.wang", case_id, now)))
                 .response == wang.response);
}

BOOST_AUTO_TEST_CASE(a_stored_answer_survives_a_restart) {
  TempDir dir;
  const auto now = monday_morning();
  std::optional<StoredResponse> first;
  {
    auto store = open_store(options_for(dir));
    IdempotencyStore keys(*store, kOptions);
    first = required(run(keys, "key-1", kCreate, create_complaint(now))).response;
  }
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto replay = required(run(keys, "key-1", kCreate, create_complaint(now)));
  BOOST_TEST(replay.kind == Kind::kReplay);
  BOOST_TEST(replay.response == first);
  BOOST_TEST(count_cases(options_for(dir).path) == 1);
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

BOOST_AUTO_TEST_CASE(keys_outside_printable_ascii_are_refused_before_anything_runs) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  IdempotencyStore keys(*store, kOptions);
  const auto now = monday_morning();
  for (const std::string& bad :
       {std::string(""), std::string(256, 'k'), std::string("has space"), std::string("tab\there"),
        std::string("ключ"), std::string("del\x7f"), std::string("nul\0", 4)}) {
    const auto result = run(keys, bad, kCreate, create_complaint(now));
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST(result.error().code == redress::ErrorCode::kInvalidField);
    BOOST_TEST(result.error().pointer == "");
    BOOST_TEST(result.error().message.find("Idempotency-Key") != std::string::npos);
  }
  BOOST_TEST(count_keys(options_for(dir).path) == 0);
  BOOST_TEST(count_cases(options_for(dir).path) == 0);
  // The whole printable range, and exactly 255 characters, are fine.
  std::string printable;
  for (char c = 0x21; c <= 0x7E; ++c) printable += c;
  BOOST_TEST(required(run(keys, printable, kCreate, create_complaint(now))).kind ==
             Kind::kExecuted);
  BOOST_TEST(required(run(keys, std::string(255, 'k'), kCreate, create_complaint(now))).kind ==
             Kind::kExecuted);
  // A request needs an actor, a fingerprint and a way to render its answer.
  auto anonymous = create_complaint(now);
  anonymous.actor.id.clear();
  BOOST_TEST(!run(keys, "key-1", kCreate, anonymous).ok());
  BOOST_TEST(!run(keys, "key-1", "", create_complaint(now)).ok());
  BOOST_TEST(!run(keys, "key-1", kCreate, create_complaint(now), RenderAnswer{}).ok());
  BOOST_TEST(count_cases(options_for(dir).path) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
