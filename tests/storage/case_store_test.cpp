// CaseStore on real SQLite files: decisions stored atomically, journal replay, queues, timers,
// optimistic concurrency and group commit.
#include <atomic>
#include <set>
#include <thread>

#include "storage/case_rows.h"
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

std::int64_t count_rows(const std::string& path, const std::string& table) {
  SqliteDb db(path, OpenOptions{true, false, nullptr, 1000});
  return db.query_int("SELECT count(*) FROM " + table);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(case_store)

BOOST_AUTO_TEST_CASE(creates_a_case_with_its_journal_timers_and_outbox_in_one_write) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto outcome = accept(*store, create_complaint(monday_morning()));
  const auto& id = outcome.snapshot.id;
  BOOST_TEST(id == "C-1");  // allocated by storage
  BOOST_TEST(outcome.snapshot.version == 1);
  BOOST_TEST(!outcome.events.empty());
  BOOST_TEST(outcome.events.front().event.type == "case.created");
  BOOST_TEST(outcome.events.front().case_seq == 1);
  BOOST_TEST(!outcome.webhook_ids.empty());

  auto loaded = store->load_case_with_journal(id);
  BOOST_REQUIRE(loaded.ok());
  BOOST_REQUIRE(loaded.value().has_value());
  const auto& stored = *loaded.value();
  BOOST_TEST(snapshot_to_json(stored.snapshot) == snapshot_to_json(outcome.snapshot));
  BOOST_TEST(stored.events.size() == outcome.events.size());
  for (size_t i = 0; i < stored.events.size(); ++i) {
    BOOST_TEST(stored.events[i].case_seq == static_cast<std::int64_t>(i + 1));
    BOOST_TEST(stored.events[i].seq == outcome.events[i].seq);
    BOOST_TEST(event_to_json(stored.events[i].event) == event_to_json(outcome.events[i].event));
  }
  // Timer rows mirror the snapshot's timers.
  BOOST_TEST(count_rows(options_for(dir).path, "timers") ==
             static_cast<std::int64_t>(outcome.snapshot.timers.size()));
  BOOST_TEST(count_rows(options_for(dir).path, "outbox") ==
             static_cast<std::int64_t>(outcome.webhook_ids.size()));
}

// Webhook ids are "msg_" + 32 hex digits: 48 bits of creation time, then 80 random bits. They
// must be unique (receivers deduplicate on them) and ascend with time, so that outbox inserts
// append to the webhook_id index instead of dirtying a random page each.
BOOST_AUTO_TEST_CASE(webhook_ids_are_unique_and_ascend_with_time) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  auto now = monday_morning();
  std::vector<std::pair<std::string, Instant>> ids;  // with the time of the command
  for (int i = 0; i < 3; ++i) {
    const auto outcome = accept(*store, create_complaint(now));
    BOOST_REQUIRE(outcome.webhook_ids.size() >= 1U);
    for (const auto& id : outcome.webhook_ids) ids.emplace_back(id, now);
    now += std::chrono::milliseconds(1);
  }
  std::set<std::string> distinct;
  for (const auto& [id, at] : ids) {
    distinct.insert(id);
    BOOST_TEST(id.size() == 4U + 32U, id);
    BOOST_TEST(id.starts_with("msg_"), id);
    BOOST_TEST(id.find_first_not_of("0123456789abcdef", 4) == std::string::npos, id);
    BOOST_TEST(std::stoll(id.substr(4, 12), nullptr, 16) == to_millis(at), id);
  }
  BOOST_TEST(distinct.size() == ids.size());
  // A later command's ids sort after an earlier one's (within one millisecond they may not).
  BOOST_TEST(ids.front().first < ids.back().first);
}

