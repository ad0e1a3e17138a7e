// Carrier events (schema v13): a repeated event is recorded once, out-of-order arrivals read in
// event-time order, the cases of a parcel found by order and by tracking-number field (through
// case_parcels, schema v16), no case changes version, and each new event writes one parcel.event
// webhook per case it reaches.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "storage/carrier_events.h"
#include "storage/schema.h"
#include "storage/sqlite.h"
#include "storage/verify.h"
#include "tests/storage/storage_test_support.h"

namespace redress::testing {
namespace {

storage::CarrierEventInput parcel_event(const std::string& id, const std::string& kind, Instant at,
                                        const std::string& order_id = "ORD-7") {
  return {"sf-express", id, "SF100200300", order_id, kind, at, "Shanghai", "scanned"};
}

storage::RecordedCarrierEvents record_carrier_events(storage::CarrierEventStore& events,
                                                     std::vector<storage::CarrierEventInput> inputs,
                                                     Instant now) {
  std::promise<Result<storage::RecordedCarrierEvents>> promise;
  events.record(
      std::move(inputs), Actor{"carrier-sync", Role::kIntegration, ""}, now,
      [&promise](Result<storage::RecordedCarrierEvents> r) { promise.set_value(std::move(r)); });
  return require_ok(promise.get_future().get());
}

std::vector<std::string> carrier_event_ids_of(const std::vector<storage::CarrierEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.input.carrier_event_id);
  return out;
}

// A return on `version` of return_exchange whose parcel is with the carrier under `tracking`.
std::string return_in_transit(storage::CaseStore& store, Instant now, int version,
                              const std::string& tracking) {
  CreateCase create;
  create.workflow_id = "return_exchange";
  create.workflow_version = version;
  create.customer = {"cust-1", "regular", "silver"};
  create.order = {"ORD-R", Money{29900, "CNY"}, Money{0, "CNY"}};
  create.team = "after_sales";
  create.assignee = "agent.li";
  create.fields = {{"request_type", "return_refund"}};
  const auto id = accept(store, {"", Command{create, std::nullopt}, agent(), now}).snapshot.id;
  accept(store, {id, Command{FireTransition{"approve_request", {}}, std::nullopt}, agent(), now});
  accept(store, {id,
                 Command{FireTransition{"provide_tracking", {{"tracking_number", tracking}}},
                         std::nullopt},
                 agent(), now});
  return id;
}

CaseSnapshot complaint_about_order(storage::CaseStore& store, Instant now,
                                   const std::string& order_id) {
  auto create = create_complaint(now);
  std::get<CreateCase>(create.command.body).order = {order_id, Money{}, Money{}};
  return accept(store, std::move(create)).snapshot;
}

// The parcel.event outbox rows, in order, as their payloads' `data`.
std::vector<nlohmann::json> parcel_webhooks(storage::CaseStore& store) {
  std::vector<nlohmann::json> out;
  for (const auto& row : require_ok(store.outbox_after(0, 1000))) {
    if (row.type != "parcel.event") continue;
    const auto payload = nlohmann::json::parse(row.payload);
    BOOST_TEST(payload.at("type") == "parcel.event");
    BOOST_TEST(row.case_id == payload.at("data").at("case_id").get<std::string>());
    out.push_back(payload.at("data"));
  }
  return out;
}

std::set<std::string> case_ids_of(const std::vector<storage::CarrierEventCase>& cases) {
  std::set<std::string> out;
  for (const auto& c : cases) out.insert(c.case_id);
  return out;
}

// The case_parcels rows of `case_id` as "field=number".
std::set<std::string> parcel_rows_of(const TempDir& dir, const std::string& case_id) {
  storage::SqliteDb db(dir.file("redress.db"), storage::OpenOptions{});
  storage::Statement s(db, "SELECT field, tracking_number FROM case_parcels WHERE case_id = ?");
  s.bind(1, case_id);
  std::set<std::string> out;
  while (s.step()) out.insert(s.column_text(0) + "=" + s.column_text(1));
  return out;
}

// The shipped definitions plus `parcel_probe` v1: return_exchange v3 whose customer's parcel is
// held in `waybill`, a field outside the tracking-field names, which receive_item's carrier
// trigger watches. Written into `dir`, loaded from there.
std::shared_ptr<const Engine> engine_with_waybill_probe(const TempDir& dir) {
  const auto workflows = std::filesystem::path(dir.file("workflows"));
  std::filesystem::create_directories(workflows);
  const auto shipped = std::filesystem::path(REDRESS_SOURCE_DIR) / "workflows";
  for (const auto& entry : std::filesystem::directory_iterator(shipped)) {
    if (entry.path().extension() == ".json") {
      std::filesystem::copy_file(entry.path(), workflows / entry.path().filename());
    }
  }
  std::ifstream in(shipped / "return_exchange.v3.json");
  auto probe = nlohmann::json::parse(in);
  probe["id"] = "parcel_probe";
  probe["version"] = 1;
  probe["fields"].push_back({{"name", "waybill"}, {"type", "string"}, {"max_length", 64}});
  for (auto& t : probe["transitions"]) {
    if (t["name"] == "provide_tracking") t["requires"] = {"waybill"};
    if (t["name"] == "receive_item") t["on_carrier_event"]["tracking_field"] = "waybill";
  }
  std::ofstream(workflows / "parcel_probe.json") << probe.dump();
  auto load = WorkflowCatalog::load_directory(workflows.string());
  BOOST_REQUIRE_MESSAGE(load.catalog, "the probe workflow must load");
  return std::make_shared<const Engine>(load.catalog);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(carrier_events)

BOOST_AUTO_TEST_CASE(delivered_receives_a_v3_return_in_transit_and_nothing_else) {
  TempDir dir;
  const auto now = monday_morning();
  auto store = open_store(options_for(dir));
  const auto v3 = return_in_transit(*store, now, 3, "SF100200300");
  const auto v2 = return_in_transit(*store, now, 2, "SF100200300");
  const auto other = return_in_transit(*store, now, 3, "SF-OTHER");
  const auto v3_before = require_ok(store->load_case(v3))->version;
  storage::CarrierEventStore events(*store);

  // In transit: no transition waits for it.
  auto transit = record_carrier_events(
      events, {parcel_event("ev-1", "in_transit", now + std::chrono::hours(1), "")},
      now + std::chrono::hours(1));
  BOOST_TEST(transit.fired.empty());
  BOOST_TEST(require_ok(store->load_case(v3))->version == v3_before);

  auto delivered = record_carrier_events(
      events, {parcel_event("ev-2", "delivered", now + std::chrono::hours(30), "")},
      now + std::chrono::hours(31));
  BOOST_TEST_REQUIRE(delivered.fired.size() == 1u);
  BOOST_TEST(delivered.fired[0].case_id == v3);
  BOOST_TEST(delivered.fired[0].transition == "receive_item");
  const auto received = *require_ok(store->load_case(v3));
  BOOST_TEST(received.state == "received");
  BOOST_TEST(received.version == delivered.fired[0].case_version);
  BOOST_TEST(received.version > v3_before);
  // Journaled as the reporting integration, like any transition it fires by hand.
  const auto journal = require_ok(store->load_case_with_journal(v3))->events;
  const auto entry = std::find_if(journal.begin(), journal.end(), [](const auto& e) {
    return e.event.type == "case.transitioned" && e.event.data.at("to") == "received";
  });
  BOOST_TEST_REQUIRE((entry != journal.end()));
  BOOST_TEST(entry->event.actor_id == "carrier-sync");
  BOOST_TEST(entry->event.actor_role == "integration");
  // Version 2 declares no trigger; another parcel is another case's.
  BOOST_TEST(require_ok(store->load_case(v2))->state == "in_transit");
  BOOST_TEST(require_ok(store->load_case(other))->state == "in_transit");

  // A repeated delivery fires nothing more.
  auto repeat = record_carrier_events(
      events, {parcel_event("ev-2", "delivered", now + std::chrono::hours(30), "")},
      now + std::chrono::hours(32));
  BOOST_TEST(repeat.events[0].duplicate);
  BOOST_TEST(repeat.fired.empty());

  // The delivery's webhook shows the case after the transition it fired.
  const auto webhooks = parcel_webhooks(*store);
  const auto delivered_hook =
      std::find_if(webhooks.begin(), webhooks.end(), [&](const nlohmann::json& data) {
        return data.at("carrier_event_id") == "ev-2" && data.at("case_id") == v3;
      });
  BOOST_TEST_REQUIRE((delivered_hook != webhooks.end()));
  BOOST_TEST(delivered_hook->at("state") == "received");
  BOOST_TEST(delivered_hook->at("version") == delivered.fired[0].case_version);
}

BOOST_AUTO_TEST_CASE(a_new_event_writes_one_parcel_webhook_per_case_a_repeat_or_a_stray_none) {
  TempDir dir;
  const auto now = monday_morning();
  auto store = open_store(options_for(dir));
  // One case by the event's order, another holding the parcel in its tracking field.
  const auto by_order = complaint_about_order(*store, now, "ORD-7");
  const auto by_field = return_in_transit(*store, now, 2, "SF100200300");
  const auto by_field_version = require_ok(store->load_case(by_field))->version;
  storage::CarrierEventStore events(*store);

  const auto at = now + std::chrono::hours(2);
  const auto recorded = record_carrier_events(events, {parcel_event("ev-1", "in_transit", at)},
                                              now + std::chrono::hours(3));
  BOOST_TEST((case_ids_of(recorded.cases) == std::set<std::string>{by_order.id, by_field}));
  BOOST_TEST(recorded.webhook_ids.size() == 2u);
  auto webhooks = parcel_webhooks(*store);
  BOOST_TEST_REQUIRE(webhooks.size() == 2u);
  std::set<std::string> reached;
  for (const auto& data : webhooks) {
    reached.insert(data.at("case_id").get<std::string>());
    BOOST_TEST(data.at("carrier") == "sf-express");
    BOOST_TEST(data.at("carrier_event_id") == "ev-1");
    BOOST_TEST(data.at("tracking_number") == "SF100200300");
    BOOST_TEST(data.at("kind") == "in_transit");
    BOOST_TEST(data.at("event_at") == format_rfc3339(at));
    BOOST_TEST(data.at("location") == "Shanghai");
    BOOST_TEST(data.at("description") == "scanned");
    // The case data every case webhook carries.
    for (const char* member :
         {"workflow", "workflow_version", "state", "stage", "severity", "priority",
          "escalation_level", "assignee", "team", "customer_id", "order_id", "version"}) {
      BOOST_TEST(data.contains(member), member);
    }
  }
  BOOST_TEST((reached == std::set<std::string>{by_order.id, by_field}));
  const auto field_hook = webhooks[0].at("case_id") == by_field ? webhooks[0] : webhooks[1];
  BOOST_TEST(field_hook.at("workflow") == "return_exchange");
  BOOST_TEST(field_hook.at("workflow_version") == 2);
  BOOST_TEST(field_hook.at("state") == "in_transit");
  BOOST_TEST(field_hook.at("order_id") == "ORD-R");
  BOOST_TEST(field_hook.at("version") == by_field_version);  // a parcel moving changes no case

  // A repeat writes nothing; nor does an event no case holds.
  const auto repeat = record_carrier_events(events, {parcel_event("ev-1", "in_transit", at)},
                                            now + std::chrono::hours(4));
  BOOST_TEST(repeat.events[0].duplicate);
  BOOST_TEST(repeat.webhook_ids.empty());
  auto stray = parcel_event("ev-stray", "delivered", at, "");
  stray.tracking_number = "SF-NOBODY";
  const auto strayed = record_carrier_events(events, {stray}, now + std::chrono::hours(5));
  BOOST_TEST(!strayed.events[0].duplicate);
  BOOST_TEST(strayed.cases.empty());
  BOOST_TEST(strayed.webhook_ids.empty());
  BOOST_TEST(parcel_webhooks(*store).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_changed_tracking_field_no_longer_matches_the_old_number) {
  TempDir dir;
  const auto now = monday_morning();
  auto store = open_store(options_for(dir));
  const auto id = return_in_transit(*store, now, 3, "SF-OLD");
  BOOST_TEST((parcel_rows_of(dir, id) == std::set<std::string>{"tracking_number=SF-OLD"}));
  accept(*store,
         {id, Command{UpdateFields{{{"tracking_number", "SF-NEW"}}}, std::nullopt}, agent(), now});
  BOOST_TEST((parcel_rows_of(dir, id) == std::set<std::string>{"tracking_number=SF-NEW"}));
  storage::CarrierEventStore events(*store);

  auto old_parcel = parcel_event("ev-old", "delivered", now, "");
  old_parcel.tracking_number = "SF-OLD";
  const auto old_recorded =
      record_carrier_events(events, {old_parcel}, now + std::chrono::minutes(1));
  BOOST_TEST(old_recorded.cases.empty());
  BOOST_TEST(old_recorded.fired.empty());
  BOOST_TEST(require_ok(store->load_case(id))->state == "in_transit");

  auto new_parcel = parcel_event("ev-new", "delivered", now, "");
  new_parcel.tracking_number = "SF-NEW";
  const auto new_recorded =
      record_carrier_events(events, {new_parcel}, now + std::chrono::minutes(2));
  BOOST_TEST((case_ids_of(new_recorded.cases) == std::set<std::string>{id}));
  BOOST_TEST_REQUIRE(new_recorded.fired.size() == 1u);
  BOOST_TEST(require_ok(store->load_case(id))->state == "received");
}

BOOST_AUTO_TEST_CASE(a_closed_case_keeps_its_parcel_rows_but_no_event_reaches_it_by_field) {
  TempDir dir;
  const auto now = monday_morning();
  auto store = open_store(options_for(dir));
  // A return declined after inspection: closed, still holding its parcel's number.
  const auto id = return_in_transit(*store, now, 2, "SF-CLOSED");
  accept(*store, {id, Command{FireTransition{"receive_item", {}}, std::nullopt}, agent(), now});
  accept(*store, {id,
                  Command{FireTransition{"inspect", {{"inspection_result", "damaged_by_customer"}}},
                          std::nullopt},
                  agent(), now});
  accept(*store,
         {id,
          Command{FireTransition{"decline_after_inspection", {{"rejection_reason", "misuse"}}},
                  std::nullopt},
          team_lead(), now});
  BOOST_TEST_REQUIRE(require_ok(store->load_case(id))->closed_at.has_value());
  // The rows follow the snapshot, closed or not; the lookup keeps to open cases.
  BOOST_TEST((parcel_rows_of(dir, id) == std::set<std::string>{"tracking_number=SF-CLOSED"}));
  storage::CarrierEventStore events(*store);
  auto late = parcel_event("ev-late", "exception", now, "");
  late.tracking_number = "SF-CLOSED";
  const auto recorded = record_carrier_events(events, {late}, now + std::chrono::minutes(1));
  BOOST_TEST(recorded.cases.empty());
  BOOST_TEST(recorded.webhook_ids.empty());
}

BOOST_AUTO_TEST_CASE(a_trigger_watching_a_field_of_another_name_fires_through_the_index) {
  TempDir dir;
  const auto now = monday_morning();
  const auto engine = engine_with_waybill_probe(dir);
  std::string id;
  {
    auto store = require_ok(storage::CaseStore::open(options_for(dir), engine));
    BOOST_REQUIRE(store->record_workflow_definitions(engine->catalog(), now).ok());
    CreateCase create;
    create.workflow_id = "parcel_probe";
    create.workflow_version = 1;
    create.customer = {"cust-1", "regular", "silver"};
    create.order = {"ORD-W", Money{29900, "CNY"}, Money{0, "CNY"}};
    create.team = "after_sales";
    create.assignee = "agent.li";
    create.fields = {{"request_type", "return_refund"}};
    id = accept(*store, {"", Command{create, std::nullopt}, agent(), now}).snapshot.id;
    accept(*store,
           {id, Command{FireTransition{"approve_request", {}}, std::nullopt}, agent(), now});
    accept(*store,
           {id, Command{FireTransition{"provide_tracking", {{"waybill", "WB-1"}}}, std::nullopt},
            agent(), now});
    BOOST_TEST((parcel_rows_of(dir, id) == std::set<std::string>{"waybill=WB-1"}));
  }
  {
    // The backfill finds the trigger's field in the stored workflow version too.
    storage::SqliteDb db(dir.file("redress.db"), storage::OpenOptions{});
    db.exec(kUndoMigrationSixteenSql);
  }
  auto store = require_ok(storage::CaseStore::open(options_for(dir), engine));
  BOOST_TEST((parcel_rows_of(dir, id) == std::set<std::string>{"waybill=WB-1"}));
  storage::CarrierEventStore events(*store);
  auto delivered = parcel_event("ev-w", "delivered", now, "");
  delivered.tracking_number = "WB-1";
  const auto recorded = record_carrier_events(events, {delivered}, now + std::chrono::minutes(1));
  BOOST_TEST_REQUIRE(recorded.fired.size() == 1u);
  BOOST_TEST(recorded.fired[0].case_id == id);
  BOOST_TEST(require_ok(store->load_case(id))->state == "received");
  // A waybill is no tracking field: the parcel reaches the case only through its trigger.
  BOOST_TEST(recorded.cases.empty());
}

BOOST_AUTO_TEST_CASE(verify_finds_a_parcel_row_that_disagrees_with_the_snapshot) {
  TempDir dir;
  std::string id;
  {
    auto store = open_store(options_for(dir));
    id = return_in_transit(*store, monday_morning(), 3, "SF100200300");
  }
  auto clean = require_ok(storage::verify_database(options_for(dir).path));
  BOOST_TEST(clean.ok(), describe(clean));
  {
    storage::SqliteDb db(dir.file("redress.db"), storage::OpenOptions{});
    db.exec("UPDATE case_parcels SET tracking_number = 'SF-ELSE'");
  }
  const auto drifted = require_ok(storage::verify_database(options_for(dir).path));
  BOOST_TEST_REQUIRE(!drifted.problems.empty());
  BOOST_TEST(drifted.problems.front().code == "PROJECTION_MISMATCH");
  BOOST_TEST(drifted.problems.front().case_id == id);
}

BOOST_AUTO_TEST_CASE(a_version_15_database_gains_the_parcel_index_from_its_snapshots) {
  TempDir dir;
  const auto now = monday_morning();
  std::string id;
  {
    auto store = open_store(options_for(dir));
    id = return_in_transit(*store, now, 3, "SF100200300");
  }
  {
    storage::SqliteDb db(dir.file("redress.db"), storage::OpenOptions{});
    db.exec(kUndoMigrationSixteenSql);
    BOOST_TEST(storage::schema_version(db) == 15);
  }
  auto store = open_store(options_for(dir));
  BOOST_TEST((parcel_rows_of(dir, id) == std::set<std::string>{"tracking_number=SF100200300"}));
  storage::CarrierEventStore events(*store);
  const auto recorded = record_carrier_events(events, {parcel_event("ev-1", "delivered", now, "")},
                                              now + std::chrono::minutes(1));
  BOOST_TEST((case_ids_of(recorded.cases) == std::set<std::string>{id}));
  BOOST_TEST(recorded.fired.size() == 1u);
}

BOOST_AUTO_TEST_CASE(repeated_events_are_recorded_once_and_read_in_event_time_order) {
  TempDir dir;
  const auto now = monday_morning();
  auto store = open_store(options_for(dir));
  const auto created = complaint_about_order(*store, now, "ORD-7");
  storage::CarrierEventStore events(*store);

  // The in-transit scan arrives before the pick-up that happened earlier.
  auto first = record_carrier_events(
      events, {parcel_event("ev-2", "in_transit", now + std::chrono::hours(5))},
      now + std::chrono::hours(6));
  BOOST_TEST_REQUIRE(first.events.size() == 1u);
  BOOST_TEST(!first.events[0].duplicate);
  BOOST_TEST_REQUIRE(first.cases.size() == 1u);
  BOOST_TEST(first.cases[0].case_id == created.id);

  auto second = record_carrier_events(
      events,
      {parcel_event("ev-1", "picked_up", now + std::chrono::hours(1)),
       parcel_event("ev-2", "delivered", now + std::chrono::hours(9))},  // a repeat of ev-2
      now + std::chrono::hours(7));
  BOOST_TEST_REQUIRE(second.events.size() == 2u);
  BOOST_TEST(!second.events[0].duplicate);
  BOOST_TEST(second.events[1].duplicate);
  // The repeat answers with what was recorded first, not with the repeat's words.
  BOOST_TEST(second.events[1].input.kind == "in_transit");
  BOOST_TEST(second.events[1].id == first.events[0].id);

  auto read = require_ok(events.of_order("ORD-7", 50));
  BOOST_TEST(carrier_event_ids_of(read) == (std::vector<std::string>{"ev-1", "ev-2"}));
  BOOST_TEST(read[0].received_at == now + std::chrono::hours(7));
  BOOST_TEST(read[1].input.location == "Shanghai");

  // A parcel's movements are not changes to the case.
  auto after = require_ok(store->load_case(created.id));
  BOOST_TEST_REQUIRE(after.has_value());
  BOOST_TEST(after->version == created.version);
}

BOOST_AUTO_TEST_CASE(a_parcel_known_only_by_its_tracking_number_finds_its_cases) {
  TempDir dir;
  const auto now = monday_morning();
  auto store = open_store(options_for(dir));
  storage::CarrierEventStore events(*store);
  // A carrier that names no order: the event is the parcel's, read by its tracking number.
  auto recorded = record_carrier_events(events, {parcel_event("ev-9", "exception", now, "")},
                                        now + std::chrono::minutes(1));
  BOOST_TEST(recorded.cases.empty());
  BOOST_TEST(carrier_event_ids_of(require_ok(events.of_parcels("", {"SF100200300"}, 50))) ==
             (std::vector<std::string>{"ev-9"}));
  BOOST_TEST(require_ok(events.of_parcels("", {"SF-OTHER"}, 50)).empty());
  BOOST_TEST(require_ok(events.of_order("ORD-none", 50)).empty());
}

BOOST_AUTO_TEST_CASE(a_version_12_database_gains_the_table) {
  TempDir dir;
  const auto now = monday_morning();
  {
    auto store = open_store(options_for(dir));
    accept(*store, create_complaint(now));
  }
  {
    storage::SqliteDb db(dir.file("redress.db"), storage::OpenOptions{});
    db.exec(kUndoMigrationThirteenSql);
    BOOST_TEST(storage::schema_version(db) == 12);
  }
  auto store = open_store(options_for(dir));
  storage::CarrierEventStore events(*store);
  BOOST_TEST(
      record_carrier_events(events, {parcel_event("ev-1", "picked_up", now)}, now).events.size() ==
      1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
