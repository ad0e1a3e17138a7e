// Tests for the customer policies (engine/customer_policy.h): the shipped membership and RFM
// files, RFM on a known history, refunds netted, foreign currencies converted exactly or reported,
// levels that rise and are never lowered, every parse problem with its pointer, and the catalog:
// at most one policy of each kind, and the segment and tier names of the other files checked
// against them.
#include "engine/customer_policy.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "engine/workflow_catalog.h"
#include "tests/engine/test_support.h"

// Named rather than anonymous: the suites may be compiled in unity batches, where anonymous
// namespaces of several files share one translation unit.
namespace customer_policy_tests {

using nlohmann::json;
using redress::assess_membership;
using redress::assess_rfm;
using redress::CatalogLoad;
using redress::DefinitionSource;
using redress::Instant;
using redress::MembershipPolicy;
using redress::Money;
using redress::Problems;
using redress::PurchaseRecord;
using redress::RfmPolicy;
using redress::Severity;
using redress::WorkflowCatalog;
using redress::testing::describe;
using redress::testing::has_problem;
using redress::testing::load_shipped;
using redress::testing::engine_cases::cny;
using std::chrono::days;

Instant at(const char* text) {
  const auto instant = redress::parse_rfc3339(text);
  BOOST_REQUIRE_MESSAGE(instant, "bad instant in a test: " << text);
  return *instant;
}

// Tuesday 2026-12-01, midnight UTC: "now" of every assessment here.
const Instant kNow = at("2026-12-01T00:00:00Z");

// cny(fen): tests/engine/test_support.h.

PurchaseRecord order(std::string id, Money paid, Instant paid_at, Money refunded = {}) {
  return PurchaseRecord{std::move(id), std::move(paid), std::move(refunded), paid_at};
}

template <typename Policy>
Policy parse_ok(const json& definition) {
  Problems problems;
  auto policy = Policy::parse(definition, "", problems);
  BOOST_REQUIRE_MESSAGE(policy.has_value() && problems.empty(),
                        "expected a valid policy; problems:" << describe(problems));
  return std::move(*policy);
}

// Parses a broken definition and requires that it fails with `code` at `pointer`.
template <typename Policy>
void expect_problem(const json& definition, const std::string& code, const std::string& pointer) {
  Problems problems;
  const auto policy = Policy::parse(definition, "", problems);
  BOOST_CHECK_MESSAGE(!policy.has_value(), "a broken definition must not parse");
  BOOST_CHECK_MESSAGE(has_problem(problems, code, pointer),
                      "expected " << code << " at '" << pointer << "'; got:" << describe(problems));
}

MembershipPolicy shipped_membership() {
  return parse_ok<MembershipPolicy>(load_shipped("membership.json"));
}

RfmPolicy shipped_rfm() {
  return parse_ok<RfmPolicy>(load_shipped("rfm.json"));
}

// Every shipped definition file, named by its file name, with the named files changed by `edits`.
std::vector<DefinitionSource> shipped_files_edited(
    const std::map<std::string, std::function<void(json&)>>& edits) {
  auto files = WorkflowCatalog::read_directory(REDRESS_SOURCE_DIR "/workflows");
  BOOST_REQUIRE_MESSAGE(files.problems.empty(), describe(files.problems));
  for (auto& source : files.sources) {
    source.name = std::filesystem::path(source.name).filename().string();
    if (const auto edit = edits.find(source.name); edit != edits.end()) {
      auto definition = json::parse(source.text);
      edit->second(definition);
      source.text = definition.dump();
    }
  }
  return files.sources;
}

bool has_file_problem(const Problems& problems, const std::string& code, const std::string& file,
                      const std::string& pointer, const std::string& message_part = "") {
  return std::any_of(problems.begin(), problems.end(), [&](const auto& p) {
    return p.code == code && p.file == file && p.pointer == pointer &&
           p.message.find(message_part) != std::string::npos;
  });
}

// A minimal valid RFM policy whose parts the parse tests break one at a time.
json small_rfm() {
  return json::parse(R"({
    "kind": "rfm_policy", "id": "test", "base_currency": "CNY", "window": "365d calendar",
    "currency_rates": {"USD": "7.1034"},
    "recency_days": [30, 90, 180, 365],
    "frequency_orders": [2, 3, 5, 10],
    "monetary": [{"amount": 100, "currency": "CNY"}, {"amount": 200, "currency": "CNY"},
                 {"amount": 300, "currency": "CNY"}, {"amount": 400, "currency": "CNY"}],
    "segments": [
      {"name": "champions", "label": {"en": "Champions", "zh": "重要价值客户"},
       "when": {"recency_min": 4, "frequency_min": 4}},
      {"name": "regular", "label": {"en": "Regular", "zh": "一般客户"}, "when": {}}
    ]
  })");
}