BOOST_AUTO_TEST_CASE(the_stored_journal_replays_to_the_stored_snapshot) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  auto now = monday_morning();
  const auto id = accept(*store, create_complaint(now)).snapshot.id;
  now += std::chrono::minutes(10);
  accept(*store,
         {id, Command{RecordReply{"非常抱歉，我们马上为您核实。"}, std::nullopt}, agent(), now});
  accept(*store, confirm(id, now));
  accept(*store,
         {id, Command{ProposeCompensation{"coupon", Money{1000, "CNY"}, "sorry"}, std::nullopt},
          agent(), now});
  auto loaded = store->load_case_with_journal(id);
  BOOST_REQUIRE(loaded.ok() && loaded.value());
  std::vector<Event> events;
  for (const auto& e : loaded.value()->events) events.push_back(e.event);
  auto replayed = replay(events);
  BOOST_REQUIRE(replayed.ok());
  BOOST_TEST(snapshot_to_json(replayed.value()) == snapshot_to_json(loaded.value()->snapshot));
  BOOST_TEST(loaded.value()->snapshot.state == "analysing");
  BOOST_TEST(count_rows(options_for(dir).path, "compensations") == 1);
}

BOOST_AUTO_TEST_CASE(a_rejected_command_writes_nothing) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto id = accept(*store, create_complaint(monday_morning())).snapshot.id;
  const auto events_before = count_rows(options_for(dir).path, "case_events");
  // complete_analysis is not allowed from confirming.
  auto outcome = store->execute(
      {id,
       Command{FireTransition{"complete_analysis", {{"cause", "x"}, {"fault_party", "shop"}}},
               std::nullopt},
       agent(), monday_morning()});
  BOOST_REQUIRE(outcome.ok());
  BOOST_REQUIRE(!outcome.value().accepted());
  BOOST_TEST(outcome.value().rejection->code == RejectionCode::kNotAllowedFromState);
  BOOST_TEST(count_rows(options_for(dir).path, "case_events") == events_before);
  BOOST_TEST(store->load_case(id).value()->version == 1);

  auto missing = store->execute(comment("C-404", monday_morning()));
  BOOST_REQUIRE(missing.ok());
  BOOST_TEST(missing.value().rejection->code == RejectionCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(a_caller_chosen_id_is_kept_and_cannot_be_reused) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  BOOST_TEST(
      accept(*store, create_complaint(monday_morning(), "cust-1", "TB-CASE-9")).snapshot.id ==
      "TB-CASE-9");
  auto again = store->execute(create_complaint(monday_morning(), "cust-1", "TB-CASE-9"));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again.value().rejection->code == RejectionCode::kAlreadyExists);
}

BOOST_AUTO_TEST_CASE(a_stale_expected_version_is_a_conflict_and_writes_nothing) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto id = accept(*store, create_complaint(monday_morning())).snapshot.id;
  accept(*store, comment(id, monday_morning(), 1));
  auto stale = store->execute(comment(id, monday_morning(), 1));
  BOOST_REQUIRE(stale.ok());
  BOOST_REQUIRE(!stale.value().accepted());
  BOOST_TEST(stale.value().rejection->code == RejectionCode::kVersionConflict);
  BOOST_TEST(store->load_case(id).value()->version == 2);
}

BOOST_AUTO_TEST_CASE(everything_survives_closing_and_reopening) {
  TempDir dir;
  std::string id;
  std::string before;
  {
    auto store = open_store(options_for(dir));
    id = accept(*store, create_complaint(monday_morning())).snapshot.id;
    before = snapshot_to_json(accept(*store, comment(id, monday_morning())).snapshot).dump();
  }
  auto store = open_store(options_for(dir));
  auto loaded = store->load_case(id);
  BOOST_REQUIRE(loaded.ok() && loaded.value());
  BOOST_TEST(snapshot_to_json(*loaded.value()).dump() == before);
  // The stored text is served as is by GET /v1/cases/{id}: it must be the canonical rendering.
  const auto document = store->load_case_document(id);
  BOOST_REQUIRE(document.ok() && document.value());
  BOOST_TEST(document.value()->snapshot_json == before);
  BOOST_TEST(document.value()->version == loaded.value()->version);
  BOOST_TEST(!store->load_case_document("C-404").value().has_value());
  // The id sequence continues where it stopped.
  BOOST_TEST(accept(*store, create_complaint(monday_morning())).snapshot.id == "C-2");
}

