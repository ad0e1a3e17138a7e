#include "engine/escalation_policy.h"

#include "engine/case_vocabulary.h"
#include "engine/policy_parsing.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <utility>

namespace redress {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<EscalationTrigger, const char*>, 9> kTriggerNames{{
    {EscalationTrigger::kSlaWarning, "sla_warning"},
    {EscalationTrigger::kSlaBreach, "sla_breach"},
    {EscalationTrigger::kPromiseBreach, "promise_breach"},
    {EscalationTrigger::kSeverityAtCreation, "severity_at_creation"},
    {EscalationTrigger::kCustomerSegment, "customer_segment"},
    {EscalationTrigger::kCustomerTier, "customer_tier"},
    {EscalationTrigger::kRepeatComplainant, "repeat_complainant"},
    {EscalationTrigger::kThreatSignal, "threat_signal"},
    {EscalationTrigger::kCompensationAboveAuthority, "compensation_above_authority"},
}};

constexpr std::array<const char*, 6> kSlaClocks{"first_response", "stage",
                                                "resolution",     "supervisor_contact",
                                                "wait_warehouse", "wait_supplier"};

constexpr std::int64_t kMaxRepeatWindowDays = 3650;

using policy_parsing::expect_type;
using policy_parsing::is_one_of;
using policy_parsing::is_plain_name;
using policy_parsing::json_type;

std::optional<EscalationTrigger> parse_trigger_name(std::string_view name) {
  for (const auto& [trigger, trigger_name] : kTriggerNames) {
    if (name == trigger_name) return trigger;
  }
  return std::nullopt;
}

// A string member, or nullopt (with BAD_TYPE when present but not a string).
std::optional<std::string> read_string(const json& object, const std::string& pointer,
                                       const char* key, JsonReader& log) {
  if (!object.contains(key)) return std::nullopt;
  const auto& value = object[key];
  if (!expect_type(value.is_string(), value, pointer + "/" + key, quote_name(key), "a string",
                   log)) {
    return std::nullopt;
  }
  return value.get<std::string>();
}

// A ladder role member (raise_to, reassign_to_role): UNKNOWN_ROLE for anything else.
std::optional<Role> read_ladder_role(const json& object, const std::string& pointer,
                                     const char* key, JsonReader& log) {
  const auto name = read_string(object, pointer, key, log);
  if (!name) return std::nullopt;
  const auto role = parse_role(*name);
  if (!role || !ladder_rank(*role)) {
    log.error("UNKNOWN_ROLE", pointer + "/" + key,
              std::string(key) + " must be a ladder role (agent, team_lead, supervisor or " +
                  "manager), not " + quote_name(*name));
    return std::nullopt;
  }
  return role;
}

// An integer member within [min, max]: MISSING_KEY, BAD_TYPE, or `range_code` when out of range.
std::optional<std::int64_t> read_integer(const json& object, const std::string& pointer,
                                         const char* key, std::int64_t min, std::int64_t max,
                                         const char* range_code, const std::string& meaning,
                                         JsonReader& log) {
  const std::string p = pointer + "/" + key;
  if (!object.contains(key)) {
    log.error("MISSING_KEY", p, "missing required key " + quote_name(key) + " (" + meaning + ")");
    return std::nullopt;
  }
  const auto& value = object[key];
  if (!expect_type(value.is_number_integer(), value, p, quote_name(key), "an integer", log)) {
    return std::nullopt;
  }
  const bool too_big = value.is_number_unsigned()
                           ? value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)
                           : value.get<std::int64_t>() > max;
  if (too_big || value.get<std::int64_t>() < min) {
    log.error(range_code, p,
              quote_name(key) + " (" + meaning + ") must be between " + std::to_string(min) +
                  " and " + std::to_string(max) + ", not " + value.dump());
    return std::nullopt;
  }
  return value.get<std::int64_t>();
}

