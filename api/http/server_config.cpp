#include "api/http/server_config.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/json_text.h"

extern char** environ;

namespace redress::api {
namespace {

// A setter returns an error message ("" when the value was taken).
using Setter = std::function<std::string(ServerConfig&, const std::string&)>;

struct OptionEntry {
  ConfigOption doc;
  Setter set;
};

template <typename Int>
std::string parse_integer(const std::string& text, Int min, Int max, Int& out) {
  Int value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return "must be a whole number";
  if (value < min || value > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  }
  out = value;
  return "";
}

std::string parse_double(const std::string& text, double min, double max, double& out) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(value)) return "must be a number";
    if (value < min || value > max) {
      std::ostringstream s;
      s << "must be between " << min << " and " << max;
      return s.str();
    }
    out = value;
    return "";
  } catch (const std::exception&) {
    return "must be a number";
  }
}

std::string parse_bool(const std::string& text, bool& out) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") {
    out = true;
  } else if (text == "false" || text == "0" || text == "no" || text == "off") {
    out = false;
  } else {
    return "must be true or false";
  }
  return "";
}

Setter seconds_setter(std::chrono::seconds ServerConfig::*member, long min, long max) {
  return [=](ServerConfig& c, const std::string& v) {
    long n = 0;
    auto e = parse_integer<long>(v, min, max, n);
    if (e.empty()) c.*member = std::chrono::seconds(n);
    return e;
  };
}

Setter size_setter(size_t ServerConfig::*member, size_t min, size_t max) {
  return [=](ServerConfig& c, const std::string& v) {
    size_t n = 0;
    auto e = parse_integer<size_t>(v, min, max, n);
    if (e.empty()) c.*member = n;
    return e;
  };
}

Setter string_setter(std::string ServerConfig::*member, bool allow_empty) {
  return [=](ServerConfig& c, const std::string& v) {
    if (!allow_empty && v.empty()) return std::string("must not be empty");
    if (v.size() > 4096) return std::string("must be at most 4096 bytes");
    c.*member = v;
    return std::string();
  };
}

