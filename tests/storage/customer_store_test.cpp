// Customer and order records (schema v7): written by case creation, read back as the truth,
// the per-order refund cap across cases, levels that only a person lowers, erasure that leaves
// the journal intact, and merging.
#include <boost/test/unit_test.hpp>

#include "storage/customer_store.h"
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

namespace redress::testing {
namespace {

Actor manager() {
  return Actor{"manager.zhao", Role::kManager, "after_sales"};
}

// A rank for tests: the shipped membership levels, lowest first.
storage::LevelRank test_rank() {
  return [](std::string_view level) {
    static const std::vector<std::string_view> levels = {"regular", "silver", "gold", "platinum",
                                                         "diamond"};
    const auto it = std::find(levels.begin(), levels.end(), level);
    return it == levels.end() ? -1 : static_cast<int>(it - levels.begin());
  };
}

storage::CaseCommand complaint_about(const std::string& order_id, Instant now,
                                     const std::string& customer = "cust-1") {
  auto command = create_complaint(now, customer);
  auto& create = std::get<CreateCase>(command.command.body);
  create.order = {order_id, Money{}, Money{}};
  return command;
}

// A case taken to negotiation's proposal point: confirmed and analysed.
std::string analysed_case(storage::CaseStore& store, storage::CaseCommand create, Instant now) {
  const auto id = accept(store, std::move(create)).snapshot.id;
  accept(store, confirm(id, now));
  accept(store, {id,
                 Command{FireTransition{"complete_analysis",
                                        {{"cause", "seam"}, {"fault_party", "supplier"}}},
                         std::nullopt},
                 agent(), now});
  return id;
}

Result<storage::CommandOutcome> propose_refund(storage::CaseStore& store, const std::string& id,
                                               std::int64_t amount, Instant now) {
  return store.execute(
      {id,
       Command{ProposeCompensation{"partial_refund", Money{amount, "CNY"}, "seam"}, std::nullopt},
       manager(), now});
}

template <typename T>
T wait(std::function<void(std::function<void(Result<T>)>)> start) {
  std::promise<Result<T>> promise;
  start([&promise](Result<T> r) { promise.set_value(std::move(r)); });
  return require_ok(promise.get_future().get());
}

storage::CustomerRecord write(storage::CustomerStore& customers, storage::CustomerInput input,
                              storage::WriteSource source, Instant now) {
  return wait<storage::CustomerRecord>([&](auto done) {
    customers.write_customer(std::move(input), std::move(source), now, std::move(done));
  });
}

storage::OrderRecord write(storage::CustomerStore& customers, storage::OrderInput input,
                           Instant now) {
  return wait<storage::OrderRecord>([&](auto done) {
    customers.write_order(std::move(input), "order-sync", now, std::move(done));
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(customer_store)

BOOST_AUTO_TEST_CASE(opening_a_case_with_inline_customer_and_order_writes_their_records) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  accept(*store, create_complaint(now, "cust-7"));

  const auto customer = require_ok(customers.get_customer("cust-7"));
  BOOST_REQUIRE(customer);
  BOOST_TEST(customer->segment == "regular");
  BOOST_TEST(customer->level == "silver");
  const auto order = require_ok(customers.get_order("TB-1"));
  BOOST_REQUIRE(order);
  BOOST_TEST(order->order.customer_id == "cust-7");
  BOOST_TEST(order->order.paid.amount == 29900);
  BOOST_TEST(order->case_ids.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_case_takes_segment_and_tier_from_the_stored_record) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  storage::CustomerInput input;
  input.id = "cust-9";
  input.level = "diamond";
  input.segment = "champions";
  write(customers, input, {storage::WriteSource::Kind::kCreate, "admin", "", {}}, now);

  auto command = create_complaint(now, "cust-9");
  command.customer_by_reference = true;
  auto& create = std::get<CreateCase>(command.command.body);
  create.customer.segment.clear();
  create.customer.tier.clear();
  const auto opened = accept(*store, std::move(command));
  BOOST_TEST(opened.snapshot.customer.tier == "diamond");
  BOOST_TEST(opened.snapshot.customer.segment == "champions");
  // What the case saw is in its creation entry, for replay.
  BOOST_TEST(opened.events.front().event.data.at("customer").at("tier") == "diamond");
}

BOOST_AUTO_TEST_CASE(an_unknown_customer_by_reference_is_refused_naming_it) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  auto command = create_complaint(monday_morning(), "nobody");
  command.customer_by_reference = true;
  auto outcome = require_ok(store->execute(std::move(command)));
  BOOST_REQUIRE(outcome.rejection);
  BOOST_TEST(outcome.rejection->problems.front().pointer == "/customer_id");
  BOOST_TEST(outcome.rejection->problems.front().params.at("reason") == "no_such_customer");
  BOOST_TEST(require_ok(store->count_cases()) == 0);
}

BOOST_AUTO_TEST_CASE(an_order_of_another_customer_is_refused) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto now = monday_morning();
  accept(*store, create_complaint(now, "cust-1"));  // TB-1 belongs to cust-1
  auto command = create_complaint(now, "cust-2");
  command.order_by_reference = true;
  auto outcome = require_ok(store->execute(std::move(command)));
  BOOST_REQUIRE(outcome.rejection);
  BOOST_TEST(outcome.rejection->problems.front().params.at("reason") ==
             "order_of_another_customer");
}

BOOST_AUTO_TEST_CASE(the_refund_cap_counts_every_case_of_the_order_and_outside_refunds) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  storage::CustomerInput customer;
  customer.id = "cust-1";
  write(customers, customer, {storage::WriteSource::Kind::kCreate, "admin", "", {}}, now);
  storage::OrderInput order;
  order.id = "TB-9";
  order.customer_id = "cust-1";
  order.paid = Money{10000, "CNY"};
  order.refunded_outside = Money{2000, "CNY"};
  write(customers, order, now);