BOOST_AUTO_TEST_CASE(team_queue_lists_open_cases_by_sla_due_with_paging) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  auto now = monday_morning();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(accept(*store, create_complaint(now, "cust-" + std::to_string(i))).snapshot.id);
    now += std::chrono::minutes(7);  // later cases fall due later
  }
  CaseQuery q;
  q.team = "after_sales";
  q.limit = 2;
  std::vector<std::string> listed;
  for (;;) {
    auto page = store->list_cases(q);
    BOOST_REQUIRE(page.ok());
    for (const auto& c : page.value()) {
      BOOST_TEST(c.sla_due.has_value());
      listed.push_back(c.id);
    }
    if (page.value().size() < q.limit) break;
    q.after = page.value().back().cursor;
  }
  BOOST_TEST(listed == ids, boost::test_tools::per_element());

  CaseQuery by_customer;
  by_customer.customer_id = "cust-3";
  BOOST_TEST(store->list_cases(by_customer).value().size() == 1u);
  CaseQuery mine;
  mine.assignee = "agent.li";
  mine.state = "confirming";
  BOOST_TEST(store->list_cases(mine).value().size() == 5u);
  CaseQuery bad;
  bad.limit = 0;
  BOOST_TEST(store->list_cases(bad).error().code == redress::ErrorCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(paging_visits_every_case_once_across_ties_and_cases_without_sla) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  // Six cases opened at the same instant share their SLA deadlines (ties broken by id); two are
  // then cancelled, which stops their clocks (no SLA due: listed last).
  std::set<std::string> all;
  for (int i = 0; i < 6; ++i) {
    all.insert(
        accept(*store, create_complaint(monday_morning(), "c" + std::to_string(i))).snapshot.id);
  }
  for (const char* id : {"C-2", "C-5"}) {
    accept(*store,
           {id, Command{FireTransition{"cancel", {{"cancel_reason", "duplicate"}}}, std::nullopt},
            team_lead(), monday_morning()});
  }
  CaseQuery q;
  q.open_only = false;
  q.limit = 4;
  std::vector<std::string> listed;
  for (int page = 0; page < 10; ++page) {
    auto rows = store->list_cases(q);
    BOOST_REQUIRE(rows.ok());
    for (const auto& c : rows.value()) listed.push_back(c.id);
    if (rows.value().size() < q.limit) break;
    q.after = rows.value().back().cursor;
  }
  BOOST_REQUIRE(listed.size() == 6u);
  BOOST_TEST(std::set<std::string>(listed.begin(), listed.end()) == all);
  const std::vector<std::string> expected = {"C-1", "C-3", "C-4", "C-6", "C-2", "C-5"};
  BOOST_TEST(listed == expected, boost::test_tools::per_element());
  CaseQuery open;
  open.team = "after_sales";
  BOOST_TEST(store->list_cases(open).value().size() == 4u);
}

BOOST_AUTO_TEST_CASE(escalated_cases_are_listed_for_supervisors) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  accept(*store, create_complaint(monday_morning(), "calm"));
  auto critical = create_complaint(monday_morning(), "angry");
  std::get<CreateCase>(critical.command.body).severity = "critical";
  const auto escalated = accept(*store, critical).snapshot;
  BOOST_REQUIRE(escalated.escalation_level != "agent");
  CaseQuery q;
  q.escalated_only = true;
  const auto rows = store->list_cases(q).value();
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows.front().id == escalated.id);
}

BOOST_AUTO_TEST_CASE(a_refused_creation_does_not_use_up_an_id_and_taken_ids_are_skipped) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  auto bad = create_complaint(monday_morning());
  std::get<CreateCase>(bad.command.body).severity = "apocalyptic";
  auto refused = store->execute(bad);
  BOOST_REQUIRE(refused.ok());
  BOOST_TEST(refused.value().rejection->code == RejectionCode::kInvalidField);
  BOOST_TEST(store->count_cases().value() == 0);
  BOOST_TEST(accept(*store, create_complaint(monday_morning())).snapshot.id == "C-1");
  // A caller chose "C-2" itself: the sequence steps over it.
  BOOST_TEST(accept(*store, create_complaint(monday_morning(), "x", "C-2")).snapshot.id == "C-2");
  BOOST_TEST(accept(*store, create_complaint(monday_morning())).snapshot.id == "C-3");
}