json small_membership() {
  return json::parse(R"({
    "kind": "membership_policy", "id": "test", "base_currency": "CNY",
    "levels": [
      {"id": "regular", "label": {"en": "Member", "zh": "普通会员"},
       "min_spend": {"amount": 0, "currency": "CNY"}},
      {"id": "silver", "label": {"en": "Silver", "zh": "白银会员"},
       "min_spend": {"amount": 1000, "currency": "CNY"}},
      {"id": "gold", "label": {"en": "Gold", "zh": "黄金会员"},
       "min_spend": {"amount": 5000, "currency": "CNY"}}
    ]
  })");
}

}  // namespace customer_policy_tests

BOOST_AUTO_TEST_SUITE(customer_policy)

using namespace customer_policy_tests;

// ---- the shipped policies ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(shipped_policies_are_valid) {
  const auto membership = shipped_membership();
  BOOST_TEST(membership.id() == "default");
  BOOST_TEST(membership.base_currency() == "CNY");
  BOOST_TEST((membership.evaluation_period() == days(365)));
  std::vector<std::string> levels;
  for (const auto& level : membership.levels()) {
    levels.push_back(level.id);
    BOOST_TEST((level.label.has("en") && level.label.has("zh")), level.id);
  }
  BOOST_TEST(
      (levels == std::vector<std::string>{"regular", "silver", "gold", "platinum", "diamond"}));
  BOOST_TEST(membership.levels().front().min_spend == cny(0));
  BOOST_TEST(membership.level("diamond")->label.in("zh") == "钻石会员");

  const auto rfm = shipped_rfm();
  BOOST_TEST((rfm.window() == days(365)));
  // Every segment name the shipped rules use today, and the Chinese words of the handbooks.
  for (const char* name : {"champions", "vip", "regular", "new", "at_risk", "lost"}) {
    const auto* segment = rfm.segment(name);
    BOOST_TEST_REQUIRE(segment, name);
    BOOST_TEST((segment->label.has("en") && segment->label.has("zh")), name);
  }
  BOOST_TEST(rfm.segment("champions")->label.in("zh") == "重要价值客户");
  BOOST_TEST(rfm.default_segment().name == "regular");
  BOOST_TEST(membership.currency_rates().rate_texts() == rfm.currency_rates().rate_texts());
}

// The existing shipped_files_load_without_problems (workflow_definition) loads the directory
// without a single problem; here: the catalog holds both customer policies.
BOOST_AUTO_TEST_CASE(shipped_catalog_holds_the_customer_policies) {
  const auto load = WorkflowCatalog::load_directory(REDRESS_SOURCE_DIR "/workflows");
  BOOST_TEST_REQUIRE(load.catalog, describe(load.problems));
  BOOST_TEST(load.problems.empty(), describe(load.problems));
  BOOST_TEST_REQUIRE(load.catalog->membership_policy());
  BOOST_TEST_REQUIRE(load.catalog->rfm_policy());
  BOOST_TEST(load.catalog->membership_policy()->level("diamond"));
  BOOST_TEST(load.catalog->rfm_policy()->segment("champions"));
}

