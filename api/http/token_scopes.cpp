#include "api/http/token_scopes.h"

#include <algorithm>

namespace redress::api {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

const std::vector<TokenScope>& token_scopes() {
  static const std::vector<TokenScope> scopes = {
      {"cases:read",
       "read cases, their journals, links, compensations and attachments; list promises across "
       "cases; subscribe to case topics of the live stream"},
      {"cases:write",
       "open cases and run case commands (transitions, fields, messages, "
       "replies, comments, promises, escalations, links, attachments)"},
      {"compensations:read",
       "read the compensation ledger, its CSV export and the approval "
       "queue"},
      {"compensations:write", "propose and withdraw compensation on a case"},
      {"compensations:execute",
       "report an approved compensation as executed, with the "
       "external reference"},
      {"customers:read", "read and search customer records (contacts masked) and their orders"},
      {"customers:contacts", "read a customer's full contacts (each view is recorded)"},
      {"customers:write", "create, change, merge and erase customer records; import customers"},
      {"orders:read", "read orders and their refunds"},
      {"orders:write", "create and update orders; import orders"},
      {"imports:read", "read import jobs and their bad lines"},
      {"webhooks:manage", "manage webhook subscriptions and their deliveries"},
      {"directory:read", "read teams, users and their workload"},
      {"workflows:read", "read workflow definitions and policies; validate definitions"},
      {"metrics:read", "read the Prometheus metrics"},
  };
  return scopes;
}

bool is_token_scope(std::string_view name) {
  const auto& scopes = token_scopes();
  return std::any_of(scopes.begin(), scopes.end(),
                     [&](const TokenScope& scope) { return name == scope.name; });
}

std::optional<std::string> required_scope(http::verb method, std::string_view pattern,
                                          std::optional<CommandKind> command) {
  const bool reads = method == http::verb::get || method == http::verb::head;
  if (command) {
    switch (*command) {
      case CommandKind::kProposeCompensation:
      case CommandKind::kWithdrawCompensation:
        return "compensations:write";
      case CommandKind::kMarkCompensationExecuted:
        return "compensations:execute";
      default:
        return "cases:write";
    }
  }
  if (pattern == "/v1/me" || starts_with(pattern, "/v1/sessions")) return std::string();
  if (pattern == "/v1/customers/{id}/contacts") return "customers:contacts";
  if (pattern == "/v1/imports/customers") return "customers:write";
  if (pattern == "/v1/imports/orders") return "orders:write";
  // Parcel movements belong to the order system's side of the shop.
  if (pattern == "/v1/carrier-events") return "orders:write";
  if (pattern == "/v1/approvals") return "compensations:read";
  if (pattern == "/v1/workflows/validate") return "workflows:read";
  if (pattern == "/metrics") return "metrics:read";
  if (pattern == "/healthz" || pattern == "/readyz" || pattern == "/v1/openapi.json") {
    return std::string();
  }
  if (pattern == "/v1/stream") return "cases:read";
  // Reports aggregate cases: whoever may read cases may read them (scoped like cases).
  if (starts_with(pattern, "/v1/reports") && reads) return "cases:read";
  if (starts_with(pattern, "/v1/cases")) return reads ? "cases:read" : "cases:write";
  if (pattern == "/v1/promises" && reads) return "cases:read";  // promises are part of cases
  if (starts_with(pattern, "/v1/compensations")) {
    if (reads) return "compensations:read";
    return std::nullopt;
  }
  if (starts_with(pattern, "/v1/customers")) return reads ? "customers:read" : "customers:write";
  if (starts_with(pattern, "/v1/orders")) return reads ? "orders:read" : "orders:write";
  if (starts_with(pattern, "/v1/imports") && reads) return "imports:read";
  if (starts_with(pattern, "/v1/webhooks")) return "webhooks:manage";
  if (reads && (starts_with(pattern, "/v1/teams") || starts_with(pattern, "/v1/users"))) {
    return "directory:read";
  }
  if (reads && (starts_with(pattern, "/v1/workflows") || starts_with(pattern, "/v1/policies"))) {
    return "workflows:read";
  }
  return std::nullopt;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string joined;
  for (const auto& scope : token_scopes()) {
    if (std::find(scopes.begin(), scopes.end(), scope.name) == scopes.end()) continue;
    if (!joined.empty()) joined += ' ';
    joined += scope.name;
  }
  return joined;
}

std::vector<std::string> split_scopes(std::string_view stored) {
  std::vector<std::string> scopes;
  while (!stored.empty()) {
    const size_t space = stored.find(' ');
    const auto name = stored.substr(0, space);
    if (!name.empty()) scopes.emplace_back(name);
    if (space == std::string_view::npos) break;
    stored.remove_prefix(space + 1);
  }
  return scopes;
}

}  // namespace redress::api