// An optional trigger value list (severities, segments, tiers, signals): when present, a
// non-empty array of strings, each checked by `check` (which reports its own problem).
template <typename Check>
std::vector<std::string> read_value_list(const json& object, const std::string& pointer,
                                         const char* key, Check check, JsonReader& log) {
  std::vector<std::string> out;
  if (!object.contains(key)) return out;
  const std::string p = pointer + "/" + key;
  const auto& list = object[key];
  if (!expect_type(list.is_array(), list, p, quote_name(key), "an array of strings", log)) {
    return out;
  }
  if (list.empty()) {
    log.error("BAD_VALUE", p,
              quote_name(key) + " must list at least one value; omit it to match any");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ip = p + "/" + std::to_string(i);
    if (!expect_type(list[i].is_string(), list[i], ip, "a value of " + quote_name(key), "a string",
                     log)) {
      continue;
    }
    auto value = list[i].get<std::string>();
    if (check(value, ip)) out.push_back(std::move(value));
  }
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether `word` occurs in `text` ignoring ASCII case, with no ASCII letter or digit right before
// or after it. Bytes of multi-byte UTF-8 characters count as boundaries, so "打12315投诉" contains
// "12315" while "issue" does not contain "sue".
bool contains_word(std::string_view text, std::string_view word) {
  if (word.empty() || word.size() > text.size()) return false;
  for (size_t pos = 0; pos + word.size() <= text.size(); ++pos) {
    bool equal = true;
    for (size_t k = 0; k < word.size() && equal; ++k) {
      equal = ascii_lower(text[pos + k]) == ascii_lower(word[k]);
    }
    if (!equal) continue;
    const bool starts_word = pos == 0 || !is_ascii_alnum(text[pos - 1]);
    const size_t end = pos + word.size();
    const bool ends_word = end == text.size() || !is_ascii_alnum(text[end]);
    if (starts_word && ends_word) return true;
  }
  return false;
}

std::string sla_clock_text(const std::string& clock) {
  return clock.empty() ? "SLA" : "SLA " + quote_name(clock);
}

}  // namespace

const char* escalation_trigger_name(EscalationTrigger trigger) {
  for (const auto& [t, name] : kTriggerNames) {
    if (t == trigger) return name;
  }
  return "unknown";
}

