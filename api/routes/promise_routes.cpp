// The promises agents made to customers, across cases (GET /v1/promises): the manager's "what
// have they promised customers, and did they keep it?". Filtered by status, the case's team and
// assignee, who made the promise and the period it is due in; earliest due first, paged. Each
// reader sees the promises of the cases they may read (storage/read_scope.h); a filter value
// outside its vocabulary is a 400, never a filter that silently matches nothing.
#include <array>
#include <string>
#include <vector>

#include "api/http/json_body.h"
#include "api/routes/case_api.h"
#include "api/routes/page_token.h"
#include "api/routes/routes.h"
#include "storage/promise_register.h"

namespace redress::api {
namespace {

constexpr size_t kMaxFilterName = 128;

// Earliest due first: (due, case id, promise id), ascending.
const PageListing kPromiseListing{
    "promises", {PageKeyType::kInteger, PageKeyType::kString, PageKeyType::kString}, 50};

constexpr std::array<std::string_view, 8> kParameters = {
    "status", "team", "assignee", "made_by", "due_from", "due_to", "page_size", "page_token"};

nlohmann::json name_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json optional_time_json(const std::optional<Instant>& at) {
  return at ? nlohmann::json(format_rfc3339(*at)) : nlohmann::json(nullptr);
}

// GET /v1/promises (listPromises).
void list_promises(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only(kParameters);
  storage::PromiseQuery query;
  query.status = q.one_of("status", std::vector<std::string>(std::begin(storage::kPromiseStatuses),
                                                             std::end(storage::kPromiseStatuses)))
                     .value_or("");
  query.team = q.string("team", kMaxFilterName).value_or("");
  query.assignee = q.string("assignee", kMaxFilterName).value_or("");
  query.made_by = q.string("made_by", kMaxFilterName).value_or("");
  query.due_from = q.instant("due_from");
  query.due_before = q.instant("due_to");
  if (query.due_from && query.due_before && *query.due_before <= *query.due_from) {
    q.add("due_to", "must be after 'due_from' (the period is [due_from, due_to))",
          problem_params("period_empty"));
  }
  query.scope = storage::ReadScope::of(ctx->actor());
  const auto page = read_page(q, kPromiseListing);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  if (page.after) {
    query.after = storage::PromiseCursor{
        storage::from_millis(std::get<std::int64_t>((*page.after)[0])),
        std::get<std::string>((*page.after)[1]), std::get<std::string>((*page.after)[2])};
  }
  query.limit = page.rows_to_read();
  const storage::PromiseRegister promises(context.store);
  auto rows = promises.rows(query);
  if (!rows.ok()) return respond.problem(*ctx, from_error(rows.error()));
  auto& found = rows.value();
  const auto next = finish_page(found, page, kPromiseListing, [](const storage::PromiseRow& row) {
    return PagePosition{storage::to_millis(row.due), row.case_id, row.promise_id};
  });
  auto out = nlohmann::json::array();
  for (const auto& row : found) {
    out.push_back({{"case_id", row.case_id},
                   {"promise_id", row.promise_id},
                   {"text", row.text},
                   {"due", format_rfc3339(row.due)},
                   {"status", row.status},
                   {"made_by", row.made_by},
                   {"made_at", format_rfc3339(row.made_at)},
                   {"kept_at", optional_time_json(row.kept_at)},
                   {"breached_at", optional_time_json(row.breached_at)},
                   {"case_state", row.case_state},
                   {"team", name_or_null(row.team)},
                   {"assignee", name_or_null(row.assignee)}});
  }
  respond.json(*ctx, http::status::ok,
               {{"promises", std::move(out)}, {"next_page_token", page_token_json(next)}});
}

}  // namespace

void add_promise_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  router.add({http::verb::get, "/v1/promises", "listPromises",
              "list promises made to customers across cases", case_reader_roles(), true,
              bind(list_promises)});
}

}  // namespace redress::api
