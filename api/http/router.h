// Router: the table of every API route — method, path pattern, who may call it, and its handler.
//
// Patterns are literal segments and `{name}` placeholders, each matching one non-empty segment
// ("/v1/cases/{id}/events"). Matching distinguishes an unknown path (404) from a known path with
// the wrong method (405 with the allowed methods). The table is also the source for the
// OpenAPI check and the per-route metrics labels.
//
// Thread-safety: build the table before serving; afterwards it is read-only and shared.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/http/request_context.h"
#include "api/http/request_handler.h"
#include "engine/command_roles.h"

namespace redress::api {

struct RouteSpec {
  http::verb method = http::verb::get;
  std::string pattern;
  std::string operation_id;  // as in the OpenAPI document: "getCase"
  std::string summary;
  // Roles that may call the route; empty: any authenticated caller. Left empty for a case
  // command: Router::add takes them from the engine's role table.
  std::vector<Role> roles;
  bool requires_token = true;  // false only for /healthz and /readyz
  Handler handler;             // for every body kind but kStreamed
  // The body the route takes; nullopt: a JSON body up to the server's --body-limit.
  std::optional<BodyPolicy> body{};
  StreamHandler stream_handler{};  // for BodyPolicy::kStreamed
  // The case command the route runs, if it runs one. Its roles are then the engine's table's
  // (engine/command_roles.h), and a role outside them is refused with the engine's own
  // rejection (403 ROLE_NOT_PERMITTED, the same detail) before the body is read, so the router
  // and the engine cannot answer a role differently.
  std::optional<CommandKind> case_command{};
  // The scope an integration token needs (api/http/token_scopes.h); "" for none. Set by
  // Router::add from the one table of scopes, never by the route itself.
  std::string scope{};
};

struct RouteMatch {
  const RouteSpec* route = nullptr;
  std::map<std::string, std::string> params;
};

class Router {
 public:
  // Throws std::logic_error for a case command route that names roles of its own (the role
  // table is their one source), and for a route that admits integration tokens but has no
  // scope in the scope table (api/http/token_scopes.h).
  void add(RouteSpec route);

  // The route for `method` on the path's segments (each percent-decoded on its own, so "%2F"
  // stays inside its segment), or a ROUTE_NOT_FOUND / METHOD_NOT_ALLOWED problem.
  std::variant<RouteMatch, ApiProblem> match(http::verb method,
                                             const std::vector<std::string>& segments) const;

  const std::vector<RouteSpec>& routes() const { return routes_; }

 private:
  std::vector<RouteSpec> routes_;
};

// A route that runs one case command, with no roles of its own: Router::add gives it the
// command's row of the engine's role table.
RouteSpec case_command_route(http::verb method, std::string pattern, std::string operation_id,
                             std::string summary, CommandKind command, Handler handler);

// Whether `role` may call `route`. There is no implicit super-user: a route names every role it
// admits.
bool role_allowed(const RouteSpec& route, Role role);

// Whether `principal` may call `route` as far as token scopes go: always for a person's token;
// for an integration token, when it carries the route's scope.
bool scope_allowed(const RouteSpec& route, const Principal& principal);

// The 403 INSUFFICIENT_SCOPE for an integration token without the route's scope.
ApiProblem scope_refusal(const RouteSpec& route);

// The 403 for a role `route` does not admit: FORBIDDEN naming the allowed roles, or for a case
// command the engine's ROLE_NOT_PERMITTED rejection.
ApiProblem role_refusal(const RouteSpec& route, Role role);

// Splits a request target (RFC 3986 origin-form, parsed by Boost.URL) into its decoded path
// segments and query parameters. Each segment is decoded on its own; dot segments are kept as
// they are. In the query '+' is a space (form encoding) and "%2B" a plus. Errors, BAD_REQUEST in
// the path and INVALID_QUERY in the query, name the fault: a character that must be
// percent-encoded, bad percent-encoding, a NUL byte, invalid UTF-8; also a target over 8 KiB or
// not starting with '/', more than 100 query parameters.
struct ParsedTarget {
  std::string path;  // decoded, segments joined with '/'
  std::vector<std::string> segments;
  std::multimap<std::string, std::string> query;
};
std::variant<ParsedTarget, ApiProblem> parse_target(std::string_view target);

}  // namespace redress::api
