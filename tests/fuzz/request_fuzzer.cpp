// request_fuzzer: raw HTTP/1.1 requests through the server's whole request pipeline.
//
// Each input is read as the bytes a client sends: Beast's request parser (with the server's body
// and header limits) turns it into a request, which goes through RequestPipeline::handle exactly as
// HttpSession hands it over — target parsing, routing, authentication, rate limit, roles, media
// type, JSON decoding, handlers and the SQLite store underneath. Inputs the parser refuses are
// what HttpSession answers itself without the service, so they stop there.
//
// When the request has no Authorization header, one is added: the byte right after the parsed
// message (if any) picks the caller — agent, admin, supervisor, integration, team lead or manager
// — so a mutation of that one byte replays the same request under another role. Inputs that set
// the byte to 0xC0 or more also move the fake clock an hour and fire the timers that fell due.
//
// Invariants, checked on every response (a failure aborts, and libFuzzer saves the input):
//   - an answer arrives, exactly as RequestPipeline promises, within kAnswerTimeout;
//   - no 5xx for any client input, except the storage's own faults (busy, full, shutting down;
//     and STORAGE_ERROR/IO/CORRUPT, which are reported on stderr but tolerated unless
//     REDRESS_FUZZ_STRICT_STORAGE=1): a 500 INTERNAL is always a bug;
//   - every problem+json body parses and has "type", "status" (equal to the HTTP status) and
//     "detail"; every application/json body parses; every response carries X-Request-Id.
//
// The same input then goes straight into parse_target (with is_valid_utf8 checked against a
// reference decoder, and percent-encoded segments parsing back to themselves),
// parse_json_object, BodyReader and QueryReader, none of which may throw: cheap, and it reaches
// the decoders even when the HTTP framing is broken.
//
// State: one server (not started: no sockets, no timer thread) on a temporary database under
// $TMPDIR for the whole run, so inputs see the cases, users and tokens earlier inputs created.
// A crash input therefore usually, but not always, reproduces on its own.
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include "api/http/json_body.h"
#include "api/http/request_pipeline.h"
#include "api/http/router.h"
#include "api/http/token_codec.h"
#include "api/http/token_scopes.h"
#include "api/routes/routes.h"
#include "api/server/api_server.h"
#include "engine/utf8.h"
#include "storage/await.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

using namespace redress;
namespace http = boost::beast::http;

constexpr auto kAnswerTimeout = std::chrono::seconds(5);

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "\nrequest_fuzzer: INVARIANT VIOLATED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// --- the server under test -------------------------------------------------------------------

struct Caller {
  Role role;
  std::string token;
};

struct Fixture {
  std::filesystem::path dir;
  FakeClock clock{*parse_rfc3339("2026-11-23T02:00:00Z")};
  api::ServerConfig config;
  std::unique_ptr<api::ApiServer> server;
  std::unique_ptr<api::RequestPipeline> service;
  std::vector<Caller> callers;
  bool strict_storage = false;
  bool verbose = false;  // REDRESS_FUZZ_VERBOSE=1: one line per request, to check the seeds
  int storage_faults_reported = 0;
  std::uint64_t inputs = 0;
  int reissued = 0;
};

// Deliberately never destroyed: the store's writer thread outlives every input, and tearing it
// down in a static destructor would race with libFuzzer's exit.
Fixture* fixture = nullptr;

void remove_fixture_dir() {
  if (!fixture) return;
  std::error_code ignored;
  std::filesystem::remove_all(fixture->dir, ignored);
}

// One request through the service; waits for the answer.
std::optional<api::Response> call(api::Request request) {
  auto promise = std::make_shared<std::promise<api::Response>>();
  auto answer = promise->get_future();
  fixture->service->handle(std::move(request), [promise](api::Response response) {
    promise->set_value(std::move(response));
  });
  if (answer.wait_for(kAnswerTimeout) != std::future_status::ready) return std::nullopt;
  return answer.get();
}

api::Request make_request(http::verb method, const std::string& target, const std::string& body,
                          const std::string& token) {
  api::Request request{method, target, 11};
  request.set(http::field::host, "localhost");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();
  return request;
}

