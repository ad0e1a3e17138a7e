// CarrierEventStore: the parcel events carriers report (picked up, in transit, delivered,
// exception, returned) for an order or a return's tracking number.
//
// Carrier events are facts about parcels, not changes to cases: they live in their own table
// (schema v13), never in a case's journal, so recording one leaves every case's version alone (an
// agent filling a form is not refused with 412 because a parcel moved). A carrier's event id is
// unique per carrier: a repeated event is recorded once and answered as a duplicate. Events are
// read in the carrier's event-time order whatever order they arrived in.
//
// Which cases a parcel belongs to: the cases of its order, and the open cases with a
// tracking-number field holding its tracking number (a string field named `tracking_number` or
// ending in `_tracking`, as the shipped workflows name the return's and the replacement's
// parcels), found through the case_parcels index (case_parcels.h).
//
// Webhooks. Each new event (not a repeat) writes one `parcel.event` outbox row per case it
// reaches, in the same write as the event: the case data every webhook carries
// (engine/webhook_case_data.h), as the case is after any transition the event fired, and the
// event's carrier, carrier_event_id, tracking_number, kind, event_at, location and description.
//
// Thread-safety: every method may be called from any thread; writes go through the CaseStore's
// single writer and answer through `done` exactly once. The CaseStore must outlive this store.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"
#include "engine/workflow_definition.h"
#include "storage/case_store.h"
#include "storage/read_scope.h"

namespace redress::storage {

struct CarrierEventInput {
  std::string carrier;           // the carrier's code, e.g. "sf-express"
  std::string carrier_event_id;  // unique per carrier
  std::string tracking_number;
  std::string order_id;  // "" when the carrier knows only the tracking number
  std::string kind;      // one of carrier_event_kinds() (engine/workflow_definition.h)
  Instant event_at{};    // when it happened, the carrier's time
  std::string location;
  std::string description;
};

struct CarrierEvent {
  std::int64_t id = 0;  // Redress's own, in arrival order
  CarrierEventInput input;
  Instant received_at{};
  bool duplicate = false;  // this post repeated an event recorded before (input is the first's)
};

// A case a recorded event is about, with what decides who may see it (for the live stream).
struct CarrierEventCase {
  size_t event_index = 0;  // which of the recorded events
  std::string case_id;
  std::string team;
  std::string assignee;
};

// A transition a new event fired (a workflow's on_carrier_event, engine/workflow_definition.h).
struct CarrierFiredTransition {
  size_t event_index = 0;
  std::string case_id;
  std::string transition;
  std::int64_t case_version = 0;  // the case's version after it
};

struct RecordedCarrierEvents {
  std::vector<CarrierEvent> events;     // one per input, in input order
  std::vector<CarrierEventCase> cases;  // the cases of each event that was new
  std::vector<CarrierFiredTransition> fired;
  std::vector<std::string> webhook_ids;  // the parcel.event outbox rows written, in order
};

// Whether a case field named `key` is a tracking field: `tracking_number`, or a name ending in
// `_tracking` (compared without regard to ASCII case, as the index lookup's SQL LIKE does).
bool is_tracking_field(std::string_view key);

// The tracking numbers a case holds in its tracking fields (string values), each once, in
// field-name order.
std::vector<std::string> case_tracking_numbers(const CaseSnapshot& snapshot);

class CarrierEventStore {
 public:
  explicit CarrierEventStore(CaseStore& store) : store_(store) {}
  CarrierEventStore(const CarrierEventStore&) = delete;
  CarrierEventStore& operator=(const CarrierEventStore&) = delete;

  // Records `inputs` in one write; an event whose (carrier, carrier_event_id) is known comes back
  // as the stored one with duplicate = true. Inputs arrive validated by the API. A new event
  // whose kind a loaded workflow's transition waits for (on_carrier_event) fires that transition
  // on each open case of the workflow holding the tracking number in the trigger's field and
  // standing in one of the transition's `from` states, as `reporter`, in the same write: a case
  // journal entry like any transition's. A transition the case refuses (a condition, a pending
  // approval) is left unfired; the event is recorded all the same. Then each case the event
  // reached gets its parcel.event webhook (see above), in the same write.
  void record(std::vector<CarrierEventInput> inputs, Actor reporter, Instant now,
              std::function<void(Result<RecordedCarrierEvents>)> done);

  // The events of an order (by order id, or by the tracking number on the order's record), by
  // event time, at most `limit`.
  Result<std::vector<CarrierEvent>> of_order(const std::string& order_id, size_t limit) const;
  // The events of an order (as of_order) or of any of `tracking_numbers`, by event time.
  Result<std::vector<CarrierEvent>> of_parcels(const std::string& order_id,
                                               const std::vector<std::string>& tracking_numbers,
                                               size_t limit) const;

 private:
  CaseStore& store_;
};

}  // namespace redress::storage
