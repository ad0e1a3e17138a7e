// Customer policies: membership levels earned by spending (MembershipPolicy) and the RFM
// classification that puts a customer in a segment (RfmPolicy), both shop-wide data files in
// workflows/, and the pure assessments that apply them to a customer's purchases.
//
// Money: every amount is integer minor units plus a currency. A purchase in another currency than
// the policy's base currency is converted at the policy's `currency_rates` (CurrencyRates: exact
// decimal rates, integer arithmetic, rounded half up to a minor unit of the base currency); a
// purchase in a currency without a rate is never guessed: it is left out of the sums and reported
// by order id (`orders_not_converted`). Each policy file carries its own rates so that each
// assessment needs only its own policy; the catalog warns when the two files' rates differ.
//
// Periods: a policy's `evaluation_period` / `window` is elapsed time back from `now`: a purchase
// counts when now - period < paid_at <= now. A purchase stamped after `now` (another system's
// clock runs ahead) counts as paid at `now`.
//
// Net spend: per order, paid - refunded, never below zero (a refund recorded above what the order
// paid does not eat into other orders). `refunded` must be in the order's currency (or zero);
// an order whose refund is in another currency is left out and reported.
//
// Membership: the level earned is the highest level whose `min_spend` the net spend over the
// evaluation period reaches. The system never lowers a level (level_after_assessment).
//
// RFM: recency is scored on whole days since the last order (any currency), frequency on the
// orders counted in the window, monetary on their net spend; each score is 1..5 by the policy's
// four thresholds. The segment is the first of the policy's segments whose `when` bounds hold
// (inclusive); the last segment has an empty `when` and is the default. A customer without any
// purchase gets scores 0 and the default segment (no segment's bounds are tried).
//
// Thread-safety: the policies are immutable after parsing and safe to share between threads; the
// assessment functions are pure.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/business_calendar.h"
#include "engine/json_reader.h"
#include "engine/localized_text.h"
#include "engine/money.h"
#include "engine/result.h"
#include "engine/time.h"
#include "engine/validation_problem.h"

namespace redress {

// Exchange rates into one base currency: for each other currency, how many base-currency units
// one unit of it is worth, an exact decimal written as a string in the policy
// ("USD": "7.1034": USD 1.00 is CNY 7.1034). In a definition: an object of ISO 4217 code ->
// decimal string of at most 9 integer and 9 fractional digits, greater than zero.
class CurrencyRates {
 public:
  // Reads `rates` (at `pointer`) into rates to `base_currency`, reporting BAD_TYPE, BAD_MONEY (a
  // code that is not ISO 4217, or the base currency itself, which always converts at 1) and
  // BAD_RATE (not such a decimal, or zero). Entries with problems are left out.
  static CurrencyRates parse(const std::string& base_currency, const nlohmann::json& rates,
                             const std::string& pointer, JsonReader& log);

  const std::string& base_currency() const { return base_currency_; }
  // Whether `currency` converts: the base currency or one with a rate.
  bool converts(std::string_view currency) const;
  // The rates as written in the policy (currency -> decimal text), for display and comparison.
  std::map<std::string, std::string> rate_texts() const;

  // `amount` in the base currency: amount x rate, scaled from the currency's minor-unit digits to
  // the base currency's, rounded half up (half away from zero for a negative amount) to a whole
  // minor unit. Errors: CURRENCY_MISMATCH when the currency has no rate (the message names it),
  // AMOUNT_TOO_LARGE when the amount or the result is above kMaxMoneyAmount.
  Result<Money> to_base(const Money& amount) const;

 private:
  struct Rate {
    std::int64_t units = 0;  // the decimal without its point: "7.1034" -> 71034 ...
    int scale = 0;           // ... and its fractional digits: 4
    std::string text;        // as written
  };
  std::string base_currency_;
  std::map<std::string, Rate, std::less<>> rates_;
};

// One purchase of a customer, as the assessments see it.
struct PurchaseRecord {
  std::string order_id;
  Money paid;
  Money refunded;  // in paid's currency; Money{} (zero, no currency) for none
  Instant paid_at{};
};

// A duration of a policy (evaluation period, RFM window) as elapsed time. Definitions write it
// like every duration ("365d calendar"); it must be a calendar duration greater than zero.
using PolicyPeriod = std::chrono::milliseconds;

struct MembershipLevel {
  std::string id;  // [a-z][a-z0-9_]*, e.g. "gold"; the tier name cases and rules use
  LocalizedText label;
  Money min_spend;  // in the base currency; the first level's is zero
};

// Membership levels ("kind": "membership_policy"): `id`, `base_currency`, `evaluation_period`
// (default "365d calendar"), optional `currency_rates`, and `levels` from lowest to highest, each
// {id, label, min_spend}, the first at zero and each above the one before.
class MembershipPolicy {
 public:
  // Reports every problem into `problems` under `pointer`; nullopt when any error was reported.
  // Codes: MISSING_KEY, BAD_TYPE, UNKNOWN_KEY, BAD_NAME, BAD_MONEY (a bad currency, or a
  // min_spend not in the base currency), BAD_DURATION, BAD_RATE, DUPLICATE_NAME (a level id
  // twice), BAD_THRESHOLD (the first min_spend not zero, or one not above the one before),
  // BAD_VALUE (no levels).
  static std::optional<MembershipPolicy> parse(const nlohmann::json& definition,
                                               const std::string& pointer, Problems& problems);