// ---- RFM ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfm_scores_a_known_history) {
  const auto rfm = shipped_rfm();
  const std::vector<PurchaseRecord> history = {
      order("O-1", cny(120000), at("2026-11-20T10:00:00Z")),
      order("O-2", cny(80000), at("2026-09-01T10:00:00Z"), cny(30000)),  // net 500.00
      order("O-3", cny(250000), at("2026-05-10T10:00:00Z")),
      order("O-4", cny(100000), at("2026-11-28T08:30:00Z")),  // the latest: 2 days 15.5 h ago
      order("O-5", cny(900000), at("2025-12-01T00:00:00Z")),  // exactly 365 days ago: left out
      order("O-6", cny(60000), at("2025-10-01T00:00:00Z")),   // before the window
  };
  const auto a = assess_rfm(rfm, history, kNow);
  BOOST_TEST(a.recency == 5);      // 2 whole days <= 30
  BOOST_TEST(a.frequency == 3);    // 4 orders: >= 3, < 5
  BOOST_TEST(a.monetary == 4);     // CNY 5,200.00: >= 5,000.00, < 15,000.00
  BOOST_TEST(a.segment == "vip");  // not champions (frequency 3 < 4); recency >= 3, monetary >= 4
  BOOST_TEST(a.net_spend == cny(520000));
  BOOST_TEST(a.orders_counted == 4);
  BOOST_TEST_REQUIRE(a.last_order_at.has_value());
  BOOST_TEST(redress::format_rfc3339(*a.last_order_at) == "2026-11-28T08:30:00Z");
  BOOST_TEST(a.orders_not_converted.empty());

  // 200 days on, without new orders: O-3 has left the window.
  const auto later = assess_rfm(rfm, history, kNow + days(200));
  BOOST_TEST(later.recency == 2);    // 202 days: > 180, <= 365
  BOOST_TEST(later.frequency == 3);  // O-1, O-2 and O-4
  BOOST_TEST(later.monetary == 3);   // CNY 2,700.00
  BOOST_TEST(later.segment == "at_risk");
  BOOST_TEST(later.net_spend == cny(270000));
}

BOOST_AUTO_TEST_CASE(rfm_score_thresholds_are_inclusive) {
  const auto rfm = shipped_rfm();  // recency 30/90/180/365 days, frequency 2/3/5/10 orders
  BOOST_TEST(rfm.recency_score(0) == 5);
  BOOST_TEST(rfm.recency_score(30) == 5);
  BOOST_TEST(rfm.recency_score(31) == 4);
  BOOST_TEST(rfm.recency_score(365) == 2);
  BOOST_TEST(rfm.recency_score(366) == 1);
  BOOST_TEST(rfm.frequency_score(0) == 1);
  BOOST_TEST(rfm.frequency_score(1) == 1);
  BOOST_TEST(rfm.frequency_score(2) == 2);
  BOOST_TEST(rfm.frequency_score(10) == 5);
  BOOST_TEST(rfm.monetary_score(49999) == 1);
  BOOST_TEST(rfm.monetary_score(50000) == 2);
  BOOST_TEST(rfm.monetary_score(1500000) == 5);
}

BOOST_AUTO_TEST_CASE(rfm_segments_new_champions_lost_and_no_orders) {
  const auto rfm = shipped_rfm();
  const std::vector<PurchaseRecord> first = {order("N-1", cny(9900), kNow - days(3))};
  BOOST_TEST(assess_rfm(rfm, first, kNow).segment == "new");

  std::vector<PurchaseRecord> loyal;
  for (int i = 0; i < 6; ++i) {
    loyal.push_back(order("L-" + std::to_string(i), cny(100000), kNow - days(10 + 40 * i)));
  }
  const auto champion = assess_rfm(rfm, loyal, kNow);
  BOOST_TEST(champion.frequency == 4);
  BOOST_TEST(champion.monetary == 4);
  BOOST_TEST(champion.segment == "champions");

  const std::vector<PurchaseRecord> old = {order("X-1", cny(100000), kNow - days(400))};
  const auto lost = assess_rfm(rfm, old, kNow);
  BOOST_TEST(lost.segment == "lost");
  BOOST_TEST(lost.orders_counted == 0);
  BOOST_TEST(lost.net_spend == cny(0));

  // No orders at all: scores 0 and the default segment, no segment's bounds tried.
  const auto none = assess_rfm(rfm, {}, kNow);
  BOOST_TEST(none.recency == 0);
  BOOST_TEST(none.frequency == 0);
  BOOST_TEST(none.monetary == 0);
  BOOST_TEST(none.segment == "regular");
  BOOST_TEST(!none.last_order_at.has_value());
  BOOST_TEST(none.net_spend == cny(0));
}

