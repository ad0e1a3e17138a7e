// Shared pieces of the case endpoints: JSON views of cases and journal entries, ETags, and
// running one engine command through the store with optimistic concurrency and idempotency.
//
// Thread-safety: free functions; run_case_command answers from the storage writer's thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http/json_writer.h"
#include "api/http/request_context.h"
#include "api/routes/server_context.h"
#include "storage/case_store.h"

namespace redress::api {

// The roles that may read a case (GET /v1/cases/{id}) and what hangs off it (its journal, links,
// evidence).
const std::vector<Role>& case_reader_roles();

nlohmann::json stored_event_json(const storage::StoredEvent& event);
// One case of a listing, written straight into the response body.
void write_case_summary(JsonWriter& out, const storage::CaseSummary& summary);
// The body every command endpoint answers with: the case after the command and the journal
// entries it wrote.
nlohmann::json command_outcome_json(const storage::CommandOutcome& outcome);

// "\"7\"" for version 7 (a strong ETag: the case version).
std::string case_etag(std::int64_t version);

// If-Match: nullopt when absent or "*"; the version when it is one strong ETag of ours;
// INVALID_HEADER otherwise. `required` turns absence into PRECONDITION_REQUIRED.
std::variant<std::optional<std::int64_t>, ApiProblem> parse_if_match(const RequestContext& ctx,
                                                                     bool required);

// The path of the resource an accepted command created, for the Location header of its answer;
// empty: no Location.
using LocationOf = std::function<std::string(const storage::CommandOutcome&)>;

// "/v1/cases/{id}": where a created case lives.
std::string case_location(const storage::CommandOutcome& outcome);

struct CommandRun {
  std::string case_id;  // empty for CreateCase
  CommandBody body;
  std::optional<std::int64_t> expected_version;
  http::status success = http::status::ok;
  // 201 Created: the Location of what was created. It is part of the stored response, so a
  // replay under the same Idempotency-Key carries the same Location.
  LocationOf location;
  // CreateCase: the inline records, or the ids of stored ones (storage::CaseCommand).
  std::optional<storage::CustomerInput> customer_record = std::nullopt;
  std::optional<storage::OrderInput> order_record = std::nullopt;
  bool customer_by_reference = false;
  bool order_by_reference = false;
  std::optional<storage::CaseLinkRequest> link = std::nullopt;
  bool refuse_open_duplicate = false;
};

// Ranks membership levels by the loaded membership policy (storage::LevelRank).
storage::LevelRank membership_rank(const WorkflowCatalog& catalog);

// Runs the command through the store (never blocking this thread) and answers: the outcome
// JSON with ETag on success, the engine's rejection or the storage error as problem+json.
// With an Idempotency-Key header (POST only) the first response is stored — for an accepted
// command in the same transaction as its effects — and replayed to retries; the same key with
// another body is 422 and a retry while the first still runs is 409.
void run_case_command(ServerContext& context, RequestPtr ctx, Responder respond, CommandRun run);

// parse_if_match, answering the problem itself: false when it did (the handler stops).
bool take_if_match(const RequestContext& ctx, const Responder& respond, bool required,
                   std::optional<std::int64_t>& out);

// Whether the caller may see a case in `team` held by `assignee` (storage/read_scope.h). A
// case outside the caller's scope is answered exactly as a case that does not exist.
bool case_visible(const RequestContext& ctx, std::string_view team, std::string_view assignee);
ApiProblem case_not_found(const std::string& id);

// Loads the case named by the {id} path parameter if the caller may see it (case_visible), or
// answers 404 and returns nullopt.
std::optional<CaseSnapshot> load_case_or_404(ServerContext& context, const RequestContext& ctx,
                                             const Responder& respond);

// The values of the enum field `field_name` ("category", "fault_party") across every loaded
// workflow version, sorted: what a case can hold, so what a listing's filter may ask for.
std::vector<std::string> catalog_field_values(const WorkflowCatalog& catalog,
                                              std::string_view field_name);

}  // namespace redress::api