int EscalationPolicy::priority_rank(std::string_view priority) {
  for (size_t i = 0; i < kPriorities.size(); ++i) {
    if (priority == kPriorities[i]) return static_cast<int>(i);
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Parsing

std::optional<EscalationPolicy> EscalationPolicy::parse(const json& definition,
                                                        const std::string& pointer,
                                                        Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(definition.is_object(), definition, pointer, "an escalation policy", "an object",
                   log)) {
    return std::nullopt;
  }
  log.check_keys(definition, pointer,
                 {"kind", "id", "title", "description", "signals", "limits", "rules"});
  EscalationPolicy policy;
  if (definition.contains("limits")) {
    parse_limits(definition["limits"], pointer + "/limits", policy.limits_, problems);
  }

  // Signals first: threat_signal triggers refer to their kinds. A kind whose keywords are broken
  // still counts as defined, so one mistake is not reported again at every rule that uses it.
  std::vector<std::string> signal_kinds;
  if (definition.contains("signals")) {
    const auto& signals = definition["signals"];
    const std::string sp = pointer + "/signals";
    if (expect_type(signals.is_object(), signals, sp, "'signals'",
                    "an object of signal kind -> keywords", log)) {
      for (const auto& [kind, keywords] : signals.items()) {
        const std::string kp = sp + "/" + pointer_token(kind);
        signal_kinds.push_back(kind);
        if (!is_plain_name(kind)) {
          log.error("BAD_NAME", kp,
                    "signal kind " + quote_name(kind) +
                        " must be 1 to 64 lower-case letters, digits or underscores");
        }
        if (!expect_type(keywords.is_array(), keywords, kp, "keywords of " + quote_name(kind),
                         "an array of strings", log)) {
          continue;
        }
        if (keywords.empty()) {
          log.error("BAD_VALUE", kp, "signal " + quote_name(kind) + " needs at least one keyword");
        }
        SignalKeywords entry{kind, {}};
        for (size_t i = 0; i < keywords.size(); ++i) {
          const std::string ip = kp + "/" + std::to_string(i);
          if (!expect_type(keywords[i].is_string(), keywords[i], ip, "a keyword", "a string",
                           log)) {
            continue;
          }
          auto keyword = keywords[i].get<std::string>();
          if (keyword.find_first_not_of(" \t\r\n") == std::string::npos) {
            log.error("BAD_VALUE", ip, "a keyword must not be empty or blank");
            continue;
          }
          if (is_one_of(keyword, entry.keywords)) {
            log.warning("DUPLICATE_NAME", ip,
                        "keyword \"" + keyword + "\" is listed twice for " + quote_name(kind));
            continue;
          }
          entry.keywords.push_back(std::move(keyword));
        }
        policy.signals_.push_back(std::move(entry));
      }
    }
  }

  const std::string rp = pointer + "/rules";
  if (!definition.contains("rules")) {
    log.error("MISSING_KEY", rp, "missing required key 'rules'");
  } else if (const auto& rules = definition["rules"];
             expect_type(rules.is_array(), rules, rp, "'rules'", "an array", log)) {
    std::vector<std::pair<std::string, std::string>> ids;  // id -> pointer of first use
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string p = rp + "/" + std::to_string(i);
      const auto& item = rules[i];
      if (!expect_type(item.is_object(), item, p, "a rule", "an object", log)) continue;
      JsonReader rule_log(problems);
      rule_log.check_keys(item, p, {"id", "trigger", "effect", "reason"});
      Rule rule{};
      if (!item.contains("id")) {
        rule_log.error("MISSING_KEY", p + "/id", "rule is missing 'id'");
      } else if (const auto id = read_string(item, p, "id", rule_log)) {
        rule.id = *id;
        const auto earlier = std::find_if(ids.begin(), ids.end(),
                                          [&](const auto& seen) { return seen.first == *id; });
        if (!is_plain_name(*id)) {
          rule_log.error("BAD_NAME", p + "/id",
                         "rule id " + quote_name(*id) +
                             " must be 1 to 64 lower-case letters, digits or underscores");
        } else if (earlier != ids.end()) {
          rule_log.error("DUPLICATE_NAME", p + "/id",
                         "rule id " + quote_name(*id) + " is already used at " + earlier->second);
        } else {
          ids.emplace_back(*id, p);
        }
      }
      if (!item.contains("trigger")) {
        rule_log.error("MISSING_KEY", p + "/trigger", "rule is missing 'trigger'");
      } else {
        parse_trigger(item["trigger"], p + "/trigger", signal_kinds, rule, problems);
      }
      if (!item.contains("effect")) {
        rule_log.error("MISSING_KEY", p + "/effect", "rule is missing 'effect'");
      } else {
        parse_effect(item["effect"], p + "/effect", rule, problems);
      }
      // A plain string (English only: a MISSING_LANGUAGE warning) or {"en": ..., "zh": ...}.
      if (auto reason = read_label(rule_log, item, p, "reason",
                                   "the reason of rule " + quote_name(rule.id))) {
        if (reason->english().find_first_not_of(" \t\r\n") == std::string::npos) {
          rule_log.error("BAD_VALUE", p + "/reason", "'reason' must not be blank; omit it");
        }
        rule.reason = std::move(*reason);
      }
      // The limits say a warning only notifies: a rule raising on it would contradict them.
      if (!policy.limits_.sla_warning_raises && rule.trigger == EscalationTrigger::kSlaWarning &&
          (rule.raise_to || rule.raise_by > 0)) {
        rule_log.error("BAD_VALUE", p + "/effect",
                       "rule " + quote_name(rule.id) +
                           " raises the level on an SLA warning, but limits/sla_warning_raises "
                           "is false (a warning notifies only): remove raise_to / raise_by");
      }
      if (rule.bypass_cap && !rule.raise_to && rule.raise_by == 0 && item.contains("effect") &&
          item["effect"].is_object()) {
        rule_log.error("BAD_VALUE", p + "/effect/bypass_cap",
                       "bypass_cap applies to a raise; rule " + quote_name(rule.id) +
                           " has neither raise_to nor raise_by");
      }
      if (!rule_log.has_new_errors()) policy.rules_.push_back(std::move(rule));
    }
  }

  if (log.has_new_errors()) return std::nullopt;
  return policy;
}

