// Carrier events: parcel movements an integration reports for an order or a return's tracking
// number (storage/carrier_events.h), and their reads by order and by case.
//
// Recording one changes no case (its version stays, so an agent's If-Match stays good); the cases
// of the parcel see it live through a stream notice (StreamHub::publish, type "carrier_event"),
// which is not a journal entry: the case page reads the list by REST when it opens or
// reconnects, then takes the notices.
#include <string>
#include <vector>

#include "api/http/json_body.h"
#include "api/routes/case_api.h"
#include "api/routes/routes.h"
#include "storage/carrier_events.h"

namespace redress::api {
namespace {

constexpr size_t kMaxCarrierEventsPerPost = 100;
constexpr size_t kMaxCarrierEventsRead = 500;
constexpr size_t kMaxCarrierIdLength = 128;
constexpr size_t kMaxCarrierTextLength = 500;

// Carriers report; administrators and managers may replay a report by hand.
const std::vector<Role> kCarrierEventWriters = {Role::kIntegration, Role::kAdmin, Role::kManager};
const std::vector<Role> kOrderEventReaders = {Role::kAgent,   Role::kTeamLead, Role::kSupervisor,
                                              Role::kManager, Role::kAdmin,    Role::kIntegration};

std::optional<storage::CarrierEventInput> read_carrier_event(const nlohmann::json& body,
                                                             const std::string& pointer,
                                                             BodyReader& outer) {
  BodyReader in(body, pointer,
                {"carrier", "carrier_event_id", "tracking_number", "order_id", "kind", "event_at",
                 "location", "description"});
  storage::CarrierEventInput out;
  out.carrier = in.string("carrier", true, kMaxCarrierIdLength).value_or("");
  out.carrier_event_id = in.string("carrier_event_id", true, kMaxCarrierIdLength).value_or("");
  out.tracking_number = in.string("tracking_number", true, kMaxCarrierIdLength).value_or("");
  out.order_id = in.string("order_id", false, kMaxCarrierIdLength).value_or("");
  out.kind = in.string("kind", true, 32).value_or("");
  const auto& kinds = carrier_event_kinds();
  if (!out.kind.empty() && std::find(kinds.begin(), kinds.end(), out.kind) == kinds.end()) {
    in.add(in.pointer("kind"),
           "must be one of picked_up, in_transit, delivered, exception, returned",
           problem_params("not_one_of", {{"allowed", kinds}}));
  }
  out.event_at = in.instant("event_at", true).value_or(Instant{});
  out.location = in.string("location", false, kMaxCarrierTextLength, true).value_or("");
  out.description = in.string("description", false, kMaxCarrierTextLength, true).value_or("");
  const bool ok = in.ok();
  outer.merge(in);
  if (!ok) return std::nullopt;
  return out;
}

nlohmann::json carrier_event_json(const storage::CarrierEvent& e) {
  return {{"id", e.id},
          {"carrier", e.input.carrier},
          {"carrier_event_id", e.input.carrier_event_id},
          {"tracking_number", e.input.tracking_number},
          {"order_id",
           e.input.order_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.input.order_id)},
          {"kind", e.input.kind},
          {"event_at", format_rfc3339(e.input.event_at)},
          {"received_at", format_rfc3339(e.received_at)},
          {"location", e.input.location},
          {"description", e.input.description}};
}

nlohmann::json carrier_event_list_json(const std::vector<storage::CarrierEvent>& events) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& e : events) items.push_back(carrier_event_json(e));
  return {{"carrier_events", std::move(items)}};
}

