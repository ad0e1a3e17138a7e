// CompensationPolicy: what remedies exist, who may grant how much, and which remedies to suggest.
//
// Every single amount (a proposal, an order's paid and refunded amounts, a money field) is bounded
// by the policy's `max_amount` for its currency (default and ceiling: kMaxMoneyAmount).
// Authority is per ladder role (agent, team_lead, supervisor, manager) with two limits, both in
// the policy currency's minor units and both optional (absent = unlimited):
//   - per_case: the case's total granted compensation including this proposal;
//   - per_customer_30d: the customer's total granted compensation over the rolling 30 days
//     before now, across all their cases, including this proposal.
// A proposal within the proposer's authority is approved at once; above it, it goes to the
// lowest role whose limits cover it; if none does, it is refused. Nobody approves their own
// proposal. A refund never exceeds what was paid minus what was already refunded.
// Suggestions match a case's category, fault party, severity and customer segment and are
// returned cheapest first for the shop (少赔为赚).
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

#include "engine/business_calendar.h"
#include "engine/localized_text.h"
#include "engine/money.h"
#include "engine/result.h"
#include "engine/role.h"
#include "engine/validation_problem.h"

namespace redress {

enum class CompensationType {
  kFullRefund,
  kPartialRefund,
  kReturnAndRefund,
  kExchange,
  kReshipment,
  kRepair,
  kCoupon,
  kNextOrderDiscount,
  kFullReductionVoucher,  // 满减
  kGift,
  kPoints,
  kMembershipUpgrade,
  kApologyOnly,
};

std::optional<CompensationType> parse_compensation_type(std::string_view name);
const char* compensation_type_name(CompensationType type);  // "full_refund", "coupon", ...
// Types that move money back to the customer and are capped by the refundable amount.
bool is_refund(CompensationType type);

struct AuthorityLimit {
  Role role = Role::kAgent;
  std::optional<std::int64_t> per_case;          // minor units; nullopt = unlimited
  std::optional<std::int64_t> per_customer_30d;  // minor units; nullopt = unlimited
};

// What the engine knows when a compensation is proposed.
struct ProposalInput {
  CompensationType type = CompensationType::kApologyOnly;
  Money value;  // cost to the shop (for refunds: the amount refunded)
  Role proposer_role = Role::kAgent;
  Money order_paid;            // amount paid for the order the case is about
  Money order_refunded;        // already refunded (executed or approved refunds)
  Money case_granted;          // already granted on this case (approved, not rejected)
  Money customer_granted_30d;  // already granted to this customer in the last 30 days, all cases
};

struct ProposalOutcome {
  bool approved_now = false;          // within the proposer's authority
  Role required_role = Role::kAgent;  // when not approved_now: the lowest role that may approve
  // Why, for the approval request and the journal: the limit that was exceeded and by how much
  // ("agent authority per case is CNY 50.00; this case would total CNY 50.01 — needs team_lead
  // approval"), or which authority covers it when approved_now.
  std::string reason;
  // The same when not approved_now, as data a reader words in its own language:
  // {"proposer_role": "agent", "exceeded": [{"scope": "per_case" | "per_customer_30d",
  //   "limit": Money, "total": Money}]}; "exceeded" is empty when the proposer's role has no
  // compensation authority at all.
  nlohmann::json authority_check;
};

// How much of one limit a role has used and has left, in the policy currency's minor units.
struct AuthorityUse {
  std::optional<std::int64_t> limit;      // nullopt = unlimited
  std::int64_t granted = 0;               // what evaluate() counts as already granted
  std::optional<std::int64_t> remaining;  // limit - granted, at least 0; nullopt = unlimited
};

// A role's authority on one case: what a proposal of theirs may still add before it needs
// approval. Both limits are always given for a ladder role (every ladder role has an entry).
struct RemainingAuthority {
  Role role = Role::kAgent;
  std::string currency;
  AuthorityUse per_case;
  AuthorityUse per_customer_30d;
};

struct RemedyQuery {
  std::string category;
  std::string fault_party;  // shop, carrier, supplier, customer, unknown
  std::string severity;     // low, normal, high, critical
  std::string segment;      // customer segment, e.g. "vip", "champions", "new"
  Money order_paid;
};

struct SuggestedRemedy {
  CompensationType type = CompensationType::kApologyOnly;
  Money estimated_cost;
  LocalizedText note;   // e.g. "apologise, explain the cause" / "致歉并说明原因"
  std::string rule_id;  // the suggestion rule that produced it
};

class CompensationPolicy {
 public:
  // Parses the compensation policy (see workflows/README.md), reporting every problem into
  // `problems` under `pointer`. nullopt when any error was reported. Problem codes include
  // UNKNOWN_ROLE, UNKNOWN_COMPENSATION_TYPE, BAD_MONEY, BAD_LIMIT (a higher role with a lower
  // limit than a lower role), DUPLICATE_NAME, UNKNOWN_KEY, MISSING_KEY, BAD_TYPE.
  static std::optional<CompensationPolicy> parse(const nlohmann::json& definition,
                                                 const std::string& pointer, Problems& problems);