BOOST_AUTO_TEST_CASE(refunds_are_netted_per_order) {
  const auto rfm = shipped_rfm();
  const std::vector<PurchaseRecord> history = {
      order("R-1", cny(100000), kNow - days(5), cny(100000)),  // fully refunded: adds 0
      order("R-2", cny(50000), kNow - days(6), cny(80000)),    // over-refunded: 0, never below
      order("R-3", cny(70000), kNow - days(7), cny(20000)),    // net 500.00
  };
  const auto a = assess_rfm(rfm, history, kNow);
  BOOST_TEST(a.net_spend == cny(50000));
  BOOST_TEST(a.orders_counted == 3);  // a refunded order still was an order
  BOOST_TEST(a.monetary == 2);

  // A refund recorded in another currency than the order's is not guessed at either.
  const std::vector<PurchaseRecord> odd = {
      order("R-4", cny(70000), kNow - days(7), Money{1000, "USD"})};
  const auto b = assess_rfm(rfm, odd, kNow);
  BOOST_TEST((b.orders_not_converted == std::vector<std::string>{"R-4"}));
  BOOST_TEST(b.net_spend == cny(0));
}

BOOST_AUTO_TEST_CASE(foreign_orders_convert_at_the_policy_rate_or_are_reported) {
  const auto rfm = shipped_rfm();  // USD "7.1034", JPY "0.0482"
  const auto& rates = rfm.currency_rates();
  // USD 12.34 x 7.1034 = CNY 87.655956 -> 8766 fen (half up).
  BOOST_TEST(rates.to_base(Money{1234, "USD"}).value() == cny(8766));
  // USD 0.05 x 7.1034 = CNY 0.35517 -> 36 fen; JPY has no minor unit: JPY 1000 = CNY 48.20.
  BOOST_TEST(rates.to_base(Money{5, "USD"}).value() == cny(36));
  BOOST_TEST(rates.to_base(Money{1000, "JPY"}).value() == cny(4820));
  BOOST_TEST(rates.to_base(cny(12345)).value() == cny(12345));
  const auto no_rate = rates.to_base(Money{1000, "GBP"});
  BOOST_TEST_REQUIRE(!no_rate.ok());
  BOOST_TEST((no_rate.error().code == redress::ErrorCode::kCurrencyMismatch));
  BOOST_TEST(no_rate.error().message.find("GBP") != std::string::npos);
  BOOST_TEST(!rates.to_base(Money{redress::kMaxMoneyAmount, "USD"}).ok());  // x 7 is too large

  // Exactly half a fen rounds up: USD 0.01 at "7.5" is CNY 0.075 -> 8 fen.
  auto policy = small_rfm();
  policy["currency_rates"]["USD"] = "7.5";
  const auto half = parse_ok<RfmPolicy>(policy);
  BOOST_TEST(half.currency_rates().to_base(Money{1, "USD"}).value() == cny(8));
  BOOST_TEST(half.currency_rates().to_base(Money{-1, "USD"}).value() == cny(-8));

  const std::vector<PurchaseRecord> history = {
      order("F-1", Money{10000, "USD"}, kNow - days(20), Money{1234, "USD"}),  // net USD 87.66
      order("F-2", Money{50000, "GBP"}, kNow - days(2)),                       // no GBP rate
      order("F-3", cny(10000), kNow - days(40)),
  };
  const auto a = assess_rfm(rfm, history, kNow);
  // USD 87.66 x 7.1034 = CNY 622.684044 -> 62268 fen, plus CNY 100.00.
  BOOST_TEST(a.net_spend == cny(72268));
  BOOST_TEST(a.orders_counted == 2);  // the GBP order is left out of frequency and monetary ...
  BOOST_TEST((a.orders_not_converted == std::vector<std::string>{"F-2"}));
  BOOST_TEST(a.recency == 5);  // ... but it was an order: the last one, 2 days ago
  BOOST_TEST(redress::format_rfc3339(*a.last_order_at) == "2026-11-29T00:00:00Z");

  const auto m = assess_membership(shipped_membership(), history, kNow);
  BOOST_TEST(m.spend == cny(72268));
  BOOST_TEST((m.orders_not_converted == std::vector<std::string>{"F-2"}));
}

