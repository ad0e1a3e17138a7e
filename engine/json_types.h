// nlohmann/json conversions for the value types engine structs are made of: Instant as canonical
// RFC 3339 text, std::optional<T> as the value or null, and Money as {"amount", "currency"}.
#pragma once

#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/money.h"
#include "engine/time.h"

namespace nlohmann {

template <>
struct adl_serializer<redress::Instant> {
  static void to_json(json& j, const redress::Instant& t) { j = redress::format_rfc3339(t); }
  static void from_json(const json& j, redress::Instant& t) {
    const auto parsed = redress::parse_rfc3339(j.get<std::string>());
    if (!parsed) throw std::invalid_argument("not an RFC 3339 timestamp: " + j.dump());
    t = *parsed;
  }
};

template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};

}  // namespace nlohmann

namespace redress {

inline void to_json(nlohmann::json& j, const Money& m) {
  j = money_to_json(m);
}
inline void from_json(const nlohmann::json& j, Money& m) {
  // Stored money may be empty (no order); accept {} as zero of no currency.
  m.amount = j.value("amount", std::int64_t{0});
  m.currency = j.value("currency", std::string());
}

}  // namespace redress
