// Money: an integer amount of minor units (fen, cents) plus an ISO 4217 currency code.
// Never floating point. Arithmetic is checked: overflow is an error, never a wrap.
//
// JSON form: {"amount": 1299, "currency": "CNY"}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/result.h"

namespace redress {

// The ceiling of every single amount, in minor units: 10^15 (10^13 major units of a two-digit
// currency). A compensation policy bounds amounts per currency (`max_amount`) at or below it;
// stored amounts above their bound are reported by `redress verify`.
inline constexpr std::int64_t kMaxMoneyAmount = 1'000'000'000'000'000;

struct Money {
  std::int64_t amount = 0;  // minor units
  std::string currency;     // an ISO 4217 code of engine/currency.h

  bool operator==(const Money&) const = default;
};

// True for a code of the ISO 4217 table (engine/currency.h): "CNY", not "CYN", "XYZ" or "cny".
bool is_currency_code(const std::string& code);

// Parses {"amount": <integer>, "currency": "XXX"}; rejects floats, negative amounts (unless
// allow_negative), unknown keys and bad currency codes with a precise message.
Result<Money> money_from_json(const nlohmann::json& j, bool allow_negative = false);
nlohmann::json money_to_json(const Money& m);

// a + b, or nullopt on currency mismatch or overflow.
std::optional<Money> checked_add(const Money& a, const Money& b);

// a + b for amounts that are not negative, saturating at INT64_MAX instead of overflowing. Totals
// of amounts are summed with it: a saturated total still compares as above every limit, where a
// wrapped one would fall below them and an error would block every later proposal.
std::int64_t saturating_add(std::int64_t a, std::int64_t b);

// "CNY 12.99", "JPY 1299", "KWD 1.299": the amount with its currency's minor-unit digits
// (engine/currency.h; two for a code not in the table), for human-readable messages only
// (never parsed back).
std::string format_money(const Money& m);

}  // namespace redress