const std::vector<OptionEntry>& option_table() {
  static const std::vector<OptionEntry> table = {
      {{"--host", "REDRESS_HOST", "host", "ADDR", "address to listen on", "127.0.0.1"},
       string_setter(&ServerConfig::host, false)},
      {{"--port", "REDRESS_PORT", "port", "N", "TCP port; 0 picks a free port", "8080"},
       [](ServerConfig& c, const std::string& v) {
         int n = 0;
         auto e = parse_integer<int>(v, 0, 65535, n);
         if (e.empty()) c.port = static_cast<std::uint16_t>(n);
         return e;
       }},
      {{"--threads", "REDRESS_THREADS", "threads", "N", "I/O threads serving connections", "2"},
       [](ServerConfig& c, const std::string& v) {
         return parse_integer<int>(v, 1, 256, c.threads);
       }},
      {{"--db", "REDRESS_DB", "db", "PATH", "SQLite database file (created on first start)",
        "data/redress.db"},
       string_setter(&ServerConfig::db_path, false)},
      {{"--workflows", "REDRESS_WORKFLOWS", "workflows", "DIR",
        "directory of workflow and policy definitions (*.json)", "workflows"},
       string_setter(&ServerConfig::workflows_dir, false)},
      {{"--console-dir", "REDRESS_CONSOLE_DIR", "console_dir", "DIR",
        "directory of the web console's built files, served at / (outside /v1)", "(no console)"},
       string_setter(&ServerConfig::console_dir, true)},
      {{"--synchronous", "REDRESS_SYNCHRONOUS", "synchronous", "full|normal",
        "SQLite durability: full fsyncs every commit; normal may lose the last commits on power "
        "loss (docs/storage.md)",
        "full"},
       [](ServerConfig& c, const std::string& v) {
         if (v == "full" || v == "FULL") {
           c.synchronous_full = true;
         } else if (v == "normal" || v == "NORMAL") {
           c.synchronous_full = false;
         } else {
           return std::string("must be full or normal");
         }
         return std::string();
       }},
      {{"--body-limit", "REDRESS_BODY_LIMIT", "body_limit", "BYTES",
        "largest request body; larger gets 413", "1048576"},
       size_setter(&ServerConfig::body_limit, 1024, 64 * 1024 * 1024)},
      {{"--attachment-limit", "REDRESS_ATTACHMENT_LIMIT", "attachment_limit", "BYTES",
        "largest attachment (evidence) upload; larger gets 413", "20971520"},
       size_setter(&ServerConfig::attachment_limit, 1024, 1024 * 1024 * 1024)},
      {{"--import-limit", "REDRESS_IMPORT_LIMIT", "import_limit", "BYTES",
        "largest bulk import upload (POST /v1/imports/...), spooled to disk; larger gets 413",
        "2147483648"},
       [](ServerConfig& c, const std::string& v) {
         return parse_integer<std::uint64_t>(v, 1024, 64ULL * 1024 * 1024 * 1024, c.import_limit);
       }},
      {{"--import-spool-dir", "REDRESS_IMPORT_SPOOL_DIR", "import_spool_dir", "DIR",
        "where import uploads are kept until their job ends", "(imports/ beside the database)"},
       string_setter(&ServerConfig::import_spool_dir, true)},
      {{"--import-batch", "REDRESS_IMPORT_BATCH", "import_batch", "LINES",
        "the most lines of an import applied per write; a batch is sized to hold the writer about "
        "20 ms, and agents' commands wait for at most one batch",
        "1000"},
       size_setter(&ServerConfig::import_batch_lines, 1, 100000)},
      {{"--header-limit", "REDRESS_HEADER_LIMIT", "header_limit", "BYTES",
        "largest request line plus headers; larger gets 431", "16384"},
       size_setter(&ServerConfig::header_limit, 1024, 1024 * 1024)},
      {{"--read-timeout", "REDRESS_READ_TIMEOUT", "read_timeout", "SECONDS",
        "time allowed to receive one request", "30"},
       seconds_setter(&ServerConfig::read_timeout, 1, 3600)},
      {{"--write-timeout", "REDRESS_WRITE_TIMEOUT", "write_timeout", "SECONDS",
        "time allowed to send one response", "30"},
       seconds_setter(&ServerConfig::write_timeout, 1, 3600)},
      {{"--idle-timeout", "REDRESS_IDLE_TIMEOUT", "idle_timeout", "SECONDS",
        "a keep-alive connection idle this long is closed", "60"},
       seconds_setter(&ServerConfig::idle_timeout, 1, 3600)},
      {{"--max-connections", "REDRESS_MAX_CONNECTIONS", "max_connections", "N",
        "connections served at once; more are refused", "10000"},
       size_setter(&ServerConfig::max_connections, 1, 1000000)},
      {{"--shutdown-grace", "REDRESS_SHUTDOWN_GRACE", "shutdown_grace", "SECONDS",
        "on SIGINT/SIGTERM, how long in-flight requests and WebSocket closes may take", "20"},
       seconds_setter(&ServerConfig::shutdown_grace, 0, 600)},
      {{"--rate-limit", "REDRESS_RATE_LIMIT", "rate_limit", "PER_SECOND",
        "requests per second per token (sustained); 0 disables rate limiting", "50"},
       [](ServerConfig& c, const std::string& v) {
         return parse_double(v, 0, 1e6, c.rate_limit_per_second);
       }},
      {{"--rate-burst", "REDRESS_RATE_BURST", "rate_burst", "N",
        "requests a token may send at once above the sustained rate", "200"},
       [](ServerConfig& c, const std::string& v) {
         return parse_double(v, 1, 1e6, c.rate_limit_burst);
       }},
      {{"--timer-interval-ms", "REDRESS_TIMER_INTERVAL_MS", "timer_interval_ms", "MS",
        "how often the timer loop looks for due timers", "1000"},
       [](ServerConfig& c, const std::string& v) {
         long n = 0;
         auto e = parse_integer<long>(v, 10, 60000, n);
         if (e.empty()) c.timer_interval = std::chrono::milliseconds(n);
         return e;
       }},
      {{"--webhook-ca-file", "REDRESS_WEBHOOK_CA_FILE", "webhook_ca_file", "PATH",
        "extra CA certificates (PEM) trusted for https webhook endpoints", "(system CAs only)"},
       string_setter(&ServerConfig::webhook_ca_file, true)},
      {{"--webhook-concurrency", "REDRESS_WEBHOOK_CONCURRENCY", "webhook_concurrency", "N",
        "webhook deliveries in flight at once", "32"},
       size_setter(&ServerConfig::webhook_concurrency, 1, 1024)},
      {{"--webhook-retention-days", "REDRESS_WEBHOOK_RETENTION_DAYS", "webhook_retention_days",
        "DAYS",
        "succeeded and dead webhook deliveries, their attempts and the events they sent are "
        "deleted this long after they settle (pending ones are kept)",
        "30"},
       [](ServerConfig& c, const std::string& v) {
         int days = 0;
         auto e = parse_integer<int>(v, 1, 3650, days);
         if (e.empty()) c.webhook_retention = std::chrono::hours(24 * days);
         return e;
       }},
      {{"--session-ttl", "REDRESS_SESSION_TTL", "session_ttl", "SECONDS",
        "a console session expires this long after it was created or last refreshed "
        "(60 to 86400)",
        "1800"},
       seconds_setter(&ServerConfig::session_ttl, 60, 24 * 60 * 60)},
      {{"--session-max-age", "REDRESS_SESSION_MAX_AGE", "session_max_age", "SECONDS",
        "no console session lasts longer than this from its creation, however often it is "
        "refreshed (60 to 2592000)",
        "43200"},
       seconds_setter(&ServerConfig::session_max_age, 60, 30 * 24 * 60 * 60)},
      {{"--stream-queue-limit", "REDRESS_STREAM_QUEUE_LIMIT", "stream_queue_limit", "N",
        "messages queued for one WebSocket client before it is closed (it resumes later)", "1024"},
       size_setter(&ServerConfig::stream_queue_limit, 16, 1000000)},
      {{"--access-log", "REDRESS_ACCESS_LOG", "access_log", "true|false",
        "write one JSON line per request to stderr", "true"},
       [](ServerConfig& c, const std::string& v) { return parse_bool(v, c.access_log); }},
  };
  return table;
}