  // Both cases are open before either refunds: the cap is read when a refund is decided.
  auto first = complaint_about("TB-9", now);
  first.order_by_reference = true;
  const auto case_a = analysed_case(*store, std::move(first), now);
  auto second = complaint_about("TB-9", now);
  second.order_by_reference = true;
  const auto case_b = analysed_case(*store, std::move(second), now);
  auto granted = require_ok(propose_refund(*store, case_a, 5000, now));
  BOOST_REQUIRE_MESSAGE(granted.accepted(),
                        (granted.rejection ? granted.rejection->message : std::string()));
  // Paid 100.00, refunded 20.00 outside and 50.00 on case A: 30.00 is left.
  auto too_much = require_ok(propose_refund(*store, case_b, 3001, now));
  BOOST_REQUIRE(too_much.rejection);
  BOOST_TEST(too_much.rejection->code == ErrorCode::kRefundExceedsPaid);
  auto exact = require_ok(propose_refund(*store, case_b, 3000, now));
  BOOST_TEST(exact.accepted());

  const auto summary = require_ok(customers.get_order("TB-9"));
  BOOST_REQUIRE(summary);
  BOOST_REQUIRE(summary->refunded_in_redress.size() == 1u);
  BOOST_TEST(summary->refunded_in_redress.front().amount == 8000);
}

BOOST_AUTO_TEST_CASE(an_outside_refund_recorded_later_lowers_what_a_case_may_refund) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  const auto id = analysed_case(*store, create_complaint(now), now);  // TB-1 paid 299.00
  storage::OrderInput refund;
  refund.id = "TB-1";
  refund.refunded_outside = Money{29000, "CNY"};
  write(customers, refund, now);
  auto outcome = require_ok(propose_refund(*store, id, 1000, now));
  BOOST_REQUIRE(outcome.rejection);
  BOOST_TEST(outcome.rejection->code == ErrorCode::kRefundExceedsPaid);
}

BOOST_AUTO_TEST_CASE(an_import_or_integration_never_lowers_a_level_and_a_person_may) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  storage::CustomerInput input;
  input.id = "cust-3";
  input.level = "gold";
  const storage::WriteSource import{storage::WriteSource::Kind::kUpsert, "sync", "", test_rank()};
  BOOST_TEST(write(customers, input, import, now).level == "gold");
  input.level = "silver";
  BOOST_TEST(write(customers, input, import, now).level == "gold");
  input.level = "diamond";
  BOOST_TEST(write(customers, input, import, now).level == "diamond");
  // A case opened with a lower inline tier leaves the level where it is.
  auto command = create_complaint(now, "cust-3");
  command.level_rank = test_rank();
  BOOST_TEST(accept(*store, std::move(command)).snapshot.customer.tier == "diamond");

  input.level = "silver";
  const storage::WriteSource person{storage::WriteSource::Kind::kManual, "lead.wang",
                                    "downgraded after a fraud review", test_rank()};
  BOOST_TEST(write(customers, input, person, now).level == "silver");
  const auto changes = require_ok(customers.level_changes("cust-3", 10));
  BOOST_REQUIRE(changes.size() == 3u);  // gold, diamond, silver (newest first)
  BOOST_TEST(changes.front().source == "manual");
  BOOST_TEST(changes.front().actor_id == "lead.wang");
  BOOST_TEST(changes.front().reason == "downgraded after a fraud review");
}

