// /v1/cases: create, list and search, read, update fields, journal, transitions, assignment,
// escalation, comments, customer messages, replies and promises.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "api/http/json_body.h"
#include "api/routes/case_api.h"
#include "api/routes/page_token.h"
#include "api/routes/record_input.h"
#include "api/routes/routes.h"
#include "engine/case_vocabulary.h"
#include "engine/role.h"
#include "engine/workflow_catalog.h"
#include "storage/case_links.h"
#include "storage/team_workload.h"

namespace redress::api {
namespace {

const std::vector<Role>& kCaseReaders = case_reader_roles();

constexpr size_t kMaxText = 80000;  // bytes; the engine bounds code points more precisely
constexpr size_t kMaxName = 128;

// Cases page by (SLA due, id): the order of the listing.
const PageListing kCaseListing{"cases", {PageKeyType::kInteger, PageKeyType::kString}, 50};
const PageListing kCaseListingByNextDue{
    "cases:next_due", {PageKeyType::kInteger, PageKeyType::kString}, 50};

// The values the closed-vocabulary filters of the case listing accept.
std::vector<std::string> severity_names() {
  return {kSeverities.begin(), kSeverities.end()};
}

std::vector<std::string> stage_names() {
  std::vector<std::string> names;
  for (const auto stage : kStages) names.emplace_back(stage_name(stage));
  return names;
}

// States of every loaded workflow version, sorted: what a case can hold, so what a filter may ask
// for.
std::vector<std::string> catalog_states(const WorkflowCatalog& catalog) {
  std::set<std::string> names;
  for (const auto& wf : catalog.workflows()) {
    for (const auto& state : wf->states) names.insert(state.name);
  }
  return {names.begin(), names.end()};
}

// A case filed under a team or with an assignee the directory does not know would sit where
// nobody looks: the team and the assignee a command names must exist (the assignee also be
// active). Answers 422 naming each unknown one and returns false; "" names nobody.
bool names_known_people(ServerContext& context, const RequestContext& ctx, const Responder& respond,
                        const std::string& team, const std::string& assignee) {
  std::vector<FieldProblem> problems;
  if (!team.empty()) {
    auto found = context.directory.get_team(team);
    if (!found.ok()) {
      respond.problem(ctx, from_error(found.error()));
      return false;
    }
    if (!found.value()) {
      problems.push_back({"/team", "there is no team '" + team + "'", ErrorCode::kInvalidField,
                          problem_params("no_such_team", {{"team", team}})});
    }
  }
  if (!assignee.empty()) {
    auto found = context.directory.get_user(assignee);
    if (!found.ok()) {
      respond.problem(ctx, from_error(found.error()));
      return false;
    }
    if (!found.value()) {
      problems.push_back({"/assignee", "there is no user '" + assignee + "'",
                          ErrorCode::kInvalidField,
                          problem_params("no_such_user", {{"user", assignee}})});
    } else if (!found.value()->active) {
      problems.push_back({"/assignee", "user '" + assignee + "' is inactive",
                          ErrorCode::kInvalidField,
                          problem_params("user_inactive", {{"user", assignee}})});
    }
  }
  if (problems.empty()) return true;
  const auto detail = problems.size() == 1
                          ? problems.front().pointer + ": " + problems.front().message
                          : std::to_string(problems.size()) + " invalid fields";
  respond.problem(ctx, ApiProblem::invalid_field(detail, std::move(problems)));
  return false;
}

// The team's people as automatic assignment sees them now: active agents and team leads, with
// their availability, skills, open cases in the team and whether the team's calendar says the
// team works at `now`. nullopt (answered) on a storage error.
std::optional<std::vector<AssignmentCandidate>> assignment_candidates(ServerContext& context,
                                                                      const RequestContext& ctx,
                                                                      const Responder& respond,
                                                                      const storage::Team& team) {
  const auto& catalog = context.store.engine().catalog();
  // A team without a calendar, or one whose calendar the loaded workflows no longer define,
  // counts as always working: a case must not wait because of a configuration gap.
  const auto* calendar = team.calendar.empty() ? nullptr : catalog.calendar(team.calendar);
  const bool working = !calendar || calendar->is_working_time(ctx.now);
  auto workload = storage::read_team_workload(context.store, team.id);
  if (!workload.ok()) {
    respond.problem(ctx, from_error(workload.error()));
    return std::nullopt;
  }
  std::map<std::string, std::int64_t> open_cases;
  if (workload.value()) {
    for (const auto& person : workload.value()->people) {
      open_cases[person.user_id] = person.counts.open;
    }
  }
  std::vector<AssignmentCandidate> candidates;
  std::string after;
  for (;;) {
    auto page = context.directory.list_users(team.id, after, storage::kMaxListingRows);
    if (!page.ok()) {
      respond.problem(ctx, from_error(page.error()));
      return std::nullopt;
    }
    for (const auto& user : page.value()) {
      if (!user.active || (user.role != Role::kAgent && user.role != Role::kTeamLead)) continue;
      AssignmentCandidate candidate;
      candidate.user_id = user.id;
      candidate.team_lead = user.role == Role::kTeamLead;
      candidate.availability = user.availability;
      candidate.skills = user.skills;
      candidate.open_cases = open_cases.count(user.id) ? open_cases[user.id] : 0;
      candidate.in_working_hours = working;
      candidates.push_back(std::move(candidate));
    }
    if (page.value().size() < storage::kMaxListingRows) break;
    after = page.value().back().id;
  }
  return candidates;
}

// A case opened without an assignee: its team (the policy's default team when it names none and
// that team exists) and, by the team's rule, its assignee with the reason the journal records.
// The choice is made here, once, from what the directory and the workload say now; concurrent
// creations may see the same counts (the counts are a guide, not a lock). False (answered) on a
// storage error.
bool assign_by_policy(ServerContext& context, const RequestContext& ctx, const Responder& respond,
                      CreateCase& create) {
  const auto* policy = context.store.engine().catalog().assignment_policy();
  if (!policy || !create.assignee.empty()) return true;
  if (create.team.empty() && !policy->default_team().empty()) {
    auto found = context.directory.get_team(policy->default_team());
    if (!found.ok()) {
      respond.problem(ctx, from_error(found.error()));
      return false;
    }
    if (found.value()) create.team = policy->default_team();
  }
  if (create.team.empty()) return true;
  const auto& rule = policy->rule_for(create.team);
  if (rule.strategy == AssignmentStrategy::kClaim) return true;
  auto team = context.directory.get_team(create.team);
  if (!team.ok()) {
    respond.problem(ctx, from_error(team.error()));
    return false;
  }
  if (!team.value()) return true;  // names_known_people has answered already
  const auto candidates = assignment_candidates(context, ctx, respond, *team.value());
  if (!candidates) return false;
  std::string category = create.category;
  if (category.empty() && create.fields.is_object() && create.fields.contains("category") &&
      create.fields["category"].is_string()) {
    category = create.fields["category"].get<std::string>();
  }
  const auto choice = choose_assignee(rule, create.team, category, *candidates);
  create.assignee = choice.assignee;
  create.assignment_reason = choice.to_json();
  return true;
}

// A link's members: the case linked to, the kind of link and why.
storage::CaseLinkRequest read_link(BodyReader& in) {
  storage::CaseLinkRequest link;
  link.case_id = in.string("case_id", true, kMaxName).value_or("");
  link.kind = in.string("kind", true, 32).value_or("");
  if (!link.kind.empty() &&
      std::find(std::begin(storage::kCaseLinkKinds), std::end(storage::kCaseLinkKinds),
                link.kind) == std::end(storage::kCaseLinkKinds)) {
    in.add(
        in.pointer("kind"),
        "is not a kind of link; use duplicate_of, related_to, follow_up_of or reopen_of",
        problem_params(
            "not_one_of",
            {{"allowed", {"duplicate_of", "related_to", "follow_up_of", storage::kReopenOfLink}}}));
  }
  link.reason = in.string("reason", true, 2000).value_or("");
  return link;
}

nlohmann::json link_json(const storage::CaseLink& link, const std::string& seen_from) {
  const bool outgoing = link.case_id == seen_from;
  return {{"id", link.id},
          {"case_id", link.case_id},
          {"linked_case_id", link.linked_case_id},
          {"kind", link.kind},
          {"direction", outgoing ? "outgoing" : "incoming"},
          {"other_case_id", outgoing ? link.linked_case_id : link.case_id},
          {"reason", link.reason},
          {"created_by", link.created_by},
          {"created_at", format_rfc3339(link.created_at)}};
}

// POST /v1/cases/{id}/links (linkCase)
void link_case(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"case_id", "kind", "reason"});
  auto request = read_link(in);
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  const auto id = ctx->param("id");
  storage::CaseLinkStore links(context.store);
  links.link(storage::CaseLink{0, id, request.case_id, request.kind, request.reason,
                               ctx->actor().id, ctx->now},
             storage::ReadScope::of(ctx->actor()),
             [ctx, respond, id](Result<storage::CaseLink> made) {
               if (!made.ok()) return respond.problem(*ctx, from_error(made.error()));
               respond.json(*ctx, http::status::created, link_json(made.value(), id));
             });
}

