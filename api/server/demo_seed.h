// Demo data: `redress seed-demo` fills an empty database with a team, people of every role with
// fresh API tokens, and about a dozen complaints spread over the workflow's stages, so that a
// newcomer signing into the console sees a working after-sales desk at once.
//
// Everything goes through the real stores: people and tokens through DirectoryStore, cases
// through CaseStore's engine commands (creation, transitions, a proposal above an agent's
// authority, an escalation), never SQL, so the journal of every seeded case replays to its
// snapshot like any other. Cases are dated `now` minus varied offsets, so their SLA countdowns
// differ (one is already breached). The tokens' secrets are only in the returned report.
//
// On request it also generates a large queue (`generated_cases`, at most
// kMaxGeneratedDemoCases): open complaints on the same workflow, created through the same engine
// command, submitted many at a time so the store's group commit writes them a few hundred per
// transaction. They are opened minutes before now (no SLA clock is near its warning), spread over
// the two agents and the team queue, severities (not critical) and categories, for trying the
// console's paging, filters and search at scale.
//
// Refuses (INVALID_STATE) a database that already holds cases: demo data must never mix with
// real work. Never run by default: only the `seed-demo` command calls it.
//
// Thread-safety: blocks the calling thread on each write; do not call it on the store's writer
// thread or on an I/O thread the answers depend on.
#pragma once

#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/role.h"
#include "engine/time.h"
#include "storage/case_store.h"
#include "storage/directory_store.h"

namespace redress::api {

inline constexpr const char* kDemoTeam = "after_sales";
inline constexpr size_t kMaxGeneratedDemoCases = 100000;

struct DemoCredential {
  std::string user_id;  // empty for the integration token
  std::string display_name;
  Role role = Role::kAgent;
  std::string token_id;
  std::string token;  // the secret: shown once, by whoever prints the report
};

struct DemoCase {
  std::string id;
  std::string state;
  std::string assignee;  // empty: in the team queue
  std::string summary;
};

struct DemoSeedReport {
  std::vector<DemoCredential> credentials;
  std::vector<DemoCase> cases;  // the dozen hand-written cases
  // The generated queue: how many, and the ids of the first and last.
  size_t generated = 0;
  std::string first_generated;
  std::string last_generated;
};

// Seeds the demo team, people, tokens and cases on the `complaint` workflow (which the store's
// catalog must hold). Errors: INVALID_STATE when the database holds cases; ALREADY_EXISTS when a
// demo team or user id is taken; UNKNOWN_WORKFLOW without `complaint`; INTERNAL when the engine
// refuses a seeded command (a definition changed under the seed); INVALID_ARGUMENT when
// `generated_cases` exceeds kMaxGeneratedDemoCases; storage errors.
Result<DemoSeedReport> seed_demo(storage::CaseStore& store, storage::DirectoryStore& directory,
                                 Instant now, size_t generated_cases = 0);

}  // namespace redress::api