std::map<std::string, LocalizedText> EscalationPolicy::rule_reasons() const {
  std::map<std::string, LocalizedText> reasons;
  for (const auto& rule : rules_) {
    if (!rule.reason.empty()) reasons.emplace(rule.id, rule.reason);
  }
  return reasons;
}

void EscalationPolicy::parse_limits(const json& limits, const std::string& pointer,
                                    EscalationLimits& out, Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(limits.is_object(), limits, pointer, "'limits'", "an object", log)) return;
  log.check_keys(limits, pointer,
                 {"sla_warning_raises", "sla_breach_max_raise", "level_cap_by_severity"});
  if (limits.contains("sla_warning_raises")) {
    const auto& value = limits["sla_warning_raises"];
    if (expect_type(value.is_boolean(), value, pointer + "/sla_warning_raises",
                    "'sla_warning_raises'", "a boolean", log)) {
      out.sla_warning_raises = value.get<bool>();
    }
  }
  if (limits.contains("sla_breach_max_raise")) {
    if (const auto steps = read_integer(limits, pointer, "sla_breach_max_raise", 1, kLadderTop,
                                        "BAD_VALUE", "levels one SLA breach may add", log)) {
      out.sla_breach_max_raise = static_cast<int>(*steps);
    }
  }
  if (!limits.contains("level_cap_by_severity")) return;
  const std::string cp = pointer + "/level_cap_by_severity";
  const auto& caps = limits["level_cap_by_severity"];
  if (!expect_type(caps.is_object(), caps, cp, "'level_cap_by_severity'",
                   "an object of severity -> ladder role", log)) {
    return;
  }
  for (const auto& [severity, _] : caps.items()) {
    const std::string sp = cp + "/" + pointer_token(severity);
    if (!is_one_of(severity, kSeverities)) {
      log.error(
          "BAD_VALUE", sp,
          "unknown severity " + quote_name(severity) + "; expected one of: " + join(kSeverities));
      continue;
    }
    if (const auto role = read_ladder_role(caps, cp, severity.c_str(), log)) {
      out.level_cap_by_severity[severity] = ladder_rank(*role).value_or(kLadderTop);
    }
  }
  // A severity left out would escape the cap silently: every one must be named.
  for (const char* severity : kSeverities) {
    if (!caps.contains(severity)) {
      log.error("MISSING_KEY", cp + "/" + severity,
                std::string("level_cap_by_severity has no cap for severity '") + severity +
                    "' (name the highest level SLA breaches may lift it to)");
    }
  }
}

