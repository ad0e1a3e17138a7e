// /v1/customers and /v1/orders: the customers and orders Redress keeps records of.
//
// Contacts are personal data: every view of a customer masks them ("138****5678"); the full
// contacts and addresses come only from GET /v1/customers/{id}/contacts, which records who asked
// (and for which case) before it answers, and only to those who need them: team leads and above,
// integrations, and agents of a team that has a case of the customer. Erasure blanks the record
// and leaves the cases' history, which never held the personal data, intact.
#include <string>
#include <vector>

#include "api/http/json_body.h"
#include "api/routes/case_api.h"
#include "api/routes/page_token.h"
#include "api/routes/record_input.h"
#include "api/routes/routes.h"

namespace redress::api {
namespace {

constexpr size_t kMaxRecordIdLength = 128;

const std::vector<Role> kCustomerReaders = {Role::kAgent,   Role::kTeamLead, Role::kSupervisor,
                                            Role::kManager, Role::kAdmin,    Role::kIntegration};
// A customer's record changes with every complaint; agents keep it right.
const std::vector<Role> kCustomerWriters = kCustomerReaders;
// Who may lower or raise a level by hand, and merge two customers.
const std::vector<Role> kCustomerSupervisors = {Role::kTeamLead, Role::kSupervisor, Role::kManager,
                                                Role::kAdmin};
// Erasure on a customer's request is irreversible: managers and administrators.
const std::vector<Role> kCustomerErasers = {Role::kManager, Role::kAdmin};
// The personal-data access log.
const std::vector<Role> kContactViewReaders = {Role::kSupervisor, Role::kManager, Role::kAdmin};
// Orders come from the shop's order system.
const std::vector<Role> kOrderWriters = {Role::kIntegration, Role::kAdmin, Role::kManager};

const PageListing kCustomerListing{"customers", {PageKeyType::kString}, 50};

bool role_in(Role role, const std::vector<Role>& roles) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

nlohmann::json money_list_json(const std::vector<Money>& amounts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : amounts) out.push_back(money_to_json(m));
  return out;
}

// Loads the {id} customer, or answers 404.
std::optional<storage::CustomerRecord> customer_or_404(ServerContext& context,
                                                       const RequestContext& ctx,
                                                       const Responder& respond) {
  const auto id = ctx.param("id");
  auto customer = context.customers.get_customer(id);
  if (!customer.ok()) {
    respond.problem(ctx, from_error(customer.error()));
    return std::nullopt;
  }
  if (!customer.value()) {
    respond.problem(ctx, ApiProblem::not_found("customer '" + id + "' does not exist"));
    return std::nullopt;
  }
  return std::move(*customer.value());
}

// Answers a written customer record: 201 with Location for a creation, else 200.
std::function<void(Result<storage::CustomerRecord>)> answer_customer(RequestPtr ctx,
                                                                     Responder respond,
                                                                     bool created) {
  return [ctx, respond, created](Result<storage::CustomerRecord> written) {
    if (!written.ok()) return respond.problem(*ctx, from_error(written.error()));
    if (created) {
      auto response =
          json_response(ctx->request, http::status::created, customer_json(written.value()));
      response.set(http::field::location, "/v1/customers/" + written.value().id);
      return respond(std::move(response));
    }
    respond.json(*ctx, http::status::ok, customer_json(written.value()));
  };
}

// POST /v1/customers (createCustomer)
void create_customer(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"id", "name", "contacts", "addresses", "tags", "level", "segment"});
  storage::CustomerInput input;
  read_customer_body(in, *body, CustomerBody::kCreate, context.store.engine().catalog(), input);
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  storage::WriteSource source{storage::WriteSource::Kind::kCreate, ctx->actor().id, "", {}};
  context.customers.write_customer(std::move(input), std::move(source), ctx->now,
                                   answer_customer(ctx, respond, true));
}

