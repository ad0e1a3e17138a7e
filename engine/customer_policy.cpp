#include "engine/customer_policy.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <utility>

#include "engine/currency.h"
#include "engine/policy_parsing.h"

namespace redress {

namespace {

using nlohmann::json;
using policy_parsing::expect_type;

// Products of an amount (at most 10^15), a rate (below 10^18) and a power of ten (at most 10^4)
// stay below 10^37, within 128 bits (2^127 is about 1.7 x 10^38).
__extension__ typedef __int128 Int128;

constexpr int kMaxRateIntegerDigits = 9;
constexpr int kMaxRateFractionDigits = 9;
constexpr const char* kDefaultPeriod = "365d calendar";
constexpr int kMinScore = 1;
constexpr int kMaxScore = 5;

Int128 power_of_ten(int exponent) {
  Int128 value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

// A rate's decimal text: digits, optionally a point and more digits; nullopt for anything else
// (a sign, an exponent, a comma, a missing digit on either side of the point) or too many digits.
std::optional<std::pair<std::int64_t, int>> parse_decimal(std::string_view text) {
  const auto point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  const auto all_digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction)) return std::nullopt;
  if (point != std::string_view::npos && fraction.empty()) return std::nullopt;
  if (whole.size() > kMaxRateIntegerDigits || fraction.size() > kMaxRateFractionDigits) {
    return std::nullopt;
  }
  std::int64_t units = 0;
  for (const char c : whole) units = units * 10 + (c - '0');
  for (const char c : fraction) units = units * 10 + (c - '0');
  return std::make_pair(units, static_cast<int>(fraction.size()));
}

int minor_digits(std::string_view currency) {
  const Currency* found = find_currency(currency);
  return found ? found->minor_digits : 2;
}

std::string bad_currency_message(const std::string& code) {
  return "currency " + quote_name(code) + " is not a three-letter ISO 4217 code such as \"CNY\"";
}

// The members both customer policies open with: id, base currency, period and rates.
struct PolicyHead {
  std::string id;
  std::string base_currency;  // empty when missing or invalid (reported)
  PolicyPeriod period{};
  CurrencyRates rates;
};

PolicyHead read_head(const json& definition, const std::string& pointer,
                     const std::string& period_key, JsonReader& log) {
  PolicyHead head;
  if (const auto id = log.required_string(definition, pointer, "id")) {
    if (log.check_name(*id, pointer + "/id", "policy id")) head.id = *id;
  }
  if (const auto base = log.required_string(definition, pointer, "base_currency")) {
    if (is_currency_code(*base)) {
      head.base_currency = *base;
    } else {
      log.error("BAD_MONEY", pointer + "/base_currency", bad_currency_message(*base));
    }
  }
  const std::string period_pointer = pointer + "/" + period_key;
  const auto text = log.optional_string(definition, pointer, period_key).value_or(kDefaultPeriod);
  if (auto duration = parse_duration(text); !duration.ok()) {
    log.error("BAD_DURATION", period_pointer, duration.error().message);
  } else if (duration.value().kind != Duration::Kind::kCalendar || duration.value().count == 0) {
    log.error("BAD_DURATION", period_pointer,
              quote_name(period_key) + " must be elapsed time greater than zero, such as \"" +
                  kDefaultPeriod + "\", not " + quote_name(text));
  } else {
    const std::int64_t count = duration.value().count;
    switch (duration.value().unit) {
      case Duration::Unit::kMinutes:
        head.period = std::chrono::minutes(count);
        break;
      case Duration::Unit::kHours:
        head.period = std::chrono::hours(count);
        break;
      case Duration::Unit::kDays:
        head.period = std::chrono::days(count);
        break;
    }
  }
  head.rates =
      CurrencyRates::parse(head.base_currency, definition.value("currency_rates", json::object()),
                           pointer + "/currency_rates", log);
  return head;
}

// A money amount of a policy: {"amount", "currency"} in `base_currency`. nullopt (reported)
// otherwise; `what` names it in messages.
std::optional<std::int64_t> read_base_amount(const json& value, const std::string& pointer,
                                             const std::string& base_currency,
                                             const std::string& what, JsonReader& log) {
  auto money = money_from_json(value);
  if (!money.ok()) {
    log.error("BAD_MONEY", pointer + money.error().pointer, what + ": " + money.error().message);
    return std::nullopt;
  }
  if (!base_currency.empty() && money.value().currency != base_currency) {
    log.error("BAD_MONEY", pointer + "/currency",
              what + " is in " + money.value().currency + " but the policy's base currency is " +
                  base_currency);
    return std::nullopt;
  }
  return money.value().amount;
}

// Four strictly ascending thresholds under `key`, each read by `read_one` (which reports its own
// problems). nullopt when anything was reported.
template <typename ReadOne>
std::optional<std::array<std::int64_t, 4>> read_thresholds(const json& definition,
                                                           const std::string& pointer,
                                                           const std::string& key,
                                                           const std::string& meaning,
                                                           ReadOne read_one, JsonReader& log) {
  const std::string p = pointer + "/" + key;
  if (!definition.contains(key)) {
    log.error("MISSING_KEY", p, "missing required key " + quote_name(key) + " (" + meaning + ")");
    return std::nullopt;
  }
  const auto& list = definition[key];
  if (!expect_type(list.is_array(), list, p, quote_name(key), "an array of four thresholds", log)) {
    return std::nullopt;
  }
  if (list.size() != 4) {
    log.error("BAD_THRESHOLD", p,
              quote_name(key) + " needs exactly four thresholds, one per score from 2 to 5 (" +
                  meaning + "), not " + std::to_string(list.size()));
    return std::nullopt;
  }
  std::array<std::int64_t, 4> out{};
  bool ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ip = p + "/" + std::to_string(i);
    const auto value = read_one(list[i], ip);
    if (!value) {
      ok = false;
      continue;
    }
    out[i] = *value;
    if (i > 0 && ok && out[i] <= out[i - 1]) {
      log.error("BAD_THRESHOLD", ip,
                "threshold " + std::to_string(out[i]) + " must be above the one before it (" +
                    std::to_string(out[i - 1]) + "): " + quote_name(key) + " is " + meaning);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

// A whole number of days or orders, at least 0 (at least 1 when `positive`).
std::optional<std::int64_t> read_count(const json& value, const std::string& pointer, bool positive,
                                       JsonReader& log) {
  if (!expect_type(value.is_number_integer(), value, pointer, "a threshold", "an integer", log)) {
    return std::nullopt;
  }
  const std::int64_t least = positive ? 1 : 0;
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxMoneyAmount)) {
    log.error("BAD_THRESHOLD", pointer, "threshold is out of range");
    return std::nullopt;
  }
  if (value.get<std::int64_t>() < least) {
    log.error("BAD_THRESHOLD", pointer,
              "threshold must be at least " + std::to_string(least) + ", not " + value.dump());
    return std::nullopt;
  }
  return value.get<std::int64_t>();
}

// The `when` of a segment: score bounds, each 1..5, min not above max.
std::optional<RfmSegment> read_segment_bounds(const json& when, const std::string& pointer,
                                              RfmSegment segment, JsonReader& log) {
  if (!expect_type(when.is_object(), when, pointer, "'when'", "an object", log)) {
    return std::nullopt;
  }
  log.check_keys(when, pointer,
                 {"recency_min", "recency_max", "frequency_min", "frequency_max", "monetary_min",
                  "monetary_max"},
                 "a segment's 'when'");
  bool ok = true;
  const auto bound = [&](const std::string& key) -> std::optional<int> {
    const auto value = log.optional_integer(when, pointer, key);
    if (!when.contains(key)) return std::nullopt;
    if (!value) {
      ok = false;
      return std::nullopt;
    }
    if (*value < kMinScore || *value > kMaxScore) {
      log.error("BAD_VALUE", pointer + "/" + key,
                quote_name(key) + " is a score from 1 to 5, not " + std::to_string(*value));
      ok = false;
      return std::nullopt;
    }
    return static_cast<int>(*value);
  };
  const auto bounds = [&](const std::string& dimension) {
    ScoreBounds b{bound(dimension + "_min"), bound(dimension + "_max")};
    if (b.min && b.max && *b.min > *b.max) {
      log.error("BAD_VALUE", pointer + "/" + dimension + "_min",
                quote_name(dimension + "_min") + " " + std::to_string(*b.min) + " is above " +
                    quote_name(dimension + "_max") + " " + std::to_string(*b.max) +
                    ": no customer could match");
      ok = false;
    }
    return b;
  };
  segment.recency = bounds("recency");
  segment.frequency = bounds("frequency");
  segment.monetary = bounds("monetary");
  if (!ok) return std::nullopt;
  return segment;
}

// One entry of a list of named, labelled objects (levels, segments), as far as it was read.
struct LabelledEntry {
  const json& item;
  std::string pointer;
  std::size_t index = 0;
  bool last = false;
  std::string name;  // as given; "" when missing
  LocalizedText label;
  bool valid = true;  // false when the name or the label had a problem (reported)
};

// The required array `key` of objects, each with a unique name under `name_key` and a required
// label: the shape of membership levels and RFM segments. For each object, `read_rest(entry)`
// reads the other members and keeps the entry if it is valid. `what` names one entry ("level");
// `order_hint` says how the list is ordered, for the message when it is missing.
template <typename ReadRest>
void read_labelled_list(const json& definition, const std::string& pointer, const std::string& key,
                        const std::string& name_key, const std::string& what,
                        std::initializer_list<std::string_view> allowed_keys,
                        const std::string& order_hint, ReadRest read_rest, JsonReader& log) {
  const std::string lp = pointer + "/" + key;
  if (!definition.contains(key)) {
    log.error("MISSING_KEY", lp,
              "missing required key " + quote_name(key) + " (" + order_hint + ")");
    return;
  }
  const auto& list = definition[key];
  if (!expect_type(list.is_array(), list, lp, quote_name(key), "an array", log)) return;
  if (list.empty()) log.error("BAD_VALUE", lp, quote_name(key) + " must list at least one " + what);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    LabelledEntry entry{list[i], lp + "/" + std::to_string(i), i, i + 1 == list.size(), {}, {},
                        true};
    if (!expect_type(entry.item.is_object(), entry.item, entry.pointer, "a " + what, "an object",
                     log)) {
      continue;
    }
    log.check_keys(entry.item, entry.pointer, allowed_keys, "a " + what);
    const std::string np = entry.pointer + "/" + name_key;
    if (const auto name = log.required_string(entry.item, entry.pointer, name_key)) {
      entry.name = *name;
      if (!log.check_name(*name, np, what + " " + name_key)) {
        entry.valid = false;
      } else if (policy_parsing::is_one_of(*name, names)) {
        log.error("DUPLICATE_NAME", np,
                  what + " " + quote_name(*name) + " is listed twice; list each " + what + " once");
        entry.valid = false;
      }
      names.push_back(*name);
    } else {
      entry.valid = false;
    }
    if (!entry.item.contains("label")) {
      log.error("MISSING_KEY", entry.pointer + "/label",
                "missing required key 'label' ({\"en\": ..., \"zh\": ...})");
      entry.valid = false;
    } else if (auto label = read_label(log, entry.item, entry.pointer, "label",
                                       "the label of " + what + " " + quote_name(entry.name))) {
      entry.label = std::move(*label);
    } else {
      entry.valid = false;
    }
    read_rest(entry);
  }
}

