#include "api/http/request_pipeline.h"

#include <chrono>
#include <iostream>
#include <mutex>
#include <stdexcept>

namespace redress::api {
namespace {

bool has_json_media_type(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  std::string base(content_type.substr(0, semicolon));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  for (auto& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base == "application/json" || (base.size() > 5 && base.ends_with("+json"));
}

std::string request_id_from(const Request& request, std::uint64_t fallback) {
  const auto it = request.find("X-Request-Id");
  if (it != request.end()) {
    const std::string_view value = it->value();
    bool safe = !value.empty() && value.size() <= 64;
    for (char c : value) {
      safe =
          safe && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    }
    if (safe) return std::string(value);
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "req-%012llx", static_cast<unsigned long long>(fallback));
  return buffer;
}

}  // namespace

void write_access_log(const nlohmann::json& line) {
  static std::mutex mutex;
  const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex);
  std::cerr << text << '\n';
}

void RequestPipeline::log_fault(const RequestContext& ctx, const ApiProblem& problem) const {
  write_access_log({{"ts", format_rfc3339(services_.clock.now())},
                    {"level", "error"},
                    {"msg", "request failed"},
                    {"request_id", ctx.request_id},
                    {"route", ctx.route},
                    {"status", static_cast<int>(problem_status(problem.code))},
                    {"code", error_code_name(problem.code)},
                    {"error", problem.cause.empty() ? problem.detail : problem.cause}});
}

RequestPipeline::RequestPipeline(PipelineServices services, Router router)
    : services_(services),
      router_(std::move(router)),
      limiter_(services.config.rate_limit_per_second, services.config.rate_limit_burst) {}

std::variant<Principal, ApiProblem> RequestPipeline::authenticate(const Request& request,
                                                                  Instant now) {
  return services_.auth.authenticate(request[http::field::authorization], now);
}

RequestPlan RequestPipeline::plan(const RequestHead& head) const {
  const BodyPolicy json_body = BodyPolicy::buffered(services_.config.body_limit);
  auto target = parse_target(head.target());
  auto* parsed = std::get_if<ParsedTarget>(&target);
  if (parsed == nullptr) return {RequestPlan::Destination::kApi, json_body};  // handle() says why
  auto matched = router_.match(head.method(), parsed->segments);
  if (auto* match = std::get_if<RouteMatch>(&matched)) {
    return {RequestPlan::Destination::kApi, match->route->body.value_or(json_body)};
  }
  const bool outside_api = parsed->segments.empty() || parsed->segments.front() != "v1";
  if (outside_api && (head.method() == http::verb::get || head.method() == http::verb::head)) {
    return {RequestPlan::Destination::kStaticFile, BodyPolicy::none()};
  }
  return {RequestPlan::Destination::kApi, json_body};  // handle() answers 404 / 405
}

Responder RequestPipeline::responder(const RequestPtr& ctx, ResponseSender send) {
  const auto started = std::chrono::steady_clock::now();
  // Every response passes through here: request id, metrics, access log.
  return Responder(
      [this, ctx, started, send = std::move(send)](Response response) {
        response.set("X-Request-Id", ctx->request_id);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const int status = static_cast<int>(response.result_int());
        const std::string method(http::to_string(ctx->request.method()));
        services_.metrics.record_request(ctx->route, method, status, seconds);
        if (services_.config.access_log) {
          nlohmann::json line{{"ts", format_rfc3339(services_.clock.now())},
                              {"level", "info"},
                              {"msg", "request"},
                              {"request_id", ctx->request_id},
                              {"method", method},
                              {"route", ctx->route},
                              {"status", status},
                              {"latency_ms", std::round(seconds * 1e5) / 100}};
          if (ctx->principal) line["actor"] = ctx->principal->actor.id;
          write_access_log(line);
        }
        send(std::move(response));
      },
      [this, ctx](const ApiProblem& problem) { log_fault(*ctx, problem); });
}

const RouteSpec* RequestPipeline::admit(const RequestPtr& ctx, const Responder& respond) {
  ctx->now = services_.clock.now();
  ctx->request_id = request_id_from(ctx->request, next_request_id_.fetch_add(1));
  ctx->route = "(unmatched)";

  auto target = parse_target(ctx->request.target());
  if (auto* problem = std::get_if<ApiProblem>(&target)) {
    respond.problem(*ctx, *problem);
    return nullptr;
  }
  auto& parsed = std::get<ParsedTarget>(target);
  ctx->path = parsed.path;
  ctx->query = std::move(parsed.query);

  auto matched = router_.match(ctx->request.method(), parsed.segments);
  if (auto* problem = std::get_if<ApiProblem>(&matched)) {
    if (problem->code == ErrorCode::kMethodNotAllowed) {
      auto response = problem_response(*problem, ctx->request);
      std::string allow;
      for (const auto& m : problem->extensions["allowed_methods"]) {
        allow += (allow.empty() ? "" : ", ") + m.get<std::string>();
      }
      response.set(http::field::allow, allow);
      respond(std::move(response));
      return nullptr;
    }
    respond.problem(*ctx, *problem);
    return nullptr;
  }
  auto& match = std::get<RouteMatch>(matched);
  const RouteSpec& route = *match.route;
  ctx->route = route.pattern;
  ctx->path_params = std::move(match.params);

  if (route.requires_token) {
    auto who = authenticate(ctx->request, ctx->now);
    if (auto* problem = std::get_if<ApiProblem>(&who)) {
      respond.problem(*ctx, *problem);
      return nullptr;
    }
    ctx->principal = std::get<Principal>(std::move(who));
    if (auto wait = limiter_.acquire(ctx->principal->token_id, ctx->now)) {
      ApiProblem limited =
          ApiProblem::rate_limited("this token sent more than its rate limit allows; retry after " +
                                       std::to_string(*wait) + " s",
                                   *wait);
      respond.problem(*ctx, limited);
      return nullptr;
    }
    if (!role_allowed(route, ctx->principal->actor.role)) {
      respond.problem(*ctx, role_refusal(route, ctx->principal->actor.role));
      return nullptr;
    }
    if (!scope_allowed(route, *ctx->principal)) {
      respond.problem(*ctx, scope_refusal(route));
      return nullptr;
    }
  }

  const auto method = ctx->request.method();
  const bool json_body = !route.body || route.body->kind == BodyPolicy::Kind::kBuffered;
  if (json_body &&
      (method == http::verb::post || method == http::verb::patch || method == http::verb::put) &&
      !ctx->request.body().empty() &&
      !has_json_media_type(ctx->request[http::field::content_type])) {
    respond.problem(*ctx,
                    ApiProblem::unsupported_media_type("send the body as JSON with Content-Type: "
                                                       "application/json"));
    return nullptr;
  }
  return &route;
}

void RequestPipeline::run_handler(const RequestPtr& ctx, const Responder& respond,
                                  const std::function<void()>& handler) {
  try {
    handler();
  } catch (const std::exception& e) {
    respond.problem(*ctx, ApiProblem::internal("the server failed while handling this request; it "
                                               "is logged under the request id " +
                                                   ctx->request_id,
                                               std::string("handler failed: ") + e.what()));
  }
}

void RequestPipeline::handle(Request request, ResponseSender send) {
  auto ctx = std::make_shared<RequestContext>();
  ctx->request = std::move(request);
  Responder respond = responder(ctx, std::move(send));
  const RouteSpec* route = admit(ctx, respond);
  if (route == nullptr) return;
  run_handler(ctx, respond, [&] {
    // A streamed route reached with its body read whole is a wiring bug, not the client's.
    if (!route->handler) throw std::logic_error("the route has no handler for a buffered body");
    route->handler(ctx, respond);
  });
}

void RequestPipeline::handle_streamed(Request head, std::shared_ptr<BodyStream> body,
                                      ResponseSender send) {
  auto ctx = std::make_shared<RequestContext>();
  ctx->request = std::move(head);
  Responder respond = responder(ctx, std::move(send));
  const RouteSpec* route = admit(ctx, respond);
  if (route == nullptr) return;
  run_handler(ctx, respond, [&] {
    if (!route->stream_handler) throw std::logic_error("the route has no streamed-body handler");
    route->stream_handler(ctx, body, respond);
  });
}

}  // namespace redress::api
