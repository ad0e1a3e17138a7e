// /v1/sessions and /v1/me: the web console's sign-in and "who am I".
//
// A person pastes a long-lived API token once; the console exchanges it for a short-lived
// session secret (rds_...) and keeps only that. The session acts with its parent token's user
// and role, counts against the parent's rate limit (the pipeline keys the limiter by
// Principal::token_id, which is the parent's) and ends when it expires, is revoked, or its parent
// stops working. The secret is in exactly one response, the 201 of POST /v1/sessions; storage
// keeps only its SHA-256.
//
// Expiry: a session expires --session-ttl after it was created or last refreshed, never later
// than --session-max-age after its creation, and never after its parent token's own expiry.
#include <algorithm>
#include <optional>
#include <string>
#include <variant>

#include "api/http/json_body.h"
#include "api/http/json_time.h"
#include "api/http/token_codec.h"
#include "api/routes/routes.h"
#include "engine/command_roles.h"
#include "engine/compensation_policy.h"
#include "engine/workflow_catalog.h"

namespace redress::api {
namespace {

// Everyone who can hold a token; `system` is Redress itself and never does.
const std::vector<Role> kEveryCaller = {Role::kAgent,   Role::kTeamLead, Role::kSupervisor,
                                        Role::kManager, Role::kAdmin,    Role::kIntegration};

// The session endpoints take no members: an empty body or `{}`. Anything else is refused like an
// unknown member anywhere else (a typo must not be silently ignored). False: refused and answered.
bool read_empty_body(const RequestContext& ctx, const Responder& respond) {
  const auto body = body_object(ctx, respond, /*empty_is_object=*/true);
  if (!body) return false;
  BodyReader reader(*body, "", {});
  if (!reader.ok()) {
    respond.problem(ctx, reader.problem());
    return false;
  }
  return true;
}

// The refusal for a session endpoint called with an API token rather than a session secret.
ApiProblem needs_session(const std::string& what) {
  return ApiProblem::forbidden(what +
                               " needs a console session: call it with the session secret "
                               "(rds_...) that POST /v1/sessions answered, not with an API token");
}

// POST /v1/sessions (createSession): exchange a person's API token for a console session.
void create_session(ServerContext& context, RequestPtr ctx, Responder respond) {
  if (!read_empty_body(*ctx, respond)) return;
  const auto& who = ctx->who();
  if (!who.session_id.empty()) {
    return respond.problem(
        *ctx, ApiProblem::forbidden("a session cannot open another session; extend this one with "
                                    "POST /v1/sessions/current/refresh, or sign in again with "
                                    "your API token"));
  }
  if (who.user_id.empty()) {
    return respond.problem(
        *ctx, ApiProblem::forbidden("token " + who.token_id +
                                    " belongs to no person (an integration token); console "
                                    "sessions are for people: sign in with a token created for "
                                    "a user"));
  }
  auto parent = context.directory.get_token(who.token_id);
  if (!parent.ok()) return respond.problem(*ctx, from_error(parent.error()));
  if (!parent.value()) {
    // Authenticated a moment ago; only a broken invariant removes a token.
    return respond.problem(*ctx, ApiProblem::internal("the server failed to open a session",
                                                      "token " + who.token_id + " vanished"));
  }
  Instant end = ctx->now + context.config.session_max_age;
  if (parent.value()->expires_at) end = std::min(end, *parent.value()->expires_at);
  const Instant expires = std::min(ctx->now + context.config.session_ttl, end);

  const auto secret = generate_session_token();
  storage::NewSession session{secret.id, secret.hash, who.token_id, expires, end};
  context.directory.create_session(
      std::move(session), ctx->now,
      [ctx, respond, shown_once = secret.token](Result<storage::Session> created) {
        if (!created.ok()) return respond.problem(*ctx, from_error(created.error()));
        const auto& s = created.value();
        const auto& who = ctx->who();
        auto response = json_response(ctx->request, http::status::created,
                                      {{"id", s.id},
                                       {"token", shown_once},  // the only time it is shown
                                       {"expires_at", format_rfc3339(s.expires_at)},
                                       {"user_id", who.user_id},
                                       {"role", role_name(who.actor.role)},
                                       {"token_id", s.token_id}});
        response.set(http::field::location, "/v1/sessions/current");
        respond(std::move(response));
      });
}

// POST /v1/sessions/current/refresh (refreshSession): extend the session used for the request.
void refresh_session(ServerContext& context, RequestPtr ctx, Responder respond) {
  if (!read_empty_body(*ctx, respond)) return;
  const auto& who = ctx->who();
  if (who.session_id.empty()) return respond.problem(*ctx, needs_session("refreshing a session"));
  const auto id = who.session_id;
  context.directory.refresh_session(
      id, ctx->now, context.config.session_ttl,
      [ctx, respond, &context, id](Result<storage::Session> refreshed) {
        if (!refreshed.ok()) return respond.problem(*ctx, from_error(refreshed.error()));
        context.auth.forget_session(id);  // the cached grant holds the old expiry
        respond.json(*ctx, http::status::ok,
                     {{"id", refreshed.value().id},
                      {"expires_at", format_rfc3339(refreshed.value().expires_at)}});
      });
}

// DELETE /v1/sessions/current (revokeSession): sign out.
void revoke_session(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto& who = ctx->who();
  if (who.session_id.empty()) return respond.problem(*ctx, needs_session("signing out"));
  const auto id = who.session_id;
  context.directory.revoke_session(
      id, ctx->now, [ctx, respond, &context, id](Result<storage::Session> revoked) {
        if (!revoked.ok()) return respond.problem(*ctx, from_error(revoked.error()));
        context.auth.forget_session(id);         // refused from the very next request
        context.on_credentials_changed(id, "");  // and its open streams closed
        respond.no_content(*ctx);
      });
}

// The compensation authority of `role`: the limits of the compensation policy that the first
// loaded workflow (in id order; `complaint` in the shipped set) uses. Null for a role off the
// ladder, or when that workflow names no compensation policy.
nlohmann::json role_authority_json(const WorkflowCatalog& catalog, Role role) {
  const auto workflows = catalog.workflows();
  if (workflows.empty()) return nullptr;
  const auto workflow = catalog.latest(workflows.front()->id);
  const auto* policy = catalog.compensation_policy(workflow->policies.compensation);
  if (!policy) return nullptr;
  const auto& limits = policy->limits();
  const auto limit = std::find_if(limits.begin(), limits.end(),
                                  [role](const AuthorityLimit& l) { return l.role == role; });
  if (limit == limits.end()) return nullptr;
  auto amount = [](const std::optional<std::int64_t>& a) {
    return a ? nlohmann::json(*a) : nlohmann::json(nullptr);
  };
  return {{"currency", policy->currency()},
          {"per_case", amount(limit->per_case)},
          {"per_customer_30d", amount(limit->per_customer_30d)}};
}

// GET /v1/me (getMe): who the caller is and what they may do.
void get_me(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto& who = ctx->who();
  const Role role = who.actor.role;

  nlohmann::json user = nullptr;
  nlohmann::json team = nullptr;
  if (!who.user_id.empty()) {
    auto found = context.directory.get_user(who.user_id);
    if (!found.ok()) return respond.problem(*ctx, from_error(found.error()));
    if (const auto& u = found.value()) {
      user = {
          {"id", u->id},
          {"display_name", u->display_name},
          {"role", role_name(u->role)},
          {"team_id", u->team_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(u->team_id)},
          {"availability", availability_name(u->availability)},
          {"availability_since", time_or_null(u->availability_since)},
          {"skills", u->skills}};
      if (!u->team_id.empty()) {
        auto t = context.directory.get_team(u->team_id);
        if (!t.ok()) return respond.problem(*ctx, from_error(t.error()));
        if (t.value()) {
          team = {{"id", t.value()->id},
                  {"name", t.value()->name},
                  {"calendar", t.value()->calendar.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(t.value()->calendar)}};
        }
      }
    }
  }

  auto token = context.directory.get_token(who.token_id);
  if (!token.ok()) return respond.problem(*ctx, from_error(token.error()));
  nlohmann::json token_view = {
      {"id", who.token_id},
      {"label", token.value() ? token.value()->label : ""},
      {"expires_at",
       token.value() ? time_or_null(token.value()->expires_at) : nlohmann::json(nullptr)},
      {"kind", who.session_id.empty() ? "token" : "session"}};
  nlohmann::json session = nullptr;
  if (!who.session_id.empty()) {
    auto found = context.directory.get_session(who.session_id);
    if (!found.ok()) return respond.problem(*ctx, from_error(found.error()));
    if (found.value()) {
      session = {{"id", found.value()->id},
                 {"expires_at", format_rfc3339(found.value()->expires_at)}};
    }
  }

  nlohmann::json commands = nlohmann::json::array();
  for (const auto command : kCommandKinds) {
    if (command_allowed(command, role)) commands.push_back(command_name(command));
  }
  respond.json(*ctx, http::status::ok,
               {{"user", std::move(user)},
                {"role", role_name(role)},
                {"team", std::move(team)},
                {"token", std::move(token_view)},
                {"session", std::move(session)},
                {"authority", role_authority_json(context.store.engine().catalog(), role)},
                {"commands", std::move(commands)}});
}

}  // namespace

void add_session_routes(Router& router, ServerContext& context) {
  router.add({http::verb::post, "/v1/sessions", "createSession",
              "exchange a person's API token for a console session", kEveryCaller, true,
              bind_handler(context, create_session)});

  router.add({http::verb::post, "/v1/sessions/current/refresh", "refreshSession",
              "extend the console session used for the request", kEveryCaller, true,
              bind_handler(context, refresh_session)});

  router.add({http::verb::delete_, "/v1/sessions/current", "revokeSession",
              "sign out: revoke the console session used for the request", kEveryCaller, true,
              bind_handler(context, revoke_session)});

  router.add({http::verb::get, "/v1/me", "getMe",
              "the caller: user, role, team, credential, compensation authority and commands",
              kEveryCaller, true, bind_handler(context, get_me)});
}

}  // namespace redress::api