BOOST_AUTO_TEST_CASE(the_writer_commits_with_the_configured_durability) {
  TempDir dir;
  auto full = open_writer_connection(options_for(dir, "full.db"));
  BOOST_REQUIRE(full.ok());
  BOOST_TEST(full.value()->query_int("PRAGMA synchronous") == 2);  // FULL
  BOOST_TEST(full.value()->query_text("PRAGMA journal_mode") == "wal");
  auto options = options_for(dir, "normal.db");
  options.synchronous = Synchronous::kNormal;
  auto normal = open_writer_connection(options);
  BOOST_REQUIRE(normal.ok());
  BOOST_TEST(normal.value()->query_int("PRAGMA synchronous") == 1);  // NORMAL
}

BOOST_AUTO_TEST_CASE(a_due_timer_fires_exactly_once_and_overdue_ones_fire_in_due_order) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  auto now = monday_morning();
  const auto first = accept(*store, create_complaint(now, "cust-a")).snapshot.id;
  const auto second =
      accept(*store, create_complaint(now + std::chrono::minutes(5), "cust-b")).snapshot.id;
  // Nothing is due yet.
  BOOST_TEST(store->due_timers(now, 100).value().empty());

  // Two days later (downtime): every timer is overdue; they come out in due order.
  const auto later = now + std::chrono::hours(48);
  auto due = store->due_timers(later, 1000);
  BOOST_REQUIRE(due.ok());
  BOOST_REQUIRE(!due.value().empty());
  for (size_t i = 1; i < due.value().size(); ++i) {
    BOOST_TEST(due.value()[i - 1].due <= due.value()[i].due);
  }
  std::set<std::string> cases;
  for (const auto& t : due.value()) cases.insert(t.case_id);
  BOOST_TEST(cases.count(first) == 1u);
  BOOST_TEST(cases.count(second) == 1u);

  // Firing the same timer twice: the second is refused and writes nothing.
  const auto& t = due.value().front();
  const CaseCommand fire{t.case_id, Command{FireTimer{t.key}, std::nullopt}, system_actor(), later};
  auto once = store->execute(fire);
  BOOST_REQUIRE(once.ok());
  BOOST_TEST(once.value().accepted());
  const auto version = once.value().snapshot.version;
  auto twice = store->execute(fire);
  BOOST_REQUIRE(twice.ok());
  BOOST_TEST(twice.value().rejection->code == RejectionCode::kNotFound);
  BOOST_TEST(store->load_case(t.case_id).value()->version == version);

  // The timer loop's entry point fires the rest; afterwards nothing at `later` is left due.
  auto fired = store->fire_due_timers(later);
  BOOST_REQUIRE(fired.ok());
  BOOST_TEST(fired.value() > 0u);
  for (int round = 0; round < 10 && !store->due_timers(later, 10).value().empty(); ++round) {
    BOOST_REQUIRE(store->fire_due_timers(later).ok());  // firing may set new due timers
  }
  BOOST_TEST(store->due_timers(later, 10).value().empty());
  // Every case's timer rows still mirror its snapshot.
  for (const auto& id : {first, second}) {
    const auto snap = *store->load_case(id).value();
    SqliteDb db(options_for(dir).path, OpenOptions{true, false, nullptr, 1000});
    Statement s(db, "SELECT count(*) FROM timers WHERE case_id = ?");
    s.bind(1, id);
    s.step();
    BOOST_TEST(s.column_int(0) == static_cast<std::int64_t>(snap.timers.size()));
  }
}

BOOST_AUTO_TEST_CASE(a_timer_cannot_fire_early) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto snap = accept(*store, create_complaint(monday_morning())).snapshot;
  BOOST_REQUIRE(!snap.timers.empty());
  const auto& t = snap.timers.front();
  auto early = store->execute({snap.id, Command{FireTimer{t.key}, std::nullopt}, system_actor(),
                               t.due - std::chrono::seconds(1)});
  BOOST_REQUIRE(early.ok());
  BOOST_TEST(early.value().rejection->code == RejectionCode::kInvalidState);
  BOOST_TEST(store->due_timers(t.due, 100).value().size() >= 1u);
}

