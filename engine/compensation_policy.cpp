#include "engine/compensation_policy.h"

#include "engine/case_vocabulary.h"
#include "engine/policy_parsing.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <limits>
#include <map>
#include <utility>

namespace redress {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<CompensationType, const char*>, 13> kTypeNames{{
    {CompensationType::kFullRefund, "full_refund"},
    {CompensationType::kPartialRefund, "partial_refund"},
    {CompensationType::kReturnAndRefund, "return_and_refund"},
    {CompensationType::kExchange, "exchange"},
    {CompensationType::kReshipment, "reshipment"},
    {CompensationType::kRepair, "repair"},
    {CompensationType::kCoupon, "coupon"},
    {CompensationType::kNextOrderDiscount, "next_order_discount"},
    {CompensationType::kFullReductionVoucher, "full_reduction_voucher"},
    {CompensationType::kGift, "gift"},
    {CompensationType::kPoints, "points"},
    {CompensationType::kMembershipUpgrade, "membership_upgrade"},
    {CompensationType::kApologyOnly, "apology_only"},
}};

constexpr std::array<const char*, 5> kFaultParties{"shop", "carrier", "supplier", "customer",
                                                   "unknown"};

// One basis point is 1/100 of a percent; 100% is 10000 bp.
constexpr std::int64_t kWholeOrderBp = 10000;

using policy_parsing::expect_type;
using policy_parsing::is_one_of;
using policy_parsing::is_plain_name;
using policy_parsing::json_type;

// Reads a non-negative whole number of minor units. nullopt (with a problem) otherwise.
std::optional<std::int64_t> read_limit(const json& value, const std::string& pointer,
                                       const std::string& what, JsonReader& log) {
  if (!expect_type(value.is_number_integer(), value, pointer, what,
                   "an integer number of minor units (e.g. 5000 for 50.00)", log)) {
    return std::nullopt;
  }
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    log.error("BAD_LIMIT", pointer, what + " is out of range");
    return std::nullopt;
  }
  const auto amount = value.get<std::int64_t>();
  if (amount < 0) {
    log.error("BAD_LIMIT", pointer,
              what + " must not be negative; omit it for an unlimited authority");
    return std::nullopt;
  }
  return amount;
}

// Converts a JSON percentage with at most two decimals to basis points, exactly. nlohmann::json
// keeps a fractional number as a double, so the decimal text is recovered with dump(), which
// prints the shortest text that reads back as the same double: for any literal of up to 15
// significant digits that is the literal itself (12.50 -> "12.5", 1e1 -> "10.0"). Parsing that
// text as a decimal avoids binary rounding (0.29 * 100 is 28.999999999999996 in double).
Result<std::int64_t> percent_to_basis_points(const json& value) {
  const Error too_precise = Error(
      ErrorCode::kBadValue, "percent_of_order allows at most two decimals (e.g. 12.5 or 12.25)");
  const Error out_of_range =
      Error(ErrorCode::kBadValue, "percent_of_order must be between 0 and 100");
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()
            ? value.get<std::uint64_t>() > 100
            : (value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > 100)) {
      return out_of_range;
    }
    return value.get<std::int64_t>() * 100;
  }
  if (!value.is_number_float()) {
    return Error(ErrorCode::kBadType,
                 std::string("percent_of_order must be a number, not ") + json_type(value));
  }
  const std::string text = value.dump();
  size_t i = 0;
  if (i < text.size() && text[i] == '-') return out_of_range;
  std::string digits;
  int exponent = 0;  // value = digits * 10^exponent
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    digits += text[i];
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      digits += text[i];
      --exponent;
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    int e = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      e = std::min(e * 10 + (text[i] - '0'), 10000);  // far beyond any meaningful percentage
    }
    exponent += negative ? -e : e;
  }
  if (i != text.size() || digits.empty()) return too_precise;  // inf/nan never reach JSON
  // Percent to basis points, then drop trailing zeros the exponent can absorb (12.50 -> 1250).
  exponent += 2;
  while (digits.size() > 1 && digits.back() == '0' && exponent < 0) {
    digits.pop_back();
    ++exponent;
  }
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return std::int64_t{0};
  if (exponent < 0) return too_precise;
  if (digits.size() + static_cast<size_t>(exponent) > 5) return out_of_range;  // > 99999 bp
  std::int64_t bp = std::stoll(digits);
  for (int k = 0; k < exponent; ++k) bp *= 10;
  if (bp > kWholeOrderBp) return out_of_range;
  return bp;
}