  const std::string& id() const { return id_; }
  const std::string& base_currency() const { return rates_.base_currency(); }
  PolicyPeriod evaluation_period() const { return evaluation_period_; }
  const CurrencyRates& currency_rates() const { return rates_; }
  const std::vector<MembershipLevel>& levels() const { return levels_; }  // lowest first
  const MembershipLevel* level(std::string_view id) const;                // null when unknown

 private:
  MembershipPolicy() = default;

  std::string id_;
  PolicyPeriod evaluation_period_{};
  CurrencyRates rates_;
  std::vector<MembershipLevel> levels_;
};

// The bounds of one RFM score a segment requires, inclusive; a missing bound is open.
struct ScoreBounds {
  std::optional<int> min;
  std::optional<int> max;
  bool contains(int score) const { return (!min || score >= *min) && (!max || score <= *max); }
};

struct RfmSegment {
  std::string name;  // [a-z][a-z0-9_]*, e.g. "champions"; the segment name cases and rules use
  LocalizedText label;
  ScoreBounds recency, frequency, monetary;  // all open: the default segment
};

// RFM classification ("kind": "rfm_policy"): `id`, `base_currency`, `window` (default
// "365d calendar"), optional `currency_rates`, the score thresholds and `segments`:
//   "recency_days": [30, 90, 180, 365]   at most this many days since the last order scores
//                                         5, 4, 3, 2; more scores 1
//   "frequency_orders": [2, 3, 5, 10]    at least this many orders in the window scores 2, 3, 4,
//                                         5; fewer scores 1
//   "monetary": [{"amount": 50000, "currency": "CNY"}, ...]   at least this net spend in the
//                                         window scores 2, 3, 4, 5; less scores 1
//   "segments": [{"name", "label", "when": {"recency_min", "recency_max", "frequency_min",
//                 "frequency_max", "monetary_min", "monetary_max"}}, ...]   first match wins
class RfmPolicy {
 public:
  // Reports every problem into `problems` under `pointer`; nullopt when any error was reported.
  // Codes: MISSING_KEY, BAD_TYPE, UNKNOWN_KEY, BAD_NAME, BAD_MONEY, BAD_DURATION, BAD_RATE,
  // BAD_THRESHOLD (not four, or not strictly ascending), BAD_VALUE (a score bound outside 1..5,
  // a min above its max, no segments), DUPLICATE_NAME (a segment twice), UNREACHABLE_SEGMENT (an
  // empty `when` before the last segment), MISSING_DEFAULT (the last segment's `when` not empty).
  static std::optional<RfmPolicy> parse(const nlohmann::json& definition,
                                        const std::string& pointer, Problems& problems);

  const std::string& id() const { return id_; }
  const std::string& base_currency() const { return rates_.base_currency(); }
  PolicyPeriod window() const { return window_; }
  const CurrencyRates& currency_rates() const { return rates_; }
  const std::array<std::int64_t, 4>& recency_days() const { return recency_days_; }
  const std::array<std::int64_t, 4>& frequency_orders() const { return frequency_orders_; }
  const std::array<std::int64_t, 4>& monetary_minor_units() const { return monetary_; }
  const std::vector<RfmSegment>& segments() const { return segments_; }  // the default last
  const RfmSegment& default_segment() const { return segments_.back(); }
  const RfmSegment* segment(std::string_view name) const;  // null when unknown

  // The scores, 1..5, of each dimension by the thresholds above.
  int recency_score(std::int64_t days_since_last_order) const;
  int frequency_score(std::int64_t orders) const;
  int monetary_score(std::int64_t net_spend_minor_units) const;

 private:
  RfmPolicy() = default;

  std::string id_;
  PolicyPeriod window_{};
  CurrencyRates rates_;
  std::array<std::int64_t, 4> recency_days_{};
  std::array<std::int64_t, 4> frequency_orders_{};
  std::array<std::int64_t, 4> monetary_{};  // minor units of the base currency
  std::vector<RfmSegment> segments_;
};

struct MembershipAssessment {
  std::string level;  // the level the spend earns (the lowest level at zero)
  Money spend;        // net spend over the evaluation period, in the base currency
  std::vector<std::string> orders_not_converted;  // in the period, left out (see the top)
};

// The level `purchases` earn at `now`.
MembershipAssessment assess_membership(const MembershipPolicy& policy,
                                       std::span<const PurchaseRecord> purchases, Instant now);

// The rank of `level` in the policy, 0 for the lowest; -1 when the policy has no such level.
int level_rank(const MembershipPolicy& policy, std::string_view level);

// The level a customer holds after an automatic assessment earned `earned` while holding
// `current` (levels only go up unless changed by hand):
//   - no current level (empty): `earned`;
//   - a known current level: the higher of the two;
//   - an unknown current level (imported, or a level the policy no longer has), which cannot be
//     ranked: kept, unless the spend earned a level above the lowest one, whose name then
//     replaces the unknown one;
//   - an `earned` that is not a level of the policy: `current`, unchanged.
std::string level_after_assessment(const MembershipPolicy& policy, const std::string& current,
                                   const std::string& earned);

struct RfmAssessment {
  int recency = 0, frequency = 0, monetary = 0;  // 1..5; all 0 for a customer without purchases
  std::string segment;
  Money net_spend;                                // over the window, in the base currency
  int orders_counted = 0;                         // orders in the window that converted
  std::optional<Instant> last_order_at;           // the latest purchase, whatever its currency
  std::vector<std::string> orders_not_converted;  // in the window, left out (see the top)
};

RfmAssessment assess_rfm(const RfmPolicy& policy, std::span<const PurchaseRecord> purchases,
                         Instant now);

}  // namespace redress