// GET /v1/cases/{id}/links (listCaseLinks)
void list_case_links(ServerContext& context, RequestPtr ctx, Responder respond) {
  if (!load_case_or_404(context, *ctx, respond)) return;
  const auto id = ctx->param("id");
  auto links =
      storage::CaseLinkStore(context.store).links_of(id, storage::ReadScope::of(ctx->actor()));
  if (!links.ok()) return respond.problem(*ctx, from_error(links.error()));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& link : links.value()) items.push_back(link_json(link, id));
  respond.json(*ctx, http::status::ok, {{"links", std::move(items)}});
}

void create_case(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "",
                {"workflow_id", "workflow_version", "severity", "category", "customer_id",
                 "customer", "order_id", "order", "team", "assignee", "fields", "link"});
  CreateCase create;
  CommandRun run{"", {}, std::nullopt, http::status::created, case_location};
  run.refuse_open_duplicate = true;
  if (auto link = in.object("link", false)) {
    BodyReader l(*link, "/link", {"case_id", "kind", "reason"});
    run.link = read_link(l);
    in.merge(l);
  }
  create.workflow_id = in.string("workflow_id", true, kMaxName).value_or("");
  if (auto v = in.integer("workflow_version", false, 1, 1000000)) {
    create.workflow_version = static_cast<int>(*v);
  }
  create.severity = in.string("severity", false, 32).value_or("normal");
  create.category = in.string("category", false, kMaxName).value_or("");
  create.team = in.string("team", false, kMaxName).value_or("");
  // An agent or team lead files into their own team unless they name another: the case stays
  // where they can see it (storage/read_scope.h).
  if (!body->contains("team") && !storage::ReadScope::of(ctx->actor()).everything) {
    create.team = ctx->actor().team;
  }
  create.assignee = in.string("assignee", false, kMaxName).value_or("");
  if (auto fields = in.object("fields", false)) create.fields = *fields;
  const auto& catalog = context.store.engine().catalog();
  // The customer: a stored record by id, or an inline object that writes the record.
  const auto customer_id = in.string("customer_id", false, kMaxName);
  if (customer_id && body->contains("customer")) {
    in.add("/customer_id", "give customer_id or a customer object, not both",
           problem_params("one_of_members", {{"members", {"customer_id", "customer"}}}));
  } else if (customer_id) {
    create.customer.id = *customer_id;
    run.customer_by_reference = true;
  } else if (auto customer = in.object("customer", false)) {
    BodyReader c(*customer, "/customer",
                 {"id", "segment", "tier", "level", "name", "contacts", "addresses", "tags"});
    storage::CustomerInput record;
    read_customer_body(c, *customer, CustomerBody::kInline, catalog, record);
    if (auto tier = c.string("tier", false, 32)) {
      if (record.level) {
        c.add("/customer/tier", "give tier or level, not both (they are the same)",
              problem_params("one_of_members", {{"members", {"tier", "level"}}}));
      }
      record.level = *tier;
    }
    create.customer.id = record.id;
    create.customer.segment = record.segment.value_or("");
    create.customer.tier = record.level.value_or("");
    run.customer_record = std::move(record);
    in.merge(c);
  } else if (!body->contains("customer")) {
    in.add("/customer_id", "is required: give customer_id, or a customer object",
           problem_params("required"), ErrorCode::kMissingField);
  }
  // The order, likewise; a complaint without an order is possible.
  const auto order_id = in.string("order_id", false, kMaxName);
  if (order_id && body->contains("order")) {
    in.add("/order_id", "give order_id or an order object, not both",
           problem_params("one_of_members", {{"members", {"order_id", "order"}}}));
  } else if (order_id) {
    create.order.id = *order_id;
    run.order_by_reference = true;
  } else if (auto order = in.object("order", false)) {
    BodyReader o(*order, "/order",
                 {"id", "paid", "refunded", "items", "paid_at", "shipping_address", "carrier",
                  "tracking_number", "status"});
    storage::OrderInput record;
    read_order_body(o, *order, true, record);
    create.order.id = record.id;
    if (record.paid) create.order.paid = *record.paid;
    if (record.refunded_outside) create.order.refunded = *record.refunded_outside;
    if (create.order.refunded.currency.empty()) {
      create.order.refunded.currency = create.order.paid.currency;
    }
    // An order known by its id alone stays as the case sees it (no record is written).
    if (record.paid) run.order_record = std::move(record);
    in.merge(o);
  }
  if (!in.ok()) {
    // The engine's checks (severity, fields, order amounts) run on what could be read, so one
    // answer lists every problem of the body, not only those found here.
    if (auto engine = context.store.engine().check_creation(create, ctx->actor())) {
      in.add_missing(*engine);
    }
    return respond.problem(*ctx, in.problem());
  }
  if (!names_known_people(context, *ctx, respond, create.team, create.assignee)) return;
  // As with the assignment command: an agent may take a case for themselves, not hand it to
  // someone else (that is a team lead's call).
  if (ctx->actor().role == Role::kAgent && !create.assignee.empty() &&
      create.assignee != ctx->actor().id) {
    return respond.problem(
        *ctx, ApiProblem{ErrorCode::kRoleNotPermitted,
                         "an agent may open a case for themselves (assignee '" + ctx->actor().id +
                             "') or leave it to the team's assignment rule; a team lead "
                             "assigns it to someone else"});
  }
  if (!assign_by_policy(context, *ctx, respond, create)) return;
  run.body = std::move(create);
  run_case_command(context, std::move(ctx), std::move(respond), std::move(run));
}