// paid * bp / 10000, rounded half up to a whole minor unit. Computed as q * bp + round(r * bp)
// with paid = q * 10000 + r so that no intermediate overflows: bp <= 10000 keeps q * bp <= paid.
std::int64_t percent_of(std::int64_t paid, std::int64_t bp) {
  if (paid <= 0 || bp <= 0) return 0;
  const std::int64_t q = paid / kWholeOrderBp;
  const std::int64_t r = paid % kWholeOrderBp;
  return q * bp + (r * bp + kWholeOrderBp / 2) / kWholeOrderBp;
}

// Callers pass a default Money{} (zero, no currency) for "nothing yet"; that is zero in any
// currency. Anything else must be in `currency`.
bool in_currency(const Money& m, const std::string& currency) {
  return m.currency == currency || (m.amount == 0 && m.currency.empty());
}

// A limit for a message. The currency is empty when the policy's own currency is broken (that is
// reported separately); the amount is still worth showing.
std::string limit_text(const std::optional<std::int64_t>& limit, const std::string& currency) {
  if (!limit) return "unlimited";
  if (currency.empty()) return std::to_string(*limit) + " minor units";
  return format_money({*limit, currency});
}

// The fixed-cost form for messages, in the policy's currency when it has a valid one.
std::string money_form(const std::string& currency) {
  return "{\"amount\": 1000, \"currency\": \"" + (currency.empty() ? "CNY" : currency) + "\"}";
}

bool covers(const std::optional<std::int64_t>& limit, std::int64_t total) {
  return !limit || total <= *limit;
}

}  // namespace

std::optional<CompensationType> parse_compensation_type(std::string_view name) {
  for (const auto& [type, type_name] : kTypeNames) {
    if (name == type_name) return type;
  }
  return std::nullopt;
}

const char* compensation_type_name(CompensationType type) {
  for (const auto& [t, type_name] : kTypeNames) {
    if (t == type) return type_name;
  }
  return "unknown";
}

bool is_refund(CompensationType type) {
  return type == CompensationType::kFullRefund || type == CompensationType::kPartialRefund ||
         type == CompensationType::kReturnAndRefund;
}

// ---------------------------------------------------------------------------------------------
// Parsing