BOOST_AUTO_TEST_CASE(erasure_blanks_the_record_and_leaves_the_journal_intact_and_contact_free) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  storage::CustomerInput input;
  input.id = "cust-5";
  input.name = "王小明";
  input.contacts = storage::CustomerContacts{"13812345678", "xm@example.com", "wang_xm"};
  input.addresses = nlohmann::json::array({{{"city", "杭州"}, {"line", "文三路 100 号"}}});
  write(customers, input, {storage::WriteSource::Kind::kCreate, "agent.li", "", {}}, now);
  const auto id = accept(*store, create_complaint(now, "cust-5")).snapshot.id;
  storage::CaseQuery by_name;
  by_name.text = "王小明";
  BOOST_TEST(require_ok(store->list_cases(by_name)).size() == 1u);

  const auto erased = wait<storage::CustomerRecord>(
      [&](auto done) { customers.erase_customer("cust-5", "manager.zhao", now, done); });
  BOOST_TEST(erased.name.empty());
  BOOST_TEST(erased.contacts.empty());
  BOOST_TEST(erased.addresses.empty());
  BOOST_REQUIRE(erased.erased_at);
  BOOST_TEST(require_ok(store->list_cases(by_name)).empty());
  BOOST_TEST(require_ok(customers.list_customers({"13812345678", "", "", "", 10})).empty());

  const auto journal = require_ok(store->load_case_with_journal(id));
  BOOST_REQUIRE(journal);
  BOOST_TEST(!journal->events.empty());
  for (const auto& entry : journal->events) {
    const auto text = entry.event.data.dump();
    BOOST_TEST(text.find("13812345678") == std::string::npos);
    BOOST_TEST(text.find("王小明") == std::string::npos);
  }
  BOOST_TEST(journal->snapshot.customer.id == "cust-5");
}

BOOST_AUTO_TEST_CASE(a_merged_customer_s_cases_and_orders_follow_the_survivor) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  accept(*store, create_complaint(now, "dup-1"));
  storage::CustomerInput survivor;
  survivor.id = "cust-8";
  survivor.contacts = storage::CustomerContacts{"", "a@example.com", ""};
  write(customers, survivor, {storage::WriteSource::Kind::kCreate, "agent.li", "", {}}, now);
  storage::CustomerInput duplicate;
  duplicate.id = "dup-1";
  duplicate.contacts = storage::CustomerContacts{"13900000000", "b@example.com", ""};
  write(customers, duplicate, {storage::WriteSource::Kind::kManual, "agent.li", "", {}}, now);

  const auto merged = wait<storage::CustomerRecord>([&](auto done) {
    customers.merge_customers("cust-8", "dup-1", "lead.wang", "same phone", test_rank(), now, done);
  });
  BOOST_TEST(merged.contacts.phone == "13900000000");    // what the survivor lacked
  BOOST_TEST(merged.contacts.email == "a@example.com");  // what it had stays
  BOOST_TEST(merged.level == "silver");
  BOOST_TEST(require_ok(customers.get_customer("dup-1"))->merged_into == "cust-8");
  storage::CaseQuery of_survivor;
  of_survivor.customer_id = "cust-8";
  BOOST_TEST(require_ok(store->list_cases(of_survivor)).size() == 1u);
  BOOST_TEST(require_ok(customers.orders_of("cust-8", 10)).size() == 1u);
  const auto history = require_ok(customers.history("cust-8", now));
  BOOST_TEST(history.open_cases == 1);
  BOOST_TEST(history.merged_customers == std::vector<std::string>{"dup-1"});
  // A new case naming the merged customer lands on the survivor.
  auto command = create_complaint(now, "dup-1");
  command.customer_by_reference = true;
  BOOST_TEST(accept(*store, std::move(command)).snapshot.customer.id == "cust-8");
  // Merging again, or into itself, is refused.
  std::promise<Result<storage::CustomerRecord>> again;
  customers.merge_customers("cust-8", "dup-1", "lead.wang", "again", test_rank(), now,
                            [&](auto r) { again.set_value(std::move(r)); });
  const auto refused = again.get_future().get();
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().code == ErrorCode::kInvalidState);
}

