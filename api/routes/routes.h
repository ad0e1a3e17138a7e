// Route groups: each adds its endpoints to the router. One file per group.
#pragma once

#include "api/http/router.h"
#include "api/routes/server_context.h"

namespace redress::api {

// /healthz, /readyz, /metrics, /v1/openapi.json.
void add_system_routes(Router& router, ServerContext& context);

// /v1/cases and everything under it.
void add_case_routes(Router& router, ServerContext& context);

// /v1/cases/{id}/attachments: evidence upload (streamed), listing, content and thumbnails.
void add_evidence_routes(Router& router, ServerContext& context);

// /v1/users, /v1/teams, /v1/tokens (admins).
void add_admin_routes(Router& router, ServerContext& context);

// /v1/workflows, /v1/policies, /v1/workflows/validate.
void add_workflow_routes(Router& router, ServerContext& context);

// /v1/approvals and compensation endpoints under /v1/cases/{id}/compensations.
void add_compensation_routes(Router& router, ServerContext& context);

// /v1/compensations: the compensation ledger across cases, and its CSV export.
void add_ledger_routes(Router& router, ServerContext& context);

// /v1/promises: promises made to customers across cases, by status, team, person and period.
void add_promise_routes(Router& router, ServerContext& context);

// /v1/customers and /v1/orders: customer and order records.
void add_customer_routes(Router& router, ServerContext& context);

// /v1/sessions (console sign-in, refresh, sign-out) and /v1/me.
void add_session_routes(Router& router, ServerContext& context);

// /v1/webhooks: subscriptions, deliveries, redelivery.
void add_webhook_routes(Router& router, ServerContext& context);

// /v1/teams/{id}/workload: a team's open cases per person (team leads and above; agents their
// own team).
void add_workload_routes(Router& router, ServerContext& context);
void add_report_routes(Router& router, ServerContext& context);

// /v1/reports/reopens: cases reopened in a period, per team and person (scoped by role).
void add_reopen_report_routes(Router& router, ServerContext& context);

// /v1/imports: bulk imports of customers and orders from JSON Lines files (jobs).
void add_import_routes(Router& router, ServerContext& context);

// /v1/carrier-events and the carrier events of orders and cases (carrier_routes.cpp).
void add_carrier_routes(Router& router, ServerContext& context);

// Route handlers are named functions that take the server's context first; bind_handler makes
// one a router Handler (the context outlives the router).
using ContextHandler = void (*)(ServerContext&, RequestPtr, Responder);
Handler bind_handler(ServerContext& context, ContextHandler handler);

// Every group above.
Router build_router(ServerContext& context);

}  // namespace redress::api
