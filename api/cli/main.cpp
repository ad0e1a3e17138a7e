// redress: command-line entry point.
#include <iostream>
#include <string>
#include <vector>

#include "api/cli/cli.h"

namespace {

constexpr const char* kUsage =
    "usage: redress <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [options]             run the HTTP/WebSocket server (redress serve --help)\n"
    "  init [--db PATH] [--workflows DIR] [--new-admin-token]\n"
    "                              create the database and print the first admin token\n"
    "  validate [--json] FILE...   check workflow and policy definitions; exit 1 on any error\n"
    "  demo [--workflows DIR] [--db PATH]\n"
    "                              walk a demo complaint through all five stages (fake clock),\n"
    "                              stored in PATH (default data/demo.db), then verify it\n"
    "  migrate [--db PATH] [--dry-run]\n"
    "                              create the database or bring it to this build's schema\n"
    "  verify [--db PATH]          replay every case's journal against its snapshot and run\n"
    "                              the integrity check; exit 1 on any mismatch\n"
    "  backup [--db PATH] FILE     consistent copy of a live database\n"
    "\n"
    "The database defaults to data/redress.db.\n"
    "  help                        show this text\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "serve") return redress::cli::run_serve(args, std::cout, std::cerr);
    if (command == "init") return redress::cli::run_init(args, std::cout, std::cerr);
    if (command == "validate") return redress::cli::run_validate(args, std::cout, std::cerr);
    if (command == "demo") return redress::cli::run_demo(args, std::cout, std::cerr);
    if (command == "migrate") return redress::cli::run_migrate(args, std::cout, std::cerr);
    if (command == "verify") return redress::cli::run_verify(args, std::cout, std::cerr);
    if (command == "backup") return redress::cli::run_backup(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // Exceptions mean a broken invariant; report it plainly rather than abort silently.
    std::cerr << "redress: internal error: " << e.what() << "\n";
    return 70;
  }
  std::cerr << "redress: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