// A user (when the role is a person's) and a token for it, written straight through the
// directory so that it works even when fuzz inputs have locked the admin out.
std::string issue_token(Role role) {
  auto& directory = fixture->server->context().directory;
  const auto now = fixture->clock.now();
  std::string user_id;
  if (role != Role::kIntegration) {
    user_id = "fuzz-" + std::string(role_name(role)) + "-" + std::to_string(fixture->reissued++);
    storage::User user;
    user.id = user_id;
    user.display_name = user_id;
    user.role = role;
    user.team_id = "after_sales";
    user.created_at = now;
    auto created = storage::await_result<storage::User>(
        [&](auto done) { directory.create_user(user, std::move(done)); });
    if (!created.ok()) fail("cannot create the user " + user_id + ": " + created.error().message);
  }
  const auto secret = api::generate_token();
  std::vector<std::string> scopes;
  if (role == Role::kIntegration) {
    for (const auto& scope : api::token_scopes()) scopes.emplace_back(scope.name);
  }
  storage::NewToken token{
      secret.id, secret.hash, user_id, role, "fuzz", std::nullopt, api::join_scopes(scopes)};
  auto stored = storage::await_result<storage::ApiToken>(
      [&](auto done) { directory.create_token(token, now, std::move(done)); });
  if (!stored.ok()) fail("cannot create a token: " + stored.error().message);
  return secret.token;
}

// Inputs may revoke tokens, deactivate users or change their roles (that is what the admin
// routes are for); a caller that no longer authenticates with its role gets a fresh token.
void keep_callers_working() {
  for (auto& caller : fixture->callers) {
    api::Request probe;
    probe.set(http::field::authorization, "Bearer " + caller.token);
    auto who = fixture->service->authenticate(probe, fixture->clock.now());
    const auto* principal = std::get_if<api::Principal>(&who);
    if (!principal || principal->actor.role != caller.role) caller.token = issue_token(caller.role);
  }
}

void create_fixture() {
  fixture = new Fixture;
  std::string pattern = (std::filesystem::temp_directory_path() / "redress-fuzz-XXXXXX").string();
  if (!mkdtemp(pattern.data())) fail("mkdtemp failed for " + pattern);
  fixture->dir = pattern;
  std::atexit(remove_fixture_dir);

  auto& config = fixture->config;
  config.port = 0;
  config.db_path = (fixture->dir / "redress.db").string();
  const char* workflows = std::getenv("REDRESS_FUZZ_WORKFLOWS");
  config.workflows_dir = workflows ? workflows : REDRESS_SOURCE_DIR "/workflows";
  config.access_log = false;
  config.synchronous_full = false;  // a scratch database: durability is not under test
  config.timer_interval = std::chrono::hours(1);
  const char* strict = std::getenv("REDRESS_FUZZ_STRICT_STORAGE");
  fixture->strict_storage = strict && std::string_view(strict) == "1";
  const char* verbose = std::getenv("REDRESS_FUZZ_VERBOSE");
  fixture->verbose = verbose && std::string_view(verbose) == "1";

  std::ostringstream out;
  auto created = api::ApiServer::create(config, fixture->clock, out);
  if (!created.ok()) fail("cannot create the server: " + created.error().message);
  fixture->server = std::move(created).value();
  // The server's own RequestPipeline is private; this one is assembled the same way create() does.
  auto& context = fixture->server->context();
  fixture->service = std::make_unique<api::RequestPipeline>(api::pipeline_services(context),
                                                            api::build_router(context));

  // The admin token the server prints on first start.
  const auto printed = out.str();
  const auto at = printed.find("rdr_");
  if (at == std::string::npos) fail("the server printed no admin token: " + printed);
  const auto end = printed.find_first_of(" \r\n", at);
  const std::string admin = printed.substr(at, end == std::string::npos ? end : end - at);

  auto team = call(make_request(http::verb::post, "/v1/teams",
                                R"({"id":"after_sales","name":"After-sales"})", admin));
  if (!team || team->result() != http::status::created) fail("cannot create the team");

  fixture->callers = {{Role::kAgent, issue_token(Role::kAgent)},
                      {Role::kAdmin, admin},
                      {Role::kSupervisor, issue_token(Role::kSupervisor)},
                      {Role::kIntegration, issue_token(Role::kIntegration)},
                      {Role::kTeamLead, issue_token(Role::kTeamLead)},
                      {Role::kManager, issue_token(Role::kManager)}};

  // Cases C-1..C-4, one per shipped workflow, for the seeds' /v1/cases/C-n targets.
  const char* cases[] = {
      R"({"workflow_id":"complaint","severity":"high","customer":{"id":"cust-1","tier":"vip"},
          "order":{"id":"o-1","paid":{"amount":12900,"currency":"CNY"}},
          "fields":{"summary":"The kettle leaks"}})",
      R"({"workflow_id":"return_exchange","customer":{"id":"cust-2"},
          "order":{"id":"o-2","paid":{"amount":5000,"currency":"CNY"}},
          "fields":{"request_type":"exchange"}})",
      R"({"workflow_id":"review_recovery","customer":{"id":"cust-3"},
          "fields":{"review_text":"Broke in a week","rating":1}})",
      R"({"workflow_id":"out_of_stock","customer":{"id":"cust-4"},"order":{"id":"o-4"},
          "fields":{"item":"kettle"}})",
  };
  for (const char* body : cases) {
    auto response =
        call(make_request(http::verb::post, "/v1/cases", body, fixture->callers[0].token));
    if (!response || response->result() != http::status::created) {
      fail("cannot create a seed case: " + (response ? response->body() : "no answer"));
    }
  }
}

