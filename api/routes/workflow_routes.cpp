// /v1/workflows, /v1/policies, /v1/policies/{kind}/{id}, /v1/workflows/validate: what the loaded
// catalog holds, and a dry-run check of definitions before they are installed.
//
// Reads come from the engine's catalog (immutable, loaded at start-up). The catalog keeps each
// workflow version's source JSON and each policy's definition as parsed, so
// /v1/policies/{kind}/{id} answers with the very document that was loaded — never a re-read of
// a file that may have changed since. /v1/policies summarises what the catalog's policy objects
// expose (ids, calendars' time zones, SLA targets, compensation authority). Both say which
// loaded workflow versions use each policy. The path's {kind} is one of calendar, sla,
// escalation, compensation: the keys of a workflow's "policies" object (the listing's keys are
// their plurals: calendars, sla_policies, escalation_policies, compensation_policies).
//
// Validation loads the submitted documents with WorkflowCatalog::load together with the context
// they need: the shared policy files of the server's workflows directory (read once, when the
// routes are built, i.e. right after the catalog itself was loaded from them) and every loaded
// workflow version (from the catalog), so that a changed policy is checked against the
// workflows that use it. A submitted document replaces the context document it redefines: the
// policy of the same kind and id, the calendars file defining one of its calendars, or the
// loaded workflow of the same id and version. Nothing is installed.
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "api/http/json_body.h"
#include "api/routes/routes.h"
#include "engine/engine.h"
#include "engine/json_reader.h"
#include "engine/json_text.h"
#include "engine/workflow_catalog.h"