// PATCH /v1/customers/{id} (updateCustomer)
void update_customer(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"name", "contacts", "addresses", "tags", "level", "level_reason"});
  storage::CustomerInput input;
  std::string level_reason;
  read_customer_body(in, *body, CustomerBody::kUpdate, context.store.engine().catalog(), input,
                     &level_reason);
  if (input.level && !role_in(ctx->actor().role, kCustomerSupervisors)) {
    return respond.problem(
        *ctx, ApiProblem::forbidden("changing a customer's membership level is for team leads "
                                    "and above"));
  }
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  input.id = ctx->param("id");
  storage::WriteSource source{
      storage::WriteSource::Kind::kManual, ctx->actor().id, std::move(level_reason), {}};
  context.customers.write_customer(std::move(input), std::move(source), ctx->now,
                                   answer_customer(ctx, respond, false));
}

// GET /v1/customers (listCustomers)
void list_customers(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"q", "level", "segment", "page_size", "page_token"});
  storage::CustomerQuery query;
  if (auto text = q.string("q", 200)) {
    // Contacts are stored normalised; a query is compared the same way.
    if (auto phone = normalize_phone(*text)) {
      query.text = *phone;
    } else if (auto email = normalize_email(*text)) {
      query.text = *email;
    } else {
      query.text = *text;
    }
  }
  query.level = q.string("level", 64).value_or("");
  query.segment = q.string("segment", 64).value_or("");
  const auto page = read_page(q, kCustomerListing);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  query.after_id = page.after ? std::get<std::string>(page.after->front()) : "";
  query.limit = page.rows_to_read();
  auto rows = context.customers.list_customers(query);
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  const auto next = finish_page(rows.value(), page, kCustomerListing,
                                [](const auto& row) { return PagePosition{row.id}; });
  nlohmann::json items = nlohmann::json::array();
  for (const auto& row : rows.value()) items.push_back(customer_json(row));
  respond.json(*ctx, http::status::ok,
               {{"customers", std::move(items)}, {"next_page_token", page_token_json(next)}});
}

// The shipped escalation policy's repeat-complainant rule: 3 cases within 30 days.
constexpr std::int64_t kRepeatComplainantCases = 3;

// GET /v1/customers/{id} (getCustomer): the record, masked, with the complaint and purchase
// history.
void get_customer(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto customer = customer_or_404(context, *ctx, respond);
  if (!customer) return;
  auto history = context.customers.history(customer->id, ctx->now);
  if (!history.ok()) return respond.problem(*ctx, from_error(history.error()));
  auto orders = context.customers.orders_of(customer->id, 20);
  if (!orders.ok()) return respond.problem(*ctx, from_error(orders.error()));
  auto levels = context.customers.level_changes(customer->id, 20);
  if (!levels.ok()) return respond.problem(*ctx, from_error(levels.error()));
  auto out = customer_json(*customer);
  const auto& h = history.value();
  out["complaints"] = {{"cases_by_state", h.cases_by_state},
                       {"open_cases", h.open_cases},
                       {"cases_last_30_days", h.cases_last_30_days},
                       {"repeat_complainant", h.cases_last_30_days >= kRepeatComplainantCases},
                       {"granted_30_days", money_list_json(h.granted_30_days)},
                       {"granted_365_days", money_list_json(h.granted_365_days)}};
  out["merged_customers"] = h.merged_customers;
  nlohmann::json order_list = nlohmann::json::array();
  for (const auto& order : orders.value()) order_list.push_back(order_json(order, false));
  out["recent_orders"] = std::move(order_list);
  nlohmann::json level_list = nlohmann::json::array();
  for (const auto& change : levels.value()) {
    level_list.push_back({{"from", change.from_level},
                          {"to", change.to_level},
                          {"source", change.source},
                          {"actor_id", change.actor_id},
                          {"reason", change.reason},
                          {"at", format_rfc3339(change.at)}});
  }
  out["level_changes"] = std::move(level_list);
  respond.json(*ctx, http::status::ok, out);
}

