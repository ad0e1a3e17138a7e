// redress: command-line entry point.
#include <algorithm>
#include <array>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "api/cli/cli.h"

namespace {

using SubcommandRunner = int (*)(const std::vector<std::string>&, std::ostream&, std::ostream&);

// Every subcommand, in the order `redress help` lists them. `CMD --help` prints `usage` and
// `summary` and exits 0, except where `own_help` says the command answers --help itself
// (serve's help lists every server option).
struct Subcommand {
  std::string_view name;
  const char* usage;
  const char* summary;
  SubcommandRunner run;
  bool own_help = false;
};

const std::array<Subcommand, 9> kSubcommands = {{
    {"serve", redress::cli::kServeUsage,
     "run the HTTP/WebSocket server (redress serve --help lists its options)",
     redress::cli::run_serve, true},
    {"init", redress::cli::kInitUsage, "create the database and print the first admin token",
     redress::cli::run_init},
    {"validate", redress::cli::kValidateUsage,
     "check workflow and policy definitions; exit 1 on any error", redress::cli::run_validate},
    {"demo", redress::cli::kDemoUsage,
     "walk a demo complaint through all five stages (fake clock), stored in PATH (default "
     "data/demo.db), then verify it",
     redress::cli::run_demo},
    {"seed-demo", redress::cli::kSeedDemoUsage,
     "fill a database without cases with demo data for the console: team after_sales, people of "
     "every role with fresh API tokens (printed once) and a dozen cases, plus N generated open "
     "cases with --cases N (at most 100000); exit 2 when it already holds cases",
     redress::cli::run_seed_demo},
    {"migrate", redress::cli::kMigrateUsage,
     "create the database or bring it to this build's schema", redress::cli::run_migrate},
    {"verify", redress::cli::kVerifyUsage,
     "replay every case's journal against its snapshot, check its amounts against the "
     "max_amount of DIR's compensation policies and run the integrity check; exit 1 on any "
     "mismatch",
     redress::cli::run_verify},
    {"backup", redress::cli::kBackupUsage, "consistent copy of a live database",
     redress::cli::run_backup},
    {"import", redress::cli::kImportUsage,
     "send a JSON Lines file of customers or orders to a running server as an import job, with "
     "a progress bar, and show its counts and first rejected lines; exit 1 when lines were "
     "rejected (token: --token or REDRESS_TOKEN; URL: --url or REDRESS_URL)",
     redress::cli::run_import},
}};

void print_usage(std::ostream& out) {
  out << "usage: redress <command> [options]\n\ncommands:\n";
  for (const auto& command : kSubcommands) {
    out << "  " << command.name << "\n      " << command.usage << "\n      " << command.summary
        << "\n";
  }
  out << "  help\n      show this text (and `redress <command> --help` a command's usage)\n"
      << "\nThe database defaults to data/redress.db.\n";
}

bool asks_for_help(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(),
                     [](const std::string& a) { return a == "--help" || a == "-h"; });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    print_usage(std::cout);
    return args.empty() ? 2 : 0;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  const auto* command = std::find_if(kSubcommands.begin(), kSubcommands.end(),
                                     [&](const Subcommand& c) { return c.name == name; });
  if (command == kSubcommands.end()) {
    std::cerr << "redress: unknown command '" << name << "'\n\n";
    print_usage(std::cerr);
    return 2;
  }
  if (!command->own_help && asks_for_help(args)) {
    std::cout << "usage: " << command->usage << "\n\n" << command->summary << "\n";
    return 0;
  }
  try {
    return command->run(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // Exceptions mean a broken invariant; report it plainly rather than abort silently.
    std::cerr << "redress: internal error: " << e.what() << "\n";
    return 70;
  }
}
