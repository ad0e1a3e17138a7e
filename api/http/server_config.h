// ServerConfig: every setting of `redress serve`, from flags, REDRESS_* environment variables and
// an optional JSON config file.
//
// Precedence, highest first: command-line flag, environment variable, config file, default.
// Every option is in one table (server_config.cpp) with its flag, variable, default and help, so
// `redress serve --help` documents exactly what is parsed. Bad values are refused with a message
// naming the option, the source and what would be valid.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/result.h"

namespace redress::api {

struct ServerConfig {
  // Listening.
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: an ephemeral port (printed at start-up)
  int threads = 2;            // I/O threads of the io_context
  // Storage and definitions.
  std::string db_path = "data/redress.db";
  std::string workflows_dir = "workflows";
  bool synchronous_full = true;  // false: synchronous=NORMAL (see docs/storage.md)
  // The web console's built files, served outside /v1 (api/transport/static_files.h); empty:
  // none.
  std::string console_dir;
  // Requests.
  size_t body_limit = 1024 * 1024;  // bytes; larger bodies get 413
  size_t header_limit = 16 * 1024;  // bytes of the request line and headers; more gets 431
  // Bytes of one uploaded attachment (evidence), streamed to disk; larger gets 413. Its files are
  // kept beside the database, in "<db>.attachments/".
  size_t attachment_limit = 20 * 1024 * 1024;
  // Bulk import uploads (POST /v1/imports/...), streamed to a spool file: the largest, and
  // where they are spooled (empty: an "imports" folder beside the database).
  std::uint64_t import_limit = 2ULL * 1024 * 1024 * 1024;
  std::string import_spool_dir;
  size_t import_batch_lines = 1000;        // lines of an import applied per write of the writer
  std::chrono::seconds read_timeout{30};   // to read one request, headers and body
  std::chrono::seconds write_timeout{30};  // to write one response
  std::chrono::seconds idle_timeout{60};   // keep-alive: a connection idle this long is closed
  size_t max_connections = 10000;
  std::chrono::seconds shutdown_grace{
      20};  // finish in-flight requests on SIGTERM at most this long
  // Rate limits per token (token bucket). 0 disables.
  double rate_limit_per_second = 50;
  double rate_limit_burst = 200;
  // Timers and webhooks.
  std::chrono::milliseconds timer_interval{1000};  // how often due timers are looked for
  std::string webhook_ca_file;                     // extra CA certificates for https webhooks
  size_t webhook_concurrency = 32;
  // Succeeded and dead deliveries (with their attempts) and the outbox rows they sent are kept
  // this long after they settle; the retry schedule spans about three days.
  std::chrono::hours webhook_retention{24 * 30};
  // Console sessions (POST /v1/sessions): a session expires `session_ttl` after it was created
  // or last refreshed, and never later than `session_max_age` after creation (nor after its
  // parent token's own expiry).
  std::chrono::seconds session_ttl{30 * 60};
  std::chrono::seconds session_max_age{12 * 60 * 60};
  // WebSocket.
  size_t stream_queue_limit = 1024;  // messages queued per WebSocket before it is closed
  // Logging.
  bool access_log = true;  // one JSON line per request on stderr
};

struct ConfigOption {
  std::string flag;      // "--port"
  std::string env;       // "REDRESS_PORT"
  std::string file_key;  // "port" in the config file
  std::string value_name;
  std::string help;
  std::string default_text;
};

// The table behind --help.
const std::vector<ConfigOption>& config_options();
// `redress serve --help`.
std::string config_help();

// Parses `args` (the words after "serve") with `environment` (name -> value; the process
// environment in production). "--config FILE" / REDRESS_CONFIG names the file. `help` is set when
// --help was given. Errors: INVALID_CONFIG with a precise message.
struct ParsedConfig {
  ServerConfig config;
  bool help = false;
};
Result<ParsedConfig> parse_server_config(const std::vector<std::string>& args,
                                         const std::map<std::string, std::string>& environment);

// The process environment's REDRESS_* variables.
std::map<std::string, std::string> redress_environment();

}  // namespace redress::api
