#include "api/routes/case_api.h"

#include <charconv>
#include <set>

#include "api/http/request_pipeline.h"
#include "storage/idempotency_store.h"

namespace redress::api {
namespace {

using storage::StoredResponse;

constexpr size_t kMaxIdempotencyKeyBytes = 255;

Response to_response(const StoredResponse& stored, const Request& request, bool replayed) {
  Response response{static_cast<http::status>(stored.status), request.version()};
  for (const auto& [name, value] : stored.headers.items()) {
    if (value.is_string()) response.set(name, value.get<std::string>());
  }
  if (replayed) response.set("Idempotent-Replayed", "true");
  response.body() = stored.body;
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

StoredResponse success_response(const storage::CommandOutcome& outcome, http::status status,
                                const LocationOf& location) {
  StoredResponse stored;
  stored.status = static_cast<int>(status);
  stored.headers["Content-Type"] = "application/json";
  stored.headers["Cache-Control"] = "no-store";
  stored.headers["ETag"] = case_etag(outcome.snapshot.version);
  if (location) {
    if (auto path = location(outcome); !path.empty()) stored.headers["Location"] = std::move(path);
  }
  stored.body =
      command_outcome_json(outcome).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return stored;
}

StoredResponse stored_problem(const ApiProblem& problem, const Request& request) {
  const auto response = problem_response(problem, request);
  StoredResponse stored;
  stored.status = static_cast<int>(response.result_int());
  stored.headers["Content-Type"] = "application/problem+json";
  stored.headers["Cache-Control"] = "no-store";
  stored.body = response.body();
  return stored;
}

// Whether a refused request may be retried with the same key (the answer could change):
// conflicts, rate limits and server-side faults. Other refusals are final and replayed.
bool retryable(http::status status) {
  const auto code = static_cast<int>(status);
  return code == 409 || code == 412 || code == 429 || code >= 500;
}

ApiProblem version_conflict(const Rejection& rejection, std::optional<std::int64_t> expected) {
  ApiProblem problem = from_rejection(rejection);
  if (expected) problem.extensions["expected_version"] = *expected;
  return problem;
}

// What a command's run asks to answer: its outcome, and how to render it. Shared by the plain
// and the idempotent path, so that both send the same bytes for the same outcome.
struct CommandAnswer {
  http::status success = http::status::ok;
  LocationOf location;
  std::optional<std::int64_t> expected_version;

  // nullopt when the command was accepted.
  std::optional<ApiProblem> refusal(const storage::CommandOutcome& outcome) const {
    if (outcome.accepted()) return std::nullopt;
    return outcome.rejection->code == RejectionCode::kVersionConflict
               ? version_conflict(*outcome.rejection, expected_version)
               : from_rejection(*outcome.rejection);
  }
};

// Answers a command's result on an I/O thread: the rendering stored with its key if there is
// one (so that the first answer and every replay are the same bytes), else a fresh rendering.
void answer_command(const RequestPtr& ctx, const Responder& respond, const CommandAnswer& answer,
                    const Result<storage::CommandOutcome>& result,
                    const std::optional<StoredResponse>& stored) {
  if (stored) return respond(to_response(*stored, ctx->request, false));
  if (!result.ok()) return respond.problem(*ctx, from_error(result.error()));  // logs the cause
  if (auto problem = answer.refusal(result.value())) return respond.problem(*ctx, *problem);
  respond(to_response(success_response(result.value(), answer.success, answer.location),
                      ctx->request, false));
}

// The writer's command for `run` (its body is moved out).
storage::CaseCommand case_command(ServerContext& context, const RequestContext& ctx,
                                  CommandRun& run) {
  storage::CaseCommand command{run.case_id, Command{std::move(run.body), run.expected_version},
                               ctx.actor(), ctx.now};
  command.customer_record = std::move(run.customer_record);
  command.order_record = std::move(run.order_record);
  command.customer_by_reference = run.customer_by_reference;
  command.order_by_reference = run.order_by_reference;
  command.link = std::move(run.link);
  command.refuse_open_duplicate = run.refuse_open_duplicate;
  command.level_rank = membership_rank(context.store.engine().catalog());
  command.scope = storage::ReadScope::of(ctx.actor());
  return command;
}

// Runs the command without an Idempotency-Key.
void submit(ServerContext& context, RequestPtr ctx, Responder respond, CommandRun run) {
  auto command = case_command(context, *ctx, run);
  CommandAnswer answer{run.success, std::move(run.location), run.expected_version};
  context.store.submit(std::move(command), [&context, ctx, respond, answer = std::move(answer)](
                                               Result<storage::CommandOutcome> result) {
    // Called on the writer thread: the live-update fan-out and the webhook sender are woken at
    // once; rendering, metrics and the access log run on an I/O thread instead.
    if (result.ok() && result.value().accepted()) context.on_committed();
    context.run_on_io([ctx, respond, answer, result = std::move(result)] {
      answer_command(ctx, respond, answer, result, std::nullopt);
    });
  });
}

// Runs the command under its Idempotency-Key: one write looks the key up, runs the command and
// stores its rendered answer (storage/idempotency_store.h). The answer is rendered inside that
// write, on the writer thread, so that the stored bytes are exactly the bytes sent; docs/
// benchmarks.md has what that costs.
void submit_idempotent(ServerContext& context, RequestPtr ctx, Responder respond, CommandRun run,
                       std::string key) {
  storage::IdempotentRequest request{
      std::move(key), storage::IdempotencyStore::fingerprint(http::to_string(ctx->request.method()),
                                                             ctx->path, ctx->request.body())};
  auto command = case_command(context, *ctx, run);
  CommandAnswer answer{run.success, std::move(run.location), run.expected_version};
  auto render = [ctx,
                 answer](const storage::CommandOutcome& outcome) -> std::optional<StoredResponse> {
    auto problem = answer.refusal(outcome);
    if (!problem) return success_response(outcome, answer.success, answer.location);
    // A refusal whose answer may change on a retry leaves the key free for that retry.
    if (retryable(problem_status(problem->code))) return std::nullopt;
    return stored_problem(*problem, ctx->request);
  };
  context.idempotency.submit(
      std::move(request), std::move(command), std::move(render),
      [&context, ctx, respond, answer](Result<storage::IdempotentOutcome> result) {
        using Kind = storage::IdempotentOutcome::Kind;
        if (result.ok() && result.value().kind == Kind::kExecuted &&
            result.value().outcome->accepted()) {
          context.on_committed();  // on the writer thread, as in submit()
        }
        context.run_on_io([ctx, respond, answer, result = std::move(result)] {
          if (!result.ok()) {
            const auto& error = result.error();
            if (error.code == ErrorCode::kInvalidField) {
              return respond.problem(
                  *ctx, ApiProblem::invalid_header(
                            error.message,
                            {{"/header/Idempotency-Key", error.message, ErrorCode::kInvalidField,
                              problem_params("invalid_idempotency_key")}}));
            }
            return respond.problem(*ctx, from_error(error));
          }
          const auto& done = result.value();
          switch (done.kind) {
            case Kind::kReplay:
              return respond(to_response(*done.response, ctx->request, true));
            case Kind::kMismatch:
              return respond.problem(
                  *ctx, ApiProblem::idempotency_key_reused(
                            "this Idempotency-Key was used for a different request (other "
                            "method, path or body); use a new key for a new request"));
            case Kind::kExecuted:
              return answer_command(ctx, respond, answer, *done.outcome, done.response);
          }
        });
      });
}

}  // namespace

const std::vector<Role>& case_reader_roles() {
  static const std::vector<Role> roles = {Role::kAgent,   Role::kTeamLead, Role::kSupervisor,
                                          Role::kManager, Role::kAdmin,    Role::kIntegration};
  return roles;
}

nlohmann::json stored_event_json(const storage::StoredEvent& e) {
  nlohmann::json j = event_to_json(e.event);
  j["seq"] = e.seq;
  j["case_seq"] = e.case_seq;
  j["case_id"] = e.case_id;
  return j;
}

void write_case_summary(JsonWriter& out, const storage::CaseSummary& s) {
  // Members in name order, as nlohmann::json (a std::map) wrote them before the writer existed.
  out.begin_object()
      .key("assignee")
      .string_or_null(s.assignee)
      .key("category")
      .string(s.category)
      .key("closed_at")
      .time_or_null(s.closed_at)
      .key("created_at")
      .time(s.created_at)
      .key("customer_id")
      .string_or_null(s.customer_id)
      .key("escalation_level")
      .string(s.escalation_level)
      .key("follow_up_due")
      .time_or_null(s.follow_up_due)
      .key("id")
      .string(s.id)
      .key("next_due")
      .time_or_null(s.next_due)
      .key("priority")
      .string(s.priority)
      .key("reopen_count")
      .integer(s.reopen_count)
      .key("severity")
      .string(s.severity)
      .key("sla_breached")
      .boolean(s.sla_breached)
      .key("sla_due")
      .time_or_null(s.sla_due)
      .key("sla_warn_at")
      .time_or_null(s.sla_warn_at)
      .key("sla_warned")
      .boolean(s.sla_warned)
      .key("stage")
      .string(s.stage)
      .key("state")
      .string(s.state)
      .key("summary")
      .string(s.summary)
      .key("team")
      .string_or_null(s.team)
      .key("updated_at")
      .time(s.updated_at)
      .key("version")
      .integer(s.version)
      .key("workflow_id")
      .string(s.workflow_id)
      .key("workflow_version")
      .integer(s.workflow_version)
      .end_object();
}

nlohmann::json command_outcome_json(const storage::CommandOutcome& outcome) {
  auto events = nlohmann::json::array();
  for (const auto& e : outcome.events) events.push_back(stored_event_json(e));
  auto approvals = nlohmann::json::array();
  for (const auto& a : outcome.approvals_requested) {
    approvals.push_back(
        {{"approval_id", a.approval_id}, {"kind", a.kind}, {"required_role", a.required_role}});
  }
  return {{"case", snapshot_to_json(outcome.snapshot)},
          {"events", std::move(events)},
          {"approvals_requested", std::move(approvals)}};
}

std::string case_location(const storage::CommandOutcome& outcome) {
  return "/v1/cases/" + outcome.snapshot.id;
}

std::string case_etag(std::int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

std::variant<std::optional<std::int64_t>, ApiProblem> parse_if_match(const RequestContext& ctx,
                                                                     bool required) {
  const auto it = ctx.request.find(http::field::if_match);
  if (it == ctx.request.end()) {
    if (required) {
      return ApiProblem::precondition_required(
          "send If-Match with the case's ETag (from GET /v1/cases/{id}) so that a "
          "change made meanwhile by someone else is not overwritten",
          {{"/header/If-Match", "is required", ErrorCode::kMissingField,
            problem_params("required")}});
    }
    return std::optional<std::int64_t>();
  }
  std::string_view value = it->value();
  if (value == "*") return std::optional<std::int64_t>();
  if (value.size() >= 3 && value.front() == '"' && value.back() == '"') {
    const auto digits = value.substr(1, value.size() - 2);
    std::int64_t version = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
    if (ec == std::errc() && ptr == digits.data() + digits.size() && version >= 0) {
      return std::optional<std::int64_t>(version);
    }
  }
  return ApiProblem::invalid_header(
      "If-Match must be one ETag as sent by this server, e.g. \"7\" (with quotes)",
      {{"/header/If-Match", "not an ETag of this server", ErrorCode::kInvalidField,
        problem_params("not_etag")}});
}

// If-Match for writes: optional on POST commands, required for PATCH.
bool take_if_match(const RequestContext& ctx, const Responder& respond, bool required,
                   std::optional<std::int64_t>& out) {
  auto parsed = parse_if_match(ctx, required);
  if (auto* problem = std::get_if<ApiProblem>(&parsed)) {
    respond.problem(ctx, *problem);
    return false;
  }
  out = std::get<std::optional<std::int64_t>>(parsed);
  return true;
}

std::optional<CaseSnapshot> load_case_or_404(ServerContext& context, const RequestContext& ctx,
                                             const Responder& respond) {
  const auto id = ctx.param("id");
  auto loaded = context.store.load_case(id);
  if (!loaded.ok()) {
    respond.problem(ctx, from_error(loaded.error()));
    return std::nullopt;
  }
  if (!loaded.value() || !case_visible(ctx, loaded.value()->team, loaded.value()->assignee)) {
    respond.problem(ctx, case_not_found(id));
    return std::nullopt;
  }
  return std::move(*loaded.value());
}

bool case_visible(const RequestContext& ctx, std::string_view team, std::string_view assignee) {
  return storage::ReadScope::of(ctx.actor()).sees(team, assignee);
}

ApiProblem case_not_found(const std::string& id) {
  return ApiProblem::not_found("there is no case " + id);
}

void run_case_command(ServerContext& context, RequestPtr ctx, Responder respond, CommandRun run) {
  const auto header = ctx->request.find("Idempotency-Key");
  if (header == ctx->request.end() || ctx->request.method() != http::verb::post) {
    return submit(context, std::move(ctx), std::move(respond), std::move(run));
  }
  std::string key(header->value());
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) {
    return respond.problem(
        *ctx,
        ApiProblem::invalid_header("Idempotency-Key must be 1 to 255 printable ASCII "
                                   "characters",
                                   {{"/header/Idempotency-Key", "invalid", ErrorCode::kInvalidField,
                                     problem_params("invalid_idempotency_key")}}));
  }
  submit_idempotent(context, std::move(ctx), std::move(respond), std::move(run), std::move(key));
}

std::vector<std::string> catalog_field_values(const WorkflowCatalog& catalog,
                                              std::string_view field_name) {
  std::set<std::string> names;
  for (const auto& wf : catalog.workflows()) {
    if (const auto* field = wf->field(std::string(field_name));
        field && field->type == FieldType::kEnum) {
      names.insert(field->values.begin(), field->values.end());
    }
  }
  return {names.begin(), names.end()};
}

storage::LevelRank membership_rank(const WorkflowCatalog& catalog) {
  const auto* policy = catalog.membership_policy();
  if (!policy) return {};
  return [policy](std::string_view level) { return level_rank(*policy, level); };
}

}  // namespace redress::api