void EscalationPolicy::parse_trigger(const json& trigger, const std::string& pointer,
                                     const std::vector<std::string>& signal_kinds, Rule& rule,
                                     Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(trigger.is_object(), trigger, pointer, "'trigger'", "an object", log)) return;
  std::vector<std::string_view> names;
  for (const auto& [_, name] : kTriggerNames) names.push_back(name);
  if (!trigger.contains("type")) {
    log.error("MISSING_KEY", pointer + "/type",
              "trigger is missing 'type' (one of: " + join(names) + ")");
    return;
  }
  const auto type_name = read_string(trigger, pointer, "type", log);
  if (!type_name) return;
  const auto type = parse_trigger_name(*type_name);
  if (!type) {
    log.error("UNKNOWN_TRIGGER", pointer + "/type",
              "unknown trigger " + quote_name(*type_name) + "; expected one of: " + join(names));
    return;  // which other keys belong here depends on the type
  }
  rule.trigger = *type;

  const auto known = [&](const auto& allowed, const std::string& what) {
    return [&allowed, what, &log](const std::string& value, const std::string& p) {
      if (is_one_of(value, allowed)) return true;
      log.error(
          "BAD_VALUE", p,
          "unknown " + what + " " + quote_name(value) + "; expected one of: " + join(allowed));
      return false;
    };
  };
  const auto plain_name = [&log](const std::string& what) {
    return [what, &log](const std::string& value, const std::string& p) {
      if (is_plain_name(value)) return true;
      log.error("BAD_VALUE", p,
                what + " " + quote_name(value) +
                    " must be 1 to 64 lower-case letters, digits or underscores");
      return false;
    };
  };

  switch (*type) {
    case EscalationTrigger::kSlaWarning:
    case EscalationTrigger::kSlaBreach:
      log.check_keys(trigger, pointer, {"type", "clock"});
      if (const auto clock = read_string(trigger, pointer, "clock", log)) {
        if (is_one_of(*clock, kSlaClocks)) {
          rule.sla_clock = *clock;
        } else {
          log.error("BAD_VALUE", pointer + "/clock",
                    "unknown SLA clock " + quote_name(*clock) +
                        "; expected one of: " + join(kSlaClocks) + " (omit 'clock' to match any)");
        }
      }
      break;
    case EscalationTrigger::kPromiseBreach:
    case EscalationTrigger::kCompensationAboveAuthority:
      log.check_keys(trigger, pointer, {"type"});
      break;
    case EscalationTrigger::kSeverityAtCreation:
      log.check_keys(trigger, pointer, {"type", "severities"});
      rule.values =
          read_value_list(trigger, pointer, "severities", known(kSeverities, "severity"), log);
      break;
    case EscalationTrigger::kCustomerSegment:
      log.check_keys(trigger, pointer, {"type", "segments"});
      rule.values =
          read_value_list(trigger, pointer, "segments", plain_name("customer segment"), log);
      break;
    case EscalationTrigger::kCustomerTier:
      log.check_keys(trigger, pointer, {"type", "tiers"});
      rule.values = read_value_list(trigger, pointer, "tiers", plain_name("membership tier"), log);
      break;
    case EscalationTrigger::kRepeatComplainant:
      log.check_keys(trigger, pointer, {"type", "cases", "within_days"});
      // A single case is not a repeat; the window is capped at ten years.
      if (const auto n = read_integer(trigger, pointer, "cases", 2, 10000, "BAD_VALUE",
                                      "number of cases, including this one", log)) {
        rule.repeat_count = static_cast<int>(*n);
      }
      if (const auto d = read_integer(trigger, pointer, "within_days", 1, kMaxRepeatWindowDays,
                                      "BAD_DURATION", "window in days", log)) {
        rule.repeat_window_days = *d;
      }
      break;
    case EscalationTrigger::kThreatSignal:
      log.check_keys(trigger, pointer, {"type", "signals"});
      rule.values = read_value_list(
          trigger, pointer, "signals",
          [&](const std::string& kind, const std::string& p) {
            if (is_one_of(kind, signal_kinds)) return true;
            log.error("UNKNOWN_SIGNAL", p,
                      "signal kind " + quote_name(kind) + " is not defined in 'signals'" +
                          (signal_kinds.empty() ? std::string(" (which defines none)")
                                                : "; defined: " + join(signal_kinds)));
            return false;
          },
          log);
      break;
  }
}

