// GET /v1/openapi.json and the document's truth.
//
// The document (api/routes/openapi.json) is hand-written, so this suite is what keeps it true.
// Against the router: every route is documented under its pattern and lower-case method with the
// same operationId, summary, roles (x-roles) and token requirement, and declares each of its path
// parameters; every documented operation exists in the router (no stale entries), except
// GET /v1/stream, which the stream hub serves by upgrade. Against the document itself: every
// $ref resolves, every response has a description, Problem.code lists exactly the
// wire names of ErrorCode, each of which has a status, a type and a title.
// Against the running handlers: probes with an unknown query parameter and an unknown body
// member make each handler name what it accepts, which must be what the document lists.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/http/problem.h"
#include "api/routes/openapi.h"
#include "api/routes/routes.h"
#include "api/server/api_server.h"
#include "engine/command_roles.h"
#include "engine/error_code.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

// Served by the stream hub after a WebSocket upgrade, not by the router.
constexpr std::string_view kStreamPath = "/v1/stream";
const std::set<std::string> kHttpMethods = {"get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string method_name(http::verb method) {
  return lower(http::to_string(method));
}

// "{id}" and "{approval_id}" of "/v1/cases/{id}/approvals/{approval_id}".
std::vector<std::string> pattern_params(const std::string& pattern) {
  std::vector<std::string> out;
  for (size_t open = pattern.find('{'); open != std::string::npos;
       open = pattern.find('{', open + 1)) {
    const auto close = pattern.find('}', open);
    if (close == std::string::npos) break;
    out.push_back(pattern.substr(open + 1, close - open - 1));
  }
  return out;
}

// What a local "$ref" ("#/components/responses/NotFound") names, followed through chains;
// `node` itself when it is no reference. Null for a reference that does not resolve.
const json* resolve(const json& doc, const json& node) {
  const json* current = &node;
  for (int depth = 0; current->is_object() && current->contains("$ref"); ++depth) {
    const auto& ref = (*current)["$ref"];
    if (depth > 16 || !ref.is_string()) return nullptr;
    const auto text = ref.get<std::string>();
    if (!text.starts_with("#/")) return nullptr;
    const json::json_pointer pointer(text.substr(1));
    if (!doc.contains(pointer)) return nullptr;
    current = &doc.at(pointer);
  }
  return current;
}

