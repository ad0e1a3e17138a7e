// /healthz, /readyz, /metrics and the OpenAPI document.
#include "api/routes/openapi.h"
#include "api/routes/readiness_check.h"
#include "api/routes/routes.h"
#include "storage/schema.h"

namespace redress::api {
namespace {

// GET /metrics (getMetrics): read the Prometheus metrics.
void get_metrics(ServerContext& context, RequestPtr ctx, Responder respond) {
  Response response{http::status::ok, ctx->request.version()};
  response.set(http::field::content_type, "text/plain; version=0.0.4");
  response.set(http::field::cache_control, "no-store");
  response.body() = context.metrics.render();
  response.keep_alive(ctx->request.keep_alive());
  response.prepare_payload();
  respond(std::move(response));
}

}  // namespace

void add_system_routes(Router& router, ServerContext& context) {
  auto readiness = std::make_shared<ReadinessCheck>(context.queries, context.clock);
  router.add({http::verb::get,
              "/healthz",
              "getHealth",
              "check that the process is up",
              {},
              false,
              [](RequestPtr ctx, Responder respond) {
                respond.json(*ctx, http::status::ok, {{"status", "ok"}});
              }});

  router.add(
      {http::verb::get,
       "/readyz",
       "getReadiness",
       "check that the server can serve: database writable, migrations applied, workflows loaded",
       {},
       false,
       [&context, readiness](RequestPtr ctx, Responder respond) {
         // A real write through the writer proves the database is writable right now (disk not
         // full, not read-only) — the question a load balancer asks; at most one a second.
         readiness->check([ctx, respond, &context](const Result<int>& version) {
           const auto workflows = context.store.engine().catalog().workflows().size();
           nlohmann::json checks{
               {"database_writable", version.ok()},
               {"schema_version", version.ok() ? version.value() : 0},
               {"schema_current",
                version.ok() && version.value() == storage::latest_schema_version()},
               {"workflows_loaded", workflows}};
           const bool ready =
               version.ok() && version.value() == storage::latest_schema_version() && workflows > 0;
           if (!version.ok()) checks["database_error"] = version.error().code_name();
           checks["status"] = ready ? "ready" : "not_ready";
           respond.json(*ctx, ready ? http::status::ok : http::status::service_unavailable, checks);
         });
       }});

  router.add({http::verb::get,
              "/metrics",
              "getMetrics",
              "read the Prometheus metrics",
              {Role::kAdmin, Role::kManager, Role::kIntegration},
              true,
              bind_handler(context, get_metrics)});

  router.add({http::verb::get,
              "/v1/openapi.json",
              "getOpenApi",
              "read this OpenAPI document",
              {Role::kAgent, Role::kTeamLead, Role::kSupervisor, Role::kManager, Role::kAdmin,
               Role::kIntegration},
              true,
              [](RequestPtr ctx, Responder respond) {
                Response response{http::status::ok, ctx->request.version()};
                response.set(http::field::content_type, "application/json");
                response.set(http::field::cache_control, "no-store");
                response.body() = std::string(openapi_document());
                response.keep_alive(ctx->request.keep_alive());
                response.prepare_payload();
                respond(std::move(response));
              }});
}

Handler bind_handler(ServerContext& context, ContextHandler handler) {
  return [&context, handler](RequestPtr ctx, Responder respond) {
    handler(context, std::move(ctx), std::move(respond));
  };
}

Router build_router(ServerContext& context) {
  Router router;
  add_system_routes(router, context);
  add_case_routes(router, context);
  add_compensation_routes(router, context);
  add_ledger_routes(router, context);
  add_promise_routes(router, context);
  add_customer_routes(router, context);
  add_webhook_routes(router, context);
  add_admin_routes(router, context);
  add_workload_routes(router, context);
  add_reopen_report_routes(router, context);
  add_report_routes(router, context);
  add_evidence_routes(router, context);
  add_import_routes(router, context);
  add_carrier_routes(router, context);
  add_session_routes(router, context);
  add_workflow_routes(router, context);
  return router;
}

}  // namespace redress::api