BOOST_AUTO_TEST_CASE(concurrent_writers_on_one_case_each_version_is_won_exactly_once) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto id = accept(*store, create_complaint(monday_morning())).snapshot.id;
  constexpr int kThreads = 16;
  constexpr int kAttemptsEach = 25;
  std::atomic<int> won{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttemptsEach; ++i) {
        auto seen = store->load_case(id);
        if (!seen.ok() || !seen.value()) {
          ++errors;
          continue;
        }
        auto outcome = store->execute(
            comment(id, monday_morning(), seen.value()->version, "writer " + std::to_string(t)));
        if (!outcome.ok()) {
          ++errors;
        } else if (outcome.value().accepted()) {
          ++won;
        } else if (outcome.value().rejection->code == RejectionCode::kVersionConflict) {
          ++conflicts;
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(errors.load() == 0);
  BOOST_TEST(won + conflicts == kThreads * kAttemptsEach);
  BOOST_TEST(won.load() >= 1);
  const auto final_case = store->load_case_with_journal(id).value();
  BOOST_TEST(final_case->snapshot.version == 1 + won.load());
  // No lost update: one comment event per winning version, each version exactly once.
  std::multiset<std::int64_t> versions;
  for (const auto& e : final_case->events) {
    if (e.event.type == "comment.added") versions.insert(e.event.case_version);
  }
  BOOST_TEST(versions.size() == static_cast<size_t>(won.load()));
  for (std::int64_t v = 2; v <= 1 + won.load(); ++v) BOOST_TEST(versions.count(v) == 1u);
}

// Server shutdown answers queued writes before it destroys what their callbacks reach.
BOOST_AUTO_TEST_CASE(wait_until_idle_returns_once_every_queued_write_is_answered) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  std::atomic<int> answered{0};
  constexpr int kWrites = 40;
  for (int i = 0; i < kWrites; ++i) {
    const bool chain = i == kWrites - 1;
    store->submit(create_complaint(monday_morning(), "cust-" + std::to_string(i)),
                  [&, chain](Result<CommandOutcome> done) {
                    BOOST_TEST(done.ok());
                    if (chain) {  // a callback that queues a write of its own
                      store->submit(create_complaint(monday_morning(), "cust-chained"),
                                    [&](Result<CommandOutcome>) { ++answered; });
                    }
                    ++answered;
                  });
  }
  store->wait_until_idle();
  BOOST_TEST(answered.load() == kWrites + 1);
  store->wait_until_idle();  // idle already: returns at once
}

BOOST_AUTO_TEST_CASE(concurrent_commands_share_group_commits) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  constexpr int kCases = 64;
  std::vector<std::future<Result<CommandOutcome>>> pending;
  {
    WriterGate gate(*store);  // the commands queue up behind it
    for (int i = 0; i < kCases; ++i) {
      pending.push_back(store->submit(create_complaint(monday_morning(), "c" + std::to_string(i))));
    }
  }
  std::set<std::string> ids;
  for (auto& f : pending) {
    auto outcome = f.get();
    BOOST_REQUIRE(outcome.ok());
    BOOST_REQUIRE(outcome.value().accepted());
    ids.insert(outcome.value().snapshot.id);
  }
  BOOST_TEST(ids.size() == static_cast<size_t>(kCases));
  const auto stats = store->stats();
  // One transaction for the gate, one for all the commands queued behind it.
  BOOST_TEST(stats.transactions == 2u);
  BOOST_TEST(stats.writes == static_cast<std::uint64_t>(kCases + 1));
  BOOST_TEST(stats.largest_batch == static_cast<std::uint64_t>(kCases));
}