// A score 1..5: the number of the four ascending `thresholds` that `reached` says are met, plus 1.
template <typename Reached>
int score_by(const std::array<std::int64_t, 4>& thresholds, Reached reached) {
  return kMinScore + static_cast<int>(std::count_if(thresholds.begin(), thresholds.end(), reached));
}

// What the purchases in (now - period, now] add up to in the rates' base currency.
struct PeriodSpend {
  std::int64_t net = 0;  // minor units of the base currency
  int orders = 0;        // orders converted
  std::vector<std::string> not_converted;
};

Instant paid_at_or_now(const PurchaseRecord& purchase, Instant now) {
  return std::min(purchase.paid_at, now);
}

PeriodSpend spend_over(const CurrencyRates& rates, std::span<const PurchaseRecord> purchases,
                       Instant now, PolicyPeriod period) {
  PeriodSpend spend;
  const Instant since = now - period;
  for (const auto& purchase : purchases) {
    if (paid_at_or_now(purchase, now) <= since) continue;
    const Money& refunded = purchase.refunded;
    if (refunded.amount != 0 && refunded.currency != purchase.paid.currency) {
      spend.not_converted.push_back(purchase.order_id);
      continue;
    }
    const std::int64_t paid = std::max<std::int64_t>(purchase.paid.amount, 0);
    const std::int64_t net = paid - std::clamp<std::int64_t>(refunded.amount, 0, paid);
    const auto in_base = rates.to_base({net, purchase.paid.currency});
    if (!in_base.ok()) {
      spend.not_converted.push_back(purchase.order_id);
      continue;
    }
    spend.net = saturating_add(spend.net, in_base.value().amount);
    ++spend.orders;
  }
  return spend;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// CurrencyRates

CurrencyRates CurrencyRates::parse(const std::string& base_currency, const json& rates,
                                   const std::string& pointer, JsonReader& log) {
  CurrencyRates out;
  out.base_currency_ = base_currency;
  if (!expect_type(rates.is_object(), rates, pointer, "'currency_rates'",
                   "an object of currency code -> decimal string (\"USD\": \"7.1034\")", log)) {
    return out;
  }
  for (const auto& [code, value] : rates.items()) {
    const std::string p = pointer + "/" + pointer_token(code);
    if (!is_currency_code(code)) {
      log.error("BAD_MONEY", p, bad_currency_message(code));
      continue;
    }
    if (code == base_currency) {
      log.error("BAD_MONEY", p,
                code + " is the base currency, which always converts at 1; remove its rate");
      continue;
    }
    if (!expect_type(value.is_string(), value, p, "the rate of " + code,
                     "a decimal string such as \"7.1034\" (never a number: a binary fraction "
                     "is not exact)",
                     log)) {
      continue;
    }
    const auto text = value.get<std::string>();
    const auto decimal = parse_decimal(text);
    if (!decimal || decimal->first == 0) {
      log.error("BAD_RATE", p,
                "the rate of " + code + " must be a decimal greater than zero such as \"7.1034\" " +
                    "(digits, at most " + std::to_string(kMaxRateIntegerDigits) + " before and " +
                    std::to_string(kMaxRateFractionDigits) + " after the point), not \"" + text +
                    "\"");
      continue;
    }
    out.rates_[code] = Rate{decimal->first, decimal->second, text};
  }
  return out;
}

bool CurrencyRates::converts(std::string_view currency) const {
  return currency == base_currency_ || rates_.find(currency) != rates_.end();
}

std::map<std::string, std::string> CurrencyRates::rate_texts() const {
  std::map<std::string, std::string> out;
  for (const auto& [code, rate] : rates_) out.emplace(code, rate.text);
  return out;
}

Result<Money> CurrencyRates::to_base(const Money& amount) const {
  const auto too_large = [&](const std::string& what) {
    return Error(ErrorCode::kAmountTooLarge, what + " is above the largest amount accepted, " +
                                                 std::to_string(kMaxMoneyAmount) + " minor units");
  };
  const std::int64_t magnitude = amount.amount == std::numeric_limits<std::int64_t>::min()
                                     ? std::numeric_limits<std::int64_t>::max()
                                     : (amount.amount < 0 ? -amount.amount : amount.amount);
  if (magnitude > kMaxMoneyAmount) return too_large(format_money(amount));
  // Money{} is zero in any currency.
  if (amount.currency == base_currency_ || (amount.amount == 0 && amount.currency.empty())) {
    return Money{amount.amount, base_currency_};
  }
  const auto rate = rates_.find(amount.currency);
  if (rate == rates_.end()) {
    return Error(ErrorCode::kCurrencyMismatch,
                 "no rate converts " +
                     (amount.currency.empty() ? std::string("an amount without a currency")
                                              : amount.currency) +
                     " to " + base_currency_ + "; give one in the policy's currency_rates");
  }
  // amount x units / 10^scale, from the currency's minor digits to the base currency's.
  const Int128 numerator = static_cast<Int128>(magnitude) * rate->second.units *
                           power_of_ten(minor_digits(base_currency_));
  const Int128 denominator =
      power_of_ten(rate->second.scale) * power_of_ten(minor_digits(amount.currency));
  const Int128 rounded = (numerator + denominator / 2) / denominator;  // half up
  if (rounded > kMaxMoneyAmount) {
    return too_large(format_money(amount) + " in " + base_currency_);
  }
  const auto converted = static_cast<std::int64_t>(rounded);
  return Money{amount.amount < 0 ? -converted : converted, base_currency_};
}

// ---------------------------------------------------------------------------------------------
// MembershipPolicy

std::optional<MembershipPolicy> MembershipPolicy::parse(const json& definition,
                                                        const std::string& pointer,
                                                        Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(definition.is_object(), definition, pointer, "a membership policy", "an object",
                   log)) {
    return std::nullopt;
  }
  log.check_keys(definition, pointer,
                 {"kind", "id", "title", "description", "base_currency", "evaluation_period",
                  "currency_rates", "levels"});
  MembershipPolicy policy;
  auto head = read_head(definition, pointer, "evaluation_period", log);
  policy.id_ = std::move(head.id);
  policy.evaluation_period_ = head.period;
  policy.rates_ = std::move(head.rates);
  const std::string& base = policy.rates_.base_currency();

  // The last level whose min_spend was read, to check that each is above the one before.
  std::optional<std::pair<std::int64_t, std::string>> previous;
  read_labelled_list(
      definition, pointer, "levels", "id", "level", {"id", "label", "min_spend"}, "lowest first",
      [&](const LabelledEntry& entry) {
        const std::string mp = entry.pointer + "/min_spend";
        if (!entry.item.contains("min_spend")) {
          log.error("MISSING_KEY", mp,
                    "missing required key 'min_spend' (the net spend over the evaluation period "
                    "that earns the level)");
          return;
        }
        const auto min_spend =
            read_base_amount(entry.item["min_spend"], mp, base, "min_spend", log);
        if (!min_spend) return;
        if (entry.index == 0 && *min_spend != 0) {
          log.error("BAD_THRESHOLD", mp + "/amount",
                    "the first level is where every customer starts: its min_spend must be 0");
        } else if (previous && *min_spend <= previous->first) {
          log.error("BAD_THRESHOLD", mp + "/amount",
                    "min_spend " + format_money({*min_spend, base}) + " must be above " +
                        format_money({previous->first, base}) + " of level " +
                        quote_name(previous->second) + ": levels go from lowest to highest");
        }
        previous = std::make_pair(*min_spend, entry.name);
        if (entry.valid) {
          policy.levels_.push_back({entry.name, entry.label, Money{*min_spend, base}});
        }
      },
      log);
  if (log.has_new_errors()) return std::nullopt;
  return policy;
}