// ---- membership --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(level_rises_with_spend_and_is_never_lowered) {
  const auto policy = shipped_membership();  // silver from CNY 1,000.00, gold from 5,000.00
  std::vector<PurchaseRecord> history = {order("M-1", cny(99999), kNow - days(100))};
  auto a = assess_membership(policy, history, kNow);
  BOOST_TEST(a.level == "regular");
  BOOST_TEST(a.spend == cny(99999));
  std::string held = redress::level_after_assessment(policy, "", a.level);
  BOOST_TEST(held == "regular");

  // One fen more passes the threshold.
  history.push_back(order("M-2", cny(1), kNow - days(1)));
  a = assess_membership(policy, history, kNow);
  BOOST_TEST(a.level == "silver");
  held = redress::level_after_assessment(policy, held, a.level);
  BOOST_TEST(held == "silver");

  // A refund and a year later the spend earns less; the level held stays.
  history[0].refunded = cny(50000);
  a = assess_membership(policy, history, kNow);
  BOOST_TEST(a.level == "regular");
  BOOST_TEST(redress::level_after_assessment(policy, held, a.level) == "silver");
  a = assess_membership(policy, history, kNow + days(400));
  BOOST_TEST(a.level == "regular");
  BOOST_TEST(a.spend == cny(0));
  BOOST_TEST(redress::level_after_assessment(policy, held, a.level) == "silver");
  // A level given by hand above what was earned stays too.
  BOOST_TEST(redress::level_after_assessment(policy, "diamond", "gold") == "diamond");
  BOOST_TEST(redress::level_after_assessment(policy, "silver", "gold") == "gold");
}

BOOST_AUTO_TEST_CASE(unknown_levels) {
  const auto policy = shipped_membership();
  BOOST_TEST(redress::level_rank(policy, "regular") == 0);
  BOOST_TEST(redress::level_rank(policy, "diamond") == 4);
  BOOST_TEST(redress::level_rank(policy, "vip") == -1);
  BOOST_TEST(redress::level_rank(policy, "") == -1);
  // An imported level the policy does not know is kept until spend earns more than the lowest.
  BOOST_TEST(redress::level_after_assessment(policy, "vip", "regular") == "vip");
  BOOST_TEST(redress::level_after_assessment(policy, "vip", "silver") == "silver");
  // An earned name that is not a level changes nothing.
  BOOST_TEST(redress::level_after_assessment(policy, "gold", "mystery") == "gold");
  BOOST_TEST(redress::level_after_assessment(policy, "", "mystery") == "");
}

BOOST_AUTO_TEST_CASE(membership_counts_the_evaluation_period_only) {
  auto definition = small_membership();
  definition["evaluation_period"] = "30d calendar";
  const auto policy = parse_ok<MembershipPolicy>(definition);
  const std::vector<PurchaseRecord> history = {
      order("P-1", cny(4000), kNow - days(30)),  // exactly 30 days ago: out
      order("P-2", cny(3000), kNow - days(29)),
      order("P-3", cny(2000), kNow + days(1)),  // stamped ahead of now: counts as paid now
  };
  const auto a = assess_membership(policy, history, kNow);
  BOOST_TEST(a.spend == cny(5000));
  BOOST_TEST(a.level == "gold");
}