// A bulk write (an import batch) never shares a transaction, and waits for the other writes
// queued with it: a command queued behind a running bulk write waits for that one only.
BOOST_AUTO_TEST_CASE(a_bulk_write_commits_alone_after_the_writes_waiting_with_it) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  std::vector<std::string> order;  // appended on the writer thread only
  std::promise<Result<bool>> bulk_done;
  std::vector<std::future<Result<CommandOutcome>>> commands;
  {
    WriterGate gate(*store);
    store->write_bulk<bool>(
        [&](WriteContext&) -> Result<bool> {
          order.push_back("bulk");
          return true;
        },
        [&](Result<bool> result) { bulk_done.set_value(std::move(result)); });
    for (int i = 0; i < 3; ++i) {
      commands.push_back(
          store->submit(create_complaint(monday_morning(), "b" + std::to_string(i))));
    }
    auto later = store->write<bool>([&](WriteContext&) -> Result<bool> {
      order.push_back("write");
      return true;
    });
    gate.release();
    BOOST_TEST(later.get().ok());
  }
  BOOST_TEST(bulk_done.get_future().get().ok());
  for (auto& command : commands) BOOST_TEST(command.get().ok());
  BOOST_TEST((order == std::vector<std::string>{"write", "bulk"}));
  // The gate's, the three commands with the write queued after the bulk one, the bulk one alone.
  BOOST_TEST(store->stats().transactions == 3u);
  BOOST_TEST(store->stats().largest_batch == 4u);
}

BOOST_AUTO_TEST_CASE(workflow_versions_are_recorded_and_a_changed_version_is_refused) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto& catalog = shipped_engine()->catalog();
  BOOST_TEST(store->record_workflow_definitions(catalog, monday_morning()).ok());
  BOOST_TEST(store->record_workflow_definitions(catalog, monday_morning()).ok());  // idempotent
  const auto stored = store->stored_workflow_definitions();
  BOOST_REQUIRE(stored.ok());
  BOOST_TEST(stored.value().size() == catalog.workflows().size());

  // Change complaint v1 in the database as if the file had been edited without a new version.
  {
    SqliteDb db(options_for(dir).path, OpenOptions{});
    db.exec(
        "UPDATE workflow_definitions SET definition = '{\"changed\": true}' "
        "WHERE workflow_id = 'complaint' AND version = 1");
  }
  const auto changed = store->record_workflow_definitions(catalog, monday_morning());
  BOOST_REQUIRE(!changed.ok());
  BOOST_TEST(changed.error().code == redress::ErrorCode::kVersionChanged);

  // Stored with other words only (say, before its titles were translated): accepted, and the
  // stored copy takes the file's words.
  const auto complaint = catalog.find("complaint", 1);
  BOOST_REQUIRE(complaint);
  auto older_words = complaint->source;
  older_words["title"] = "Customer complaint";
  older_words["states"][0]["title"] = "Confirm";
  {
    SqliteDb db(options_for(dir).path, OpenOptions{});
    redress::storage::Statement update(
        db,
        "UPDATE workflow_definitions SET definition = ? WHERE workflow_id = 'complaint' "
        "AND version = 1");
    update.bind(1, older_words.dump());
    update.run();
  }
  BOOST_TEST(store->record_workflow_definitions(catalog, monday_morning()).ok());
  const auto relabeled = store->stored_workflow_definitions();
  BOOST_REQUIRE(relabeled.ok());
  bool found = false;
  for (const auto& text : relabeled.value()) {
    const auto stored_json = nlohmann::json::parse(text);
    if (stored_json.at("id") != "complaint" || stored_json.at("version") != 1) continue;
    found = true;
    BOOST_TEST(stored_json == complaint->source);
  }
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(pending_approvals_are_listed_for_the_required_role) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  auto now = monday_morning();
  const auto proposed = propose_above_authority(*store, now);
  const auto id = proposed.case_id;
  const auto role = proposed.approval.required_role;
  auto queue = store->pending_approvals(role, 50);
  BOOST_REQUIRE(queue.ok());
  BOOST_REQUIRE(queue.value().size() == 1u);
  BOOST_TEST(queue.value().front().case_id == id);

  accept(*store, {id,
                  Command{DecideApproval{proposed.approval.approval_id, true, "supplier fault"},
                          std::nullopt},
                  team_lead(), now});
  BOOST_TEST(store->pending_approvals(role, 50).value().empty());
}

BOOST_AUTO_TEST_SUITE_END()