void list_cases(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"state", "stage", "assignee", "team", "severity", "category", "escalation_level",
                "customer", "sla_due_before", "q", "unassigned", "escalated", "open", "page_size",
                "page_token", "reopened", "sort", "follow_up"});
  const auto& catalog = context.store.engine().catalog();
  storage::CaseQuery query;
  query.scope = storage::ReadScope::of(ctx->actor());
  query.state = q.one_of("state", catalog_states(catalog)).value_or("");
  query.stage = q.one_of("stage", stage_names()).value_or("");
  query.assignee = q.string("assignee", kMaxName).value_or("");
  query.team = q.string("team", kMaxName).value_or("");
  query.severity = q.one_of("severity", severity_names()).value_or("");
  query.category = q.one_of("category", catalog_field_values(catalog, "category")).value_or("");
  query.escalation_level = q.one_of("escalation_level", ladder_role_names()).value_or("");
  query.customer_id = q.string("customer", kMaxName).value_or("");
  query.sla_due_before = q.instant("sla_due_before");
  query.text = q.string("q", 200).value_or("");
  query.unassigned_only = q.boolean("unassigned").value_or(false);
  query.escalated_only = q.boolean("escalated").value_or(false);
  query.reopened_only = q.boolean("reopened").value_or(false);
  query.open_only = q.boolean("open").value_or(true);
  // sort=next_due: the earliest of the case's running SLA dues, open promises and follow-up due
  // (an agent's worklist); the default stays by SLA due. Each order has its own page tokens.
  const bool by_next_due =
      q.one_of("sort", std::vector<std::string>{"sla_due", "next_due"}).value_or("sla_due") ==
      "next_due";
  if (by_next_due) query.sort = storage::CaseSort::kNextDue;
  // follow_up=due: the follow-up worklist, open cases whose follow-up is due now or overdue.
  if (q.one_of("follow_up", std::vector<std::string>{"due"})) query.follow_up_due_by = ctx->now;
  const auto& listing = by_next_due ? kCaseListingByNextDue : kCaseListing;
  const auto page = read_page(q, listing);
  query.limit = page.rows_to_read();
  if (page.after) {
    const auto key = std::get<std::int64_t>((*page.after)[0]);
    query.after = storage::CaseCursor{key, std::get<std::string>((*page.after)[1]), key};
  }
  std::vector<FieldProblem> extra;
  // Cases nobody holds cannot also be someone's: refused rather than answered with nothing.
  if (query.unassigned_only && !query.assignee.empty()) {
    extra.push_back({"/query/unassigned",
                     "unassigned=true lists the cases nobody holds; it cannot be combined with "
                     "assignee",
                     ErrorCode::kInvalidField,
                     problem_params("conflicts_with", {{"parameter", "assignee"}})});
  }
  if (!q.ok() || !extra.empty()) {
    auto problem =
        q.ok() ? ApiProblem::invalid_query(extra.front().pointer + ": " + extra.front().message)
               : q.problem();
    problem.errors.insert(problem.errors.end(), extra.begin(), extra.end());
    return respond.problem(*ctx, problem);
  }
  auto listed = context.store.list_cases(query);
  if (!listed.ok()) return respond.problem(*ctx, from_error(listed.error()));
  auto& rows = listed.value();
  const auto next = finish_page(rows, page, listing, [&](const storage::CaseSummary& row) {
    return PagePosition{by_next_due ? row.cursor.next_due : row.cursor.sla_due, row.cursor.id};
  });
  std::string body;
  body.reserve(64 + rows.size() * 512);
  JsonWriter out(body);
  out.begin_object().key("cases").begin_array();
  for (const auto& row : rows) write_case_summary(out, row);
  out.end_array().key("next_page_token");
  if (next) {
    out.string(*next);
  } else {
    out.null();
  }
  out.end_object();
  respond(json_text_response(ctx->request, http::status::ok, std::move(body)));
}

