// The compensation ledger: every compensation across cases, filtered and paged as JSON with
// totals by currency and status (GET /v1/compensations), or as a CSV file for a spreadsheet
// (GET /v1/compensations/export). Both take the same filters; a filter value outside its
// vocabulary (a type, a status, a category the loaded workflows do not know) is a 400, never a
// filter that silently matches nothing.
#include <array>
#include <string>
#include <vector>

#include "api/http/json_body.h"
#include "api/http/json_time.h"
#include "api/routes/case_api.h"
#include "api/routes/page_token.h"
#include "api/routes/routes.h"
#include "engine/compensation_policy.h"
#include "engine/currency.h"
#include "storage/compensation_ledger.h"

namespace redress::api {
namespace {

// Finance and those who answer for what the team grants; agents see their cases' compensations
// on the cases.
const std::vector<Role> kLedgerReaders = {Role::kTeamLead, Role::kSupervisor, Role::kManager,
                                          Role::kAdmin, Role::kIntegration};

constexpr size_t kMaxFilterIdLength = 128;

// Newest proposal first: (proposed at, case id, compensation id), descending.
const PageListing kLedgerListing{
    "compensations", {PageKeyType::kInteger, PageKeyType::kString, PageKeyType::kString}, 50};

std::vector<std::string> compensation_type_names() {
  std::vector<std::string> names;
  for (const auto type :
       {CompensationType::kFullRefund, CompensationType::kPartialRefund,
        CompensationType::kReturnAndRefund, CompensationType::kExchange,
        CompensationType::kReshipment, CompensationType::kRepair, CompensationType::kCoupon,
        CompensationType::kNextOrderDiscount, CompensationType::kFullReductionVoucher,
        CompensationType::kGift, CompensationType::kPoints, CompensationType::kMembershipUpgrade,
        CompensationType::kApologyOnly}) {
    names.emplace_back(compensation_type_name(type));
  }
  return names;
}

// The filters both routes take; problems are left in `q`.
storage::LedgerQuery read_filters(QueryReader& q, const WorkflowCatalog& catalog) {
  storage::LedgerQuery query;
  query.proposed_from = q.instant("from");
  query.proposed_before = q.instant("to");
  query.type = q.one_of("type", compensation_type_names()).value_or("");
  query.status =
      q.one_of("status", {"pending", "approved", "rejected", "executed", "withdrawn"}).value_or("");
  query.team = q.string("team", kMaxFilterIdLength).value_or("");
  query.proposed_by = q.string("proposed_by", kMaxFilterIdLength).value_or("");
  query.decided_by = q.string("decided_by", kMaxFilterIdLength).value_or("");
  query.customer_id = q.string("customer", kMaxFilterIdLength).value_or("");
  query.order_id = q.string("order", kMaxFilterIdLength).value_or("");
  query.category = q.one_of("category", catalog_field_values(catalog, "category")).value_or("");
  query.fault_party =
      q.one_of("fault_party", catalog_field_values(catalog, "fault_party")).value_or("");
  if (query.proposed_from && query.proposed_before &&
      *query.proposed_before <= *query.proposed_from) {
    q.add("to", "must be after 'from' (the period is [from, to))", problem_params("period_empty"));
  }
  return query;
}

constexpr std::array<std::string_view, 11> kFilterNames = {
    "from",       "to",       "type",  "status",   "team",       "proposed_by",
    "decided_by", "customer", "order", "category", "fault_party"};

nlohmann::json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

// GET /v1/compensations (listCompensationLedger).
void list_ledger(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  std::vector<std::string_view> allowed(kFilterNames.begin(), kFilterNames.end());
  allowed.insert(allowed.end(), {"page_size", "page_token"});
  q.allow_only(allowed);
  auto query = read_filters(q, context.store.engine().catalog());
  query.scope = storage::ReadScope::of(ctx->actor());
  const auto page = read_page(q, kLedgerListing);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  if (page.after) {
    query.after = storage::LedgerCursor{
        storage::from_millis(std::get<std::int64_t>((*page.after)[0])),
        std::get<std::string>((*page.after)[1]), std::get<std::string>((*page.after)[2])};
  }
  query.limit = page.rows_to_read();
  const storage::CompensationLedger ledger(context.store);
  auto rows = ledger.rows(query);
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  auto totals = ledger.totals(query);
  if (!totals.ok()) return respond.problem(*ctx, from_error(totals.error()));
  auto& found = rows.value();
  const auto next = finish_page(found, page, kLedgerListing, [](const storage::LedgerRow& row) {
    return PagePosition{storage::to_millis(row.proposed_at), row.case_id, row.compensation_id};
  });
  auto out = nlohmann::json::array();
  for (const auto& row : found) {
    out.push_back({{"case_id", row.case_id},
                   {"compensation_id", row.compensation_id},
                   {"type", row.type},
                   {"value", money_to_json(row.value)},
                   {"status", row.status},
                   {"proposed_by", row.proposed_by},
                   {"proposed_at", format_rfc3339(row.proposed_at)},
                   {"required_role", text_or_null(row.required_role)},
                   {"approval_id", text_or_null(row.approval_id)},
                   {"decided_by", text_or_null(row.decided_by)},
                   {"decided_at", time_or_null(row.decided_at)},
                   {"reference", text_or_null(row.reference)},
                   {"executed_at", time_or_null(row.executed_at)},
                   {"customer_id", text_or_null(row.customer_id)},
                   {"order_id", text_or_null(row.order_id)},
                   {"team", text_or_null(row.team)},
                   {"category", row.category}});
  }
  auto totals_json = nlohmann::json::array();
  for (const auto& total : totals.value()) {
    totals_json.push_back({{"currency", total.currency},
                           {"status", total.status},
                           {"count", total.count},
                           {"amount", total.amount}});
  }
  respond.json(*ctx, http::status::ok,
               {{"compensations", std::move(out)},
                {"totals", std::move(totals_json)},
                {"next_page_token", page_token_json(next)}});
}

// One CSV cell (RFC 4180). A cell a spreadsheet would read as a formula (starting with =, +, -,
// @, a tab or a carriage return) is prefixed with ' so that opening the export runs nothing.
void append_cell(std::string& out, const std::string& text) {
  std::string cell;
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    cell = "'";
  }
  cell += text;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    out += cell;
    return;
  }
  out += '"';
  for (const char c : cell) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
}

