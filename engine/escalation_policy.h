// EscalationPolicy: when a case is lifted to a team lead, supervisor or manager, and what that
// does.
//
// Rules are data. Each has a trigger and an effect:
//   triggers  sla_warning / sla_breach (optionally for one SLA clock), promise_breach,
//             severity_at_creation, customer_segment, customer_tier, repeat_complainant
//             (N cases in D days), threat_signal (platform dispute, regulator such as 12315,
//             media exposure, lawyer; keywords in Chinese and English),
//             compensation_above_authority
//   effects   raise the escalation level (to a ladder role, or by N steps, never above manager
//             and never lowering), reassign to a role's queue / a team, raise priority.
// Optional `limits` keep time-driven escalation in proportion to the problem: SLA warnings
// notify only (no rule on them may raise), one SLA breach raises at most N levels, and a raise
// stops at the level the case's severity allows (low/normal -> team lead ...). A rule whose
// effect says `bypass_cap` (threats, critical at creation, valued customers) raises to its
// target whatever the cap.
// Every match carries a reason a person can read ("SLA resolution breached", "customer mentioned
// 12315"), which the engine records on the case and in the case.escalated event.
//
// Thread-safety: immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/localized_text.h"
#include "engine/role.h"
#include "engine/time.h"
#include "engine/validation_problem.h"

namespace redress {

enum class EscalationTrigger {
  kSlaWarning,
  kSlaBreach,
  kPromiseBreach,
  kSeverityAtCreation,
  kCustomerSegment,
  kCustomerTier,
  kRepeatComplainant,
  kThreatSignal,
  kCompensationAboveAuthority,
};

const char* escalation_trigger_name(EscalationTrigger trigger);

// A keyword match in a customer's message.
struct ThreatSignal {
  std::string kind;     // "platform_dispute", "regulator", "media", "lawyer", ...
  std::string keyword;  // the keyword that matched, as written in the policy
};

// What just happened to a case; the policy returns the rules it triggers.
struct EscalationSituation {
  EscalationTrigger trigger = EscalationTrigger::kSlaBreach;
  std::string sla_clock;              // for SLA triggers: "first_response", "stage", "resolution"
  std::string severity;               // case severity
  std::string segment;                // customer segment
  std::string tier;                   // customer membership tier
  std::vector<ThreatSignal> signals;  // for kThreatSignal
  // For kRepeatComplainant: when this customer's cases (including this one) were opened.
  std::vector<Instant> customer_cases_opened_at;
  Instant now{};
  int current_level = 0;  // ladder rank of the case's escalation level
};

// The policy's `limits` (all optional; absent = no limit, the behaviour before limits existed).
struct EscalationLimits {
  bool sla_warning_raises = true;                    // false: a warning rule may not raise
  std::optional<int> sla_breach_max_raise;           // levels one SLA breach may add
  std::map<std::string, int> level_cap_by_severity;  // severity -> highest ladder rank
};

struct EscalationOutcome {
  std::string rule_id;
  int new_level = 0;                     // ladder rank after the escalation (>= current_level)
  std::optional<Role> reassign_to_role;  // route to this role's queue
  std::optional<std::string> team;       // route to this team
  std::optional<std::string> priority;   // raise priority to this ("high", "urgent")
  std::string reason;                    // human-readable, names the trigger and its detail
};

class EscalationPolicy {
 public:
  // Parses the escalation policy (see workflows/README.md), reporting every problem into
  // `problems` under `pointer`. nullopt when any error was reported. Problem codes include
  // UNKNOWN_TRIGGER, UNKNOWN_ROLE, UNKNOWN_SIGNAL, BAD_DURATION, BAD_VALUE, DUPLICATE_NAME,
  // UNKNOWN_KEY, MISSING_KEY, BAD_TYPE.
  static std::optional<EscalationPolicy> parse(const nlohmann::json& definition,
                                               const std::string& pointer, Problems& problems);

  // Signals found in a customer's message. ASCII keywords match case-insensitively on word
  // boundaries ("sue" does not match "issue"); other keywords (Chinese) match as substrings.
  std::vector<ThreatSignal> detect_threats(std::string_view message) const;

  // The rules this situation triggers, in policy order. Rules that would not raise the level and
  // have no other effect are still returned (the engine records them); a rule never lowers it.
  std::vector<EscalationOutcome> evaluate(const EscalationSituation& situation) const;

  // Each rule's reason words (rule id -> label), for rules that give one: what a client shows,
  // in its reader's language, for an escalation whose journal entry names the rule.
  std::map<std::string, LocalizedText> rule_reasons() const;

  // Priorities in increasing order: low, normal, high, urgent.
  static int priority_rank(std::string_view priority);

  const EscalationLimits& limits() const { return limits_; }

 private:
  struct Rule {
    std::string id;
    EscalationTrigger trigger;
    std::string sla_clock;                // empty = any clock
    std::vector<std::string> values;      // severities / segments / tiers / signal kinds
    int repeat_count = 0;                 // repeat_complainant: N cases ...
    std::int64_t repeat_window_days = 0;  // ... within D days
    std::optional<Role> raise_to;
    int raise_by = 0;
    std::optional<Role> reassign_to_role;
    std::optional<std::string> team;
    std::optional<std::string> priority;
    bool bypass_cap = false;  // raises past the severity cap (threats, critical at creation)
    // Optional words from the policy saying why, in each language (LocalizedText); the English
    // words lead the outcome's reason, which the journal keeps.
    LocalizedText reason;
  };
  struct SignalKeywords {
    std::string kind;
    std::vector<std::string> keywords;
  };

  EscalationPolicy() = default;

  // Fill one rule's trigger / effect from the definition, reporting every problem; `signal_kinds`
  // are the kinds the policy's "signals" defines.
  static void parse_trigger(const nlohmann::json& trigger, const std::string& pointer,
                            const std::vector<std::string>& signal_kinds, Rule& rule,
                            Problems& problems);
  static void parse_effect(const nlohmann::json& effect, const std::string& pointer, Rule& rule,
                           Problems& problems);
  // The human-readable detail of a match ("SLA 'resolution' breached"); nullopt when the rule
  // does not match.
  static std::optional<std::string> match(const Rule& rule, const EscalationSituation& situation);

  // Reads `limits`, reporting every problem.
  static void parse_limits(const nlohmann::json& limits, const std::string& pointer,
                           EscalationLimits& out, Problems& problems);

  std::vector<Rule> rules_;
  std::vector<SignalKeywords> signals_;
  EscalationLimits limits_;
};

}  // namespace redress
