// Totals of stored money cannot overflow: a customer's granted compensation, summed by the writer
// for the engine's 30-day authority limit, saturates instead of failing every later proposal.
#include "storage/sqlite.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

BOOST_AUTO_TEST_SUITE(money_bounds)

BOOST_AUTO_TEST_CASE(a_customer_total_past_int64_sends_a_proposal_up_instead_of_failing) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  const auto earlier = accept(*store, create_complaint(monday_morning(), "cust-9")).snapshot.id;
  {
    // Two approved compensations stored before amounts were bounded (CNY 5e16 each): their sum
    // does not fit in int64.
    SqliteDb db(options_for(dir).path, OpenOptions{});
    for (const char* id : {"cmp-90", "cmp-91"}) {
      Statement s(db,
                  "INSERT INTO compensations (case_id, compensation_id, customer_id, type, amount, "
                  "currency, status, proposed_by, proposed_at, decided_at) "
                  "VALUES (?, ?, 'cust-9', 'coupon', 5000000000000000000, 'CNY', 'approved', "
                  "'mgr.liu', ?, ?)");
      s.bind(1, earlier).bind(2, std::string(id));
      s.bind(3, to_millis(monday_morning())).bind(4, to_millis(monday_morning()));
      s.run();
    }
  }
  // A new case of the same customer: a small coupon is above every limited role's 30-day
  // authority, so it waits for the manager; it is not refused and nothing fails.
  const auto now = monday_morning() + std::chrono::hours(1);
  const auto id = accept(*store, create_complaint(now, "cust-9")).snapshot.id;
  auto proposed = store->execute(
      {id, Command{ProposeCompensation{"coupon", Money{500, "CNY"}, ""}, std::nullopt}, agent(),
       now});
  BOOST_REQUIRE_MESSAGE(proposed.ok(), (proposed.ok() ? "" : proposed.error().message));
  BOOST_REQUIRE_MESSAGE(proposed.value().accepted(),
                        (proposed.value().rejection ? proposed.value().rejection->message : ""));
  const auto& compensation = proposed.value().snapshot.compensations.back();
  BOOST_TEST(compensation.status == "pending");
  BOOST_TEST(compensation.required_role == "manager");
}

BOOST_AUTO_TEST_SUITE_END()
