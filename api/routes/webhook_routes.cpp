// /v1/webhooks: subscriptions (the secret is shown once, at creation and rotation), their
// deliveries and attempts, and redelivery by hand. Admins and integrations manage them.
#include <charconv>

#include "api/delivery/webhook_signature.h"
#include "api/http/json_body.h"
#include "api/http/json_time.h"
#include "api/routes/page_token.h"
#include "api/routes/routes.h"

namespace redress::api {
namespace {

const std::vector<Role> kManagers = {Role::kAdmin, Role::kIntegration};

// Subscriptions page by id; a subscription's deliveries by id, newest first. A delivery token
// names its subscription: another subscription's listing refuses it.
const PageListing kWebhookListing{"webhooks", {PageKeyType::kString}, 50};
PageListing delivery_listing(const std::string& subscription_id) {
  return {"deliveries:" + subscription_id, {PageKeyType::kInteger}, 50};
}

// Never includes secrets: they are shown once, in the answer to create and rotate.
nlohmann::json subscription_json(const storage::Subscription& s) {
  return {{"id", s.id},
          {"url", s.url},
          {"event_types", s.event_types},
          {"enabled", s.enabled},
          {"disabled_reason",
           s.disabled_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.disabled_reason)},
          {"description", s.description},
          {"previous_secret_expires_at", time_or_null(s.previous_secret_expires_at)},
          {"created_at", format_rfc3339(s.created_at)},
          {"updated_at", format_rfc3339(s.updated_at)}};
}

nlohmann::json delivery_json(const storage::Delivery& d) {
  return {
      {"id", d.id},
      {"subscription_id", d.subscription_id},
      {"webhook_id", d.webhook_id},
      {"event_type", d.event_type},
      {"status", std::string(storage::delivery_status_name(d.status))},
      {"attempts", d.attempts},
      {"round_attempts", d.round_attempts},
      {"next_attempt_at", time_or_null(d.next_attempt_at)},
      {"last_status_code",
       d.last_status_code ? nlohmann::json(*d.last_status_code) : nlohmann::json(nullptr)},
      {"last_latency_ms",
       d.last_latency_ms ? nlohmann::json(*d.last_latency_ms) : nlohmann::json(nullptr)},
      {"last_error", d.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.last_error)},
      {"created_at", format_rfc3339(d.created_at)},
      {"updated_at", format_rfc3339(d.updated_at)}};
}

std::function<void(Result<storage::Subscription>)> answer_subscription(
    RequestPtr ctx, Responder respond, http::status status, std::string secret_shown_once) {
  return [ctx, respond, status, secret_shown_once](Result<storage::Subscription> result) {
    if (!result.ok()) return respond.problem(*ctx, from_error(result.error()));
    auto body = subscription_json(result.value());
    if (!secret_shown_once.empty()) body["secret"] = secret_shown_once;
    auto response = json_response(ctx->request, status, body);
    if (status == http::status::created) {
      response.set(http::field::location, "/v1/webhooks/" + result.value().id);
    }
    respond(std::move(response));
  };
}

std::optional<std::int64_t> delivery_id(const RequestContext& ctx, const Responder& respond) {
  const auto text = ctx.param("delivery_id");
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    respond.problem(ctx, ApiProblem::not_found("there is no delivery " + text));
    return std::nullopt;
  }
  return id;
}

void create(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"id", "url", "event_types", "description"});
  storage::NewSubscription s;
  s.id = in.string("id", true, 128).value_or("");
  s.url = in.string("url", true, 2048).value_or("");
  s.event_types =
      in.string_array("event_types", true, 50, 100).value_or(std::vector<std::string>{});
  s.description = in.string("description", false, 500, true).value_or("");
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  s.secret = new_secret();
  const auto secret = s.secret;
  context.webhooks.create(std::move(s), ctx->now,
                          answer_subscription(ctx, respond, http::status::created, secret));
}

void list(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"page_size", "page_token"});
  const auto page = read_page(q, kWebhookListing);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  const std::string after = page.after ? std::get<std::string>(page.after->front()) : "";
  auto rows = context.webhooks.list(after, page.rows_to_read());
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  auto& list = rows.value();
  const auto next = finish_page(list, page, kWebhookListing, [](const storage::Subscription& row) {
    return PagePosition{row.id};
  });
  auto out = nlohmann::json::array();
  for (const auto& s : list) out.push_back(subscription_json(s));
  respond.json(*ctx, http::status::ok,
               {{"webhooks", out}, {"next_page_token", page_token_json(next)}});
}

void get(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto found = context.webhooks.get(ctx->param("id"));
  if (!found.ok()) return respond.problem(*ctx, from_error(found.error()));
  if (!found.value()) {
    return respond.problem(
        *ctx, ApiProblem::not_found("there is no webhook subscription " + ctx->param("id")));
  }
  respond.json(*ctx, http::status::ok, subscription_json(*found.value()));
}

void update(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"url", "event_types", "enabled", "description"});
  storage::SubscriptionPatch patch;
  patch.url = in.string("url", false, 2048);
  patch.event_types = in.string_array("event_types", false, 50, 100);
  patch.enabled = in.boolean("enabled", false);
  patch.description = in.string("description", false, 500, true);
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  context.webhooks.update(ctx->param("id"), std::move(patch), ctx->now,
                          answer_subscription(ctx, respond, http::status::ok, ""));
}