namespace {

struct AuthorityEntry {
  AuthorityLimit limit;
  std::string pointer;
  bool per_case_ok = true;  // false when the member was present but invalid (already reported)
  bool per_customer_ok = true;
};

// Reports BAD_LIMIT where a higher role has less authority than the nearest lower role for one of
// the two limits. `entries` is indexed by ladder rank; missing roles are skipped.
void check_limits_rise(const std::array<std::optional<AuthorityEntry>, kLadderTop + 1>& entries,
                       const std::string& currency, bool per_case, JsonReader& log) {
  const char* key = per_case ? "per_case" : "per_customer_30d";
  const AuthorityEntry* lower = nullptr;
  for (const auto& entry : entries) {
    if (!entry || !(per_case ? entry->per_case_ok : entry->per_customer_ok)) continue;
    if (lower != nullptr) {
      const auto& low = per_case ? lower->limit.per_case : lower->limit.per_customer_30d;
      const auto& high = per_case ? entry->limit.per_case : entry->limit.per_customer_30d;
      if (high && (!low || *high < *low)) {
        log.error("BAD_LIMIT", entry->pointer + "/" + key,
                  std::string(role_name(entry->limit.role)) + " " + key + " limit " +
                      limit_text(high, currency) + " is below " + role_name(lower->limit.role) +
                      "'s " + limit_text(low, currency) +
                      "; a higher role must have at least the authority of a lower one");
      }
    }
    lower = &*entry;
  }
}

std::vector<AuthorityLimit> parse_authority(const json& authority, const std::string& pointer,
                                            const std::string& currency, JsonReader& log) {
  if (!expect_type(authority.is_array(), authority, pointer, "'authority'",
                   "an array of {\"role\", \"per_case\", \"per_customer_30d\"}", log)) {
    return {};
  }
  std::array<std::optional<AuthorityEntry>, kLadderTop + 1> by_rank;
  for (size_t i = 0; i < authority.size(); ++i) {
    const auto& item = authority[i];
    const std::string p = pointer + "/" + std::to_string(i);
    if (!expect_type(item.is_object(), item, p, "an authority entry", "an object", log)) continue;
    log.check_keys(item, p, {"role", "per_case", "per_customer_30d"});
    AuthorityEntry entry;
    entry.pointer = p;
    if (item.contains("per_case")) {
      entry.limit.per_case = read_limit(item["per_case"], p + "/per_case", "'per_case'", log);
      entry.per_case_ok = entry.limit.per_case.has_value();
    }
    if (item.contains("per_customer_30d")) {
      entry.limit.per_customer_30d =
          read_limit(item["per_customer_30d"], p + "/per_customer_30d", "'per_customer_30d'", log);
      entry.per_customer_ok = entry.limit.per_customer_30d.has_value();
    }
    if (!item.contains("role")) {
      log.error("MISSING_KEY", p + "/role", "authority entry is missing 'role'");
      continue;
    }
    const auto& role_json = item["role"];
    if (!expect_type(role_json.is_string(), role_json, p + "/role", "'role'", "a string", log)) {
      continue;
    }
    const auto name = role_json.get<std::string>();
    const auto role = parse_role(name);
    const auto rank = role ? ladder_rank(*role) : std::nullopt;
    if (!rank) {
      log.error("UNKNOWN_ROLE", p + "/role",
                "unknown authority role " + quote_name(name) +
                    "; authority is given to the ladder roles agent, team_lead, supervisor and "
                    "manager");
      continue;
    }
    if (by_rank[*rank]) {
      log.error(
          "DUPLICATE_NAME", p + "/role",
          "role " + quote_name(name) + " already has authority at " + by_rank[*rank]->pointer);
      continue;
    }
    entry.limit.role = *role;
    by_rank[*rank] = std::move(entry);
  }
  for (int rank = 0; rank <= kLadderTop; ++rank) {
    if (!by_rank[rank]) {
      log.error("MISSING_KEY", pointer,
                std::string("no authority for role '") + role_name(*ladder_role(rank)) +
                    "'; list each of agent, team_lead, supervisor and manager once (omit a limit "
                    "for unlimited)");
    }
  }
  check_limits_rise(by_rank, currency, /*per_case=*/true, log);
  check_limits_rise(by_rank, currency, /*per_case=*/false, log);
  std::vector<AuthorityLimit> limits;
  for (const auto& entry : by_rank) {
    if (entry) limits.push_back(entry->limit);
  }
  return limits;
}

// `max_amount`: {"CNY": 100000000, ...}, the largest single amount per currency, each at most
// kMaxMoneyAmount.
std::map<std::string, std::int64_t> parse_max_amounts(const json& value, const std::string& pointer,
                                                      JsonReader& log) {
  std::map<std::string, std::int64_t> out;
  if (!expect_type(value.is_object(), value, pointer, "'max_amount'",
                   "an object of currency codes and amounts in minor units", log)) {
    return out;
  }
  for (const auto& [currency, amount] : value.items()) {
    const std::string p = pointer + "/" + pointer_token(currency);
    if (!is_currency_code(currency)) {
      log.error("BAD_MONEY", p,
                "currency " + quote_name(currency) +
                    " is not a three-letter ISO 4217 code such as \"CNY\"");
      continue;
    }
    const auto limit = read_limit(amount, p, "the maximum amount in " + currency, log);
    if (!limit) continue;
    if (*limit == 0 || *limit > kMaxMoneyAmount) {
      log.error("BAD_LIMIT", p,
                "the maximum amount in " + currency + " must be between 1 and " +
                    std::to_string(kMaxMoneyAmount) + " minor units");
      continue;
    }
    out[currency] = *limit;
  }
  return out;
}

// A `when` list: a non-empty array of strings, each accepted by `valid`.
template <typename Valid>
std::vector<std::string> parse_when_list(const json& value, const std::string& pointer,
                                         const std::string& key, const std::string& expected,
                                         Valid valid, JsonReader& log) {
  std::vector<std::string> out;
  if (!expect_type(value.is_array(), value, pointer, quote_name(key), "an array of strings", log)) {
    return out;
  }
  if (value.empty()) {
    log.error("BAD_VALUE", pointer,
              quote_name(key) + " must list at least one value; omit it to match any " + key);
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string p = pointer + "/" + std::to_string(i);
    if (!expect_type(value[i].is_string(), value[i], p, "a " + key + " value", "a string", log)) {
      continue;
    }
    auto v = value[i].get<std::string>();
    if (!valid(v)) {
      log.error("BAD_VALUE", p, "unknown " + key + " " + quote_name(v) + "; expected " + expected);
      continue;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::optional<CompensationPolicy> CompensationPolicy::parse(const json& definition,
                                                            const std::string& pointer,
                                                            Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(definition.is_object(), definition, pointer, "a compensation policy",
                   "an object", log)) {
    return std::nullopt;
  }
  log.check_keys(definition, pointer,
                 {"kind", "id", "title", "description", "currency", "max_amount", "authority",
                  "suggestions", "execution_alert_after"});

  CompensationPolicy policy;
  if (!definition.contains("currency")) {
    log.error("MISSING_KEY", pointer + "/currency",
              "missing required key 'currency' (the ISO 4217 code limits and costs are in)");
  } else if (const auto& c = definition["currency"];
             expect_type(c.is_string(), c, pointer + "/currency", "'currency'", "a string", log)) {
    if (is_currency_code(c.get<std::string>())) {
      policy.currency_ = c.get<std::string>();
    } else {
      log.error("BAD_MONEY", pointer + "/currency",
                "currency " + quote_name(c.get<std::string>()) +
                    " is not a three-letter ISO 4217 code such as \"CNY\"");
    }
  }

  if (definition.contains("max_amount")) {
    policy.max_amounts_ = parse_max_amounts(definition["max_amount"], pointer + "/max_amount", log);
  }
  if (const auto text = log.optional_string(definition, pointer, "execution_alert_after")) {
    if (auto after = parse_duration(*text); after.ok() && after.value().is_cutoff()) {
      log.error("BAD_DURATION", pointer + "/execution_alert_after",
                cutoff_refusal(after.value(), "'execution_alert_after'"));
    } else if (after.ok()) {
      policy.execution_alert_after_ = after.value();
    } else {
      log.error("BAD_DURATION", pointer + "/execution_alert_after", after.error().message);
    }
  }

  if (!definition.contains("authority")) {
    log.error("MISSING_KEY", pointer + "/authority",
              "missing required key 'authority' (the limits of agent, team_lead, supervisor and "
              "manager)");
  } else {
    policy.limits_ =
        parse_authority(definition["authority"], pointer + "/authority", policy.currency_, log);
  }

  if (definition.contains("suggestions")) {
    const auto& suggestions = definition["suggestions"];
    const std::string sp = pointer + "/suggestions";
    if (expect_type(suggestions.is_array(), suggestions, sp, "'suggestions'", "an array", log)) {
      std::vector<std::pair<std::string, std::string>> ids;  // id -> pointer of first use
      for (size_t i = 0; i < suggestions.size(); ++i) {
        const std::string p = sp + "/" + std::to_string(i);
        const auto& item = suggestions[i];
        if (item.is_object() && item.contains("id") && item["id"].is_string()) {
          const auto id = item["id"].get<std::string>();
          const auto earlier = std::find_if(ids.begin(), ids.end(),
                                            [&](const auto& seen) { return seen.first == id; });
          if (earlier != ids.end()) {
            log.error("DUPLICATE_NAME", p + "/id",
                      "suggestion id " + quote_name(id) + " is already used at " + earlier->second);
          } else {
            ids.emplace_back(id, p);
          }
        }
        if (auto rule = parse_suggestion(item, p, policy.currency_, problems)) {
          policy.suggestions_.push_back(std::move(*rule));
        }
      }
    }
  }

  if (log.has_new_errors()) return std::nullopt;
  return policy;
}

std::optional<CompensationPolicy::SuggestionRule> CompensationPolicy::parse_suggestion(
    const json& item, const std::string& p, const std::string& currency, Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(item.is_object(), item, p, "a suggestion", "an object", log)) {
    return std::nullopt;
  }
  log.check_keys(item, p, {"id", "when", "remedies"});
  SuggestionRule rule;
  if (!item.contains("id")) {
    log.error("MISSING_KEY", p + "/id", "suggestion is missing 'id'");
  } else if (expect_type(item["id"].is_string(), item["id"], p + "/id", "'id'", "a string", log)) {
    rule.id = item["id"].get<std::string>();
    if (!is_plain_name(rule.id)) {
      log.error("BAD_NAME", p + "/id",
                "suggestion id " + quote_name(rule.id) +
                    " must be 1 to 64 lower-case letters, digits or underscores");
    }
  }

  if (item.contains("when")) {
    const auto& when = item["when"];
    const std::string wp = p + "/when";
    if (expect_type(when.is_object(), when, wp, "'when'", "an object", log)) {
      log.check_keys(when, wp, {"category", "fault_party", "severity", "segment"});
      if (when.contains("category")) {
        rule.categories = parse_when_list(when["category"], wp + "/category", "category",
                                          "a name of lower-case letters, digits and underscores",
                                          is_plain_name, log);
      }
      if (when.contains("fault_party")) {
        rule.fault_parties = parse_when_list(
            when["fault_party"], wp + "/fault_party", "fault_party",
            "shop, carrier, supplier, customer or unknown",
            [](const std::string& v) { return is_one_of(v, kFaultParties); }, log);
      }
      if (when.contains("severity")) {
        rule.severities = parse_when_list(
            when["severity"], wp + "/severity", "severity", "one of " + join(kSeverities),
            [](const std::string& v) { return is_one_of(v, kSeverities); }, log);
      }
      if (when.contains("segment")) {
        rule.segments = parse_when_list(when["segment"], wp + "/segment", "segment",
                                        "a segment name such as new, regular, vip, champions, "
                                        "at_risk or lost",
                                        is_plain_name, log);
      }
    }
  }

  const std::string rp = p + "/remedies";
  if (!item.contains("remedies")) {
    log.error("MISSING_KEY", rp, "suggestion is missing 'remedies'");
  } else if (const auto& remedies = item["remedies"];
             expect_type(remedies.is_array(), remedies, rp, "'remedies'", "an array", log)) {
    if (remedies.empty()) log.error("BAD_VALUE", rp, "'remedies' must offer at least one remedy");
    for (size_t i = 0; i < remedies.size(); ++i) {
      if (auto remedy =
              parse_remedy(remedies[i], rp + "/" + std::to_string(i), currency, problems)) {
        rule.remedies.push_back(std::move(*remedy));
      }
    }
  }
  if (log.has_new_errors()) return std::nullopt;
  return rule;
}

std::optional<CompensationPolicy::RemedyOption> CompensationPolicy::parse_remedy(
    const json& item, const std::string& p, const std::string& currency, Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(item.is_object(), item, p, "a remedy", "an object", log)) return std::nullopt;
  log.check_keys(item, p, {"type", "cost", "note"});
  RemedyOption remedy{CompensationType::kApologyOnly, std::nullopt, std::nullopt, {}};

  std::optional<CompensationType> type;
  if (!item.contains("type")) {
    log.error("MISSING_KEY", p + "/type", "remedy is missing 'type'");
  } else if (expect_type(item["type"].is_string(), item["type"], p + "/type", "'type'", "a string",
                         log)) {
    type = parse_compensation_type(item["type"].get<std::string>());
    if (type) {
      remedy.type = *type;
    } else {
      std::string names;
      for (const auto& [_, name] : kTypeNames) {
        if (!names.empty()) names += ", ";
        names += name;
      }
      log.error("UNKNOWN_COMPENSATION_TYPE", p + "/type",
                "unknown compensation type " + quote_name(item["type"].get<std::string>()) +
                    "; expected one of: " + names);
    }
  }

  if (auto note = read_label(log, item, p, "note", "the description of a remedy")) {
    remedy.note = std::move(*note);
  }

  const std::string cp = p + "/cost";
  if (!item.contains("cost")) {
    if (type == CompensationType::kApologyOnly) {
      remedy.fixed_cost = Money{0, currency};  // an apology costs the shop nothing
    } else if (type) {
      log.error("MISSING_KEY", cp,
                std::string("remedy '") + compensation_type_name(*type) +
                    "' is missing 'cost' ({\"percent_of_order\": 30} or " + money_form(currency) +
                    ")");
    }
  } else if (const auto& cost = item["cost"]; !expect_type(
                 cost.is_object(), cost, cp, "'cost'",
                 "an object, {\"percent_of_order\": 30} or {\"amount\": 1000, ...}", log)) {
    // reported
  } else if (cost.contains("percent_of_order")) {
    log.check_keys(cost, cp, {"percent_of_order"});
    auto bp = percent_to_basis_points(cost["percent_of_order"]);
    if (bp.ok()) {
      remedy.percent_of_order_bp = bp.value();
    } else {
      log.error(bp.error().code_name(), cp + "/percent_of_order", bp.error().message);
    }
  } else {
    auto money = money_from_json(cost);
    if (!money.ok()) {
      log.error("BAD_MONEY", cp + money.error().pointer,
                "cost must be {\"percent_of_order\": 30} or " + money_form(currency) + ": " +
                    money.error().message);
    } else if (money.value().currency != currency && !currency.empty()) {
      log.error(
          "BAD_MONEY", cp + "/currency",
          "cost is in " + money.value().currency + " but the policy's currency is " + currency);
    } else {
      remedy.fixed_cost = money.value();
    }
  }

  // The cost is what the remedy costs the shop; for two types it is fixed by what they are.
  if (log.has_new_errors()) return std::nullopt;
  if (type == CompensationType::kApologyOnly &&
      (remedy.percent_of_order_bp.value_or(0) != 0 ||
       (remedy.fixed_cost && remedy.fixed_cost->amount != 0))) {
    log.error("BAD_VALUE", cp, "apology_only costs nothing; its cost must be 0 or omitted");
    return std::nullopt;
  }
  if (type == CompensationType::kFullRefund && remedy.percent_of_order_bp != kWholeOrderBp) {
    log.error("BAD_VALUE", cp,
              "a full_refund gives back the whole order; its cost must be "
              "{\"percent_of_order\": 100}");
    return std::nullopt;
  }
  return remedy;
}

// ---------------------------------------------------------------------------------------------
// Decisions

std::int64_t CompensationPolicy::max_amount(const std::string& currency) const {
  const auto it = max_amounts_.find(currency);
  return it == max_amounts_.end() ? kMaxMoneyAmount : it->second;
}

Status CompensationPolicy::check_amount(const Money& amount, const std::string& what) const {
  const auto max = max_amount(amount.currency);
  if (amount.amount <= max) return Status::Ok();
  return Error(ErrorCode::kAmountTooLarge,
               what + " of " + format_money(amount) + " is above the largest amount accepted, " +
                   format_money({max, amount.currency}),
               "/amount",
               problem_params("amount_too_large",
                              {{"maximum_amount", money_to_json({max, amount.currency})}}));
}

Result<ProposalOutcome> CompensationPolicy::evaluate(const ProposalInput& input) const {
  const Money& value = input.value;
  const char* type_name = compensation_type_name(input.type);

  if (value.currency != currency_) {
    return Error(ErrorCode::kCurrencyMismatch,
                 std::string(type_name) + " is in " +
                     (value.currency.empty() ? "no currency" : value.currency) +
                     " but the compensation policy's currency is " + currency_,
                 "", problem_params("policy_currency", {{"expected_currency", currency_}}));
  }
  if (auto bounded = check_amount(value, std::string(type_name) + " value"); !bounded.ok()) {
    return bounded.error();
  }
  if (!in_currency(input.case_granted, currency_) ||
      !in_currency(input.customer_granted_30d, currency_)) {
    return Error(ErrorCode::kCurrencyMismatch,
                 "compensation already granted is recorded in a currency other than " + currency_);
  }
  if (value.amount < 0) {
    return Error(
        ErrorCode::kInvalidAmount,
        std::string(type_name) + " value must not be negative (got " + format_money(value) + ")",
        "", problem_params("amount_negative"));
  }
  // Negative history would lower the totals and slip a proposal under a limit.
  for (const Money* prior : {&input.order_paid, &input.order_refunded, &input.case_granted,
                             &input.customer_granted_30d}) {
    if (prior->amount < 0) {
      return Error(ErrorCode::kInvalidAmount,
                   "order and already-granted amounts must not be negative (got " +
                       format_money(*prior) + ")");
    }
  }
  if (input.type == CompensationType::kApologyOnly && value.amount != 0) {
    return Error(ErrorCode::kInvalidAmount,
                 "apology_only carries no value; got " + format_money(value) +
                     " (propose a coupon, gift or refund for that)",
                 "", problem_params("apology_has_value"));
  }

  if (is_refund(input.type)) {
    const Money& paid = input.order_paid;
    if (paid.currency != value.currency || !in_currency(input.order_refunded, paid.currency)) {
      return Error(ErrorCode::kCurrencyMismatch,
                   std::string(type_name) + " is in " + value.currency +
                       " but the order was paid in " +
                       (paid.currency.empty() ? "no currency" : paid.currency),
                   "", problem_params("order_currency", {{"expected_currency", paid.currency}}));
    }
    if (value.amount == 0) {
      return Error(ErrorCode::kInvalidAmount,
                   std::string(type_name) + " must refund more than zero", "",
                   problem_params("amount_zero"));
    }
    std::int64_t refundable = 0;
    if (__builtin_sub_overflow(paid.amount, input.order_refunded.amount, &refundable)) {
      return Error(ErrorCode::kOverflow, "refundable amount overflows");
    }
    refundable = std::max<std::int64_t>(refundable, 0);
    const std::string basis = "(paid " + format_money(paid) + ", already refunded " +
                              format_money({input.order_refunded.amount, paid.currency}) + ")";
    if (value.amount > refundable) {
      return Error(ErrorCode::kRefundExceedsPaid,
                   "refund of " + format_money(value) + " exceeds the refundable " +
                       format_money({refundable, paid.currency}) + " " + basis,
                   "",
                   problem_params("refund_exceeds_refundable",
                                  {{"refundable", money_to_json({refundable, paid.currency})}}));
    }
    if (input.type == CompensationType::kFullRefund && value.amount != refundable) {
      return Error(ErrorCode::kInvalidAmount,
                   "a full_refund must be exactly the refundable " +
                       format_money({refundable, paid.currency}) + " " + basis + ", not " +
                       format_money(value) + "; use partial_refund for less",
                   "",
                   problem_params("full_refund_amount",
                                  {{"refundable", money_to_json({refundable, paid.currency})}}));
    }
  }

  // Saturating: totals grown past int64 (stored before amounts were bounded) are above every
  // limit, so they need the unlimited role instead of failing every later proposal.
  const std::int64_t case_total = saturating_add(input.case_granted.amount, value.amount);
  const std::int64_t customer_total =
      saturating_add(input.customer_granted_30d.amount, value.amount);

  // Why `limit` does not cover the totals, e.g. "agent authority per case is CNY 50.00; this
  // case would total CNY 50.01".
  const auto shortfall = [&](const AuthorityLimit& limit) {
    std::string why;
    if (!covers(limit.per_case, case_total)) {
      why = std::string(role_name(limit.role)) + " authority per case is " +
            limit_text(limit.per_case, currency_) + "; this case would total " +
            format_money({case_total, currency_});
    }
    if (!covers(limit.per_customer_30d, customer_total)) {
      if (!why.empty()) why += "; ";
      why += std::string(role_name(limit.role)) + " authority per customer over 30 days is " +
             limit_text(limit.per_customer_30d, currency_) + "; this customer would total " +
             format_money({customer_total, currency_});
    }
    return why;
  };
  const auto covering = [&](const AuthorityLimit& limit) {
    return covers(limit.per_case, case_total) && covers(limit.per_customer_30d, customer_total);
  };

  const AuthorityLimit* own = nullptr;
  for (const auto& limit : limits_) {
    if (limit.role == input.proposer_role) own = &limit;
  }
  ProposalOutcome outcome;
  if (own != nullptr && value.amount == 0) {
    // A remedy that costs nothing (an apology) adds nothing to any total, so no limit can stop
    // it — not even when others have already granted this customer more than the proposer's
    // limit. Otherwise an agent would need a team lead's approval to apologise.
    outcome.approved_now = true;
    outcome.required_role = own->role;
    outcome.reason = std::string(type_name) + " costs nothing: within " + role_name(own->role) +
                     " authority whatever has been granted";
    return outcome;
  }
  if (own != nullptr && covering(*own)) {
    outcome.approved_now = true;
    outcome.required_role = own->role;
    outcome.reason = std::string("within ") + role_name(own->role) +
                     " authority: this case would total " + format_money({case_total, currency_}) +
                     " (limit " + limit_text(own->per_case, currency_) + "), this customer " +
                     format_money({customer_total, currency_}) + " over 30 days (limit " +
                     limit_text(own->per_customer_30d, currency_) + ")";
    return outcome;
  }

  // limits_ is ordered agent .. manager, so the first covering role is the lowest one.
  const auto approver = std::find_if(limits_.begin(), limits_.end(), covering);
  if (approver == limits_.end()) {
    const std::string top =
        limits_.empty() ? std::string("no role has authority") : shortfall(limits_.back());
    return Error(ErrorCode::kExceedsAuthority, std::string(type_name) + " of " +
                                                   format_money(value) +
                                                   " is beyond every role's authority: " + top);
  }
  outcome.required_role = approver->role;
  const std::string why = own != nullptr ? shortfall(*own)
                                         : std::string(role_name(input.proposer_role)) +
                                               " has no compensation authority";
  outcome.reason = why + " — needs " + role_name(approver->role) + " approval";
  auto exceeded = nlohmann::json::array();
  if (own != nullptr) {
    const auto add = [&](const char* scope, const std::optional<std::int64_t>& limit,
                         std::int64_t total) {
      if (covers(limit, total)) return;
      // A limit that does not cover a total is never unlimited.
      exceeded.push_back({{"scope", scope},
                          {"limit", money_to_json({limit.value_or(0), currency_})},
                          {"total", money_to_json({total, currency_})}});
    };
    add("per_case", own->per_case, case_total);
    add("per_customer_30d", own->per_customer_30d, customer_total);
  }
  outcome.authority_check = {{"proposer_role", role_name(input.proposer_role)},
                             {"exceeded", std::move(exceeded)}};
  return outcome;
}

std::optional<RemainingAuthority> CompensationPolicy::remaining_authority(
    const ProposalInput& input) const {
  const auto own = std::find_if(limits_.begin(), limits_.end(), [&](const AuthorityLimit& limit) {
    return limit.role == input.proposer_role;
  });
  if (own == limits_.end()) return std::nullopt;
  // The same totals evaluate() adds a proposal to; `covers` allows a total equal to the limit.
  const auto use = [&](const std::optional<std::int64_t>& limit, const Money& granted) {
    AuthorityUse out;
    out.limit = limit;
    out.granted = in_currency(granted, currency_) ? std::max<std::int64_t>(granted.amount, 0) : 0;
    if (limit) out.remaining = std::max<std::int64_t>(*limit - out.granted, 0);
    return out;
  };
  return RemainingAuthority{own->role, currency_, use(own->per_case, input.case_granted),
                            use(own->per_customer_30d, input.customer_granted_30d)};
}

Status CompensationPolicy::check_approver(const Actor& approver, const std::string& proposer_id,
                                          Role required_role) const {
  if (approver.id == proposer_id) {
    return Error(ErrorCode::kSelfApproval,
                 std::string("nobody decides on their own proposal; it needs another ") +
                     role_name(required_role) + " or above");
  }
  const auto approver_rank = ladder_rank(approver.role);
  const auto required_rank = ladder_rank(required_role);
  // An off-ladder required role cannot come from evaluate(); refuse rather than guess.
  if (!approver_rank || !required_rank || *approver_rank < *required_rank) {
    return Error(ErrorCode::kRoleNotPermitted,
                 std::string("this proposal needs ") + role_name(required_role) +
                     " approval or above; " + role_name(approver.role) + " may not decide it");
  }
  return Status::Ok();
}

// Suggestions use the first rule whose `when` matches, like a routing table: specific rules come
// first and a rule with an empty `when` last, as the fallback. (Taking every matching rule would
// make the fallback's coupon appear for every case, including customer misuse, where the
// handbooks prescribe an explanation and an apology only.) Within the rule, remedies are sorted
// cheapest first by estimated cost; equal costs keep the policy's order.
std::vector<SuggestedRemedy> CompensationPolicy::suggest(const RemedyQuery& query) const {
  const auto matches = [](const std::vector<std::string>& allowed, const std::string& value) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
  };
  std::vector<SuggestedRemedy> out;
  for (const auto& rule : suggestions_) {
    if (!matches(rule.categories, query.category) ||
        !matches(rule.fault_parties, query.fault_party) ||
        !matches(rule.severities, query.severity) || !matches(rule.segments, query.segment)) {
      continue;
    }
    for (const auto& remedy : rule.remedies) {
      SuggestedRemedy s;
      s.type = remedy.type;
      if (remedy.fixed_cost) {
        s.estimated_cost = *remedy.fixed_cost;
      } else {
        const auto bp = remedy.percent_of_order_bp.value_or(0);
        s.estimated_cost =
            Money{percent_of(query.order_paid.amount, bp),
                  query.order_paid.currency.empty() ? currency_ : query.order_paid.currency};
      }
      s.note = remedy.note;
      s.rule_id = rule.id;
      out.push_back(std::move(s));
    }
    break;
  }
  std::stable_sort(out.begin(), out.end(), [](const SuggestedRemedy& a, const SuggestedRemedy& b) {
    return a.estimated_cost.amount < b.estimated_cost.amount;
  });
  return out;
}

}  // namespace redress
