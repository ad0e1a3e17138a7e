// redress serve / redress init.
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "api/cli/cli.h"
#include "api/server/admin_bootstrap.h"
#include "api/server/api_server.h"
#include "storage/directory_store.h"

namespace redress::cli {

int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto parsed = api::parse_server_config(args, api::redress_environment());
  if (!parsed.ok()) {
    err << "redress serve: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed.value().help) {
    out << api::config_help();
    return 0;
  }
  const auto& config = parsed.value().config;

  // SIGINT/SIGTERM are taken by one waiting thread (sigwait), never by an arbitrary thread in
  // the middle of a request: block them before any thread starts so every thread inherits it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  static SystemClock clock;
  auto server = api::ApiServer::create(config, clock, out);
  if (!server.ok()) {
    err << "redress serve: " << server.error().message << "\n";
    return 1;
  }
  if (auto started = server.value()->start(); !started.ok()) {
    err << "redress serve: " << started.error().message << "\n";
    return 1;
  }
  out << "redress: serving on http://" << config.host << ":" << server.value()->port()
      << "  (database " << config.db_path << ", workflows " << config.workflows_dir << ")\n";
  // A wildcard listen address is not an address a browser can open: show the loopback one.
  const std::string browsable_host =
      config.host == "0.0.0.0" ? "127.0.0.1" : (config.host == "::" ? "[::1]" : config.host);
  if (!config.console_dir.empty()) {
    out << "redress: console  http://" << browsable_host << ":" << server.value()->port()
        << "/  (sign in with an API token)\n";
  } else {
    out << "redress: try  curl http://" << browsable_host << ":" << server.value()->port()
        << "/readyz\n";
  }
  out << std::flush;

  int received = 0;
  sigwait(&signals, &received);
  out << "redress: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
      << ": finishing in-flight requests, then closing the database\n"
      << std::flush;
  server.value()->stop();
  out << "redress: stopped cleanly\n";
  return 0;
}

int run_init(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string db = "data/redress.db";
  std::string workflows = "workflows";
  bool new_token = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db" && i + 1 < args.size()) {
      db = args[++i];
    } else if (args[i] == "--workflows" && i + 1 < args.size()) {
      workflows = args[++i];
    } else if (args[i] == "--new-admin-token") {
      new_token = true;
    } else {
      err << "usage: " << kInitUsage << "\n";
      return 2;
    }
  }
  api::ServerConfig config;
  config.db_path = db;
  config.workflows_dir = workflows;
  SystemClock clock;
  // Creating the server performs the whole start-up check (definitions, migrations) and makes
  // the first admin token when there is none.
  auto server = api::ApiServer::create(config, clock, out);
  if (!server.ok()) {
    err << "redress init: " << server.error().message << "\n";
    return 1;
  }
  if (new_token) {
    storage::DirectoryStore directory(server.value()->store());
    auto token = api::issue_admin_token(directory, clock.now(), "issued by redress init");
    if (!token.ok()) {
      err << "redress init: " << token.error().message << "\n";
      return 1;
    }
    out << "redress: new admin token (shown once):\n  " << token.value() << "\n";
  }
  out << "redress: database " << db << " is ready\n";
  if (!new_token) {
    out << "redress: (an admin token is printed only when the database has none; use "
           "--new-admin-token to issue another)\n";
  }
  return 0;
}

}  // namespace redress::cli
