#include "engine/money.h"

#include <limits>

#include "engine/currency.h"

namespace redress {

bool is_currency_code(const std::string& code) {
  return find_currency(code) != nullptr;
}

Result<Money> money_from_json(const nlohmann::json& j, bool allow_negative) {
  if (!j.is_object()) {
    return Error::invalid_field(
        "money must be an object {\"amount\": <minor units>, \"currency\": \"CNY\"}", "",
        problem_params("not_money"));
  }
  for (const auto& [key, _] : j.items()) {
    if (key != "amount" && key != "currency") {
      return Error::invalid_field("money has unknown key '" + key + "'", "/" + key,
                                  problem_params("not_money"));
    }
  }
  if (!j.contains("amount")) {
    return Error::invalid_field("money is missing 'amount'", "/amount",
                                problem_params("amount_missing"));
  }
  if (!j.contains("currency")) {
    return Error::invalid_field("money is missing 'currency'", "/currency",
                                problem_params("currency_missing"));
  }
  const auto& amount = j.at("amount");
  if (!amount.is_number_integer()) {
    return Error::invalid_field(
        "money 'amount' must be an integer number of minor units (e.g. 1299 for 12.99)", "/amount",
        problem_params("amount_not_integer"));
  }
  Money m;
  if (amount.is_number_unsigned()) {
    const auto u = amount.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return Error::invalid_field("money 'amount' is out of range", "/amount",
                                  problem_params("amount_out_of_range"));
    }
    m.amount = static_cast<std::int64_t>(u);
  } else {
    m.amount = amount.get<std::int64_t>();
  }
  if (m.amount < 0 && !allow_negative) {
    return Error::invalid_field("money 'amount' must not be negative", "/amount",
                                problem_params("amount_negative"));
  }
  const auto& currency = j.at("currency");
  if (!currency.is_string()) {
    return Error::invalid_field(
        "money 'currency' must be a three-letter ISO 4217 code such as \"CNY\"", "/currency",
        problem_params("unknown_currency"));
  }
  if (!is_currency_code(currency.get<std::string>())) {
    return Error::invalid_field(
        "money 'currency' \"" + currency.get<std::string>().substr(0, 16) +
            "\" is not an ISO 4217 currency code (such as \"CNY\", \"USD\", \"JPY\")",
        "/currency", problem_params("unknown_currency"));
  }
  m.currency = currency.get<std::string>();
  return m;
}

nlohmann::json money_to_json(const Money& m) {
  return nlohmann::json{{"amount", m.amount}, {"currency", m.currency}};
}

std::optional<Money> checked_add(const Money& a, const Money& b) {
  if (a.currency != b.currency) return std::nullopt;
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a.amount, b.amount, &sum)) return std::nullopt;
  return Money{sum, a.currency};
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b < 0 ? std::numeric_limits<std::int64_t>::min()
                 : std::numeric_limits<std::int64_t>::max();
  }
  return sum;
}

std::string format_money(const Money& m) {
  const auto* currency = find_currency(m.currency);
  const int digits = currency ? currency->minor_digits : 2;
  const bool negative = m.amount < 0;
  // Avoid overflow of -INT64_MIN by working in unsigned.
  const std::uint64_t abs =
      negative ? 0 - static_cast<std::uint64_t>(m.amount) : static_cast<std::uint64_t>(m.amount);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string text = m.currency + " " + (negative ? "-" : "") + std::to_string(abs / scale);
  if (digits > 0) {
    const auto fraction = std::to_string(abs % scale);
    text += "." + std::string(static_cast<std::size_t>(digits) - fraction.size(), '0') + fraction;
  }
  return text;
}

}  // namespace redress