void get_case(ServerContext& context, RequestPtr ctx, Responder respond) {
  const auto id = ctx->param("id");
  auto loaded = context.store.load_case_document(id);
  if (!loaded.ok()) return respond.problem(*ctx, from_error(loaded.error()));
  if (!loaded.value() || !case_visible(*ctx, loaded.value()->team, loaded.value()->assignee)) {
    return respond.problem(*ctx, case_not_found(id));
  }
  auto& document = *loaded.value();
  const auto etag = case_etag(document.version);
  if (auto none_match = ctx->request.find(http::field::if_none_match);
      none_match != ctx->request.end() && none_match->value() == etag) {
    Response response{http::status::not_modified, ctx->request.version()};
    response.set(http::field::etag, etag);
    response.keep_alive(ctx->request.keep_alive());
    response.prepare_payload();
    return respond(std::move(response));
  }
  auto response =
      json_text_response(ctx->request, http::status::ok, std::move(document.snapshot_json));
  response.set(http::field::etag, etag);
  respond(std::move(response));
}

void patch_case(ServerContext& context, RequestPtr ctx, Responder respond) {
  std::optional<std::int64_t> expected;
  if (!take_if_match(*ctx, respond, true, expected)) return;
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"fields"});
  auto fields = in.object("fields", true);
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  run_case_command(context, ctx, respond,
                   {ctx->param("id"), UpdateFields{*fields}, expected, http::status::ok, nullptr});
}