// GET /v1/customers/{id}/contacts (getCustomerContacts): the contacts in full, after recording
// the view.
void get_customer_contacts(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"case"});
  const auto case_id = q.string("case", kMaxRecordIdLength).value_or("");
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto customer = customer_or_404(context, *ctx, respond);
  if (!customer) return;
  const auto& actor = ctx->actor();
  if (actor.role == Role::kAgent) {
    auto allowed = actor.team.empty()
                       ? Result<bool>(false)
                       : context.customers.has_case_in_team(customer->id, actor.team);
    if (!allowed.ok()) return respond.problem(*ctx, from_error(allowed.error()));
    if (!allowed.value()) {
      return respond.problem(*ctx,
                             ApiProblem::forbidden("an agent sees the contacts of their own team's "
                                                   "customers only; customer '" +
                                                   customer->id + "' has no case in your team"));
    }
  }
  context.customers.record_contact_view(
      customer->id, actor, case_id, ctx->now,
      [ctx, respond, record = *customer](Result<storage::ContactView> viewed) {
        if (!viewed.ok()) return respond.problem(*ctx, from_error(viewed.error()));
        auto response =
            json_response(ctx->request, http::status::ok, customer_contacts_json(record));
        response.set(http::field::cache_control, "no-store");
        respond(std::move(response));
      });
}

// GET /v1/customers/{id}/contact-views (listCustomerContactViews)
void list_contact_views(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"limit"});
  const auto limit = q.integer("limit", 1, 200).value_or(50);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto customer = customer_or_404(context, *ctx, respond);
  if (!customer) return;
  auto views = context.customers.contact_views(customer->id, static_cast<size_t>(limit));
  if (!views.ok()) return respond.problem(*ctx, from_error(views.error()));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& v : views.value()) {
    items.push_back(
        {{"viewer_id", v.viewer_id},
         {"viewer_role", v.viewer_role},
         {"case_id", v.case_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.case_id)},
         {"at", format_rfc3339(v.at)}});
  }
  respond.json(*ctx, http::status::ok, {{"contact_views", std::move(items)}});
}

// DELETE /v1/customers/{id} (eraseCustomer)
void erase_customer(ServerContext& context, RequestPtr ctx, Responder respond) {
  context.customers.erase_customer(ctx->param("id"), ctx->actor().id, ctx->now,
                                   answer_customer(ctx, respond, false));
}

// POST /v1/customers/{id}/merges (mergeCustomer): merges body.customer_id into {id}.
void merge_customer(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"customer_id", "reason"});
  auto merged = in.string("customer_id", true, kMaxRecordIdLength);
  auto reason = in.string("reason", true, 2000);
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  context.customers.merge_customers(ctx->param("id"), *merged, ctx->actor().id, *reason,
                                    membership_rank(context.store.engine().catalog()), ctx->now,
                                    answer_customer(ctx, respond, false));
}

// GET /v1/customers/{id}/orders (listCustomerOrders)
void list_customer_orders(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"limit"});
  const auto limit = q.integer("limit", 1, 200).value_or(50);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto customer = customer_or_404(context, *ctx, respond);
  if (!customer) return;
  auto orders = context.customers.orders_of(customer->id, static_cast<size_t>(limit));
  if (!orders.ok()) return respond.problem(*ctx, from_error(orders.error()));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& order : orders.value()) items.push_back(order_json(order, false));
  respond.json(*ctx, http::status::ok, {{"orders", std::move(items)}});
}