void rotate(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond, true);
  if (!body) return;
  BodyReader in(*body, "", {"keep_previous_seconds"});
  const auto keep =
      in.integer("keep_previous_seconds", false, 0, 7 * 24 * 3600).value_or(24 * 3600);
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  const auto secret = new_secret();
  context.webhooks.rotate_secret(ctx->param("id"), secret, ctx->now, std::chrono::seconds(keep),
                                 answer_subscription(ctx, respond, http::status::ok, secret));
}

void deliveries(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"status", "page_size", "page_token"});
  const auto status_text = q.string("status", 16);
  const auto listing = delivery_listing(ctx->param("id"));
  const auto page = read_page(q, listing);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  const std::int64_t after = page.after ? std::get<std::int64_t>(page.after->front()) : 0;
  std::optional<storage::DeliveryStatus> status;
  if (status_text) {
    status = storage::parse_delivery_status(*status_text);
    if (!status) {
      return respond.problem(
          *ctx,
          ApiProblem::invalid_query(
              "status must be pending, succeeded or dead",
              {{"/query/status", "unknown status", ErrorCode::kInvalidField,
                problem_params("not_one_of", {{"allowed", {"pending", "succeeded", "dead"}}})}}));
    }
  }
  auto rows = context.webhooks.deliveries(ctx->param("id"), status, after, page.rows_to_read());
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  auto& list = rows.value();
  const auto next = finish_page(list, page, listing,
                                [](const storage::Delivery& row) { return PagePosition{row.id}; });
  auto out = nlohmann::json::array();
  for (const auto& d : list) out.push_back(delivery_json(d));
  respond.json(*ctx, http::status::ok,
               {{"deliveries", out}, {"next_page_token", page_token_json(next)}});
}

void delivery(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto id = delivery_id(*ctx, respond);
  if (!id) return;
  auto found = context.webhooks.delivery(*id);
  if (!found.ok()) return respond.problem(*ctx, from_error(found.error()));
  if (!found.value() || found.value()->subscription_id != ctx->param("id")) {
    return respond.problem(
        *ctx, ApiProblem::not_found("there is no delivery " + std::to_string(*id) + " of webhook " +
                                    ctx->param("id")));
  }
  auto attempts = context.webhooks.attempts(*id);
  if (!attempts.ok()) return respond.problem(*ctx, from_error(attempts.error()));
  auto body = delivery_json(*found.value());
  auto list = nlohmann::json::array();
  for (const auto& a : attempts.value()) {
    list.push_back({{"attempt", a.attempt},
                    {"started_at", format_rfc3339(a.record.started_at)},
                    {"status_code", a.record.status_code ? nlohmann::json(*a.record.status_code)
                                                         : nlohmann::json(nullptr)},
                    {"latency_ms", a.record.latency_ms},
                    {"error", a.record.error.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(a.record.error)}});
  }
  body["attempt_log"] = std::move(list);
  respond.json(*ctx, http::status::ok, body);
}

void redeliver(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto id = delivery_id(*ctx, respond);
  if (!id) return;
  auto found = context.webhooks.delivery(*id);
  if (!found.ok()) return respond.problem(*ctx, from_error(found.error()));
  if (!found.value() || found.value()->subscription_id != ctx->param("id")) {
    return respond.problem(
        *ctx, ApiProblem::not_found("there is no delivery " + std::to_string(*id) + " of webhook " +
                                    ctx->param("id")));
  }
  context.webhooks.redeliver(*id, ctx->now, [&context, ctx, respond](Result<storage::Delivery> r) {
    if (!r.ok()) return respond.problem(*ctx, from_error(r.error()));
    context.on_committed();  // wake the sender now rather than at its next poll
    respond.json(*ctx, http::status::accepted, delivery_json(r.value()));
  });
}

}  // namespace

void add_webhook_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  router.add({http::verb::post, "/v1/webhooks", "createWebhook", "create a webhook subscription",
              kManagers, true, bind(create)});
  router.add({http::verb::get, "/v1/webhooks", "listWebhooks", "list webhook subscriptions",
              kManagers, true, bind(list)});
  router.add({http::verb::get, "/v1/webhooks/{id}", "getWebhook", "read a webhook subscription",
              kManagers, true, bind(get)});
  router.add({http::verb::patch, "/v1/webhooks/{id}", "updateWebhook",
              "change, enable or disable a webhook subscription", kManagers, true, bind(update)});
  router.add({http::verb::post, "/v1/webhooks/{id}/secret", "rotateWebhookSecret",
              "rotate a webhook subscription's secret", kManagers, true, bind(rotate)});
  router.add({http::verb::get, "/v1/webhooks/{id}/deliveries", "listWebhookDeliveries",
              "list a subscription's deliveries", kManagers, true, bind(deliveries)});
  router.add({http::verb::get, "/v1/webhooks/{id}/deliveries/{delivery_id}", "getWebhookDelivery",
              "read a delivery and its attempts", kManagers, true, bind(delivery)});
  router.add({http::verb::post, "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
              "redeliverWebhook", "send a delivery again", kManagers, true, bind(redeliver)});
}

}  // namespace redress::api