void list_events(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"after", "page_size"});
  const auto after = q.integer("after", 0, std::numeric_limits<std::int64_t>::max()).value_or(0);
  const auto page = q.integer("page_size", 1, kMaxPageSize).value_or(200);
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto loaded = context.store.load_case_with_journal(ctx->param("id"));
  if (!loaded.ok()) return respond.problem(*ctx, from_error(loaded.error()));
  if (!loaded.value() ||
      !case_visible(*ctx, loaded.value()->snapshot.team, loaded.value()->snapshot.assignee)) {
    return respond.problem(*ctx, case_not_found(ctx->param("id")));
  }
  auto events = nlohmann::json::array();
  nlohmann::json next = nullptr;
  for (const auto& e : loaded.value()->events) {
    if (e.case_seq <= after) continue;
    if (static_cast<std::int64_t>(events.size()) == page) {
      next = events.back().at("case_seq");
      break;
    }
    events.push_back(stored_event_json(e));
  }
  respond.json(*ctx, http::status::ok,
               {{"case_id", ctx->param("id")},
                {"version", loaded.value()->snapshot.version},
                {"events", std::move(events)},
                {"next_after", next}});
}

void list_transitions(ServerContext& context, RequestPtr ctx, Responder respond) {
  auto snapshot = load_case_or_404(context, *ctx, respond);
  if (!snapshot) return;
  const auto& engine = context.store.engine();
  auto out = nlohmann::json::array();
  for (const auto* t : engine.available_transitions(*snapshot, ctx->actor(), ctx->now)) {
    out.push_back({{"name", t->name},
                   {"title", t->title.english()},
                   {"labels", t->title.to_json()},
                   {"to", t->to},
                   {"requires", t->requires_fields},
                   {"accepts", t->accepts_fields},
                   {"blocked_by_pending_approval", t->blocked_by_pending_approval}});
  }
  nlohmann::json answer{{"case_id", snapshot->id},
                        {"state", snapshot->state},
                        {"version", snapshot->version},
                        {"transitions", std::move(out)}};
  // A closed case says whether it can still be reopened, and until when; after the window the
  // customer's new complaint is a new case linked to this one (link kind reopen_of).
  if (const auto offer = engine.reopen_offer(*snapshot)) {
    answer["reopen"] = {{"transition", offer->transition->name},
                        {"window_ends", format_rfc3339(offer->window_ends)},
                        {"open", ctx->now <= offer->window_ends},
                        {"link_kind", storage::kReopenOfLink}};
  }
  respond.json(*ctx, http::status::ok, std::move(answer));
}

