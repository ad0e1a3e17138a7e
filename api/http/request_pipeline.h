// RequestPipeline: one HTTP request in, one response out — the pipeline in front of every handler.
//
// For each request: parse the target (percent-decoding, UTF-8, bounds), find the route (404 /
// 405), authenticate the bearer token (401), apply the token's rate limit (429 with
// Retry-After), check the route's roles (403), check the body's media type (415), then run the
// handler. Exceptions escaping a handler are a broken invariant: logged, answered with a 500
// problem, never a crash. Every response gets an X-Request-Id and is counted in the metrics and
// written to the JSON access log (method, route, status, latency, actor — never a token).
//
// Thread-safety: handle() may be called concurrently from every I/O thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/http/metrics.h"
#include "api/http/rate_limiter.h"
#include "api/http/request_context.h"
#include "api/http/router.h"
#include "api/http/server_config.h"
#include "api/http/token_authenticator.h"
#include "engine/time.h"

namespace redress::api {

// What the pipeline itself uses, apart from the handlers it routes to. Each must outlive it.
struct PipelineServices {
  const ServerConfig& config;
  TokenAuthenticator& auth;
  Metrics& metrics;
  const Clock& clock;
};

class RequestPipeline {
 public:
  RequestPipeline(PipelineServices services, Router router);

  // `send` receives the response exactly once, possibly from another thread.
  void handle(Request request, std::function<void(Response)> send);

  const Router& router() const { return router_; }

  // Authenticates a request outside the pipeline (the WebSocket upgrade).
  std::variant<Principal, ApiProblem> authenticate(const Request& request, Instant now);

 private:
  PipelineServices services_;
  Router router_;
  RateLimiter limiter_;
  std::atomic<std::uint64_t> next_request_id_{1};
};

// Writes one JSON access-log line to stderr (serialised so lines never interleave).
void write_access_log(const nlohmann::json& line);

}  // namespace redress::api