// --- invariants ------------------------------------------------------------------------------

std::string describe(const api::Request& request, const api::Response& response) {
  std::string text = std::string(http::to_string(request.method())) + " " +
                     std::string(request.target()) + " -> " +
                     std::to_string(response.result_int()) + " " + response.body().substr(0, 2000);
  return text;
}

bool is_storage_fault(const std::string& code) {
  return code == "STORAGE_FULL" || code == "STORAGE_BUSY" || code == "STORAGE_OVERLOADED" ||
         code == "STORAGE_CLOSED" || code == "STORAGE_READONLY" || code == "SHUTTING_DOWN";
}

bool is_storage_error(const std::string& code) {
  return code == "STORAGE_ERROR" || code == "STORAGE_IO" || code == "STORAGE_CORRUPT";
}

void check_response(const api::Request& request, const api::Response& response) {
  if (response.find("X-Request-Id") == response.end()) {
    fail("response without X-Request-Id: " + describe(request, response));
  }
  const std::string content_type(response[http::field::content_type]);
  const auto status = static_cast<int>(response.result_int());
  nlohmann::json body;
  const bool is_problem = content_type == "application/problem+json";
  if (is_problem || content_type.starts_with("application/json")) {
    if (!response.body().empty() || is_problem) {
      body = nlohmann::json::parse(response.body(), nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) fail("unparsable JSON body: " + describe(request, response));
    }
  }
  if (is_problem) {
    if (!body.is_object() || !body.contains("type") || !body["type"].is_string() ||
        !body.contains("status") || !body["status"].is_number_integer() ||
        !body.contains("detail") || !body["detail"].is_string()) {
      fail("problem+json without type/status/detail: " + describe(request, response));
    }
    if (body["status"].get<int>() != status) {
      fail("problem status differs from the HTTP status: " + describe(request, response));
    }
  }
  if (status < 500) return;
  const std::string code =
      body.is_object() && body.contains("code") && body["code"].is_string() ? body["code"] : "";
  if (is_storage_fault(code)) return;
  if (is_storage_error(code) && !fixture->strict_storage) {
    if (fixture->storage_faults_reported++ < 20) {
      std::fprintf(stderr, "request_fuzzer: note: storage fault for a client input: %s\n",
                   describe(request, response).c_str());
    }
    return;
  }
  fail("server error for a client input: " + describe(request, response));
}

// --- the decoders, directly ------------------------------------------------------------------