void fire_transition(ServerContext& context, RequestPtr ctx, Responder respond) {
  std::optional<std::int64_t> expected;
  if (!take_if_match(*ctx, respond, false, expected)) return;
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"transition", "data"});
  FireTransition fire;
  fire.transition = in.string("transition", true, kMaxName).value_or("");
  if (auto data = in.object("data", false)) fire.data = *data;
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  run_case_command(context, ctx, respond,
                   {ctx->param("id"), std::move(fire), expected, http::status::ok, nullptr});
}

// The commands whose body maps straight onto one engine command share one shape: optional
// If-Match, a JSON object body, then `build` turns it into the command (or a problem), and
// `check`, when given, looks the command's references up before it runs (answering when it
// returns false).
using CommandBuilder = std::variant<CommandBody, ApiProblem> (*)(const nlohmann::json&);
using CommandCheck = bool (*)(ServerContext&, const RequestContext&, const Responder&,
                              const CommandBody&);

Handler simple_command(ServerContext& context, CommandBuilder build, CommandCheck check = nullptr) {
  return [&context, build, check](RequestPtr ctx, Responder respond) {
    std::optional<std::int64_t> expected;
    if (!take_if_match(*ctx, respond, false, expected)) return;
    auto body = body_object(*ctx, respond);
    if (!body) return;
    auto result = build(*body);
    if (auto* problem = std::get_if<ApiProblem>(&result)) return respond.problem(*ctx, *problem);
    if (check && !check(context, *ctx, respond, std::get<CommandBody>(result))) return;
    run_case_command(context, ctx, respond,
                     {ctx->param("id"), std::get<CommandBody>(std::move(result)), expected,
                      http::status::ok, nullptr});
  };
}

std::variant<CommandBody, ApiProblem> assign_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"assignee", "team", "reason"});
  AssignCase assign;
  assign.assignee = in.string("assignee", false, kMaxName, true).value_or("");
  assign.team = in.string("team", false, kMaxName).value_or("");
  // The engine bounds it in code points and requires it when the case changes hands.
  assign.reason = in.string("reason", false, kMaxText, true).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{assign};
}

bool assignment_names_known_people(ServerContext& context, const RequestContext& ctx,
                                   const Responder& respond, const CommandBody& command) {
  const auto& assign = std::get<AssignCase>(command);
  return names_known_people(context, ctx, respond, assign.team, assign.assignee);
}

std::variant<CommandBody, ApiProblem> escalate_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"reason", "to_level"});
  EscalateCase escalate;
  escalate.reason = in.string("reason", true, kMaxText).value_or("");
  escalate.to_level = in.string("to_level", false, 32).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{escalate};
}

std::variant<CommandBody, ApiProblem> deescalate_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"reason", "to_level"});
  DeescalateCase deescalate;
  deescalate.reason = in.string("reason", true, kMaxText).value_or("");
  deescalate.to_level = in.string("to_level", false, 32).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{deescalate};
}

std::variant<CommandBody, ApiProblem> severity_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"severity", "reason"});
  ReviseSeverity revision;
  revision.severity = in.string("severity", true, 32).value_or("");
  revision.reason = in.string("reason", true, kMaxText).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{revision};
}

std::variant<CommandBody, ApiProblem> call_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"summary"});
  LogCall call;
  call.summary = in.string("summary", true, kMaxText).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{call};
}