const MembershipLevel* MembershipPolicy::level(std::string_view id) const {
  const auto it = std::find_if(levels_.begin(), levels_.end(),
                               [&](const MembershipLevel& level) { return level.id == id; });
  return it == levels_.end() ? nullptr : &*it;
}

// ---------------------------------------------------------------------------------------------
// RfmPolicy

std::optional<RfmPolicy> RfmPolicy::parse(const json& definition, const std::string& pointer,
                                          Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(definition.is_object(), definition, pointer, "an RFM policy", "an object",
                   log)) {
    return std::nullopt;
  }
  log.check_keys(definition, pointer,
                 {"kind", "id", "title", "description", "base_currency", "window", "currency_rates",
                  "recency_days", "frequency_orders", "monetary", "segments"});
  RfmPolicy policy;
  auto head = read_head(definition, pointer, "window", log);
  policy.id_ = std::move(head.id);
  policy.window_ = head.period;
  policy.rates_ = std::move(head.rates);
  const std::string& base = policy.rates_.base_currency();

  const auto days = read_thresholds(
      definition, pointer, "recency_days",
      "at most this many days since the last order scores 5, 4, 3, 2",
      [&](const json& v, const std::string& p) { return read_count(v, p, false, log); }, log);
  if (days) policy.recency_days_ = *days;
  const auto orders = read_thresholds(
      definition, pointer, "frequency_orders",
      "at least this many orders in the window scores 2, 3, 4, 5",
      [&](const json& v, const std::string& p) { return read_count(v, p, true, log); }, log);
  if (orders) policy.frequency_orders_ = *orders;
  const auto spend = read_thresholds(
      definition, pointer, "monetary", "at least this net spend in the window scores 2, 3, 4, 5",
      [&](const json& v, const std::string& p) {
        return read_base_amount(v, p, base, "a monetary threshold", log);
      },
      log);
  if (spend) policy.monetary_ = *spend;

  read_labelled_list(
      definition, pointer, "segments", "name", "segment", {"name", "label", "when"},
      "the default last",
      [&](const LabelledEntry& entry) {
        const std::string wp = entry.pointer + "/when";
        const json when = entry.item.value("when", json::object());
        const bool matches_all = when.is_object() && when.empty();
        bool valid = entry.valid;
        if (!when.is_object()) {
          // read_segment_bounds reports it
        } else if (matches_all && !entry.last) {
          log.error("UNREACHABLE_SEGMENT", wp,
                    "segment " + quote_name(entry.name) +
                        " has an empty 'when' and matches every customer, so the segments after "
                        "it are never used; the default segment goes last");
          valid = false;
        } else if (!matches_all && entry.last) {
          log.error("MISSING_DEFAULT", wp,
                    "the last segment is the default for customers no other segment matches: "
                    "its 'when' must be empty ({}), not restrict segment " +
                        quote_name(entry.name));
          valid = false;
        }
        auto bounded =
            read_segment_bounds(when, wp, RfmSegment{entry.name, entry.label, {}, {}, {}}, log);
        if (valid && bounded) policy.segments_.push_back(std::move(*bounded));
      },
      log);
  if (log.has_new_errors()) return std::nullopt;
  return policy;
}