// ---- parse problems ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(membership_parse_problems) {
  auto d = small_membership();
  d["levels"][2]["min_spend"]["amount"] = 1000;  // not above silver's
  expect_problem<MembershipPolicy>(d, "BAD_THRESHOLD", "/levels/2/min_spend/amount");

  d = small_membership();
  d["levels"][0]["min_spend"]["amount"] = 1;
  expect_problem<MembershipPolicy>(d, "BAD_THRESHOLD", "/levels/0/min_spend/amount");

  d = small_membership();
  d["levels"][2]["id"] = "silver";
  expect_problem<MembershipPolicy>(d, "DUPLICATE_NAME", "/levels/2/id");

  d = small_membership();
  d["levels"][1]["min_spend"]["currency"] = "USD";
  expect_problem<MembershipPolicy>(d, "BAD_MONEY", "/levels/1/min_spend/currency");

  d = small_membership();
  d["levels"][1]["min_spend"] = json::parse(R"({"amount": 10.5, "currency": "CNY"})");
  expect_problem<MembershipPolicy>(d, "BAD_MONEY", "/levels/1/min_spend/amount");

  d = small_membership();
  d["levels"][1].erase("label");
  expect_problem<MembershipPolicy>(d, "MISSING_KEY", "/levels/1/label");

  d = small_membership();
  d["levels"] = json::array();
  expect_problem<MembershipPolicy>(d, "BAD_VALUE", "/levels");

  d = small_membership();
  d["colour"] = "gold";
  expect_problem<MembershipPolicy>(d, "UNKNOWN_KEY", "/colour");

  d = small_membership();
  d["levels"][0]["perks"] = json::array();
  expect_problem<MembershipPolicy>(d, "UNKNOWN_KEY", "/levels/0/perks");

  d = small_membership();
  d["base_currency"] = "RMB";
  expect_problem<MembershipPolicy>(d, "BAD_MONEY", "/base_currency");

  for (const char* period : {"365d business", "0d calendar", "a year"}) {
    d = small_membership();
    d["evaluation_period"] = period;
    expect_problem<MembershipPolicy>(d, "BAD_DURATION", "/evaluation_period");
  }

  d = small_membership();
  d.erase("id");
  expect_problem<MembershipPolicy>(d, "MISSING_KEY", "/id");
}

BOOST_AUTO_TEST_CASE(rate_parse_problems) {
  for (const char* bad : {"7,1034", "7.", ".5", "-7.1", "1e3", "0", "0.000", "", " 7.1",
                          "1234567890.1", "1.1234567890"}) {
    auto d = small_rfm();
    d["currency_rates"]["USD"] = bad;
    expect_problem<RfmPolicy>(d, "BAD_RATE", "/currency_rates/USD");
  }
  auto d = small_rfm();
  d["currency_rates"]["USD"] = 7.1034;  // a binary fraction: never exact
  expect_problem<RfmPolicy>(d, "BAD_TYPE", "/currency_rates/USD");
  d = small_rfm();
  d["currency_rates"]["usd"] = "7.1";
  expect_problem<RfmPolicy>(d, "BAD_MONEY", "/currency_rates/usd");
  d = small_rfm();
  d["currency_rates"]["CNY"] = "1";
  expect_problem<RfmPolicy>(d, "BAD_MONEY", "/currency_rates/CNY");
  d = small_rfm();
  d["currency_rates"] = json::array();
  expect_problem<RfmPolicy>(d, "BAD_TYPE", "/currency_rates");

  // The largest rate accepted: nine digits either side of the point.
  d = small_rfm();
  d["currency_rates"]["USD"] = "123456789.123456789";
  BOOST_TEST(parse_ok<RfmPolicy>(d).currency_rates().converts("USD"));
}