namespace redress::api {
namespace {

constexpr size_t kMaxDocuments = 100;

const std::vector<Role> kWorkflowReaders = {Role::kAgent,   Role::kTeamLead, Role::kSupervisor,
                                            Role::kManager, Role::kAdmin,    Role::kIntegration};
const std::vector<Role> kValidators = {Role::kAdmin, Role::kManager};

// A shared policy document of the workflows directory.
struct PolicyDocument {
  std::string name;           // the file's name, without the server's directory
  std::string kind;           // calendars, sla_policy, escalation_policy, compensation_policy
  std::set<std::string> ids;  // the policy's id, or every calendar id of a calendars file
  std::string text;
};

std::string text_member(const nlohmann::json& doc, const char* key) {
  if (!doc.is_object()) return "";
  const auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

// The ids a policy document defines (what a submitted document may replace).
std::set<std::string> policy_ids(const nlohmann::json& doc, const std::string& kind) {
  std::set<std::string> ids;
  if (kind == "calendars") {
    const auto it = doc.find("calendars");
    if (it == doc.end() || !it->is_array()) return ids;
    for (const auto& calendar : *it) {
      if (auto id = text_member(calendar, "id"); !id.empty()) ids.insert(id);
    }
  } else if (auto id = text_member(doc, "id"); !id.empty()) {
    ids.insert(id);
  }
  return ids;
}

// The policy documents (every kind but "workflow") in `directory`, by file name, read through
// the engine's one reader (WorkflowCatalog::read_directory: size and regular-file checks).
// Unreadable or unparsable files are skipped: the catalog was loaded from these files moments
// ago, so they are readable unless someone is editing them, and validation then reports what is
// missing.
std::vector<PolicyDocument> read_policy_documents(const std::string& directory) {
  std::vector<PolicyDocument> out;
  for (auto& source : WorkflowCatalog::read_directory(directory).sources) {
    auto parsed = parse_json_text(source.text);
    if (!std::holds_alternative<nlohmann::json>(parsed)) continue;
    const auto& doc = std::get<nlohmann::json>(parsed);
    const auto kind = text_member(doc, "kind");
    if (kind.empty() || kind == "workflow") continue;
    out.push_back({std::filesystem::path(source.name).filename().string(), kind,
                   policy_ids(doc, kind), std::move(source.text)});
  }
  return out;
}

nlohmann::json workflow_ref(const WorkflowDefinition& wf) {
  return {{"workflow", wf.id}, {"version", wf.version}};
}

nlohmann::json workflow_summary(const WorkflowDefinition& wf, bool latest) {
  auto states = nlohmann::json::array();
  for (const auto& s : wf.states) states.push_back(s.name);
  return {{"id", wf.id},
          {"version", wf.version},
          {"title", wf.title.english()},
          {"initial_state", wf.initial_state},
          {"states", std::move(states)},
          {"policies",
           {{"calendar", wf.policies.calendar},
            {"sla", wf.policies.sla},
            {"escalation", wf.policies.escalation},
            {"compensation", wf.policies.compensation},
            {"follow_up", wf.policies.follow_up.empty() ? nlohmann::json()
                                                        : nlohmann::json(wf.policies.follow_up)}}},
          {"latest", latest}};
}

std::string loaded_ids(const WorkflowCatalog& catalog) {
  std::set<std::string> ids;
  for (const auto& wf : catalog.workflows()) ids.insert(wf->id);
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "(none)" : out;
}

ApiProblem unknown_workflow(const WorkflowCatalog& catalog, const std::string& id) {
  return ApiProblem::not_found("workflow '" + id +
                               "' is not loaded; loaded workflows: " + loaded_ids(catalog));
}

// A path segment that must be a positive version number (no sign, no leading zeros).
std::optional<int> parse_version(const std::string& text) {
  if (text.empty() || text.size() > 9 || text[0] == '0') return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoi(text);
}

// --- /v1/policies ----------------------------------------------------------------------------

// The loaded workflow versions that use each policy, by (kind, id): a workflow uses the policies
// its "policies" object names and every calendar it refers to elsewhere (a state's or timer's).
// A calendar used only through an SLA policy is not listed as used by the SLA policy's users.
using PolicyUsage = std::map<std::pair<PolicyKind, std::string>, nlohmann::json>;

PolicyUsage policy_usage(const WorkflowCatalog& catalog) {
  PolicyUsage usage;
  for (const auto& wf : catalog.workflows()) {
    auto use = [&](PolicyKind kind, const std::string& id) {
      if (id.empty()) return;
      auto& refs = usage.try_emplace({kind, id}, nlohmann::json::array()).first->second;
      const auto ref = workflow_ref(*wf);
      if (std::find(refs.begin(), refs.end(), ref) == refs.end()) refs.push_back(ref);
    };
    use(PolicyKind::kCalendar, wf->policies.calendar);
    for (const auto& [calendar, pointer] : wf->calendar_references) {
      use(PolicyKind::kCalendar, calendar);
    }
    use(PolicyKind::kSla, wf->policies.sla);
    use(PolicyKind::kEscalation, wf->policies.escalation);
    use(PolicyKind::kCompensation, wf->policies.compensation);
    if (!wf->policies.follow_up.empty()) use(PolicyKind::kFollowUp, wf->policies.follow_up);
  }
  return usage;
}

nlohmann::json used_by(const PolicyUsage& usage, PolicyKind kind, const std::string& id) {
  const auto it = usage.find({kind, id});
  return it == usage.end() ? nlohmann::json::array() : it->second;
}

nlohmann::json policies_json(const WorkflowCatalog& catalog) {
  const auto usage = policy_usage(catalog);
  nlohmann::json calendars = nlohmann::json::array();
  nlohmann::json sla = nlohmann::json::array();
  nlohmann::json escalation = nlohmann::json::array();
  nlohmann::json compensation = nlohmann::json::array();
  for (const auto& id : catalog.policy_ids(PolicyKind::kCalendar)) {
    const auto* calendar = catalog.calendar(id);
    if (!calendar) continue;
    calendars.push_back({{"id", id},
                         {"time_zone", calendar->time_zone_name()},
                         {"used_by", used_by(usage, PolicyKind::kCalendar, id)}});
  }
  for (const auto& id : catalog.policy_ids(PolicyKind::kSla)) {
    const auto* policy = catalog.sla_policy(id);
    if (!policy) continue;
    nlohmann::json targets = nlohmann::json::object();
    for (const auto& [severity, t] : policy->targets) {
      targets[severity] = {{"first_response", format_duration(t.first_response)},
                           {"resolution", format_duration(t.resolution)}};
    }
    sla.push_back({{"id", id},
                   {"calendar", policy->calendar},
                   {"warning_percent", policy->warning_percent},
                   {"targets", std::move(targets)},
                   {"used_by", used_by(usage, PolicyKind::kSla, id)}});
  }
  for (const auto& id : catalog.policy_ids(PolicyKind::kEscalation)) {
    if (!catalog.escalation_policy(id)) continue;
    escalation.push_back({{"id", id}, {"used_by", used_by(usage, PolicyKind::kEscalation, id)}});
  }
  for (const auto& id : catalog.policy_ids(PolicyKind::kCompensation)) {
    const auto* policy = catalog.compensation_policy(id);
    if (!policy) continue;
    auto authority = nlohmann::json::array();
    auto limit = [&](const std::optional<std::int64_t>& amount) {
      return amount ? money_to_json(Money{*amount, policy->currency()}) : nlohmann::json(nullptr);
    };
    for (const auto& l : policy->limits()) {
      authority.push_back({{"role", role_name(l.role)},
                           {"per_case", limit(l.per_case)},
                           {"per_customer_30d", limit(l.per_customer_30d)}});
    }
    compensation.push_back({{"id", id},
                            {"currency", policy->currency()},
                            {"authority", std::move(authority)},
                            {"used_by", used_by(usage, PolicyKind::kCompensation, id)}});
  }
  auto follow_up = nlohmann::json::array();
  for (const auto& id : catalog.policy_ids(PolicyKind::kFollowUp)) {
    const auto* policy = catalog.follow_up_policy(id);
    if (!policy) continue;
    follow_up.push_back({{"id", id},
                         {"call_windows", policy->call_windows},
                         {"chat_hours", policy->chat_hours},
                         {"max_attempts", policy->max_attempts},
                         {"coverage_target_percent", policy->coverage_target_percent},
                         {"used_by", used_by(usage, PolicyKind::kFollowUp, id)}});
  }
  return {{"calendars", std::move(calendars)},
          {"sla_policies", std::move(sla)},
          {"escalation_policies", std::move(escalation)},
          {"compensation_policies", std::move(compensation)},
          {"follow_up_policies", std::move(follow_up)}};
}

// How a kind is named in messages: "SLA policy 'x'".
std::string kind_label(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kCalendar:
      return "calendar";
    case PolicyKind::kSla:
      return "SLA policy";
    case PolicyKind::kEscalation:
      return "escalation policy";
    case PolicyKind::kCompensation:
      return "compensation policy";
    case PolicyKind::kFollowUp:
      return "follow-up policy";
  }
  return "policy";
}

// GET /v1/policies/{kind}/{id}: the policy's definition as loaded and the workflows using it.
void respond_policy(const WorkflowCatalog& catalog, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({});
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  const auto kind_text = ctx->param("kind");
  const auto id = ctx->param("id");
  const auto kind = parse_policy_kind(kind_text);
  if (!kind) {
    std::vector<std::string> names;
    for (const auto k : kPolicyKinds) names.emplace_back(policy_kind_name(k));
    const auto kinds = join(names);
    return respond.problem(*ctx, ApiProblem::not_found("there is no policy kind '" + kind_text +
                                                       "'; the kinds are " + kinds));
  }
  const auto* document = catalog.policy_document(*kind, id);
  if (!document) {
    const auto loaded = join(catalog.policy_ids(*kind));
    return respond.problem(
        *ctx,
        ApiProblem::not_found("there is no " + kind_label(*kind) + " '" + id + "'; loaded " +
                              kind_label(*kind) + " ids: " + (loaded.empty() ? "(none)" : loaded)));
  }
  nlohmann::json body{{"kind", policy_kind_name(*kind)},
                      {"id", id},
                      {"document", *document},
                      {"used_by", used_by(policy_usage(catalog), *kind, id)}};
  if (const auto* escalation =
          *kind == PolicyKind::kEscalation ? catalog.escalation_policy(id) : nullptr) {
    // The rules' reasons as labels ({"en", "zh"} even where the file gives a plain string), so a
    // client shows a rule escalation's reason (its journal entry names the rule) in its language.
    auto reasons = nlohmann::json::object();
    for (const auto& [rule_id, reason] : escalation->rule_reasons()) {
      reasons[rule_id] = reason.to_json();
    }
    body["reason_labels"] = std::move(reasons);
  }
  respond.json(*ctx, http::status::ok, body);
}

// --- /v1/workflows/validate ------------------------------------------------------------------

struct Submitted {
  std::string name;
  nlohmann::json doc;
};

// The submitted documents plus the context they are checked in, and the names of the context
// documents used (for the response).
std::vector<DefinitionSource> validation_sources(const std::vector<Submitted>& submitted,
                                                 const WorkflowCatalog& catalog,
                                                 const std::vector<PolicyDocument>& policies,
                                                 std::vector<std::string>& context_names) {
  std::vector<DefinitionSource> sources;
  std::map<std::string, std::set<std::string>> replaced;  // kind -> ids redefined
  std::set<std::pair<std::string, int>> replaced_versions;
  for (const auto& s : submitted) {
    sources.push_back({s.name, s.doc.dump()});
    const auto kind = text_member(s.doc, "kind");
    if (kind == "workflow") {
      const auto version = s.doc.find("version");
      if (version != s.doc.end() && version->is_number_integer()) {
        replaced_versions.insert({text_member(s.doc, "id"), version->get<int>()});
      }
    } else if (!kind.empty()) {
      for (const auto& id : policy_ids(s.doc, kind)) replaced[kind].insert(id);
    }
  }
  for (const auto& p : policies) {
    const auto& ids = replaced[p.kind];
    const bool redefined = std::any_of(p.ids.begin(), p.ids.end(),
                                       [&](const std::string& id) { return ids.count(id) > 0; });
    if (redefined) continue;
    sources.push_back({p.name, p.text});
    context_names.push_back(p.name);
  }
  for (const auto& wf : catalog.workflows()) {
    if (replaced_versions.count({wf->id, wf->version})) continue;
    const auto name = "loaded:" + wf->id + "@" + std::to_string(wf->version);
    sources.push_back({name, wf->source.dump()});
    context_names.push_back(name);
  }
  return sources;
}

// A submitted workflow that reuses a loaded (id, version) with other content: the server would
// refuse it (a case pinned to that version must keep its rules).
Problems version_changes(const std::vector<Submitted>& submitted, const WorkflowCatalog& catalog) {
  Problems problems;
  for (const auto& s : submitted) {
    if (text_member(s.doc, "kind") != "workflow") continue;
    const auto version = s.doc.find("version");
    if (version == s.doc.end() || !version->is_number_integer()) continue;
    const auto id = text_member(s.doc, "id");
    const auto loaded = catalog.find(id, version->get<int>());
    if (loaded && loaded->source != s.doc) {
      problems.push_back({Severity::kError, "VERSION_CHANGED", "/version",
                          "workflow '" + id + "' version " + std::to_string(loaded->version) +
                              " is already loaded with different content; give the changed "
                              "definition a new version number",
                          s.name});
    }
  }
  return problems;
}

// GET /v1/workflows (listWorkflows): list loaded workflow versions.
void list_workflows(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({});
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  const auto& catalog = context.store.engine().catalog();
  auto workflows = nlohmann::json::array();
  for (const auto& wf : catalog.workflows()) {
    const auto latest = catalog.latest(wf->id);
    workflows.push_back(workflow_summary(*wf, latest && latest == wf));
  }
  respond.json(*ctx, http::status::ok, {{"workflows", std::move(workflows)}});
}

// GET /v1/workflows/{id} (getWorkflow): read the latest version of a workflow.
void get_workflow(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto& catalog = context.store.engine().catalog();
  const auto id = ctx->param("id");
  const auto wf = catalog.latest(id);
  if (!wf) return respond.problem(*ctx, unknown_workflow(catalog, id));
  respond.json(*ctx, http::status::ok, wf->source);
}

// GET /v1/workflows/{id}/versions/{version} (getWorkflowVersion): read one version of a workflow.
void get_workflow_version(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto& catalog = context.store.engine().catalog();
  const auto id = ctx->param("id");
  const auto version = parse_version(ctx->param("version"));
  if (!version) {
    return respond.problem(
        *ctx,
        ApiProblem::bad_request("the version in the path must be a positive whole number, such "
                                "as /v1/workflows/" +
                                    id + "/versions/1",
                                {{"/path/version", "must be a positive whole number"}}));
  }
  const auto wf = catalog.find(id, *version);
  if (!wf) {
    if (!catalog.latest(id)) return respond.problem(*ctx, unknown_workflow(catalog, id));
    std::string versions;
    for (const auto& w : catalog.workflows()) {
      if (w->id == id) {
        versions += (versions.empty() ? "" : ", ") + std::to_string(w->version);
      }
    }
    return respond.problem(
        *ctx, ApiProblem::not_found("workflow '" + id + "' has no version " +
                                    std::to_string(*version) + "; loaded versions: " + versions));
  }
  respond.json(*ctx, http::status::ok, wf->source);
}

// GET /v1/policies (listPolicies): list the loaded calendars and SLA, escalation and compensation
// policies.
void list_policies(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({});
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  respond.json(*ctx, http::status::ok, policies_json(context.store.engine().catalog()));
}

// GET /v1/policies/{kind}/{id} (getPolicy): read one policy as loaded and the workflow versions
// using it.
void get_policy(ServerContext& context, RequestPtr ctx, Responder respond) {
  respond_policy(context.store.engine().catalog(), std::move(ctx), std::move(respond));
}

// validateWorkflows: `policy_documents` are the policy files of the workflows directory, read
// once at start-up, against which submitted workflows are checked.
void validate_workflows(ServerContext& context, const std::vector<PolicyDocument>& policy_documents,
                        RequestPtr ctx, Responder respond) {
  const auto parsed = body_object(*ctx, respond);
  if (!parsed) return;
  const auto& body = *parsed;
  // One definition document, or {"documents": [...]}: a definition always has "kind".
  std::vector<Submitted> submitted;
  if (body.contains("documents") && !body.contains("kind")) {
    BodyReader reader(body, "", {"documents"});
    const auto& documents = body["documents"];
    if (!documents.is_array() || documents.empty()) {
      reader.add("/documents", "must be a non-empty array of definition documents",
                 problem_params("wrong_type", {{"type", "array"}}));
    } else if (documents.size() > kMaxDocuments) {
      reader.add("/documents", "must have at most " + std::to_string(kMaxDocuments) + " documents",
                 problem_params("too_many_items", {{"maximum", kMaxDocuments}}));
    }
    if (!reader.ok()) return respond.problem(*ctx, reader.problem());
    for (size_t i = 0; i < documents.size(); ++i) {
      submitted.push_back({"documents/" + std::to_string(i), documents[i]});
    }
  } else {
    submitted.push_back({"document", body});
  }

  const auto& catalog = context.store.engine().catalog();
  std::vector<std::string> context_names;
  const auto sources = validation_sources(submitted, catalog, policy_documents, context_names);
  auto load = WorkflowCatalog::load(sources);
  auto problems = version_changes(submitted, catalog);
  problems.insert(problems.end(), load.problems.begin(), load.problems.end());

  // Warnings about the context documents are not news to the caller; their errors are
  // (a submitted policy that breaks a loaded workflow).
  const std::set<std::string> context_set(context_names.begin(), context_names.end());
  auto list = nlohmann::json::array();
  for (const auto& p : problems) {
    if (p.severity == Severity::kWarning && context_set.count(p.file)) continue;
    list.push_back(problem_to_json(p));
  }
  respond.json(*ctx, http::status::ok,
               {{"valid", !has_errors(problems)},
                {"problems", std::move(list)},
                {"checked_with", context_names}});
}

}  // namespace

void add_workflow_routes(Router& router, ServerContext& context) {
  const auto policy_documents = std::make_shared<const std::vector<PolicyDocument>>(
      read_policy_documents(context.config.workflows_dir));

  router.add({http::verb::get, "/v1/workflows", "listWorkflows", "list loaded workflow versions",
              kWorkflowReaders, true, bind_handler(context, list_workflows)});

  router.add({http::verb::get, "/v1/workflows/{id}", "getWorkflow",
              "read the latest version of a workflow", kWorkflowReaders, true,
              bind_handler(context, get_workflow)});

  router.add({http::verb::get, "/v1/workflows/{id}/versions/{version}", "getWorkflowVersion",
              "read one version of a workflow", kWorkflowReaders, true,
              bind_handler(context, get_workflow_version)});

  router.add({http::verb::get, "/v1/policies", "listPolicies",
              "list the loaded calendars and SLA, escalation and compensation policies",
              kWorkflowReaders, true, bind_handler(context, list_policies)});

  router.add({http::verb::get, "/v1/policies/{kind}/{id}", "getPolicy",
              "read one policy as loaded and the workflow versions using it", kWorkflowReaders,
              true, bind_handler(context, get_policy)});

  router.add({http::verb::post, "/v1/workflows/validate", "validateWorkflows",
              "validate definitions without installing them", kValidators, true,
              [&context, policy_documents](RequestPtr ctx, Responder respond) {
                validate_workflows(context, *policy_documents, std::move(ctx), std::move(respond));
              }});
}

}  // namespace redress::api
