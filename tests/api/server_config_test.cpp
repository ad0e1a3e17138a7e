// parse_server_config: flags, REDRESS_* variables and the JSON config file, their precedence, and
// a precise message for every kind of bad value, including config files the JSON parser refuses.
#include "api/http/server_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace redress::api {
namespace {

using Environment = std::map<std::string, std::string>;

// A config file in the temporary directory, removed when the test ends.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text) {
    static int counter = 0;
    path_ =
        (std::filesystem::temp_directory_path() / ("redress-config-" + std::to_string(::getpid()) +
                                                   "-" + std::to_string(++counter) + ".json"))
            .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path_); }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The message of a refused configuration; fails the test when it was accepted.
std::string config_refusal(const std::vector<std::string>& args,
                           const Environment& environment = {}) {
  const auto parsed = parse_server_config(args, environment);
  BOOST_TEST_REQUIRE(!parsed.ok());
  BOOST_TEST(parsed.error().code == redress::ErrorCode::kInvalidConfig);
  return parsed.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(server_config)

BOOST_AUTO_TEST_CASE(defaults_without_any_source) {
  const auto parsed = parse_server_config({}, {});
  BOOST_TEST_REQUIRE(parsed.ok());
  const auto& c = parsed.value().config;
  BOOST_TEST(c.host == "127.0.0.1");
  BOOST_TEST(c.port == 8080);
  BOOST_TEST(c.db_path == "data/redress.db");
  BOOST_TEST(c.body_limit == 1024u * 1024u);
  BOOST_TEST(c.synchronous_full);
  BOOST_TEST(c.webhook_retention.count() == 24 * 30);
  BOOST_TEST(!parsed.value().help);
}

BOOST_AUTO_TEST_CASE(webhook_retention_is_whole_days) {
  const auto parsed = parse_server_config({"--webhook-retention-days", "7"}, {});
  BOOST_TEST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed.value().config.webhook_retention.count() == 24 * 7);
  BOOST_TEST(contains(config_refusal({"--webhook-retention-days", "0"}), "between 1 and 3650"));
  BOOST_TEST(contains(config_refusal({"--webhook-retention-days", "1.5"}), "whole number"));
}

BOOST_AUTO_TEST_CASE(flag_beats_environment_beats_file) {
  ConfigFile file(R"({"port": 9001, "threads": 3, "db": "from-file.db", "access_log": false})");
  const auto parsed = parse_server_config(
      {"--config", file.path(), "--port", "9003", "--body-limit=2048"},
      {{"REDRESS_PORT", "9002"}, {"REDRESS_THREADS", "5"}, {"REDRESS_SKIP_FUZZ", "1"}});
  BOOST_TEST_REQUIRE(parsed.ok());
  const auto& c = parsed.value().config;
  BOOST_TEST(c.port == 9003);               // flag over environment and file
  BOOST_TEST(c.threads == 5);               // environment over file
  BOOST_TEST(c.db_path == "from-file.db");  // file over default
  BOOST_TEST(c.body_limit == 2048u);        // --flag=value form
  BOOST_TEST(!c.access_log);                // booleans from the file
  // REDRESS_CONFIG names the file when --config does not.
  const auto from_env = parse_server_config({}, {{"REDRESS_CONFIG", file.path()}});
  BOOST_TEST_REQUIRE(from_env.ok());
  BOOST_TEST(from_env.value().config.port == 9001);
}

BOOST_AUTO_TEST_CASE(bad_flags_are_refused_with_the_option_named) {
  BOOST_TEST(contains(config_refusal({"--prot", "1"}), "unknown option '--prot'"));
  BOOST_TEST(contains(config_refusal({"--port"}), "--port needs a value"));
  BOOST_TEST(contains(config_refusal({"--port", "70000"}), "between 0 and 65535"));
  BOOST_TEST(contains(config_refusal({"--port", "80x"}), "whole number"));
  BOOST_TEST(contains(config_refusal({"--synchronous", "sometimes"}), "full or normal"));
  BOOST_TEST(contains(config_refusal({"--rate-limit", "1e400"}), "must be a number"));
  BOOST_TEST(contains(config_refusal({"--rate-limit", "nan"}), "must be a number"));
  BOOST_TEST(contains(config_refusal({"--config"}), "--config needs a file name"));
  BOOST_TEST(contains(config_refusal({}, {{"REDRESS_THREADS", "0"}}),
                      "environment variable REDRESS_THREADS"));
}

BOOST_AUTO_TEST_CASE(bad_config_files_are_refused_never_thrown) {
  BOOST_TEST(contains(config_refusal({"--config", "/nonexistent/redress.json"}), "cannot read"));
  const std::vector<std::pair<std::string, std::string>> files = {
      {R"({"port": )", "is not valid JSON"},
      // A number beyond double's range used to escape as nlohmann's out_of_range exception.
      {R"({"rate_limit": 1e400})", "is not valid JSON"},
      {std::string(1000, '[') + std::string(1000, ']'), "nested more than 64 levels"},
      {"[1, 2]", "must hold a JSON object"},
      {R"({"prot": 1})", "unknown key \"prot\""},
      {R"({"port": [1]})", "must be a string, number or boolean"},
      {R"({"port": -1})", "between 0 and 65535"},
  };
  for (const auto& [text, expected] : files) {
    BOOST_TEST_CONTEXT(text.substr(0, 40)) {
      ConfigFile file(text);
      std::string message;
      BOOST_REQUIRE_NO_THROW(message = config_refusal({"--config", file.path()}));
      BOOST_TEST(contains(message, expected), message);
    }
  }
}

BOOST_AUTO_TEST_CASE(session_lifetimes_default_to_30_minutes_and_12_hours_within_bounds) {
  auto parsed = parse_server_config({}, {});
  BOOST_TEST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed.value().config.session_ttl.count() == 30 * 60);
  BOOST_TEST(parsed.value().config.session_max_age.count() == 12 * 60 * 60);

  ConfigFile file(R"({"session_ttl": 600, "session_max_age": 7200})");
  parsed = parse_server_config({"--config", file.path(), "--session-ttl", "120"},
                               {{"REDRESS_SESSION_TTL", "900"}});
  BOOST_TEST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed.value().config.session_ttl.count() == 120);  // the flag wins
  BOOST_TEST(parsed.value().config.session_max_age.count() == 7200);

  BOOST_TEST(contains(config_refusal({"--session-ttl", "59"}), "between 60 and 86400"));
  BOOST_TEST(contains(config_refusal({"--session-ttl", "86401"}), "--session-ttl"));
  BOOST_TEST(contains(config_refusal({}, {{"REDRESS_SESSION_MAX_AGE", "soon"}}),
                      "REDRESS_SESSION_MAX_AGE must be a whole number"));
}

BOOST_AUTO_TEST_CASE(help_documents_every_option) {
  const auto parsed = parse_server_config({"--port", "1", "--help"}, {});
  BOOST_TEST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed.value().help);
  const auto help = config_help();
  for (const auto& option : config_options()) {
    BOOST_TEST_CONTEXT(option.flag) {
      BOOST_TEST(contains(help, option.flag));
      BOOST_TEST(contains(help, option.env));
      BOOST_TEST(contains(help, "\"" + option.file_key + "\""));
      BOOST_TEST(contains(help, "default " + option.default_text));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