// PUT /v1/orders/{id} (putOrder): inserts or updates an order.
void put_order(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "",
                {"customer_id", "items", "paid", "paid_at", "shipping_address", "carrier",
                 "tracking_number", "status", "refunded"});
  storage::OrderInput input;
  read_order_body(in, *body, false, input);
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  input.id = ctx->param("id");
  if (input.id.empty() || input.id.size() > kMaxRecordIdLength) {
    return respond.problem(*ctx, ApiProblem::not_found("order ids are 1 to 128 bytes"));
  }
  context.customers.write_order(std::move(input), ctx->actor().id, ctx->now,
                                [ctx, respond](Result<storage::OrderRecord> written) {
                                  if (!written.ok()) {
                                    return respond.problem(*ctx, from_error(written.error()));
                                  }
                                  respond.json(*ctx, http::status::ok,
                                               order_json(written.value(), true));
                                });
}

// GET /v1/orders/{id} (getOrder): the order, its cases and its refunds in and outside Redress.
void get_order(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  // The refunds count every case of the order (they are what is left to refund); the case ids are
  // only those the caller may see (storage/read_scope.h).
  auto order = context.customers.get_order(id, storage::ReadScope::of(ctx->actor()));
  if (!order.ok()) return respond.problem(*ctx, from_error(order.error()));
  if (!order.value()) {
    return respond.problem(*ctx, ApiProblem::not_found("order '" + id + "' does not exist"));
  }
  const auto& summary = *order.value();
  const bool full = ctx->actor().role != Role::kAgent;
  auto out = order_json(summary.order, full);
  out["refunded_in_redress"] = money_list_json(summary.refunded_in_redress);
  std::int64_t refundable = summary.order.paid.amount - summary.order.refunded_outside.amount;
  for (const auto& m : summary.refunded_in_redress) {
    if (m.currency == summary.order.paid.currency) refundable -= m.amount;
  }
  out["refundable"] =
      money_to_json(Money{std::max<std::int64_t>(refundable, 0), summary.order.paid.currency});
  out["case_ids"] = summary.case_ids;
  respond.json(*ctx, http::status::ok, out);
}

}  // namespace

void add_customer_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  router.add({http::verb::post, "/v1/customers", "createCustomer", "create a customer record",
              kCustomerWriters, true, bind(create_customer)});
  router.add({http::verb::get, "/v1/customers", "listCustomers",
              "search customers by id, phone, e-mail, chat id or name", kCustomerReaders, true,
              bind(list_customers)});
  router.add({http::verb::get, "/v1/customers/{id}", "getCustomer",
              "read a customer with their complaint and purchase history", kCustomerReaders, true,
              bind(get_customer)});
  router.add({http::verb::patch, "/v1/customers/{id}", "updateCustomer",
              "change a customer's details or membership level", kCustomerWriters, true,
              bind(update_customer)});
  router.add({http::verb::delete_, "/v1/customers/{id}", "eraseCustomer",
              "erase a customer's personal data on their request", kCustomerErasers, true,
              bind(erase_customer)});
  router.add({http::verb::get, "/v1/customers/{id}/contacts", "getCustomerContacts",
              "see a customer's contact details (recorded)", kCustomerReaders, true,
              bind(get_customer_contacts)});
  router.add({http::verb::get, "/v1/customers/{id}/contact-views", "listCustomerContactViews",
              "see who viewed a customer's contact details", kContactViewReaders, true,
              bind(list_contact_views)});
  router.add({http::verb::post, "/v1/customers/{id}/merges", "mergeCustomer",
              "merge a duplicate customer into this one", kCustomerSupervisors, true,
              bind(merge_customer)});
  router.add({http::verb::get, "/v1/customers/{id}/orders", "listCustomerOrders",
              "read a customer's orders", kCustomerReaders, true, bind(list_customer_orders)});
  router.add({http::verb::put, "/v1/orders/{id}", "putOrder", "record or update an order",
              kOrderWriters, true, bind(put_order)});
  router.add({http::verb::get, "/v1/orders/{id}", "getOrder",
              "read an order with its cases and refunds", kCustomerReaders, true, bind(get_order)});
}

}  // namespace redress::api
