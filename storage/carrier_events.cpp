#include "storage/carrier_events.h"

#include <sqlite3.h>

#include <algorithm>
#include <set>

#include "engine/webhook_case_data.h"
#include "storage/case_commands.h"
#include "storage/case_parcels.h"
#include "storage/case_store_impl.h"
#include "storage/customer_records.h"
#include "storage/sqlite.h"

namespace redress::storage {
namespace {

constexpr const char* kCarrierEventColumns =
    "id, carrier, carrier_event_id, tracking_number, order_id, kind, event_at, received_at, "
    "location, description";

CarrierEvent carrier_event_row(const Statement& s) {
  CarrierEvent e;
  e.id = s.column_int(0);
  e.input.carrier = s.column_text(1);
  e.input.carrier_event_id = s.column_text(2);
  e.input.tracking_number = s.column_text(3);
  e.input.order_id = s.column_is_null(4) ? std::string() : s.column_text(4);
  e.input.kind = s.column_text(5);
  e.input.event_at = from_millis(s.column_int(6));
  e.received_at = from_millis(s.column_int(7));
  e.input.location = s.column_text(8);
  e.input.description = s.column_text(9);
  return e;
}

// The open and closed cases a parcel belongs to (see the header), added to `out` once each.
void add_parcel_cases(WriteContext& context, const CarrierEventInput& input, size_t event_index,
                      std::vector<CarrierEventCase>& out) {
  std::set<std::string> seen;
  const auto add = [&](Statement& s) {
    while (s.step()) {
      auto id = s.column_text(0);
      if (!seen.insert(id).second) continue;
      out.push_back({event_index, std::move(id), s.column_is_null(1) ? "" : s.column_text(1),
                     s.column_is_null(2) ? "" : s.column_text(2)});
    }
  };
  if (!input.order_id.empty()) {
    auto s = context.statement("SELECT id, team, assignee FROM cases WHERE order_id = ?");
    s->bind(1, input.order_id);
    add(*s);
  }
  // An event naming only the parcel reaches the cases of the order that shipped it, found by the
  // tracking number on the order's record (an expression index, schema v17).
  if (input.order_id.empty()) {
    auto s = context.statement(kCasesOfOrderParcelSql);
    s->bind(1, input.tracking_number);
    add(*s);
  }
  // Tracking numbers live in case fields; case_parcels indexes them (case_parcels.h).
  auto s = context.statement(kOpenCasesOfParcelSql);
  s->bind(1, input.tracking_number);
  add(*s);
}

// Fires the transitions waiting for `input` (see record()).
Status fire_carrier_transitions(const CaseStore& store, WriteContext& context,
                                const CarrierEventInput& input, size_t event_index,
                                const Actor& reporter, Instant now,
                                std::vector<CarrierFiredTransition>& out) {
  for (const auto& wf : store.engine().catalog().workflows()) {
    for (const auto& t : wf->transitions) {
      if (!t.on_carrier_event || t.on_carrier_event->kind != input.kind) continue;
      std::vector<std::string> ids;
      {
        auto s = context.statement(kOpenCasesOfParcelFieldSql);
        s->bind(1, input.tracking_number)
            .bind(2, t.on_carrier_event->tracking_field)
            .bind(3, wf->id)
            .bind(4, wf->version);
        while (s->step()) {
          if (t.allowed_from(s->column_text(1), false)) ids.push_back(s->column_text(0));
        }
      }
      for (const auto& id : ids) {
        CaseCommand command{id,
                            Command{FireTransition{t.name, nlohmann::json::object()}, std::nullopt},
                            reporter, now};
        auto outcome = store.run_command(context, command);
        if (!outcome.ok()) return outcome.error();
        if (!outcome.value().accepted()) continue;
        out.push_back({event_index, id, t.name, outcome.value().snapshot.version});
      }
    }
  }
  return {};
}

// Writes a parcel.event webhook for each case the event at `event_index` reached, with the case
// as it is now (after any transition the event fired) and the event, and refreshes the case's
// team and assignee (what the live stream's notice is scoped by) to the same moment.
void write_parcel_webhooks(WriteContext& context, const CarrierEvent& event, size_t event_index,
                           Instant now, RecordedCarrierEvents& out) {
  for (auto& c : out.cases) {
    if (c.event_index != event_index) continue;
    const auto snapshot = load_current_snapshot(context, c.case_id);
    if (!snapshot) throw SqliteError(SQLITE_CORRUPT, "case " + c.case_id + " vanished");
    c.team = snapshot->team;
    c.assignee = snapshot->assignee;
    auto data = webhook_case_data(*snapshot);
    data["carrier"] = event.input.carrier;
    data["carrier_event_id"] = event.input.carrier_event_id;
    data["tracking_number"] = event.input.tracking_number;
    data["kind"] = event.input.kind;
    data["event_at"] = format_rfc3339(event.input.event_at);
    data["location"] = event.input.location;
    data["description"] = event.input.description;
    out.webhook_ids.push_back(
        write_webhook(context, "parcel.event", c.case_id, std::nullopt, data, now));
  }
}

}  // namespace

void CarrierEventStore::record(std::vector<CarrierEventInput> inputs, Actor reporter, Instant now,
                               std::function<void(Result<RecordedCarrierEvents>)> done) {
  store_.write<RecordedCarrierEvents>(
      [store = &store_, inputs = std::move(inputs), reporter = std::move(reporter),
       now](WriteContext& context) -> Result<RecordedCarrierEvents> {
        RecordedCarrierEvents out;
        for (const auto& input : inputs) {
          auto insert = context.statement(
              "INSERT INTO carrier_events (carrier, carrier_event_id, tracking_number, order_id, "
              "kind, event_at, received_at, location, description) VALUES (?, ?, ?, ?, ?, ?, ?, "
              "?, ?) ON CONFLICT (carrier, carrier_event_id) DO NOTHING");
          insert->bind(1, input.carrier)
              .bind(2, input.carrier_event_id)
              .bind(3, input.tracking_number)
              .bind_or_null(4, input.order_id)
              .bind(5, input.kind)
              .bind(6, to_millis(input.event_at))
              .bind(7, to_millis(now))
              .bind(8, input.location)
              .bind(9, input.description);
          insert->run();
          const bool inserted = context.db().changes() > 0;
          auto read = context.statement(std::string("SELECT ") + kCarrierEventColumns +
                                        " FROM carrier_events WHERE carrier = ? AND "
                                        "carrier_event_id = ?");
          read->bind(1, input.carrier).bind(2, input.carrier_event_id);
          if (!read->step()) return Error::storage_error("a carrier event just written is missing");
          auto event = carrier_event_row(*read);
          event.duplicate = !inserted;
          if (inserted) {
            add_parcel_cases(context, input, out.events.size(), out.cases);
            auto fired = fire_carrier_transitions(*store, context, input, out.events.size(),
                                                  reporter, now, out.fired);
            if (!fired.ok()) return fired.error();
            write_parcel_webhooks(context, event, out.events.size(), now, out);
          }
          out.events.push_back(std::move(event));
        }
        return out;
      },
      std::move(done));
}

Result<std::vector<CarrierEvent>> CarrierEventStore::of_order(const std::string& order_id,
                                                              size_t limit) const {
  return of_parcels(order_id, {}, limit);
}

Result<std::vector<CarrierEvent>> CarrierEventStore::of_parcels(
    const std::string& order_id, const std::vector<std::string>& tracking_numbers,
    size_t limit) const {
  return store_.read<std::vector<CarrierEvent>>([&](ReadContext& context) {
    auto numbers = tracking_numbers;
    if (!order_id.empty()) {
      auto order = records::load_order(context.statements(), order_id);
      if (order && !order->tracking_number.empty()) numbers.push_back(order->tracking_number);
    }
    // Out-of-order arrivals are kept in the carrier's event-time order; arrival order (id)
    // breaks ties.
    auto s = context.statement(
        std::string("SELECT ") + kCarrierEventColumns +
        " FROM carrier_events WHERE (?1 <> '' AND order_id = ?1) OR tracking_number IN "
        "(SELECT value FROM json_each(?2)) ORDER BY event_at, id LIMIT ?3");
    s->bind(1, order_id)
        .bind(2, nlohmann::json(numbers).dump())
        .bind(3, static_cast<std::int64_t>(limit));
    std::vector<CarrierEvent> out;
    while (s->step()) out.push_back(carrier_event_row(*s));
    return out;
  });
}

}  // namespace redress::storage