const RfmSegment* RfmPolicy::segment(std::string_view name) const {
  const auto it = std::find_if(segments_.begin(), segments_.end(),
                               [&](const RfmSegment& segment) { return segment.name == name; });
  return it == segments_.end() ? nullptr : &*it;
}

int RfmPolicy::recency_score(std::int64_t days_since_last_order) const {
  // Fewer days is better: score 5 within the first threshold, 1 beyond the last.
  return kMaxScore + kMinScore -
         score_by(recency_days_, [&](std::int64_t days) { return days_since_last_order > days; });
}

int RfmPolicy::frequency_score(std::int64_t orders) const {
  return score_by(frequency_orders_, [&](std::int64_t least) { return orders >= least; });
}

int RfmPolicy::monetary_score(std::int64_t net_spend_minor_units) const {
  return score_by(monetary_, [&](std::int64_t least) { return net_spend_minor_units >= least; });
}

// ---------------------------------------------------------------------------------------------
// Assessments

MembershipAssessment assess_membership(const MembershipPolicy& policy,
                                       std::span<const PurchaseRecord> purchases, Instant now) {
  auto spend = spend_over(policy.currency_rates(), purchases, now, policy.evaluation_period());
  MembershipAssessment out;
  out.spend = Money{spend.net, policy.base_currency()};
  out.orders_not_converted = std::move(spend.not_converted);
  for (const auto& level : policy.levels()) {
    if (spend.net >= level.min_spend.amount) out.level = level.id;  // ascending: the last wins
  }
  return out;
}