void EscalationPolicy::parse_effect(const json& effect, const std::string& pointer, Rule& rule,
                                    Problems& problems) {
  JsonReader log(problems);
  if (!expect_type(effect.is_object(), effect, pointer, "'effect'", "an object", log)) return;
  log.check_keys(effect, pointer,
                 {"raise_to", "raise_by", "reassign_to_role", "team", "priority", "bypass_cap"});
  if (effect.contains("bypass_cap")) {
    const auto& value = effect["bypass_cap"];
    if (expect_type(value.is_boolean(), value, pointer + "/bypass_cap", "'bypass_cap'", "a boolean",
                    log)) {
      rule.bypass_cap = value.get<bool>();
    }
  }
  const bool any = effect.contains("raise_to") || effect.contains("raise_by") ||
                   effect.contains("reassign_to_role") || effect.contains("team") ||
                   effect.contains("priority");
  if (!any) {
    log.error("BAD_VALUE", pointer,
              "an effect needs at least one of raise_to, raise_by, reassign_to_role, team or "
              "priority");
    return;
  }
  if (effect.contains("raise_to") && effect.contains("raise_by")) {
    log.error("BAD_VALUE", pointer + "/raise_by",
              "raise_to and raise_by are exclusive: raise to a role or by a number of steps");
  }
  rule.raise_to = read_ladder_role(effect, pointer, "raise_to", log);
  if (effect.contains("raise_by")) {
    if (const auto steps = read_integer(effect, pointer, "raise_by", 1, kLadderTop, "BAD_VALUE",
                                        "ladder steps", log)) {
      rule.raise_by = static_cast<int>(*steps);
    }
  }
  rule.reassign_to_role = read_ladder_role(effect, pointer, "reassign_to_role", log);
  if (const auto team = read_string(effect, pointer, "team", log)) {
    if (is_plain_name(*team)) {
      rule.team = *team;
    } else {
      log.error("BAD_VALUE", pointer + "/team",
                "team " + quote_name(*team) +
                    " must be 1 to 64 lower-case letters, digits or underscores");
    }
  }
  if (const auto priority = read_string(effect, pointer, "priority", log)) {
    if (priority_rank(*priority) >= 0) {
      rule.priority = *priority;
    } else {
      log.error(
          "BAD_VALUE", pointer + "/priority",
          "unknown priority " + quote_name(*priority) + "; expected one of: " + join(kPriorities));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decisions

std::vector<ThreatSignal> EscalationPolicy::detect_threats(std::string_view message) const {
  std::vector<ThreatSignal> found;
  for (const auto& signal : signals_) {
    for (const auto& keyword : signal.keywords) {
      // UTF-8 is self-synchronising: a byte match of a whole non-ASCII keyword can only start on
      // a character boundary, so a plain substring search is exact for Chinese keywords (which
      // have no word boundaries to look for anyway).
      const bool hit = is_ascii(keyword) ? contains_word(message, keyword)
                                         : message.find(keyword) != std::string_view::npos;
      if (hit) found.push_back({signal.kind, keyword});
    }
  }
  return found;
}

std::optional<std::string> EscalationPolicy::match(const Rule& rule,
                                                   const EscalationSituation& situation) {
  if (rule.trigger != situation.trigger) return std::nullopt;
  const auto listed = [&](const std::string& value) {
    return rule.values.empty() || is_one_of(value, rule.values);
  };
  switch (rule.trigger) {
    case EscalationTrigger::kSlaWarning:
    case EscalationTrigger::kSlaBreach:
      if (!rule.sla_clock.empty() && rule.sla_clock != situation.sla_clock) return std::nullopt;
      return sla_clock_text(situation.sla_clock) + (rule.trigger == EscalationTrigger::kSlaBreach
                                                        ? " breached"
                                                        : " reached its warning point");
    case EscalationTrigger::kPromiseBreach:
      return std::string("a promise to the customer passed its deadline unkept");
    case EscalationTrigger::kSeverityAtCreation:
      if (!listed(situation.severity)) return std::nullopt;
      return "case opened with severity " + quote_name(situation.severity);
    case EscalationTrigger::kCustomerSegment:
      if (!listed(situation.segment)) return std::nullopt;
      return "customer segment " + quote_name(situation.segment);
    case EscalationTrigger::kCustomerTier:
      if (!listed(situation.tier)) return std::nullopt;
      return "customer tier " + quote_name(situation.tier);
    case EscalationTrigger::kRepeatComplainant: {
      // Cases opened in (now - window, now]: a case opened exactly `within_days` ago has left it.
      const Instant since = situation.now - std::chrono::days(rule.repeat_window_days);
      const auto count = std::count_if(
          situation.customer_cases_opened_at.begin(), situation.customer_cases_opened_at.end(),
          [&](Instant opened) { return opened > since && opened <= situation.now; });
      if (count < rule.repeat_count) return std::nullopt;
      return std::to_string(count) + " cases in " + std::to_string(rule.repeat_window_days) +
             (rule.repeat_window_days == 1 ? " day" : " days");
    }
    case EscalationTrigger::kThreatSignal: {
      // Group the matching keywords by kind, in the order the situation lists them:
      // customer mentioned regulator ("12315", "消协"), media ("曝光").
      std::vector<std::pair<std::string, std::string>> by_kind;  // kind -> quoted keywords
      for (const auto& signal : situation.signals) {
        if (!listed(signal.kind)) continue;
        const std::string quoted_keyword = "\"" + signal.keyword + "\"";
        auto it = std::find_if(by_kind.begin(), by_kind.end(),
                               [&](const auto& entry) { return entry.first == signal.kind; });
        if (it == by_kind.end()) {
          by_kind.emplace_back(signal.kind, quoted_keyword);
        } else {
          it->second += ", " + quoted_keyword;
        }
      }
      if (by_kind.empty()) return std::nullopt;
      std::string detail = "customer mentioned ";
      for (size_t i = 0; i < by_kind.size(); ++i) {
        if (i) detail += ", ";
        detail += by_kind[i].first + " (" + by_kind[i].second + ")";
      }
      return detail;
    }
    case EscalationTrigger::kCompensationAboveAuthority:
      return std::string("proposed compensation is above the proposer's authority");
  }
  return std::nullopt;
}

std::vector<EscalationOutcome> EscalationPolicy::evaluate(
    const EscalationSituation& situation) const {
  std::vector<EscalationOutcome> outcomes;
  for (const auto& rule : rules_) {
    auto detail = match(rule, situation);
    if (!detail) continue;
    EscalationOutcome outcome;
    outcome.rule_id = rule.id;
    // The target is capped at the top of the ladder, and a rule never lowers the level.
    int target = situation.current_level;
    if (rule.raise_to) {
      target = ladder_rank(*rule.raise_to).value_or(0);
    } else if (rule.raise_by > 0) {
      target = situation.current_level > kLadderTop - rule.raise_by
                   ? kLadderTop
                   : situation.current_level + rule.raise_by;
    }
    // Time passing is no measure of how serious a problem is: one breach adds at most the
    // limit's levels, and the severity caps where breaches may lift the case. A rule that
    // bypasses the cap names who owns the problem (a threat, or a wait on the warehouse or a
    // supplier whose own clock ran out), so it is not limited to one step either.
    const bool from_sla = rule.trigger == EscalationTrigger::kSlaBreach ||
                          rule.trigger == EscalationTrigger::kSlaWarning;
    if (from_sla && !rule.bypass_cap && limits_.sla_breach_max_raise) {
      target = std::min(target, situation.current_level + *limits_.sla_breach_max_raise);
    }
    if (!rule.bypass_cap) {
      if (const auto cap = limits_.level_cap_by_severity.find(situation.severity);
          cap != limits_.level_cap_by_severity.end()) {
        target = std::min(target, cap->second);
      }
    }
    outcome.new_level = std::max(situation.current_level, std::min(target, kLadderTop));
    outcome.reassign_to_role = rule.reassign_to_role;
    outcome.team = rule.team;
    outcome.priority = rule.priority;
    outcome.reason =
        rule.reason.empty() ? std::move(*detail) : rule.reason.english() + ": " + *detail;
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

}  // namespace redress
