#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "engine/json_text.h"
#include "engine/workflow_catalog.h"

namespace redress::cli {
namespace {

// The "kind" of a definition file, or "" when it cannot be read or parsed.
std::string kind_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  const auto parsed = parse_json_text(text.str());
  const auto* doc_ptr = std::get_if<nlohmann::json>(&parsed);
  if (!doc_ptr) return "";
  const auto& doc = *doc_ptr;
  if (!doc.is_object() || !doc.contains("kind") || !doc["kind"].is_string()) return "";
  return doc["kind"].get<std::string>();
}

}  // namespace

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool as_json = false;
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (a == "--json") {
      as_json = true;
    } else if (!a.empty() && a[0] == '-') {
      err << "redress validate: unknown option '" << a << "'\nusage: " << kValidateUsage << "\n";
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    err << "redress validate: no files given\nusage: " << kValidateUsage << "\n";
    return 2;
  }
  // Workflows refer to shared policies by id. When a kind of policy is not among the files
  // given, take that kind from the files beside them, so `redress validate complaint.json` works.
  std::set<std::string> kinds_given;
  std::set<std::string> given(files.begin(), files.end());
  std::set<std::filesystem::path> dirs;
  for (const auto& f : files) {
    kinds_given.insert(kind_of(f));
    dirs.insert(std::filesystem::absolute(f).parent_path());
  }
  std::vector<std::string> all = files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".json") continue;
      const auto path = entry.path().string();
      bool already = false;
      for (const auto& f : files) {
        std::error_code eq;
        if (std::filesystem::equivalent(f, path, eq)) already = true;
      }
      if (already) continue;
      const auto kind = kind_of(path);
      if (!kind.empty() && kind != "workflow" && !kinds_given.count(kind)) all.push_back(path);
    }
  }
  const auto load = WorkflowCatalog::load_files(all);
  size_t errors = 0, warnings = 0;
  nlohmann::json report = nlohmann::json::array();
  for (const auto& p : load.problems) {
    (p.severity == Severity::kError ? errors : warnings)++;
    if (as_json) {
      report.push_back(problem_to_json(p));
    } else {
      out << p.file << ":" << (p.pointer.empty() ? "/" : p.pointer) << ": "
          << severity_name(p.severity) << " " << p.code << ": " << p.message << "\n";
    }
  }
  if (as_json) {
    out << nlohmann::json{{"valid", errors == 0}, {"problems", report}}.dump(2) << "\n";
  } else if (errors == 0) {
    size_t workflows = load.catalog ? load.catalog->workflows().size() : 0;
    out << "ok: " << files.size() << " file(s) valid (" << workflows << " workflow version(s)";
    if (all.size() > files.size())
      out << ", " << all.size() - files.size() << " policy file(s) from alongside";
    out << ")" << (warnings ? ", " + std::to_string(warnings) + " warning(s)" : "") << "\n";
  } else {
    out << errors << " error(s), " << warnings << " warning(s)\n";
  }
  return errors == 0 ? 0 : 1;
}

}  // namespace redress::cli
