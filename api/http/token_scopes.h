// Token scopes: what an integration token (another system: orders, finance, warehouse,
// messaging) may do, beyond its role. A person's token acts by its role and team alone; an
// integration token carries a list of scopes chosen when it is created — the finance system gets
// `compensations:read compensations:execute`, the order system `orders:write customers:write` —
// so a leaked token opens only what its system needs.
//
// Every route that admits the integration role requires exactly one scope. The route table
// derives it from the route itself (required_scope below, one table for the whole API), so a new
// route cannot be added without deciding its scope: Router::add refuses a route that admits
// integration tokens and maps to no scope.
//
// Thread-safety: pure functions over constant tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/http_types.h"
#include "engine/command_roles.h"

namespace redress::api {

struct TokenScope {
  const char* name;         // "cases:read"
  const char* description;  // for the OpenAPI document and the console
};

// Every scope there is, in the order documents list them.
const std::vector<TokenScope>& token_scopes();

bool is_token_scope(std::string_view name);

// The scope an integration token needs for `method` on the route `pattern` (running
// `command`, if the route runs a case command); "" for routes any token may call (/v1/me, the
// session routes, the health checks and the OpenAPI document); nullopt for a route the table
// does not know — Router::add then refuses the route if it admits integration tokens.
std::optional<std::string> required_scope(http::verb method, std::string_view pattern,
                                          std::optional<CommandKind> command);

// The scopes as stored: names joined by single spaces, in token_scopes() order.
std::string join_scopes(const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(std::string_view stored);

}  // namespace redress::api
