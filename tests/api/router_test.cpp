// Router without a socket: matching literal and `{name}` segments, path parameters, 404 for an
// unknown path, 405 naming the allowed methods, and the roles a route declares (its own list, or
// a case command's row of the engine's role table).
#include "api/http/router.h"

#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/http/problem.h"
#include "engine/command_roles.h"

namespace redress::api {
namespace {

RouteSpec route(http::verb method, std::string pattern, std::string operation_id,
                std::vector<Role> roles = {}) {
  RouteSpec spec;
  spec.method = method;
  spec.pattern = std::move(pattern);
  spec.operation_id = std::move(operation_id);
  spec.summary = spec.operation_id;
  spec.roles = std::move(roles);
  spec.handler = [](RequestPtr, Responder) {};
  return spec;
}

Router sample_router() {
  Router router;
  router.add(route(http::verb::get, "/v1/cases", "listCases"));
  router.add(route(http::verb::post, "/v1/cases", "createCase", {Role::kAgent, Role::kTeamLead}));
  router.add(route(http::verb::get, "/v1/cases/{id}", "getCase"));
  router.add(route(http::verb::patch, "/v1/cases/{id}", "updateCase"));
  router.add(route(http::verb::get, "/v1/cases/{id}/events", "listCaseEvents"));
  router.add(route(http::verb::get, "/v1/cases/{id}/approvals/{approval}", "getApproval"));
  // A literal beside a placeholder at the same depth: the first added wins.
  router.add(route(http::verb::get, "/v1/users/me", "getMe"));
  router.add(route(http::verb::get, "/v1/users/{id}", "getUser"));
  return router;
}

std::vector<std::string> segments(std::initializer_list<std::string> parts) {
  return parts;
}

RouteMatch matched(const Router& router, http::verb method, const std::vector<std::string>& path) {
  auto result = router.match(method, path);
  const auto* problem = std::get_if<ApiProblem>(&result);
  BOOST_REQUIRE_MESSAGE(problem == nullptr, "refused: " << (problem ? problem->detail : ""));
  return std::get<RouteMatch>(std::move(result));
}

ApiProblem refused(const Router& router, http::verb method, const std::vector<std::string>& path) {
  auto result = router.match(method, path);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiProblem>(result), "the path matched a route");
  return std::get<ApiProblem>(std::move(result));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(literal_paths_match_their_method) {
  const Router router = sample_router();
  BOOST_TEST(matched(router, http::verb::get, segments({"v1", "cases"})).route->operation_id ==
             "listCases");
  BOOST_TEST(matched(router, http::verb::post, segments({"v1", "cases"})).route->operation_id ==
             "createCase");
  BOOST_TEST(matched(router, http::verb::get, segments({"v1", "cases"})).params.empty());
}

BOOST_AUTO_TEST_CASE(placeholders_bind_path_parameters) {
  const Router router = sample_router();
  const auto one = matched(router, http::verb::get, segments({"v1", "cases", "C-7", "events"}));
  BOOST_TEST(one.route->operation_id == "listCaseEvents");
  BOOST_TEST(one.params.size() == 1u);
  BOOST_TEST(one.params.at("id") == "C-7");

  const auto two =
      matched(router, http::verb::get, segments({"v1", "cases", "C-7", "approvals", "ap-2"}));
  BOOST_TEST(two.route->operation_id == "getApproval");
  BOOST_TEST(two.params.at("id") == "C-7");
  BOOST_TEST(two.params.at("approval") == "ap-2");

  // A decoded segment is bound as it is: "%2F" decoded to '/' stays one parameter.
  const auto slash = matched(router, http::verb::get, segments({"v1", "cases", "C/7"}));
  BOOST_TEST(slash.params.at("id") == "C/7");
}

BOOST_AUTO_TEST_CASE(the_first_route_added_wins_between_a_literal_and_a_placeholder) {
  const Router router = sample_router();
  BOOST_TEST(
      matched(router, http::verb::get, segments({"v1", "users", "me"})).route->operation_id ==
      "getMe");
  BOOST_TEST(
      matched(router, http::verb::get, segments({"v1", "users", "u-1"})).route->operation_id ==
      "getUser");
}

BOOST_AUTO_TEST_CASE(an_unknown_path_is_route_not_found) {
  const Router router = sample_router();
  for (const auto& path : {segments({"v1", "nothing"}), segments({"v1", "cases", "C-7", "x"}),
                           segments({"v1"}), segments({"v2", "cases"}), segments({""})}) {
    const auto problem = refused(router, http::verb::get, path);
    BOOST_TEST(problem.code == ErrorCode::kRouteNotFound);
    BOOST_TEST(problem_status(problem.code) == http::status::not_found);
    BOOST_TEST(!problem.extensions.contains("allowed_methods"));
  }
}

BOOST_AUTO_TEST_CASE(a_placeholder_never_matches_an_empty_segment) {
  const Router router = sample_router();
  const auto problem = refused(router, http::verb::get, segments({"v1", "cases", ""}));
  BOOST_TEST(problem.code == ErrorCode::kRouteNotFound);
  BOOST_TEST(refused(router, http::verb::get, segments({"v1", "cases", "", "events"})).code ==
             ErrorCode::kRouteNotFound);
}

BOOST_AUTO_TEST_CASE(a_known_path_with_another_method_is_405_naming_the_allowed_ones) {
  const Router router = sample_router();
  const auto problem = refused(router, http::verb::delete_, segments({"v1", "cases", "C-7"}));
  BOOST_TEST(problem.code == ErrorCode::kMethodNotAllowed);
  BOOST_TEST(problem_status(problem.code) == http::status::method_not_allowed);
  // Sorted and unique: what the pipeline puts into the Allow header.
  BOOST_TEST(problem.extensions.at("allowed_methods") == nlohmann::json({"GET", "PATCH"}));
  BOOST_TEST(problem.detail == "DELETE is not allowed here; allowed: GET, PATCH");

  const auto collection = refused(router, http::verb::put, segments({"v1", "cases"}));
  BOOST_TEST(collection.extensions.at("allowed_methods") == nlohmann::json({"GET", "POST"}));
}

BOOST_AUTO_TEST_CASE(a_route_without_roles_admits_every_role_and_one_with_roles_only_those) {
  const Router router = sample_router();
  const RouteSpec& open = *matched(router, http::verb::get, segments({"v1", "cases"})).route;
  const RouteSpec& create = *matched(router, http::verb::post, segments({"v1", "cases"})).route;
  for (const Role role : {Role::kAgent, Role::kTeamLead, Role::kSupervisor, Role::kManager,
                          Role::kAdmin, Role::kIntegration}) {
    BOOST_TEST(role_allowed(open, role));
  }
  BOOST_TEST(role_allowed(create, Role::kAgent));
  BOOST_TEST(role_allowed(create, Role::kTeamLead));
  // No implicit super-user.
  BOOST_TEST(!role_allowed(create, Role::kAdmin));
  BOOST_TEST(!role_allowed(create, Role::kIntegration));

  const ApiProblem refusal = role_refusal(create, Role::kAdmin);
  BOOST_TEST(refusal.code == ErrorCode::kForbidden);
  BOOST_TEST(problem_status(refusal.code) == http::status::forbidden);
  BOOST_TEST(refusal.detail == "the role admin may not createCase; allowed: agent, team_lead");
}

BOOST_AUTO_TEST_CASE(a_case_command_route_takes_its_roles_from_the_engine_table) {
  Router router;
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/comments", "addComment",
                                "comment on a case", CommandKind::kAddComment,
                                [](RequestPtr, Responder) {}));
  const RouteSpec& comment =
      *matched(router, http::verb::post, segments({"v1", "cases", "C-7", "comments"})).route;
  BOOST_TEST((comment.roles == command_roles(CommandKind::kAddComment)));
  BOOST_TEST(comment.requires_token);
  for (const Role role : {Role::kAgent, Role::kTeamLead, Role::kSupervisor, Role::kManager,
                          Role::kAdmin, Role::kIntegration}) {
    const bool engine_allows = !check_command_role(CommandKind::kAddComment, role).has_value();
    BOOST_TEST(role_allowed(comment, role) == engine_allows);
    if (!engine_allows) {
      // The engine's own rejection, not the router's generic FORBIDDEN.
      const ApiProblem refusal = role_refusal(comment, role);
      BOOST_TEST(refusal.code == ErrorCode::kRoleNotPermitted);
      BOOST_TEST(refusal.detail == check_command_role(CommandKind::kAddComment, role)->message);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_case_command_route_with_roles_of_its_own_is_refused) {
  Router router;
  RouteSpec spec = case_command_route(http::verb::post, "/v1/cases/{id}/comments", "addComment",
                                      "comment on a case", CommandKind::kAddComment,
                                      [](RequestPtr, Responder) {});
  spec.roles = {Role::kAgent};
  BOOST_CHECK_THROW(router.add(spec), std::logic_error);
  BOOST_TEST(router.routes().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