int level_rank(const MembershipPolicy& policy, std::string_view level) {
  const MembershipLevel* found = policy.level(level);
  return found ? static_cast<int>(found - policy.levels().data()) : -1;
}

std::string level_after_assessment(const MembershipPolicy& policy, const std::string& current,
                                   const std::string& earned) {
  const int earned_rank = level_rank(policy, earned);
  if (earned_rank < 0) return current;
  if (current.empty()) return earned;
  const int current_rank = level_rank(policy, current);
  if (current_rank < 0) return earned_rank > 0 ? earned : current;
  return earned_rank > current_rank ? earned : current;
}

RfmAssessment assess_rfm(const RfmPolicy& policy, std::span<const PurchaseRecord> purchases,
                         Instant now) {
  RfmAssessment out;
  out.net_spend = Money{0, policy.base_currency()};
  out.segment = policy.default_segment().name;
  if (purchases.empty()) return out;

  auto spend = spend_over(policy.currency_rates(), purchases, now, policy.window());
  out.net_spend.amount = spend.net;
  out.orders_counted = spend.orders;
  out.orders_not_converted = std::move(spend.not_converted);
  Instant last = paid_at_or_now(purchases.front(), now);
  for (const auto& purchase : purchases) last = std::max(last, paid_at_or_now(purchase, now));
  out.last_order_at = last;

  const auto days = std::chrono::floor<std::chrono::days>(now - last).count();
  out.recency = policy.recency_score(days);
  out.frequency = policy.frequency_score(out.orders_counted);
  out.monetary = policy.monetary_score(out.net_spend.amount);
  for (const auto& segment : policy.segments()) {
    if (segment.recency.contains(out.recency) && segment.frequency.contains(out.frequency) &&
        segment.monetary.contains(out.monetary)) {
      out.segment = segment.name;
      break;
    }
  }
  return out;
}

}  // namespace redress