void append_row(std::string& out, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    append_cell(out, cells[i]);
  }
  out += "\r\n";
}

// Minor units as a decimal in the currency's digits: 15000 CNY -> "150.00", 1299 JPY -> "1299".
std::string decimal_amount(const Money& value) {
  const auto* currency = find_currency(value.currency);
  const int digits = currency ? currency->minor_digits : 2;
  const bool negative = value.amount < 0;
  std::string magnitude = std::to_string(value.amount);
  if (negative) magnitude.erase(0, 1);
  if (digits > 0) {
    if (magnitude.size() <= static_cast<size_t>(digits)) {
      magnitude.insert(0, static_cast<size_t>(digits) + 1 - magnitude.size(), '0');
    }
    magnitude.insert(magnitude.size() - static_cast<size_t>(digits), ".");
  }
  return (negative ? "-" : "") + magnitude;
}

std::string optional_time_text(const std::optional<Instant>& at) {
  return at ? format_rfc3339(*at) : std::string();
}

// GET /v1/compensations/export (exportCompensationLedger): the filter's rows as CSV, newest first.
void export_ledger(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only(kFilterNames);
  auto query = read_filters(q, context.store.engine().catalog());
  query.scope = storage::ReadScope::of(ctx->actor());
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  query.limit = storage::kMaxLedgerExportRows + 1;
  const storage::CompensationLedger ledger(context.store);
  auto rows = ledger.rows(query);
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  if (rows.value().size() > storage::kMaxLedgerExportRows) {
    return respond.problem(
        *ctx,
        ApiProblem::invalid_query(
            "the export would hold more than " + std::to_string(storage::kMaxLedgerExportRows) +
                " compensations; narrow it with from and to (or another filter)",
            {{"/query/from", "narrow the period", ErrorCode::kInvalidQuery,
              problem_params("too_many_rows", {{"max_rows", storage::kMaxLedgerExportRows}})}}));
  }
  // A byte-order mark: spreadsheet programs then read the Chinese text as UTF-8.
  std::string csv = "\xEF\xBB\xBF";
  append_row(
      csv, {"case_id", "compensation_id", "type", "amount", "currency", "amount_minor", "status",
            "proposed_by", "proposed_at", "required_role", "decided_by", "decided_at", "reference",
            "executed_at", "customer_id", "order_id", "team", "category"});
  for (const auto& row : rows.value()) {
    append_row(csv, {row.case_id, row.compensation_id, row.type, decimal_amount(row.value),
                     row.value.currency, std::to_string(row.value.amount), row.status,
                     row.proposed_by, format_rfc3339(row.proposed_at), row.required_role,
                     row.decided_by, optional_time_text(row.decided_at), row.reference,
                     optional_time_text(row.executed_at), row.customer_id, row.order_id, row.team,
                     row.category});
  }
  Response response{http::status::ok, ctx->request.version()};
  response.set(http::field::content_type, "text/csv; charset=utf-8");
  response.set(http::field::content_disposition, "attachment; filename=\"compensations.csv\"");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(csv);
  response.keep_alive(ctx->request.keep_alive());
  response.prepare_payload();
  respond(std::move(response));
}

}  // namespace

void add_ledger_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  router.add({http::verb::get, "/v1/compensations", "listCompensationLedger",
              "read the compensation ledger", kLedgerReaders, true, bind(list_ledger)});
  router.add({http::verb::get, "/v1/compensations/export", "exportCompensationLedger",
              "export the compensation ledger as CSV", kLedgerReaders, true, bind(export_ledger)});
}

}  // namespace redress::api