Error config_error(const std::string& message) {
  return Error::invalid_config(message);
}

const OptionEntry* find_flag(const std::string& flag) {
  for (const auto& o : option_table()) {
    if (o.doc.flag == flag) return &o;
  }
  return nullptr;
}

}  // namespace

const std::vector<ConfigOption>& config_options() {
  static const std::vector<ConfigOption> docs = [] {
    std::vector<ConfigOption> out;
    for (const auto& o : option_table()) out.push_back(o.doc);
    return out;
  }();
  return docs;
}

std::string config_help() {
  std::ostringstream out;
  out << "usage: redress serve [options]\n\n"
         "Runs the Redress HTTP/WebSocket server. Each option can also be set by its\n"
         "environment variable or by its key in a JSON config file (--config FILE or\n"
         "REDRESS_CONFIG); a flag beats the environment, which beats the file.\n\n"
         "  --config FILE  (REDRESS_CONFIG)\n"
         "      JSON object of option keys to values, e.g. {\"port\": 9000, \"db\": \"x.db\"}\n";
  for (const auto& o : config_options()) {
    out << "  " << o.flag << " " << o.value_name << "  (" << o.env << ", key \"" << o.file_key
        << "\")\n      " << o.help << "; default " << o.default_text << "\n";
  }
  out << "  --help\n      show this text\n";
  return out.str();
}

Result<ParsedConfig> parse_server_config(const std::vector<std::string>& args,
                                         const std::map<std::string, std::string>& environment) {
  ParsedConfig parsed;
  // Flags are collected first so that the file and environment can be applied underneath them.
  std::vector<std::pair<const OptionEntry*, std::string>> flags;
  std::optional<std::string> config_file;
  if (auto it = environment.find("REDRESS_CONFIG"); it != environment.end()) {
    config_file = it->second;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      return parsed;
    }
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const auto take_value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (arg == "--config") {
      config_file = take_value();
      if (!config_file) return config_error("--config needs a file name");
      continue;
    }
    const auto* option = find_flag(arg);
    if (!option) {
      return config_error("unknown option '" + arg + "'; see redress serve --help");
    }
    auto value = take_value();
    if (!value) return config_error(arg + " needs a value (" + option->doc.value_name + ")");
    flags.emplace_back(option, *value);
  }

  if (config_file) {
    std::ifstream in(*config_file, std::ios::binary);
    if (!in) return config_error("cannot read the config file " + *config_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 1024 * 1024) return config_error(*config_file + " is larger than 1 MiB");
    auto file_json = parse_json_text(text);
    if (auto* bad = std::get_if<JsonTextError>(&file_json)) {
      return config_error(*config_file + " is not valid JSON: " + bad->reason);
    }
    const nlohmann::json& file = std::get<nlohmann::json>(file_json);
    if (!file.is_object()) return config_error(*config_file + " must hold a JSON object");
    for (const auto& [key, value] : file.items()) {
      const OptionEntry* option = nullptr;
      for (const auto& o : option_table()) {
        if (o.doc.file_key == key) option = &o;
      }
      if (!option) {
        return config_error(*config_file + ": unknown key \"" + key +
                            "\"; see redress serve --help for the keys");
      }
      std::string text_value;
      if (value.is_string()) {
        text_value = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        text_value = value.dump();
      } else {
        return config_error(*config_file + ": \"" + key + "\" must be a string, number or boolean");
      }
      if (auto e = option->set(parsed.config, text_value); !e.empty()) {
        return config_error(*config_file + ": \"" + key + "\" " + e + " (got " + text_value + ")");
      }
    }
  }
  for (const auto& o : option_table()) {
    auto it = environment.find(o.doc.env);
    if (it == environment.end()) continue;
    if (auto e = o.set(parsed.config, it->second); !e.empty()) {
      return config_error("environment variable " + o.doc.env + " " + e + " (got '" + it->second +
                          "')");
    }
  }
  for (const auto& [option, value] : flags) {
    if (auto e = option->set(parsed.config, value); !e.empty()) {
      return config_error(option->doc.flag + " " + e + " (got '" + value + "')");
    }
  }
  return parsed;
}

std::map<std::string, std::string> redress_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    if (entry.substr(0, 8) != "REDRESS_") continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace redress::api