// Table 3-7 of the Unicode standard: the well-formed UTF-8 byte sequences.
bool reference_utf8(std::string_view text) {
  size_t i = 0;
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  while (i < text.size()) {
    const unsigned char c = at(i);
    size_t n = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xBF;
    if (c <= 0x7F) {
      n = 1;
    } else if (in(c, 0xC2, 0xDF)) {
      n = 2;
    } else if (c == 0xE0) {
      n = 3, lo = 0xA0;
    } else if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) {
      n = 3;
    } else if (c == 0xED) {
      n = 3, hi = 0x9F;
    } else if (c == 0xF0) {
      n = 4, lo = 0x90;
    } else if (in(c, 0xF1, 0xF3)) {
      n = 4;
    } else if (c == 0xF4) {
      n = 4, hi = 0x8F;
    } else {
      return false;
    }
    if (i + n > text.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const unsigned char cc = at(i + k);
      if (k == 1 ? !in(cc, lo, hi) : !in(cc, 0x80, 0xBF)) return false;
    }
    i += n;
  }
  return true;
}

std::string percent_encode_all(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

void fuzz_target(std::string_view target) {
  auto parsed = api::parse_target(target);
  auto* ok = std::get_if<api::ParsedTarget>(&parsed);
  if (!ok) return;
  std::string path;
  for (const auto& segment : ok->segments) {
    if (segment.find('\0') != std::string::npos || !reference_utf8(segment)) {
      fail("parse_target accepted a segment with NUL or invalid UTF-8");
    }
    path += "/" + segment;
  }
  if (path != ok->path) fail("parse_target: path is not the joined segments");
  if (ok->query.size() > 100) fail("parse_target: more than 100 query parameters");
  for (const auto& [key, value] : ok->query) {
    if (!reference_utf8(key) || !reference_utf8(value)) {
      fail("parse_target accepted a query parameter with invalid UTF-8");
    }
  }
  // Encoding every byte of every segment and parsing again gives the same segments (when the
  // trailing-slash rule does not apply to the result).
  if (!ok->segments.empty() && (ok->segments.size() == 1 || !ok->segments.back().empty())) {
    std::string encoded;
    for (const auto& segment : ok->segments) encoded += "/" + percent_encode_all(segment);
    if (encoded.size() <= 8192) {
      auto again = api::parse_target(encoded);
      auto* same = std::get_if<api::ParsedTarget>(&again);
      if (!same || same->segments != ok->segments) {
        fail("parse_target: percent-encoded segments do not parse back to themselves");
      }
    }
  }

  // Query parameters through QueryReader, each under every reading.
  api::RequestContext ctx;
  ctx.query = ok->query;
  api::QueryReader reader(ctx);
  size_t n = 0;
  for (const auto& [key, value] : ok->query) {
    if (++n > 8) break;
    (void)reader.string(key, 64);
    (void)reader.integer(key, -1000, 1000);
    (void)reader.boolean(key);
    (void)reader.instant(key);
  }
  reader.allow_only({"page_size", "page_token", "q"});
  if (!reader.ok()) (void)api::problem_body(reader.problem(), ok->path).dump();
}

void read_object(api::BodyReader& reader, const std::vector<std::string>& keys, int depth);

void read_members(const nlohmann::json& object, const std::string& pointer, int depth) {
  std::vector<std::string> keys;
  if (object.is_object()) {
    for (const auto& [key, value] : object.items()) {
      keys.push_back(key);
      if (keys.size() == 3) break;
    }
  }
  keys.resize(3);
  api::BodyReader reader(object, pointer,
                         {keys[0], keys[1], keys[2], "amount", "currency", "items"});
  auto read = keys;
  read.insert(read.end(), {"amount", "currency", "items", "missing"});
  read_object(reader, read, depth);
  if (!reader.ok()) {
    const auto body = api::problem_body(reader.problem(), "/fuzz");
    (void)body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

void read_object(api::BodyReader& reader, const std::vector<std::string>& keys, int depth) {
  for (const auto& key : keys) {
    const bool required = key.size() % 2 == 0;
    (void)reader.string(key, required, 16, key.empty());
    (void)reader.integer(key, false, -5, 1000000);
    (void)reader.boolean(key, false);
    (void)reader.instant(key, false);
    (void)reader.money(key, false);
    (void)reader.string_array(key, false, 4, 8);
    if (auto nested = reader.object(key, false, 8); nested && depth < 3) {
      read_members(*nested, reader.pointer(key), depth + 1);
    }
  }
}

void fuzz_body(std::string_view body) {
  api::Request request;
  request.body() = std::string(body);
  auto parsed = api::parse_json_object(request, body.size() % 2 == 0);
  if (auto* problem = std::get_if<api::ApiProblem>(&parsed)) {
    const bool valid = reference_utf8(body);
    if ((problem->code == redress::ErrorCode::kInvalidUtf8) == valid && !body.empty()) {
      fail("parse_json_object's UTF-8 verdict differs from the reference");
    }
    return;
  }
  read_members(std::get<nlohmann::json>(parsed), "", 0);
}

void fuzz_decoders(std::string_view input) {
  if (redress::is_valid_utf8(input) != reference_utf8(input)) {
    fail("is_valid_utf8 differs from the reference decoder");
  }
  // The target as in a request line: the second word of the first line, else the first line.
  const auto line = input.substr(0, input.find('\n'));
  std::string_view target = line;
  if (const auto space = line.find(' '); space != std::string_view::npos) {
    target = line.substr(space + 1);
    target = target.substr(0, target.find(' '));
  }
  fuzz_target(target);
  // The body: after the first blank line, else everything.
  std::string_view body = input;
  if (const auto blank = input.find("\r\n\r\n"); blank != std::string_view::npos) {
    body = input.substr(blank + 4);
  } else if (const auto bare = input.find("\n\n"); bare != std::string_view::npos) {
    body = input.substr(bare + 2);
  }
  fuzz_body(body);
}

// --- the pipeline ----------------------------------------------------------------------------

void fuzz_request(const std::uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(fixture->config.body_limit);
  parser.header_limit(static_cast<std::uint32_t>(fixture->config.header_limit));
  boost::asio::const_buffer buffer(data, size);
  boost::beast::error_code ec;
  for (;;) {
    const size_t used = parser.put(buffer, ec);
    buffer += used;
    if (parser.is_done()) break;
    if (ec == http::error::need_more && used > 0) {
      ec = {};
      continue;
    }
    return;  // incomplete or invalid: HttpSession answers (or drops) these itself
  }
  api::Request request = parser.release();
  if (boost::beast::websocket::is_upgrade(request)) return;  // handed to the WebSocket side

  const auto selector =
      buffer.size() > 0 ? *static_cast<const std::uint8_t*>(buffer.data()) : std::uint8_t{0};
  if (request.find(http::field::authorization) == request.end()) {
    const auto& caller = fixture->callers[selector % fixture->callers.size()];
    request.set(http::field::authorization, "Bearer " + caller.token);
  }
  const api::Request copy = request;
  auto response = call(std::move(request));
  if (!response) {
    fail("no answer within 5 s: " + std::string(http::to_string(copy.method())) + " " +
         std::string(copy.target()));
  }
  if (fixture->verbose) {
    std::fprintf(
        stderr, "request_fuzzer: [%s] %s\n",
        std::string(role_name(fixture->callers[selector % fixture->callers.size()].role)).c_str(),
        describe(copy, *response).substr(0, 300).c_str());
  }
  check_response(copy, *response);

  if (selector >= 0xC0) {
    fixture->clock.advance(std::chrono::hours(1));
    (void)fixture->server->fire_due_timers_now();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  create_fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  // Nothing larger reaches the service: HttpSession refuses it (413 / 431) first. Inputs this
  // large come from regression files, not from mutation (run_fuzzers.sh caps -max_len).
  if (size > fixture->config.body_limit + fixture->config.header_limit + 1) return -1;
  fixture->clock.advance(std::chrono::seconds(1));  // rate limits refill; deterministic per run
  if (++fixture->inputs % 256 == 0) keep_callers_working();
  fuzz_request(data, size);

  // After the pipeline, so that an input both break reports what a client would see.
  try {
    fuzz_decoders(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception& e) {
    fail(std::string("a decoder threw instead of returning a problem: ") + e.what());
  }
  return 0;
}
