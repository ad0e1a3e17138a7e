// /v1/teams, /v1/users, /v1/tokens: the people, teams and bearer tokens behind authentication,
// and what automatic assignment reads of them: a team's calendar (its working hours), a user's
// availability (on shift or away, set by the user or a lead) and skills.
//
// Every write goes through DirectoryStore's callback form and answers from the storage writer
// after the commit; reads answer at once from the read-only connections. A token's secret is in
// exactly one response — the 201 of POST /v1/tokens — and never again: listings carry neither
// the secret nor its hash. After a change that affects authentication (user role, team,
// deactivation; token revocation) the authenticator's cached grants are dropped before the
// response is sent, so the change holds for the very next request.
//
// Listings page by id (page_token.h: keyset pagination, opaque tokens refused by other listings).
#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/http/json_body.h"
#include "api/http/json_time.h"
#include "api/http/token_codec.h"
#include "api/http/token_scopes.h"
#include "api/routes/page_token.h"
#include "api/routes/routes.h"
#include "engine/workflow_catalog.h"

namespace redress::api {
namespace {

constexpr size_t kMaxIdBytes = 128;    // DirectoryStore checks the characters
constexpr size_t kMaxTextBytes = 200;  // names, display names, labels

const std::vector<Role> kAdminOnly = {Role::kAdmin};
// People who assign cases need to see who and which teams there are.
const std::vector<Role> kDirectoryReaders = {Role::kAdmin, Role::kTeamLead, Role::kSupervisor,
                                             Role::kManager};
// People who have an availability, or set others' (may_set_availability says whose).
const std::vector<Role> kAvailabilitySetters = {Role::kAgent, Role::kTeamLead, Role::kSupervisor,
                                                Role::kManager, Role::kAdmin};

// --- JSON views ------------------------------------------------------------------------------

nlohmann::json optional_id(const std::string& id) {
  return id.empty() ? nlohmann::json(nullptr) : nlohmann::json(id);
}

nlohmann::json team_json(const storage::Team& team) {
  return {{"id", team.id},
          {"name", team.name},
          {"calendar", optional_id(team.calendar)},
          {"created_at", format_rfc3339(team.created_at)}};
}

nlohmann::json user_json(const storage::User& user) {
  return {{"id", user.id},
          {"display_name", user.display_name},
          {"role", role_name(user.role)},
          {"team_id", optional_id(user.team_id)},
          {"active", user.active},
          {"created_at", format_rfc3339(user.created_at)},
          {"availability", availability_name(user.availability)},
          {"availability_since", time_or_null(user.availability_since)},
          {"availability_set_by", optional_id(user.availability_by)},
          {"skills", user.skills}};
}

nlohmann::json availability_change_json(const storage::AvailabilityChange& change) {
  return {{"availability", availability_name(change.availability)},
          {"changed_by", change.changed_by},
          {"at", format_rfc3339(change.at)}};
}

// Never the secret nor its hash: storage does not have the one and this view omits the other.
nlohmann::json token_json(const storage::ApiToken& token) {
  return {{"id", token.id},
          {"user_id", optional_id(token.user_id)},
          {"role", role_name(token.role)},
          {"label", token.label},
          {"created_at", format_rfc3339(token.created_at)},
          {"expires_at", time_or_null(token.expires_at)},
          {"revoked_at", time_or_null(token.revoked_at)},
          {"last_used_at", time_or_null(token.last_used_at)},
          {"scopes", split_scopes(token.scopes)}};
}

// --- responses -------------------------------------------------------------------------------

void respond_created(const RequestContext& ctx, const Responder& respond,
                     const std::string& location, const nlohmann::json& body) {
  auto response = json_response(ctx.request, http::status::created, body);
  response.set(http::field::location, location);
  respond(std::move(response));
}

ApiProblem not_found(const std::string& detail, const std::string& pointer = "") {
  ApiProblem problem = ApiProblem::not_found(detail);
  if (!pointer.empty()) problem.errors.push_back({pointer, detail, ErrorCode::kNotFound});
  return problem;
}

// A role named in a request body: any role but "system".
std::optional<Role> read_role(BodyReader& reader, const std::string& key, bool required) {
  auto text = reader.string(key, required, 32);
  if (!text) return std::nullopt;
  const auto role = parse_role(*text);
  if (!role || *role == Role::kSystem) {
    reader.add(reader.pointer(key),
               "unknown role '" + *text +
                   "'; use agent, team_lead, supervisor, manager, admin or integration",
               problem_params("not_one_of", {{"allowed",
                                              {"agent", "team_lead", "supervisor", "manager",
                                               "admin", "integration"}}}));
    return std::nullopt;
  }
  return role;
}

// --- pagination ------------------------------------------------------------------------------

// Teams, users and tokens page by id, 50 to a page unless asked.
PageListing id_listing(std::string name) {
  return {std::move(name), {PageKeyType::kString}, 50};
}
const PageListing kTeamListing = id_listing("teams");
const PageListing kUserListing = id_listing("users");
const PageListing kTokenListing = id_listing("tokens");

// Reads page_size and page_token after the listing's own parameters were read through `query`,
// lists one page with `list(after_id, limit)` (rows with id > after_id, by id) and answers
// {"<listing name>": [...], "next_page_token": ...}.
template <typename Row, typename List, typename ToJson>
void respond_page(const RequestContext& ctx, const Responder& respond, QueryReader& query,
                  const PageListing& listing, List list, ToJson to_json) {
  const auto page = read_page(query, listing);
  if (!query.ok()) return respond.problem(ctx, query.problem());
  const std::string after = page.after ? std::get<std::string>(page.after->front()) : "";
  Result<std::vector<Row>> rows = list(after, page.rows_to_read());
  if (!rows.ok()) return respond.problem(ctx, from_error(rows.error()));
  const auto next =
      finish_page(rows.value(), page, listing, [](const Row& row) { return PagePosition{row.id}; });
  nlohmann::json items = nlohmann::json::array();
  for (const auto& row : rows.value()) items.push_back(to_json(row));
  respond.json(ctx, http::status::ok,
               {{listing.name, std::move(items)}, {"next_page_token", page_token_json(next)}});
}

// A team's calendar named in a body: the id of a calendar the loaded workflows define, or null /
// "" for none. Absent: nullopt.
std::optional<std::string> read_calendar(ServerContext& context, BodyReader& reader,
                                         const nlohmann::json& body) {
  if (const auto it = body.find("calendar"); it != body.end() && it->is_null()) return "";
  auto calendar = reader.string("calendar", false, kMaxIdBytes, /*allow_empty=*/true);
  if (!calendar || calendar->empty()) return calendar;
  const auto& catalog = context.store.engine().catalog();
  if (!catalog.calendar(*calendar)) {
    const auto known = catalog.policy_ids(PolicyKind::kCalendar);
    reader.add(
        reader.pointer("calendar"),
        "there is no business calendar '" + *calendar + "'; the workflows define: " + join(known),
        problem_params("no_such_calendar", {{"calendar", *calendar}, {"allowed", known}}));
    return std::nullopt;
  }
  return calendar;
}

// Skills named in a body; storage checks each name.
std::optional<std::vector<std::string>> read_skills(BodyReader& reader) {
  return reader.string_array("skills", false, storage::kMaxUserSkills, 64);
}

// --- teams -----------------------------------------------------------------------------------

// POST /v1/teams (createTeam): create a team.
void create_team(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader reader(*body, "", {"id", "name", "calendar"});
  auto id = reader.string("id", true, kMaxIdBytes);
  auto name = reader.string("name", true, kMaxTextBytes);
  auto calendar = read_calendar(context, reader, *body);
  if (!reader.ok()) return respond.problem(*ctx, reader.problem());
  context.directory.create_team(storage::Team{*id, *name, ctx->now, calendar.value_or("")},
                                [ctx, respond](Result<storage::Team> team) {
                                  if (!team.ok())
                                    return respond.problem(*ctx, from_error(team.error()));
                                  respond_created(*ctx, respond, "/v1/teams/" + team.value().id,
                                                  team_json(team.value()));
                                });
}

// GET /v1/teams (listTeams): list teams.
void list_teams(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({"page_size", "page_token"});
  respond_page<storage::Team>(
      *ctx, respond, query, kTeamListing,
      [&context](const std::string& after, size_t limit) {
        return context.directory.list_teams(after, limit);
      },
      team_json);
}

// GET /v1/teams/{id} (getTeam): read a team.
void get_team(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  auto team = context.directory.get_team(id);
  if (!team.ok()) return respond.problem(*ctx, from_error(team.error()));
  if (!team.value()) {
    return respond.problem(*ctx, not_found("team '" + id + "' does not exist"));
  }
  respond.json(*ctx, http::status::ok, team_json(*team.value()));
}

// PATCH /v1/teams/{id} (updateTeam): change a team's name or calendar.
// The body is read first; storage answers NOT_FOUND for a team that does not exist.
void update_team(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  const auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader reader(*body, "", {"name", "calendar"});
  storage::TeamPatch patch;
  patch.name = reader.string("name", false, kMaxTextBytes);
  patch.calendar = read_calendar(context, reader, *body);
  if (!reader.ok()) return respond.problem(*ctx, reader.problem());
  context.directory.update_team(id, std::move(patch),
                                [ctx, respond](Result<storage::Team> updated) {
                                  if (!updated.ok()) {
                                    return respond.problem(*ctx, from_error(updated.error()));
                                  }
                                  respond.json(*ctx, http::status::ok, team_json(updated.value()));
                                });
}

// POST /v1/users (createUser): create a user.
void create_user(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader reader(*body, "", {"id", "display_name", "role", "team_id", "skills"});
  auto id = reader.string("id", true, kMaxIdBytes);
  auto display_name = reader.string("display_name", true, kMaxTextBytes);
  auto role = read_role(reader, "role", true);
  auto team_id = reader.string("team_id", false, kMaxIdBytes, /*allow_empty=*/true);
  auto skills = read_skills(reader);
  if (!reader.ok()) return respond.problem(*ctx, reader.problem());
  storage::User user;
  user.id = *id;
  user.display_name = *display_name;
  user.role = *role;
  user.team_id = team_id.value_or("");
  user.created_at = ctx->now;
  user.skills = skills.value_or(std::vector<std::string>{});
  context.directory.create_user(std::move(user), [ctx, respond](Result<storage::User> created) {
    if (!created.ok()) return respond.problem(*ctx, from_error(created.error()));
    respond_created(*ctx, respond, "/v1/users/" + created.value().id, user_json(created.value()));
  });
}

// GET /v1/users (listUsers): list users.
void list_users(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({"team", "page_size", "page_token"});
  const auto team = query.string("team", kMaxIdBytes).value_or("");
  respond_page<storage::User>(
      *ctx, respond, query, kUserListing,
      [&context, team](const std::string& after, size_t limit) {
        return context.directory.list_users(team, after, limit);
      },
      user_json);
}

// GET /v1/users/{id} (getUser): read a user.
void get_user(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  auto user = context.directory.get_user(id);
  if (!user.ok()) return respond.problem(*ctx, from_error(user.error()));
  if (!user.value()) {
    return respond.problem(*ctx, not_found("user '" + id + "' does not exist"));
  }
  respond.json(*ctx, http::status::ok, user_json(*user.value()));
}

// PATCH /v1/users/{id} (updateUser): change a user's name, role, team or activity.
void update_user(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  auto existing = context.directory.get_user(id);
  if (!existing.ok()) return respond.problem(*ctx, from_error(existing.error()));
  if (!existing.value()) {
    return respond.problem(*ctx, not_found("user '" + id + "' does not exist"));
  }
  const auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader reader(*body, "", {"display_name", "role", "team_id", "active", "skills"});
  storage::UserPatch patch;
  patch.display_name = reader.string("display_name", false, kMaxTextBytes);
  patch.role = read_role(reader, "role", false);
  // team_id: null or "" leaves the team; BodyReader reads null as absent, so look
  // first.
  if (const auto it = body->find("team_id"); it != body->end() && it->is_null()) {
    patch.team_id = "";
  } else {
    patch.team_id = reader.string("team_id", false, kMaxIdBytes, /*allow_empty=*/true);
  }
  patch.active = reader.boolean("active", false);
  patch.skills = read_skills(reader);
  if (!reader.ok()) return respond.problem(*ctx, reader.problem());
  context.directory.update_user(
      id, std::move(patch), ctx->now,
      [ctx, respond, &context, id, before = *existing.value()](Result<storage::User> updated) {
        if (!updated.ok()) return respond.problem(*ctx, from_error(updated.error()));
        // Cached grants carry the old role, team and activity.
        context.auth.forget_user(id);
        const auto& after = updated.value();
        if (after.role != before.role || after.team_id != before.team_id ||
            after.active != before.active) {
          // Streams were authorised for the old rights (a team topic, say).
          context.on_credentials_changed("", id);
        }
        respond.json(*ctx, http::status::ok, user_json(after));
      });
}

// An integration token names its scopes, at least one, each known and named once; a person's
// token has none (it acts by its role and team). False when `reader` now holds the problem.
bool check_token_scopes(BodyReader& reader, Role role,
                        const std::optional<std::vector<std::string>>& scopes) {
  const auto pointer = reader.pointer("scopes");
  if (role != Role::kIntegration) {
    if (scopes) {
      reader.add(pointer,
                 std::string("applies to integration tokens only; a ") + role_name(role) +
                     " token acts by its role and team (leave scopes out)",
                 problem_params("scopes_for_integration_only"));
    }
    return reader.ok();
  }
  if (!scopes || scopes->empty()) {
    std::string known;
    for (const auto& scope : token_scopes())
      known += (known.empty() ? "" : ", ") + std::string(scope.name);
    reader.add(pointer,
               "is required for an integration token: name what the other system may do, "
               "one or more of " +
                   known,
               problem_params("scopes_required"), ErrorCode::kMissingField);
    return false;
  }
  for (size_t i = 0; i < scopes->size(); ++i) {
    const auto& scope = (*scopes)[i];
    const auto item = pointer + "/" + std::to_string(i);
    if (!is_token_scope(scope)) {
      reader.add(item, "'" + scope + "' is not a token scope; GET /v1/openapi.json lists them",
                 problem_params("unknown_scope", {{"scope", scope}}));
    } else if (std::find(scopes->begin(), scopes->begin() + static_cast<std::ptrdiff_t>(i),
                         scope) != scopes->begin() + static_cast<std::ptrdiff_t>(i)) {
      reader.add(item, "'" + scope + "' is named twice", problem_params("duplicate_scope"));
    }
  }
  return reader.ok();
}

// Whether the caller may set `target`'s availability: their own always; a team lead their team's
// members; supervisors, managers and admins anyone's.
bool may_set_availability(const RequestContext& ctx, const storage::User& target) {
  const auto& who = ctx.who();
  if (!who.user_id.empty() && who.user_id == target.id) return true;
  switch (who.actor.role) {
    case Role::kSupervisor:
    case Role::kManager:
    case Role::kAdmin:
      return true;
    case Role::kTeamLead:
      return !target.team_id.empty() && target.team_id == who.actor.team;
    default:
      return false;
  }
}

// The user of the path whose availability the caller may set or read, or nullopt (answered).
// Whoever may not act on others is refused alike whether or not the user exists: agents and team
// leads cannot list users, and a 404 here would tell them which ids exist.
std::optional<storage::User> user_whose_availability(ServerContext& context,
                                                     const RequestContext& ctx,
                                                     const Responder& respond,
                                                     const std::string& forbidden) {
  const auto id = ctx.param("id");
  auto existing = context.directory.get_user(id);
  if (!existing.ok()) {
    respond.problem(ctx, from_error(existing.error()));
    return std::nullopt;
  }
  const Role role = ctx.who().actor.role;
  const bool sees_everyone =
      role == Role::kSupervisor || role == Role::kManager || role == Role::kAdmin;
  if (!existing.value() && sees_everyone) {
    respond.problem(ctx, not_found("user '" + id + "' does not exist"));
    return std::nullopt;
  }
  if (!existing.value() || !may_set_availability(ctx, *existing.value())) {
    respond.problem(ctx, ApiProblem::forbidden(forbidden));
    return std::nullopt;
  }
  return std::move(*existing.value());
}

// PUT /v1/users/{id}/availability (setUserAvailability): on shift or away.
void set_user_availability(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  const auto existing = user_whose_availability(
      context, *ctx, respond,
      "you may set your own availability; another person's is set by their team lead, a "
      "supervisor, a manager or an admin");
  if (!existing) return;
  const auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader reader(*body, "", {"availability"});
  const auto text = reader.string("availability", true, 32);
  std::optional<Availability> availability;
  if (text) {
    availability = parse_availability(*text);
    if (!availability) {
      reader.add(reader.pointer("availability"),
                 "unknown availability '" + *text + "'; use on_shift or away",
                 problem_params("not_one_of", {{"allowed", {"on_shift", "away"}}}));
    }
  }
  if (!reader.ok()) return respond.problem(*ctx, reader.problem());
  context.directory.set_availability(
      id, *availability, ctx->actor().id, ctx->now, [ctx, respond](Result<storage::User> updated) {
        if (!updated.ok()) return respond.problem(*ctx, from_error(updated.error()));
        respond.json(*ctx, http::status::ok, user_json(updated.value()));
      });
}

// GET /v1/users/{id}/availability-changes (listAvailabilityChanges): who set it, when; the
// `page_size` most recent changes (a log a person reads, not one a client walks).
void list_availability_changes(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({"page_size"});
  const auto limit = query.integer("page_size", 1, 1000).value_or(50);
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  const auto id = ctx->param("id");
  const auto existing = user_whose_availability(
      context, *ctx, respond,
      "you may read your own availability changes; another person's are for their team lead, a "
      "supervisor, a manager or an admin");
  if (!existing) return;
  auto changes = context.directory.list_availability_changes(id, static_cast<size_t>(limit));
  if (!changes.ok()) return respond.problem(*ctx, from_error(changes.error()));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& change : changes.value()) items.push_back(availability_change_json(change));
  respond.json(*ctx, http::status::ok, {{"user_id", id}, {"changes", std::move(items)}});
}

// POST /v1/tokens (createToken): create an API token.
void create_token(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader reader(*body, "", {"user_id", "role", "label", "expires_at", "scopes"});
  auto user_id = reader.string("user_id", false, kMaxIdBytes);
  auto role = read_role(reader, "role", false);
  auto scopes = reader.string_array("scopes", false, token_scopes().size(), 64);
  auto label = reader.string("label", false, kMaxTextBytes, /*allow_empty=*/true);
  auto expires_at = reader.instant("expires_at", false);
  if (expires_at && *expires_at <= ctx->now) {
    reader.add(reader.pointer("expires_at"),
               "must be in the future (now is " + format_rfc3339(ctx->now) +
                   "); leave it out for a token that does not expire",
               problem_params("not_in_future"));
  }
  auto present = [&body](const char* key) {
    const auto it = body->find(key);
    return it != body->end() && !it->is_null();
  };
  if (!present("user_id") && !present("role")) {
    reader.add(reader.pointer("role"),
               "is required for a token not tied to a user (give user_id, or a role such "
               "as integration)",
               problem_params("role_or_user_required"), ErrorCode::kMissingField);
  }
  if (!reader.ok()) return respond.problem(*ctx, reader.problem());

  if (user_id) {
    // A user's token carries the user's role.
    auto user = context.directory.get_user(*user_id);
    if (!user.ok()) return respond.problem(*ctx, from_error(user.error()));
    if (!user.value()) {
      return respond.problem(
          *ctx, not_found("user '" + *user_id +
                              "' does not exist; create the user first, or leave user_id "
                              "out for a token not tied to a person",
                          "/user_id"));
    }
    const Role user_role = user.value()->role;
    if (role && *role != user_role) {
      reader.add(reader.pointer("role"),
                 std::string("'") + role_name(*role) + "' differs from user '" + *user_id +
                     "''s role '" + role_name(user_role) +
                     "'; a user's token carries the user's role (leave role out)",
                 problem_params("differs_from_user_role", {{"role", role_name(user_role)}}));
      return respond.problem(*ctx, reader.problem());
    }
    role = user_role;
  }
  if (!check_token_scopes(reader, *role, scopes)) return respond.problem(*ctx, reader.problem());

  const auto secret = generate_token();
  storage::NewToken token{secret.id,
                          secret.hash,
                          user_id.value_or(""),
                          *role,
                          label.value_or(""),
                          expires_at,
                          join_scopes(scopes.value_or(std::vector<std::string>{}))};
  context.directory.create_token(
      std::move(token), ctx->now,
      [ctx, respond, shown_once = secret.token](Result<storage::ApiToken> created) {
        if (!created.ok()) return respond.problem(*ctx, from_error(created.error()));
        auto json = token_json(created.value());
        json["token"] = shown_once;  // the only time the secret is ever shown
        respond_created(*ctx, respond, "/v1/tokens/" + created.value().id, json);
      });
}

// GET /v1/tokens (listTokens): list API tokens (never their secrets).
void list_tokens(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({"user", "include_revoked", "page_size", "page_token"});
  const auto user = query.string("user", kMaxIdBytes).value_or("");
  const bool include_revoked = query.boolean("include_revoked").value_or(false);
  respond_page<storage::ApiToken>(
      *ctx, respond, query, kTokenListing,
      [&context, user, include_revoked](const std::string& after, size_t limit) {
        return context.directory.list_tokens(user, include_revoked, after, limit);
      },
      token_json);
}

// DELETE /v1/tokens/{id} (revokeToken): revoke an API token.
void revoke_token(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  context.directory.revoke_token(
      id, ctx->now, [ctx, respond, &context, id](Result<storage::ApiToken> revoked) {
        if (!revoked.ok()) {
          const auto& error = revoked.error();
          // An id that cannot be a token id names no token.
          if (error.code == ErrorCode::kInvalidField && error.pointer == "/id") {
            return respond.problem(*ctx, not_found("token '" + id + "' does not exist"));
          }
          return respond.problem(*ctx, from_error(error));
        }
        context.auth.forget_token(id);           // refused from the very next request
        context.on_credentials_changed(id, "");  // and its open streams closed
        respond.json(*ctx, http::status::ok, token_json(revoked.value()));
      });
}

void add_team_routes(Router& router, ServerContext& context) {
  router.add({http::verb::post, "/v1/teams", "createTeam", "create a team", kAdminOnly, true,
              bind_handler(context, create_team)});

  router.add({http::verb::get, "/v1/teams", "listTeams", "list teams", kDirectoryReaders, true,
              bind_handler(context, list_teams)});

  router.add({http::verb::get, "/v1/teams/{id}", "getTeam", "read a team", kDirectoryReaders, true,
              bind_handler(context, get_team)});

  router.add({http::verb::patch, "/v1/teams/{id}", "updateTeam",
              "change a team's name or calendar (its working hours)", kAdminOnly, true,
              bind_handler(context, update_team)});
}

// --- users -----------------------------------------------------------------------------------

void add_user_routes(Router& router, ServerContext& context) {
  router.add({http::verb::post, "/v1/users", "createUser", "create a user", kAdminOnly, true,
              bind_handler(context, create_user)});

  router.add({http::verb::get, "/v1/users", "listUsers", "list users", kDirectoryReaders, true,
              bind_handler(context, list_users)});

  router.add({http::verb::get, "/v1/users/{id}", "getUser", "read a user", kDirectoryReaders, true,
              bind_handler(context, get_user)});

  router.add({http::verb::patch, "/v1/users/{id}", "updateUser",
              "change a user's name, role, team, activity or skills", kAdminOnly, true,
              bind_handler(context, update_user)});

  router.add({http::verb::put, "/v1/users/{id}/availability", "setUserAvailability",
              "set a user's availability (on shift or away): one's own, or as their lead",
              kAvailabilitySetters, true, bind_handler(context, set_user_availability)});

  router.add({http::verb::get, "/v1/users/{id}/availability-changes", "listAvailabilityChanges",
              "a user's availability changes, newest first: who set what, when",
              kAvailabilitySetters, true, bind_handler(context, list_availability_changes)});
}

// --- tokens ----------------------------------------------------------------------------------

void add_token_routes(Router& router, ServerContext& context) {
  router.add({http::verb::post, "/v1/tokens", "createToken", "create an API token", kAdminOnly,
              true, bind_handler(context, create_token)});

  router.add({http::verb::get, "/v1/tokens", "listTokens", "list API tokens (never their secrets)",
              kAdminOnly, true, bind_handler(context, list_tokens)});

  router.add({http::verb::delete_, "/v1/tokens/{id}", "revokeToken", "revoke an API token",
              kAdminOnly, true, bind_handler(context, revoke_token)});
}

}  // namespace

void add_admin_routes(Router& router, ServerContext& context) {
  add_team_routes(router, context);
  add_user_routes(router, context);
  add_token_routes(router, context);
}

}  // namespace redress::api