BOOST_AUTO_TEST_CASE(rfm_parse_problems) {
  // The default segment not last: unreachable segments after it, and a last one that restricts.
  auto d = small_rfm();
  std::swap(d["segments"][0], d["segments"][1]);
  expect_problem<RfmPolicy>(d, "UNREACHABLE_SEGMENT", "/segments/0/when");
  expect_problem<RfmPolicy>(d, "MISSING_DEFAULT", "/segments/1/when");

  d = small_rfm();
  d["segments"][1]["name"] = "champions";
  expect_problem<RfmPolicy>(d, "DUPLICATE_NAME", "/segments/1/name");

  d = small_rfm();
  d["segments"][0]["name"] = "Champions";
  expect_problem<RfmPolicy>(d, "BAD_NAME", "/segments/0/name");

  d = small_rfm();
  d["segments"][0]["when"]["recency_min"] = 6;
  expect_problem<RfmPolicy>(d, "BAD_VALUE", "/segments/0/when/recency_min");

  d = small_rfm();
  d["segments"][0]["when"]["frequency_max"] = 3;  // below frequency_min 4
  expect_problem<RfmPolicy>(d, "BAD_VALUE", "/segments/0/when/frequency_min");

  d = small_rfm();
  d["segments"][0]["when"]["spend_min"] = 3;
  expect_problem<RfmPolicy>(d, "UNKNOWN_KEY", "/segments/0/when/spend_min");

  d = small_rfm();
  d["segments"] = json::array();
  expect_problem<RfmPolicy>(d, "BAD_VALUE", "/segments");

  d = small_rfm();
  d["recency_days"][2] = 90;  // not above the one before
  expect_problem<RfmPolicy>(d, "BAD_THRESHOLD", "/recency_days/2");

  d = small_rfm();
  d["frequency_orders"] = json::array({2, 3, 5});
  expect_problem<RfmPolicy>(d, "BAD_THRESHOLD", "/frequency_orders");

  d = small_rfm();
  d["frequency_orders"][0] = 0;  // every customer has at least 0 orders
  expect_problem<RfmPolicy>(d, "BAD_THRESHOLD", "/frequency_orders/0");

  d = small_rfm();
  d["monetary"][3]["currency"] = "USD";
  expect_problem<RfmPolicy>(d, "BAD_MONEY", "/monetary/3/currency");

  d = small_rfm();
  d.erase("monetary");
  expect_problem<RfmPolicy>(d, "MISSING_KEY", "/monetary");

  d = small_rfm();
  d["window"] = "12h business";
  expect_problem<RfmPolicy>(d, "BAD_DURATION", "/window");

  d = small_rfm();
  d["weights"] = json::object();
  expect_problem<RfmPolicy>(d, "UNKNOWN_KEY", "/weights");

  // The window defaults to a year.
  d = small_rfm();
  d.erase("window");
  BOOST_TEST((parse_ok<RfmPolicy>(d).window() == days(365)));
}

// ---- the catalog -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(catalog_refuses_unknown_segments_and_tiers) {
  const auto load = WorkflowCatalog::load(shipped_files_edited({
      {"escalation.json",
       [](json& d) {
         for (auto& rule : d["rules"]) {
           if (rule["id"] == "valued_customer") rule["trigger"]["segments"].push_back("whales");
           if (rule["id"] == "top_tier") rule["trigger"]["tiers"].push_back("vip");
         }
       }},
      {"compensation.json", [](json& d) { d["suggestions"][0]["when"]["segment"][1] = "retail"; }},
      {"complaint.json",
       [](json& d) {
         d["transitions"][0]["conditions"] = json::parse(
             R"([{"not": {"in": {"field": "customer.tier", "values": ["gold", "bronze"]}}},
                 {"ne": {"field": "customer.segment", "value": "vip"}}])");
       }},
  }));
  BOOST_TEST(!load.catalog);
  const auto shipped = load_shipped("escalation.json");
  std::size_t valued = 0, top = 0;
  for (std::size_t i = 0; i < shipped["rules"].size(); ++i) {
    if (shipped["rules"][i]["id"] == "valued_customer") valued = i;
    if (shipped["rules"][i]["id"] == "top_tier") top = i;
  }
  const auto& problems = load.problems;
  BOOST_TEST(has_file_problem(problems, "UNKNOWN_SEGMENT", "escalation.json",
                              "/rules/" + std::to_string(valued) + "/trigger/segments/2",
                              "'whales'; the RFM policy (rfm.json) has the segments champions, "
                              "vip, new, at_risk, lost, regular"),
             describe(problems));
  BOOST_TEST(has_file_problem(problems, "UNKNOWN_TIER", "escalation.json",
                              "/rules/" + std::to_string(top) + "/trigger/tiers/1",
                              "'vip'; the membership policy (membership.json) has the levels "
                              "regular, silver, gold, platinum, diamond"),
             describe(problems));
  BOOST_TEST(has_file_problem(problems, "UNKNOWN_SEGMENT", "compensation.json",
                              "/suggestions/0/when/segment/1", "'retail'"),
             describe(problems));
  BOOST_TEST(has_file_problem(problems, "UNKNOWN_TIER", "complaint.json",
                              "/transitions/0/conditions/0/not/in/values/1", "'bronze'"),
             describe(problems));
  // Known names are not reported.
  BOOST_TEST(!has_file_problem(problems, "UNKNOWN_TIER", "complaint.json",
                               "/transitions/0/conditions/0/not/in/values/0"));
  BOOST_TEST(!has_file_problem(problems, "UNKNOWN_SEGMENT", "complaint.json",
                               "/transitions/0/conditions/1/ne/value"));
  BOOST_TEST(problems.size() == 4u, describe(problems));
}