  const std::string& currency() const { return currency_; }

  // The largest single amount accepted in `currency`, in minor units: the policy's `max_amount`
  // entry for it, else kMaxMoneyAmount. Proposals, order amounts and money fields above it are
  // refused, so no total of them can come near overflowing.
  std::int64_t max_amount(const std::string& currency) const;
  // The `max_amount` entries as given: currency -> largest single amount.
  const std::map<std::string, std::int64_t>& max_amounts() const { return max_amounts_; }
  // AMOUNT_TOO_LARGE (pointer "/amount") when `amount` is above max_amount of its currency; the
  // message starts with `what` ("coupon value", "order paid") and names the maximum.
  Status check_amount(const Money& amount, const std::string& what) const;
  const std::vector<AuthorityLimit>& limits() const { return limits_; }
  // How long an approved compensation may wait to be carried out before the case raises
  // compensation.execution_overdue (a webhook and a journal entry); nullopt: never.
  const std::optional<Duration>& execution_alert_after() const { return execution_alert_after_; }

  // Decides how a proposal proceeds. Errors (code, message):
  //   CURRENCY_MISMATCH   value currency differs from the policy's or the order's
  //   AMOUNT_TOO_LARGE    value above max_amount(currency)
  //   INVALID_AMOUNT      negative; apology_only with a non-zero value; full_refund not equal to
  //                       the refundable remainder; a zero refund
  //   REFUND_EXCEEDS_PAID refund above paid - already refunded
  //   EXCEEDS_AUTHORITY   no role's limits cover it
  // Totals are summed saturating: a total past int64 is above every finite limit.
  Result<ProposalOutcome> evaluate(const ProposalInput& input) const;

  // The proposer's authority left against the totals evaluate() would judge `input` by (its
  // case_granted and customer_granted_30d; its value is ignored). nullopt for a role the policy
  // gives no authority (off the ladder: admin, integration). A total that is recorded in
  // another currency counts as nothing here; evaluate() refuses such a proposal.
  std::optional<RemainingAuthority> remaining_authority(const ProposalInput& input) const;

  // Whether `approver` may approve or reject a proposal that requires `required_role`:
  // SELF_APPROVAL when approver_id == proposer_id; ROLE_NOT_PERMITTED when the approver is below
  // the required role on the ladder (or off the ladder).
  Status check_approver(const Actor& approver, const std::string& proposer_id,
                        Role required_role) const;

  // Suggestions for the query, cheapest first; ties keep the policy's order.
  std::vector<SuggestedRemedy> suggest(const RemedyQuery& query) const;

 private:
  struct RemedyOption {
    CompensationType type;
    std::optional<Money> fixed_cost;                  // a fixed cost, or
    std::optional<std::int64_t> percent_of_order_bp;  // basis points of the order paid
    LocalizedText note;
  };
  struct SuggestionRule {
    std::string id;
    std::vector<std::string> categories, fault_parties, severities, segments;  // empty = any
    std::vector<RemedyOption> remedies;
  };

  CompensationPolicy() = default;

  // Parse one suggestion rule / remedy, reporting problems; nullopt when any error was reported.
  static std::optional<SuggestionRule> parse_suggestion(const nlohmann::json& item,
                                                        const std::string& pointer,
                                                        const std::string& currency,
                                                        Problems& problems);
  static std::optional<RemedyOption> parse_remedy(const nlohmann::json& item,
                                                  const std::string& pointer,
                                                  const std::string& currency, Problems& problems);

  std::string currency_;
  std::optional<Duration> execution_alert_after_;
  std::map<std::string, std::int64_t> max_amounts_;  // currency -> largest single amount
  std::vector<AuthorityLimit> limits_;               // ordered agent .. manager
  std::vector<SuggestionRule> suggestions_;
};

}  // namespace redress