// Every "$ref" in `node` that does not resolve, by where it is.
void unresolved_refs(const json& doc, const json& node, const std::string& where,
                     std::vector<std::string>& out) {
  if (node.is_object()) {
    if (node.contains("$ref") && !resolve(doc, node)) {
      out.push_back(where + ": $ref " + node["$ref"].dump() + " does not resolve");
    }
    for (const auto& [key, value] : node.items()) {
      unresolved_refs(doc, value, where + "/" + key, out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      unresolved_refs(doc, node[i], where + "/" + std::to_string(i), out);
    }
  }
}

// The parameters of an operation, path-level ones included, resolved.
std::vector<const json*> parameters_of(const json& doc, const json& path_item,
                                       const json& operation) {
  std::vector<const json*> out;
  for (const auto* list : {&path_item, &operation}) {
    if (!list->contains("parameters")) continue;
    for (const auto& p : (*list)["parameters"]) {
      if (const auto* resolved = resolve(doc, p)) out.push_back(resolved);
    }
  }
  return out;
}

std::set<std::string> names_of(const std::vector<const json*>& parameters, const char* in) {
  std::set<std::string> out;
  for (const auto* p : parameters) {
    if (p->value("in", "") == in) out.insert(p->value("name", ""));
  }
  return out;
}

std::string route_label(const std::string& method, const std::string& pattern,
                        const std::string& operation_id) {
  std::string upper = method;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper + " " + pattern + " (" + operation_id + ")";
}

std::set<std::string> role_names(const std::vector<Role>& roles) {
  std::set<std::string> out;
  for (Role r : roles) out.insert(role_name(r));
  return out;
}

// The roles an operation's description names in words ("...\n\nRoles: agent, manager."), or
// nullopt when it names none.
std::optional<std::set<std::string>> prose_roles(const json& operation) {
  const auto description = operation.value("description", "");
  const std::string marker = "Roles: ";
  const auto at = description.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const auto end = description.find('.', at);
  std::set<std::string> names;
  std::string rest = description.substr(at + marker.size(), end - at - marker.size());
  while (!rest.empty()) {
    const auto comma = rest.find(", ");
    names.insert(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 2);
  }
  return names;
}

// Every way the document and the router disagree, one message each; empty when they agree.
std::vector<std::string> compare_with_router(const json& doc, const api::Router& router) {
  std::vector<std::string> out;
  if (!doc.contains("paths") || !doc["paths"].is_object()) return {"the document has no paths"};
  const auto& paths = doc["paths"];
  std::set<std::pair<std::string, std::string>> routed;  // (pattern, lower-case method)

  for (const auto& route : router.routes()) {
    const auto method = method_name(route.method);
    routed.insert({route.pattern, method});
    const auto label = route_label(method, route.pattern, route.operation_id);
    if (!paths.contains(route.pattern) || !paths[route.pattern].contains(method)) {
      out.push_back(label + ": missing from the document");
      continue;
    }
    const auto& item = paths[route.pattern];
    const auto& operation = item[method];
    if (operation.value("operationId", "") != route.operation_id) {
      out.push_back(label + ": the document's operationId is " +
                    operation.value("operationId", "(none)"));
    }
    if (operation.value("summary", "") != route.summary) {
      out.push_back(label + ": the document's summary is '" + operation.value("summary", "") +
                    "', the route's '" + route.summary + "'");
    }
    const auto declared = names_of(parameters_of(doc, item, operation), "path");
    for (const auto& name : pattern_params(route.pattern)) {
      if (!declared.count(name)) out.push_back(label + ": path parameter {" + name + "} missing");
    }
    for (const auto& name : declared) {
      const auto params = pattern_params(route.pattern);
      if (std::find(params.begin(), params.end(), name) == params.end()) {
        out.push_back(label + ": declares path parameter '" + name + "' not in the pattern");
      }
    }
    // Only the token-free routes say "security": [] (the document's default is the bearer
    // token).
    const bool open = operation.contains("security") && operation["security"].empty();
    if (open == route.requires_token) {
      out.push_back(label + (route.requires_token ? ": documented as needing no token"
                                                  : ": needs no token; document security: []"));
    }
    std::set<std::string> documented_roles;
    for (const auto& r : operation.value("x-roles", json::array())) {
      documented_roles.insert(r.get<std::string>());
    }
    if (documented_roles != role_names(route.roles)) {
      out.push_back(label + ": x-roles " + json(documented_roles).dump() +
                    " but the route admits " + json(role_names(route.roles)).dump());
    }
    if (const auto prose = prose_roles(operation); prose && *prose != role_names(route.roles)) {
      out.push_back(label + ": the description's roles " + json(*prose).dump() +
                    " but the route admits " + json(role_names(route.roles)).dump());
    } else if (!prose && !route.roles.empty()) {
      out.push_back(label + ": the description names no roles (\"Roles: ...\")");
    }
    // An integration token's scope (api/http/token_scopes.h) is x-scope, on exactly the
    // operations that admit integration tokens and need one.
    const bool scoped = !route.scope.empty() && api::role_allowed(route, Role::kIntegration);
    const auto documented_scope = operation.value("x-scope", "");
    if (documented_scope != (scoped ? route.scope : std::string())) {
      out.push_back(label + ": x-scope '" + documented_scope + "' but integration tokens need '" +
                    (scoped ? route.scope : std::string()) + "'");
    }
  }

  std::set<std::string> operation_ids;
  for (const auto& [pattern, item] : paths.items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kHttpMethods.count(method)) continue;
      const auto id = operation.value("operationId", "");
      const auto label = route_label(method, pattern, id);
      if (!operation_ids.insert(id).second) out.push_back(label + ": operationId used twice");
      if (pattern != kStreamPath && !routed.count({pattern, method})) {
        out.push_back(label + ": documented but not in the router");
      }
      if (!operation.contains("responses") || operation["responses"].empty()) {
        out.push_back(label + ": no responses");
        continue;
      }
      for (const auto& [status, response] : operation["responses"].items()) {
        const auto* resolved = resolve(doc, response);
        if (!resolved || !resolved->contains("description") ||
            !(*resolved)["description"].is_string() ||
            (*resolved)["description"].get<std::string>().empty()) {
          out.push_back(label + ": response " + status + " has no description");
        }
      }
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += "\n  " + m;
  return out;
}

json parsed_document() {
  return json::parse(api::openapi_document(), nullptr, /*allow_exceptions=*/false);
}

// --- probes of the running handlers -------------------------------------------------------

// The names a refusal lists after "<prefix>'<name>'; allowed: " in the problem's errors (the
// wording of QueryReader::allow_only and BodyReader), or nullopt when there is no such error.
std::optional<std::set<std::string>> allowed_names(const json& problem, const std::string& pointer,
                                                   const std::string& prefix) {
  if (!problem.is_object() || !problem.contains("errors")) return std::nullopt;
  for (const auto& e : problem["errors"]) {
    if (e.value("pointer", "") != pointer) continue;
    const auto message = e.value("message", "");
    if (!message.starts_with(prefix)) continue;
    const std::string marker = "allowed: ";
    const auto at = message.find(marker);
    if (at == std::string::npos) return std::nullopt;
    std::set<std::string> names;
    std::string rest = message.substr(at + marker.size());
    while (!rest.empty()) {
      const auto comma = rest.find(", ");
      names.insert(rest.substr(0, comma));
      rest = comma == std::string::npos ? "" : rest.substr(comma + 2);
    }
    return names;
  }
  return std::nullopt;
}

// The members the "is required" errors name (top level only).
std::set<std::string> required_names(const json& problem) {
  std::set<std::string> names;
  if (!problem.is_object() || !problem.contains("errors")) return names;
  for (const auto& e : problem["errors"]) {
    const auto pointer = e.value("pointer", "");
    if (e.value("message", "") == "is required" && pointer.rfind('/') == 0) {
      names.insert(pointer.substr(1));
    }
  }
  return names;
}

// The top-level members of a request body schema (allOf and $ref followed).
void schema_members(const json& doc, const json& node, std::set<std::string>& members,
                    std::set<std::string>& required) {
  const auto* schema = resolve(doc, node);
  if (!schema || !schema->is_object()) return;
  if (schema->contains("properties")) {
    for (const auto& [name, value] : (*schema)["properties"].items()) members.insert(name);
  }
  if (schema->contains("required")) {
    for (const auto& name : (*schema)["required"]) required.insert(name.get<std::string>());
  }
  if (schema->contains("allOf")) {
    for (const auto& part : (*schema)["allOf"]) schema_members(doc, part, members, required);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openapi)

BOOST_AUTO_TEST_CASE(serves_the_document_to_every_role) {
  TestServer server;
  auto served = server.http().get("/v1/openapi.json", server.admin_token());
  BOOST_TEST(served.status == 200, served.body.substr(0, 500));
  BOOST_TEST(served.header("content-type") == "application/json");
  BOOST_TEST(served.body == std::string(api::openapi_document()));
  const auto doc = served.json();
  BOOST_REQUIRE(doc.is_object());
  BOOST_TEST(doc.at("openapi").get<std::string>().starts_with("3.1"));
  BOOST_TEST(doc.at("info").at("title") == "Redress");
  BOOST_TEST(doc.at("info").at("version") == "0.1.0");
  BOOST_TEST(doc.at("servers").at(0).at("url") == "http://127.0.0.1:8080");
  BOOST_TEST(doc.at("components").at("securitySchemes").at("bearer").at("scheme") == "bearer");
  BOOST_TEST(doc.at("security") == json::parse(R"([{"bearer": []}])"));

  BOOST_TEST(server.http().get("/v1/openapi.json").status == 401);
  for (const std::string role : {"agent", "team_lead", "supervisor", "manager"}) {
    const auto token = server.token_for("openapi." + role, role);
    BOOST_TEST(server.http().get("/v1/openapi.json", token).status == 200, role);
  }
  auto integration = server.http().post(
      "/v1/tokens",
      {{"role", "integration"}, {"scopes", {"cases:read", "workflows:read"}}, {"label", "oa"}},
      server.admin_token());
  BOOST_REQUIRE(integration.status == 201);
  BOOST_TEST(server.http()
                 .get("/v1/openapi.json", integration.json().at("token").get<std::string>())
                 .status == 200);
}

BOOST_AUTO_TEST_CASE(documents_every_route_and_nothing_else) {
  TestServer server;
  const auto doc = parsed_document();
  BOOST_REQUIRE_MESSAGE(!doc.is_discarded(), "api/routes/openapi.json is not valid JSON");
  // A fresh router from the same context holds the same table as the one serving.
  const auto router = api::build_router(server.server().context());
  BOOST_REQUIRE(!router.routes().empty());
  const auto problems = compare_with_router(doc, router);
  BOOST_TEST(problems.empty(),
             "api/routes/openapi.json disagrees with the router:" + joined(problems));

  // The stream is documented too, as the upgrade it is.
  const auto& stream = doc.at("paths").at(std::string(kStreamPath)).at("get");
  BOOST_TEST(stream.at("responses").contains("101"));
}

// The check is not vacuous: each kind of disagreement is reported, by name. Compared with what
// the unedited document gets, so that this case tests the comparison, not the document.
BOOST_AUTO_TEST_CASE(the_comparison_reports_what_is_wrong) {
  TestServer server;
  const auto doc = parsed_document();
  BOOST_REQUIRE(!doc.is_discarded());
  const auto clean = api::build_router(server.server().context());
  const auto baseline = compare_with_router(doc, clean);
  const auto added = [&baseline](const std::vector<std::string>& problems) {
    std::set<std::string> out(problems.begin(), problems.end());
    for (const auto& p : baseline) out.erase(p);
    return out;
  };

  // A route the document lacks.
  auto router = api::build_router(server.server().context());
  router.add({http::verb::get,
              "/v1/zz-fake/{thing}",
              "getFake",
              "a route nobody documented",
              {Role::kAdmin},
              true,
              [](api::RequestPtr, api::Responder) {}});
  BOOST_TEST(
      (added(compare_with_router(doc, router)) ==
       std::set<std::string>{"GET /v1/zz-fake/{thing} (getFake): missing from the document"}));

  // A stale operation, a wrong operationId, a missing path parameter, a response without a
  // description, roles that differ.
  auto edited = doc;
  edited["paths"]["/v1/zz-stale"]["get"] = {{"operationId", "getStale"},
                                            {"summary", "stale"},
                                            {"responses", {{"200", {{"description", "ok"}}}}}};
  edited["paths"]["/v1/cases/{id}"]["get"]["operationId"] = "readCase";
  edited["paths"]["/v1/teams/{id}"]["get"]["parameters"] = json::array();
  edited["paths"]["/healthz"]["get"]["responses"]["200"].erase("description");
  edited["paths"]["/metrics"]["get"]["x-roles"] = {"admin"};
  edited["paths"]["/v1/cases/{id}/comments"]["post"]["description"] =
      "A note.\n\nRoles: agent, integration.";
  const auto problems = added(compare_with_router(edited, clean));
  const std::set<std::string> expected = {
      "GET /v1/zz-stale (getStale): documented but not in the router",
      "GET /v1/cases/{id} (getCase): the document's operationId is readCase",
      "GET /v1/teams/{id} (getTeam): path parameter {id} missing",
      "GET /healthz (getHealth): response 200 has no description",
      "GET /metrics (getMetrics): x-roles [\"admin\"] but the route admits "
      "[\"admin\",\"integration\",\"manager\"]",
      "POST /v1/cases/{id}/comments (addComment): the description's roles "
      "[\"agent\",\"integration\"] but the route admits "
      "[\"admin\",\"agent\",\"manager\",\"supervisor\",\"team_lead\"]"};
  BOOST_TEST((problems == expected),
             joined(std::vector<std::string>(problems.begin(), problems.end())));
}

// The roles of every case command operation are the engine's role table
// (engine/command_roles.h), in the table's order, both as x-roles and in the description's words;
// every command a client can send has its operation (FireTimer is Redress's own). The router
// takes these routes' roles from the table, so with documents_every_route_and_nothing_else this
// keeps the document, the router and the engine from drifting apart.
BOOST_AUTO_TEST_CASE(case_command_roles_are_the_engines_role_table) {
  TestServer server;
  const auto doc = parsed_document();
  BOOST_REQUIRE(!doc.is_discarded());
  const auto router = api::build_router(server.server().context());
  std::set<CommandKind> routed;
  for (const auto& route : router.routes()) {
    if (!route.case_command) continue;
    const auto command = *route.case_command;
    routed.insert(command);
    json table = json::array();
    for (const Role r : command_roles(command)) table.push_back(role_name(r));
    const auto label = route_label(method_name(route.method), route.pattern, route.operation_id);
    BOOST_TEST_CONTEXT(label) {
      BOOST_TEST((route.roles == command_roles(command)));
      const auto& operation = doc.at("paths").at(route.pattern).at(method_name(route.method));
      BOOST_TEST(
          operation.value("x-roles", json()) == table,
          "x-roles " << operation.value("x-roles", json()).dump() << ", table " << table.dump());
      const auto prose = prose_roles(operation);
      BOOST_TEST((prose && *prose == role_names(command_roles(command))));
    }
  }
  for (const auto command : kCommandKinds) {
    if (command == CommandKind::kFireTimer) continue;
    BOOST_TEST(routed.count(command) == 1u, command_action(command) << " has no route");
  }
  BOOST_TEST(!routed.count(CommandKind::kFireTimer));
}

BOOST_AUTO_TEST_CASE(is_self_consistent) {
  const auto doc = parsed_document();
  BOOST_REQUIRE(!doc.is_discarded());
  std::vector<std::string> broken;
  unresolved_refs(doc, doc, "", broken);
  BOOST_TEST(broken.empty(), joined(broken));

  // Token-free only where the router says so; every other operation uses the bearer scheme.
  BOOST_TEST(doc.at(json::json_pointer("/paths/~1healthz/get/security")) == json::array());
  BOOST_TEST(doc.at(json::json_pointer("/paths/~1readyz/get/security")) == json::array());

  // Kept ASCII: the build splits the text into raw string literals at byte offsets.
  const auto text = api::openapi_document();
  BOOST_TEST(std::all_of(text.begin(), text.end(),
                         [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
}

// Walks ErrorCode: every code has a 4xx or 5xx status, its own type URI, a title, a wire name that
// parses back to it, and appears in the Problem.code enum of the document, which lists nothing
// else. (problem.cpp's switch is checked by -Wswitch; this checks what the switch returns.)
BOOST_AUTO_TEST_CASE(problem_code_enum_lists_exactly_the_error_codes) {
  const auto doc = parsed_document();
  BOOST_REQUIRE(!doc.is_discarded());
  std::set<std::string> documented;
  for (const auto& c :
       doc.at(json::json_pointer("/components/schemas/Problem/properties/code/enum"))) {
    documented.insert(c.get<std::string>());
  }
  std::set<std::string> names;
  std::set<std::string> types;
  for (const ErrorCode code : all_error_codes()) {
    const std::string name = error_code_name(code);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(names.insert(name).second, "two codes share the name");
      BOOST_TEST((parse_error_code(name) == std::optional<ErrorCode>(code)));
      const int status = static_cast<int>(api::problem_status(code));
      BOOST_TEST(status >= 400);
      BOOST_TEST(status <= 599);
      BOOST_TEST(types.insert(api::problem_type(code)).second, "two codes share the type");
      BOOST_TEST(api::problem_type(code).rfind("https://redress.dev/problems/", 0) == 0u);
      BOOST_TEST(!api::problem_title(code).empty());
      BOOST_TEST(documented.count(name) == 1u, "missing from the OpenAPI Problem.code enum");
    }
  }
  BOOST_TEST((documented == names), "Problem.code enum " + json(documented).dump() +
                                        " vs ErrorCode " + json(names).dump());
  BOOST_TEST(!parse_error_code("NO_SUCH_CODE").has_value());
  BOOST_TEST(error_code_name(redress::ErrorCode::kVersionConflict) ==
             std::string("VERSION_CONFLICT"));
  BOOST_TEST(api::problem_type(redress::ErrorCode::kVersionConflict) ==
             "https://redress.dev/problems/version-conflict");
}

// The codes a field problem (an item of errors[]) may carry are codes of the closed set, and
// every item names its code and params.
BOOST_AUTO_TEST_CASE(field_problem_codes_are_problem_codes) {
  const auto doc = parsed_document();
  BOOST_REQUIRE(!doc.is_discarded());
  for (const auto& code : doc.at(json::json_pointer("/components/schemas/FieldProblemCode/enum"))) {
    BOOST_TEST(parse_error_code(code.get<std::string>()).has_value(), code.get<std::string>());
  }
  const auto& required = doc.at(json::json_pointer("/components/schemas/FieldProblem/required"));
  for (const char* member : {"pointer", "code", "params", "message"}) {
    BOOST_TEST((std::find(required.begin(), required.end(), member) != required.end()), member);
  }
}

// Each handler names what it accepts when refusing an unknown query parameter or body member;
// the document must list exactly that.
BOOST_AUTO_TEST_CASE(query_parameters_and_body_members_match_the_handlers) {
  api::ServerConfig config;
  config.rate_limit_per_second = 0;  // many probes on a frozen clock
  TestServer server(config);
  const auto doc = parsed_document();
  BOOST_REQUIRE(!doc.is_discarded());
  const auto manager = server.token_for("openapi.manager", "manager");
  auto created = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", all_token_scopes()}, {"label", "oa"}},
      server.admin_token());
  BOOST_REQUIRE(created.status == 201);
  const auto integration = created.json().at("token").get<std::string>();
  const std::vector<std::pair<Role, std::string>> tokens = {{Role::kAdmin, server.admin_token()},
                                                            {Role::kManager, manager},
                                                            {Role::kIntegration, integration}};

  const auto router = api::build_router(server.server().context());
  size_t query_probes = 0;
  size_t body_probes = 0;
  for (const auto& route : router.routes()) {
    if (!route.requires_token) continue;
    const auto method = method_name(route.method);
    const auto label = route_label(method, route.pattern, route.operation_id);
    const auto& item = doc.at("paths").at(route.pattern);
    const auto& operation = item.at(method);
    std::string token;
    for (const auto& [role, t] : tokens) {
      if (api::role_allowed(route, role)) {
        token = t;
        break;
      }
    }
    BOOST_REQUIRE_MESSAGE(!token.empty(), label + ": no probe token may call it");
    // Ids that name nothing, so that nothing is changed — but an existing user, whose PATCH
    // reads the body only once the user is found.
    std::string target = route.pattern;
    for (const auto& name : pattern_params(route.pattern)) {
      std::string value = name == "delivery_id" ? "1" : "zz-none";
      if (route.pattern.starts_with("/v1/users/")) value = "openapi.manager";
      target.replace(target.find("{" + name + "}"), name.size() + 2, value);
    }

    if (route.method == http::verb::get) {
      const auto documented = names_of(parameters_of(doc, item, operation), "query");
      auto probe = server.http().get(target + "?zz_undocumented=1", token);
      const auto allowed = allowed_names(probe.json(), "/query/zz_undocumented",
                                         "unknown query parameter 'zz_undocumented'");
      if (allowed) {
        ++query_probes;
        BOOST_TEST((*allowed == documented), label + ": the handler accepts " +
                                                 json(*allowed).dump() + ", the document lists " +
                                                 json(documented).dump());
      } else {
        // Handlers that read no query do not refuse one either; they must document none.
        BOOST_TEST(documented.empty(), label + ": documents query parameters " +
                                           json(documented).dump() +
                                           " but does not refuse unknown ones: " + probe.body);
      }
    }

    // validateWorkflows takes any definition document; its schema is a oneOf. A streamed body
    // (a JSON Lines import) is no JSON object to probe: its lines are the records' own bodies.
    if (!operation.contains("requestBody") || route.operation_id == "validateWorkflows" ||
        (route.body && route.body->kind == api::BodyPolicy::Kind::kStreamed)) {
      continue;
    }
    const auto* request = resolve(doc, operation["requestBody"]);
    BOOST_REQUIRE(request);
    // A raw body (an attachment's bytes) has no members to probe.
    if (!request->at("content").contains("application/json")) continue;
    std::set<std::string> members;
    std::set<std::string> required;
    schema_members(doc, request->at("content").at("application/json").at("schema"), members,
                   required);
    const std::map<std::string, std::string> headers = {{"If-Match", "\"1\""}};
    auto probe =
        server.http().request(route.method, target, R"({"zz_undocumented": 1})", token, headers);
    const auto allowed =
        allowed_names(probe.json(), "/zz_undocumented", "unknown field 'zz_undocumented'");
    BOOST_TEST(allowed.has_value(),
               label + ": no unknown-field refusal to compare with: " + probe.body);
    if (!allowed) continue;
    ++body_probes;
    BOOST_TEST((*allowed == members), label + ": the handler accepts " + json(*allowed).dump() +
                                          ", the document lists " + json(members).dump());
    auto empty = server.http().request(route.method, target, "{}", token, headers);
    BOOST_TEST((required_names(empty.json()) == required),
               label + ": the handler requires " + json(required_names(empty.json())).dump() +
                   ", the document " + json(required).dump());
  }
  // The probes reached the handlers (not only their absence of a reaction).
  BOOST_TEST(query_probes >= 8u);
  BOOST_TEST(body_probes >= 15u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