BOOST_AUTO_TEST_CASE(catalog_without_customer_policies_checks_no_names) {
  auto sources = shipped_files_edited({{"escalation.json", [](json& d) {
                                          for (auto& rule : d["rules"]) {
                                            if (rule["id"] == "valued_customer")
                                              rule["trigger"]["segments"].push_back("retail");
                                          }
                                        }}});
  std::erase_if(sources, [](const DefinitionSource& s) {
    return s.name == "membership.json" || s.name == "rfm.json";
  });
  const auto load = WorkflowCatalog::load(sources);
  BOOST_TEST_REQUIRE(load.catalog, describe(load.problems));
  BOOST_TEST(!load.catalog->membership_policy());
  BOOST_TEST(!load.catalog->rfm_policy());
}

BOOST_AUTO_TEST_CASE(catalog_holds_one_policy_of_each_kind) {
  auto sources = shipped_files_edited({});
  auto second = small_membership();
  sources.push_back({"more_levels.json", second.dump()});
  auto second_rfm = load_shipped("rfm.json");
  second_rfm["id"] = "other";
  sources.push_back({"rfm_copy.json", second_rfm.dump()});
  const auto load = WorkflowCatalog::load(sources);
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_file_problem(load.problems, "DUPLICATE_POLICY", "more_levels.json", "/kind",
                              "membership.json already defines one"),
             describe(load.problems));
  BOOST_TEST(has_file_problem(load.problems, "DUPLICATE_POLICY", "rfm_copy.json", "/kind",
                              "rfm.json already defines one"),
             describe(load.problems));
}

BOOST_AUTO_TEST_CASE(catalog_warns_when_the_two_policies_convert_differently) {
  const auto load = WorkflowCatalog::load(shipped_files_edited({
      {"membership.json",
       [](json& d) {
         d["currency_rates"]["USD"] = "7.2";
         d["currency_rates"].erase("JPY");
         d["currency_rates"]["EUR"] = "7.65120";  // the same rate written differently
       }},
  }));
  BOOST_TEST_REQUIRE(load.catalog, describe(load.problems));  // warnings only
  BOOST_TEST(has_file_problem(load.problems, "RATES_DIFFER", "membership.json",
                              "/currency_rates/USD", "7.2 here but at 7.1034"),
             describe(load.problems));
  BOOST_TEST(has_file_problem(load.problems, "RATES_DIFFER", "membership.json", "/currency_rates",
                              "JPY has a rate in the RFM policy"),
             describe(load.problems));
  BOOST_TEST(load.problems.size() == 2u, describe(load.problems));
  for (const auto& p : load.problems) BOOST_TEST((p.severity == Severity::kWarning));
}

BOOST_AUTO_TEST_CASE(catalog_reports_a_broken_customer_policy_with_its_file) {
  const auto load = WorkflowCatalog::load(shipped_files_edited({
      {"rfm.json", [](json& d) { d["currency_rates"]["USD"] = "seven"; }},
  }));
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_file_problem(load.problems, "BAD_RATE", "rfm.json", "/currency_rates/USD"),
             describe(load.problems));
}

BOOST_AUTO_TEST_SUITE_END()