std::variant<CommandBody, ApiProblem> follow_up_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"channel", "outcome", "csat", "comment"});
  RecordFollowUp attempt;
  attempt.channel = in.string("channel", true, 16).value_or("");
  attempt.outcome = in.string("outcome", true, 16).value_or("");
  attempt.csat = in.integer("csat", false, 1, 5);
  attempt.comment = in.string("comment", false, kMaxText).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{attempt};
}

template <typename Command>
std::variant<CommandBody, ApiProblem> text_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"text"});
  Command command;
  command.text = in.string("text", true, kMaxText).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{command};
}

// A reply may name the promise it keeps (else it keeps the earliest due; engine/command.h).
std::variant<CommandBody, ApiProblem> reply_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"text", "promise_id"});
  RecordReply reply;
  reply.text = in.string("text", true, kMaxText).value_or("");
  reply.promise_id = in.string("promise_id", false, 64).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{reply};
}

std::variant<CommandBody, ApiProblem> promise_body(const nlohmann::json& body) {
  BodyReader in(body, "", {"due", "text"});
  RecordPromise promise;
  promise.due = in.instant("due", true).value_or(Instant{});
  promise.text = in.string("text", true, kMaxText).value_or("");
  if (!in.ok()) return in.problem();
  return CommandBody{promise};
}

}  // namespace

void add_case_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  router.add(case_command_route(http::verb::post, "/v1/cases", "createCase", "open a case",
                                CommandKind::kCreate, bind(create_case)));
  router.add({http::verb::get, "/v1/cases", "listCases", "list and search cases", kCaseReaders,
              true, bind(list_cases)});
  router.add({http::verb::get, "/v1/cases/{id}", "getCase", "read a case", kCaseReaders, true,
              bind(get_case)});
  router.add({http::verb::post, "/v1/cases/{id}/links", "linkCase",
              "link a case to another (duplicate of, related to, follow-up of)", kCaseReaders, true,
              bind(link_case)});
  router.add({http::verb::get, "/v1/cases/{id}/links", "listCaseLinks",
              "read the links made from and to a case", kCaseReaders, true, bind(list_case_links)});
  router.add(case_command_route(http::verb::patch, "/v1/cases/{id}", "updateCaseFields",
                                "update a case's fields", CommandKind::kUpdateFields,
                                bind(patch_case)));
  router.add({http::verb::get, "/v1/cases/{id}/events", "listCaseEvents", "read a case's journal",
              kCaseReaders, true, bind(list_events)});
  router.add({http::verb::get, "/v1/cases/{id}/transitions", "listAvailableTransitions",
              "list the transitions the caller may fire", kCaseReaders, true,
              bind(list_transitions)});
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/transitions", "fireTransition",
                                "fire a transition", CommandKind::kFireTransition,
                                bind(fire_transition)));
  router.add(case_command_route(
      http::verb::post, "/v1/cases/{id}/assignment", "assignCase", "assign or unassign a case",
      CommandKind::kAssign, simple_command(context, assign_body, assignment_names_known_people)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/escalations", "escalateCase",
                                "escalate a case", CommandKind::kEscalate,
                                simple_command(context, escalate_body)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/deescalations", "deescalateCase",
                                "de-escalate a case", CommandKind::kDeescalate,
                                simple_command(context, deescalate_body)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/comments", "addComment",
                                "add an internal comment", CommandKind::kAddComment,
                                simple_command(context, text_body<AddComment>)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/messages", "addCustomerMessage",
                                "record a message from the customer",
                                CommandKind::kAddCustomerMessage,
                                simple_command(context, text_body<AddCustomerMessage>)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/replies", "recordReply",
                                "record a reply sent to the customer", CommandKind::kRecordReply,
                                simple_command(context, reply_body)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/promises", "recordPromise",
                                "record a promise made to the customer",
                                CommandKind::kRecordPromise,
                                simple_command(context, promise_body)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/severity", "reviseSeverity",
                                "revise a case's severity", CommandKind::kReviseSeverity,
                                simple_command(context, severity_body)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/calls", "logCall",
                                "log a phone call with the customer", CommandKind::kLogCall,
                                simple_command(context, call_body)));
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/follow-ups", "recordFollowUp",
                                "record a follow-up attempt (channel, outcome, CSAT)",
                                CommandKind::kRecordFollowUp,
                                simple_command(context, follow_up_body)));
}

}  // namespace redress::api
