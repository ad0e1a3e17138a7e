// Currency: the ISO 4217 currencies money may be in, each with its minor-unit digits (JPY 0,
// CNY 2, KWD 3, CLF 4). The one table that decides whether a currency code exists (money
// parsing, policy files) and how many digits an amount has after the decimal point (every
// message or display that prints an amount).
//
// The table holds the active codes of ISO 4217's list one (funds codes such as BOV and USN
// included); codes without minor units (XAU, XDR, XTS, XXX, ...) are left out, since an amount
// in minor units means nothing for them.
//
// Thread-safety: the table is immutable; every function may be called from any thread.
#pragma once

#include <span>
#include <string_view>

namespace redress {

struct Currency {
  std::string_view code;  // three upper-case letters
  int minor_digits = 2;   // digits after the decimal point: 1299 minor units of CNY are 12.99
};

// The currency with this code, or nullptr when it is not in the table ("CYN", "XYZ", "cny").
const Currency* find_currency(std::string_view code);

// Every currency of the table, ordered by code.
std::span<const Currency> iso_currencies();

}  // namespace redress
