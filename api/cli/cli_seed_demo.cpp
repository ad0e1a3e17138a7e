// redress seed-demo: a team, people of every role with printed tokens and a dozen cases in an
// empty database, for trying the console (api/server/demo_seed.h). Never run by anything else.
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>

#include "api/cli/cli.h"
#include "api/server/api_server.h"
#include "api/server/demo_seed.h"
#include "storage/directory_store.h"

namespace redress::cli {
namespace {

// Digits only, at most kMaxGeneratedDemoCases; nullopt otherwise (signs, spaces, overflow).
std::optional<size_t> parse_case_count(const std::string& text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  size_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  if (value > api::kMaxGeneratedDemoCases) return std::nullopt;
  return value;
}

}  // namespace

int run_seed_demo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  api::ServerConfig config;
  size_t generated_cases = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db" && i + 1 < args.size() && !args[i + 1].empty()) {
      config.db_path = args[++i];
    } else if (args[i] == "--workflows" && i + 1 < args.size() && !args[i + 1].empty()) {
      config.workflows_dir = args[++i];
    } else if (args[i] == "--cases" && i + 1 < args.size()) {
      const auto count = parse_case_count(args[++i]);
      if (!count) {
        err << "redress seed-demo: --cases takes a whole number from 0 to "
            << api::kMaxGeneratedDemoCases << ", got '" << args[i] << "'\nusage: " << kSeedDemoUsage
            << "\n";
        return 2;
      }
      generated_cases = *count;
    } else {
      err << "redress seed-demo: unknown argument '" << args[i] << "'\nusage: " << kSeedDemoUsage
          << "\n";
      return 2;
    }
  }
  SystemClock clock;
  // The server's own start-up check: definitions, migrations, the first admin token.
  auto server = api::ApiServer::create(config, clock, out);
  if (!server.ok()) {
    err << "redress seed-demo: " << server.error().message << "\n";
    return 1;
  }
  storage::DirectoryStore directory(server.value()->store());
  auto seeded = api::seed_demo(server.value()->store(), directory, clock.now(), generated_cases);
  if (!seeded.ok()) {
    err << "redress seed-demo: " << seeded.error().message << "\n";
    return seeded.error().code == ErrorCode::kInvalidState ? 2 : 1;
  }
  const auto& report = seeded.value();
  out << "redress seed-demo: seeded team " << api::kDemoTeam << ", " << report.credentials.size()
      << " tokens and " << report.cases.size() << " cases into " << config.db_path
      << "\n\nTokens (shown once, keep them safe; sign into the console with "
      << "a person's):\n";
  for (const auto& c : report.credentials) {
    out << "  " << std::left << std::setw(12) << (c.user_id.empty() ? "(no user)" : c.user_id)
        << std::setw(13) << role_name(c.role) << c.token << "  " << c.display_name << "\n";
  }
  out << "\nCases:\n";
  for (const auto& c : report.cases) {
    out << "  " << std::left << std::setw(8) << c.id << std::setw(28) << c.state << std::setw(12)
        << (c.assignee.empty() ? "(queue)" : c.assignee) << c.summary << "\n";
  }
  if (report.generated > 0) {
    out << "\nGenerated " << report.generated << " open cases, " << report.first_generated << " to "
        << report.last_generated << ", in team " << api::kDemoTeam << ".\n";
  }
  return 0;
}

}  // namespace redress::cli