BOOST_AUTO_TEST_CASE(customers_are_found_by_phone_email_chat_id_and_a_one_character_name) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  storage::CustomerInput input;
  input.id = "cust-6";
  input.name = "李雷";
  input.contacts = storage::CustomerContacts{"+8613700000000", "lilei@example.com", "lilei_tb"};
  write(customers, input, {storage::WriteSource::Kind::kCreate, "agent.li", "", {}}, now);
  for (const char* text :
       {"+8613700000000", "lilei@example.com", "lilei_tb", "李", "李雷", "cust-6"}) {
    const auto found = require_ok(customers.list_customers({text, "", "", "", 10}));
    BOOST_TEST_CONTEXT(text) {
      BOOST_REQUIRE(found.size() == 1u);
      BOOST_TEST(found.front().id == "cust-6");
    }
  }
  BOOST_TEST(require_ok(customers.list_customers({"韩梅梅", "", "", "", 10})).empty());
}

BOOST_AUTO_TEST_CASE(an_order_raises_the_level_by_the_policy_and_a_refund_never_lowers_it) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto now = monday_morning();
  storage::CustomerInput input;
  input.id = "cust-r";
  write(customers, input, {storage::WriteSource::Kind::kCreate, "agent.li", "", {}}, now);
  // Shipped membership policy: silver from CNY 1,000.00 over a year.
  storage::OrderInput order;
  order.id = "TB-R1";
  order.customer_id = "cust-r";
  order.paid = Money{60000, "CNY"};
  order.paid_at = now - std::chrono::hours(24 * 10);
  write(customers, order, now);
  BOOST_TEST(require_ok(customers.get_customer("cust-r"))->level == "regular");
  order.id = "TB-R2";
  order.paid_at = now - std::chrono::hours(24 * 2);
  write(customers, order, now);
  const auto raised = *require_ok(customers.get_customer("cust-r"));
  BOOST_TEST(raised.level == "silver");
  BOOST_TEST(raised.rfm.at("frequency") == 2);
  BOOST_TEST(raised.rfm.at("net_spend").at("amount") == 120000);
  BOOST_TEST(!raised.segment.empty());
  const auto changes = require_ok(customers.level_changes("cust-r", 10));
  BOOST_REQUIRE(!changes.empty());
  BOOST_TEST(changes.front().source == "assessment");
  BOOST_TEST(changes.front().to_level == "silver");

  // A refund takes the year's spend below the threshold: the level stays.
  storage::OrderInput refund;
  refund.id = "TB-R2";
  refund.refunded_outside = Money{50000, "CNY"};
  write(customers, refund, now);
  const auto after = *require_ok(customers.get_customer("cust-r"));
  BOOST_TEST(after.level == "silver");
  BOOST_TEST(after.rfm.at("net_spend").at("amount") == 70000);

  // The daily walk assesses every customer, batch by batch, and ends.
  const auto last = wait<std::string>(
      [&](auto done) { customers.reassess_batch("", 100, now, std::move(done)); });
  BOOST_TEST(last == "cust-r");
  const auto done = wait<std::string>(
      [&](auto finished) { customers.reassess_batch(last, 100, now, std::move(finished)); });
  BOOST_TEST(done.empty());
}

BOOST_AUTO_TEST_CASE(migration_seven_gives_existing_cases_customer_and_order_records) {
  TempDir dir;
  const auto now = monday_morning();
  {
    auto store = open_store(options_for(dir));
    accept(*store, create_complaint(now, "cust-old"));
  }
  {
    storage::SqliteDb db(dir.file("redress.db"), storage::OpenOptions{});
    db.exec(kUndoMigrationSevenSql);
  }
  auto store = open_store(options_for(dir));
  storage::CustomerStore customers(*store);
  const auto customer = require_ok(customers.get_customer("cust-old"));
  BOOST_REQUIRE(customer);
  BOOST_TEST(customer->level == "silver");
  const auto order = require_ok(customers.get_order("TB-1"));
  BOOST_REQUIRE(order);
  BOOST_TEST(order->order.paid.amount == 29900);
  BOOST_TEST(order->order.customer_id == "cust-old");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