// POST /v1/carrier-events (recordCarrierEvents): {"events": [1 to 100 events]}.
void record_carrier_events(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  std::vector<storage::CarrierEventInput> inputs;
  BodyReader in(*body, "", {"events"});
  const auto* events = body->contains("events") ? &(*body)["events"] : nullptr;
  if (!events) {
    in.add("/events", "is required", problem_params("required"), ErrorCode::kMissingField);
  } else if (!events->is_array()) {
    in.add("/events", "must be an array", problem_params("wrong_type", {{"type", "array"}}));
  } else if (events->empty()) {
    in.add("/events", "must hold at least one carrier event", problem_params("empty"));
  } else if (events->size() > kMaxCarrierEventsPerPost) {
    in.add("/events", "must have at most 100 items",
           problem_params("too_many_items", {{"maximum", kMaxCarrierEventsPerPost}}));
  } else {
    for (size_t i = 0; i < events->size(); ++i) {
      if (auto e = read_carrier_event((*events)[i], "/events/" + std::to_string(i), in)) {
        inputs.push_back(std::move(*e));
      }
    }
  }
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  auto* store = context.carrier_events;
  if (!store) return respond.problem(*ctx, ApiProblem::not_found("no carrier events here"));
  store->record(
      std::move(inputs), ctx->actor(), ctx->now,
      [ctx, respond, publish = context.publish_notices, committed = context.on_committed,
       run_on_io = context.run_on_io](Result<storage::RecordedCarrierEvents> recorded) mutable {
        run_on_io([ctx, respond, publish = std::move(publish), committed = std::move(committed),
                   recorded = std::move(recorded)] {
          if (!recorded.ok()) return respond.problem(*ctx, from_error(recorded.error()));
          const auto& r = recorded.value();
          // A fired transition wrote journal entries and maybe webhook rows; a new event wrote
          // its parcel.event rows: wake the stream tail and the webhook sender.
          if (!r.fired.empty() || !r.webhook_ids.empty()) committed();
          bool any_new = false;
          nlohmann::json items = nlohmann::json::array();
          for (const auto& e : r.events) {
            any_new = any_new || !e.duplicate;
            auto item = carrier_event_json(e);
            item["duplicate"] = e.duplicate;
            item["fired"] = nlohmann::json::array();
            items.push_back(std::move(item));
          }
          for (const auto& f : r.fired) {
            items[f.event_index]["fired"].push_back({{"case_id", f.case_id},
                                                     {"transition", f.transition},
                                                     {"case_version", f.case_version}});
          }
          std::vector<CaseNotice> notices;
          for (const auto& c : r.cases) {
            notices.push_back({c.case_id,
                               c.team,
                               c.assignee,
                               {{"type", "carrier_event"},
                                {"carrier_event", carrier_event_json(r.events[c.event_index])}}});
          }
          if (!notices.empty()) publish(std::move(notices));
          const auto status = any_new ? http::status::created : http::status::ok;
          respond.json(*ctx, status, {{"events", std::move(items)}});
        });
      });
}

// GET /v1/orders/{id}/carrier-events (listOrderCarrierEvents)
void list_order_carrier_events(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({});
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  const auto id = ctx->param("id");
  auto order = context.customers.get_order(id, storage::ReadScope::of(ctx->actor()));
  if (!order.ok()) return respond.problem(*ctx, from_error(order.error()));
  if (!order.value()) {
    return respond.problem(*ctx, ApiProblem::not_found("order '" + id + "' does not exist"));
  }
  auto events = context.carrier_events->of_order(id, kMaxCarrierEventsRead);
  if (!events.ok()) return respond.problem(*ctx, from_error(events.error()));
  respond.json(*ctx, http::status::ok, carrier_event_list_json(events.value()));
}

// GET /v1/cases/{id}/carrier-events (listCaseCarrierEvents): the events of the case's order and
// of its tracking-number fields.
void list_case_carrier_events(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({});
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto snapshot = load_case_or_404(context, *ctx, respond);
  if (!snapshot) return;
  auto events = context.carrier_events->of_parcels(
      snapshot->order.id, storage::case_tracking_numbers(*snapshot), kMaxCarrierEventsRead);
  if (!events.ok()) return respond.problem(*ctx, from_error(events.error()));
  respond.json(*ctx, http::status::ok, carrier_event_list_json(events.value()));
}

}  // namespace

void add_carrier_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  router.add({http::verb::post, "/v1/carrier-events", "recordCarrierEvents",
              "record parcel events reported by a carrier", kCarrierEventWriters, true,
              bind(record_carrier_events)});
  router.add({http::verb::get, "/v1/orders/{id}/carrier-events", "listOrderCarrierEvents",
              "read the parcel events of an order", kOrderEventReaders, true,
              bind(list_order_carrier_events)});
  router.add({http::verb::get, "/v1/cases/{id}/carrier-events", "listCaseCarrierEvents",
              "read the parcel events of a case's order and tracking numbers", case_reader_roles(),
              true, bind(list_case_carrier_events)});
}

}  // namespace redress::api
