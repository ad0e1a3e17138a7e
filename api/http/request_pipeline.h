// RequestPipeline: one HTTP request in, one response out — the pipeline in front of every handler,
// and the transport's RequestHandler (api/http/request_handler.h).
//
// plan(head): the route the head matches chooses its body (RouteSpec::body; by default a JSON
// body up to --body-limit); a GET or HEAD outside /v1 that matches no route may be a file of the
// console (RequestPlan::kStaticFile). For each request: parse the target (percent-decoding, UTF-8,
// bounds), find the route (404 / 405), authenticate the bearer token (401), apply the token's rate
// limit (429 with Retry-After), check the route's roles (403), check the body's media type (415),
// then run the handler. Exceptions escaping a handler are a broken invariant: answered with a 500
// problem, never a crash. Every response gets an X-Request-Id and is counted in the metrics and
// written to the JSON access log (method, route, status, latency, actor — never a token); every
// 5xx problem also logs its cause (the Error's internal message or the exception's) on a line of
// its own with the same request id.
//
// A streamed body (handle_streamed) passes the same checks before the first byte of it is read,
// so an unauthenticated or forbidden upload is refused without reading it.
//
// Thread-safety: plan(), handle() and handle_streamed() may be called concurrently from every
// I/O thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/http/metrics.h"
#include "api/http/rate_limiter.h"
#include "api/http/request_context.h"
#include "api/http/request_handler.h"
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

class RequestPipeline final : public RequestHandler {
 public:
  RequestPipeline(PipelineServices services, Router router);

  RequestPlan plan(const RequestHead& head) const override;
  // `send` receives the response exactly once, possibly from another thread.
  void handle(Request request, ResponseSender send) override;
  void handle_streamed(Request head, std::shared_ptr<BodyStream> body,
                       ResponseSender send) override;

  const Router& router() const { return router_; }

  // Authenticates a request outside the pipeline (the WebSocket upgrade).
  std::variant<Principal, ApiProblem> authenticate(const Request& request, Instant now);

 private:
  // Everything before the handler: request id, target, route, token, rate limit, roles, media
  // type. The matched route, or nullptr when `respond` was already called.
  const RouteSpec* admit(const RequestPtr& ctx, const Responder& respond);
  Responder responder(const RequestPtr& ctx, ResponseSender send);
  void run_handler(const RequestPtr& ctx, const Responder& respond,
                   const std::function<void()>& handler);
  // Writes a 5xx's cause (an Error's internal message or an exception's) to the log as one JSON
  // line with the request id, route, status and code: what the client's generic detail omits.
  void log_fault(const RequestContext& ctx, const ApiProblem& problem) const;

  PipelineServices services_;
  Router router_;
  RateLimiter limiter_;
  std::atomic<std::uint64_t> next_request_id_{1};
};

// Writes one JSON access-log line to stderr (serialised so lines never interleave).
void write_access_log(const nlohmann::json& line);

}  // namespace redress::api
