// workflow_loader_fuzzer: definition documents through WorkflowCatalog::load.
//
// The input is one to three documents separated by the byte 0x1E (ASCII record separator; any
// shipped file is a valid one-document input). They are loaded together with the shipped files
// (read once at start-up from REDRESS_SOURCE_DIR/workflows, or $REDRESS_FUZZ_WORKFLOWS): the
// shipped policy files (calendars, SLA, escalation, compensation) except those of a kind the
// input itself provides, so a fuzzed workflow's references resolve and a fuzzed policy replaces
// its shipped counterpart; and, when the input holds no workflow, the shipped workflows, so a
// fuzzed policy is cross-checked against real references. When the set loads, the result is
// also merged both ways with the catalog of every shipped file (WorkflowCatalog::with_newer, the
// server's start-up path) and looked up, policies' documents included.
//
// Invariants: no crash, no hang, no sanitizer report, no exception out of load (a bad file is a
// problem in the report, never an exception); any verdict is fine, a catalog exactly when there
// is no error, and every problem must serialise as strict JSON — `redress validate --json` prints
// them with nlohmann's default (throwing) UTF-8 handling, so a message carrying invalid UTF-8
// would kill the command.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/workflow_catalog.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

using namespace redress;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "\nworkflow_loader_fuzzer: INVARIANT VIOLATED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

struct Shipped {
  std::vector<std::pair<std::string, DefinitionSource>> policies;  // by kind; not "workflow"
  std::vector<DefinitionSource> workflows;
  std::shared_ptr<const WorkflowCatalog> catalog;  // every shipped file
};

Shipped* shipped = nullptr;
bool verbose = false;  // REDRESS_FUZZ_VERBOSE=1: one line per input, to check the seeds

void load_shipped() {
  shipped = new Shipped;
  const char* verbose_env = std::getenv("REDRESS_FUZZ_VERBOSE");
  verbose = verbose_env && std::string_view(verbose_env) == "1";
  const char* override_dir = std::getenv("REDRESS_FUZZ_WORKFLOWS");
  const std::filesystem::path dir = override_dir ? override_dir : REDRESS_SOURCE_DIR "/workflows";
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  if (ec || paths.empty()) fail("no definitions in " + dir.string());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) fail("shipped definition is not JSON: " + path);
    const auto kind = doc.value("kind", "");
    // Compact: the same documents, a third fewer bytes to parse on every input.
    DefinitionSource source{std::filesystem::path(path).filename().string(), doc.dump()};
    if (kind == "workflow") {
      shipped->workflows.push_back(std::move(source));
    } else {
      shipped->policies.emplace_back(kind, std::move(source));
    }
  }
  auto all = WorkflowCatalog::load_files(paths);
  if (!all.catalog) fail("the shipped definitions do not load");
  shipped->catalog = all.catalog;
}

void check_problems(const Problems& problems) {
  auto report = nlohmann::json::array();
  for (const auto& p : problems) {
    if (p.code.empty()) fail("a problem without a code: " + p.message);
    report.push_back(problem_to_json(p));
  }
  try {
    (void)report.dump(2);  // as `redress validate` prints them
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("the problems do not serialise as JSON (") + e.what() +
         "): " + report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

void exercise(const WorkflowCatalog& catalog) {
  for (const auto& wf : catalog.workflows()) {
    if (!wf) fail("a null workflow in a catalog");
    if (catalog.find(wf->id, wf->version) != wf) fail("find() misses a listed workflow");
    if (!catalog.latest(wf->id)) fail("latest() misses a listed workflow");
    (void)catalog.calendar(wf->policies.calendar);
    (void)catalog.sla_policy(wf->policies.sla);
    (void)catalog.escalation_policy(wf->policies.escalation);
    (void)catalog.compensation_policy(wf->policies.compensation);
    (void)wf->source.dump();
  }
  // Every listed policy has its parsed object and its document (served by the API as loaded).
  auto parsed = [&catalog](PolicyKind kind, const std::string& id) {
    switch (kind) {
      case PolicyKind::kCalendar:
        return catalog.calendar(id) != nullptr;
      case PolicyKind::kSla:
        return catalog.sla_policy(id) != nullptr;
      case PolicyKind::kEscalation:
        return catalog.escalation_policy(id) != nullptr;
      case PolicyKind::kCompensation:
        return catalog.compensation_policy(id) != nullptr;
      case PolicyKind::kFollowUp:
        return catalog.follow_up_policy(id) != nullptr;
    }
    return false;
  };
  for (const auto kind : kPolicyKinds) {
    for (const auto& id : catalog.policy_ids(kind)) {
      const auto* document = catalog.policy_document(kind, id);
      if (!document) fail("policy_ids() lists a policy without its document");
      if (!parsed(kind, id)) fail("a policy document without its parsed policy");
      (void)document->dump();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  load_shipped();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  if (size > 256 * 1024) return -1;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<DefinitionSource> documents;
  std::vector<std::string> kinds;
  for (int n = 1; n <= 3; ++n) {
    const auto separator = n < 3 ? input.find('\x1e') : std::string_view::npos;
    documents.push_back(
        {"fuzz-" + std::to_string(n) + ".json", std::string(input.substr(0, separator))});
    const auto doc = nlohmann::json::parse(documents.back().text, nullptr, false);
    if (doc.is_object() && doc.contains("kind") && doc["kind"].is_string()) {
      kinds.push_back(doc["kind"].get<std::string>());
    }
    if (separator == std::string_view::npos) break;
    input.remove_prefix(separator + 1);
  }
  const auto provided = [&](const std::string& kind) {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  };
  std::vector<DefinitionSource> sources;
  for (const auto& [kind, source] : shipped->policies) {
    if (!provided(kind)) sources.push_back(source);
  }
  if (!provided("workflow")) {
    sources.insert(sources.end(), shipped->workflows.begin(), shipped->workflows.end());
  }
  sources.insert(sources.end(), documents.begin(), documents.end());

  CatalogLoad loaded;
  try {
    loaded = WorkflowCatalog::load(sources);
  } catch (const std::exception& e) {
    fail(std::string("WorkflowCatalog::load threw instead of reporting a problem: ") + e.what());
  }
  if (verbose) {
    std::fprintf(stderr, "workflow_loader_fuzzer: %zu document(s): %s, %zu problem(s)%s%s\n",
                 documents.size(), loaded.catalog ? "loaded" : "refused", loaded.problems.size(),
                 loaded.problems.empty() ? "" : ", first: ",
                 loaded.problems.empty() ? "" : loaded.problems.front().code.c_str());
  }
  check_problems(loaded.problems);
  if (!loaded.catalog) {
    if (!has_errors(loaded.problems)) fail("no catalog, yet no error reported");
    return 0;
  }
  if (has_errors(loaded.problems)) fail("a catalog was built despite errors");
  exercise(*loaded.catalog);

  // The server's start-up merge, both ways round.
  try {
    for (const auto& merged : {shipped->catalog->with_newer(*loaded.catalog),
                               loaded.catalog->with_newer(*shipped->catalog)}) {
      check_problems(merged.problems);
      if (merged.catalog) exercise(*merged.catalog);
    }
  } catch (const std::exception& e) {
    fail(std::string("WorkflowCatalog::with_newer threw: ") + e.what());
  }
  return 0;
}
