// The system routes and the server's start-up: /readyz's throttled write probe, and the
// workflows directory read through the engine's one reader.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "engine/workflow_catalog.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

std::int64_t probes_written(TestServer& server) {
  auto written = server.server().context().queries.readiness_probes_written();
  BOOST_REQUIRE(written.ok());
  return written.value();
}

// A copy of the shipped definitions in a directory of the test's own.
void copy_shipped_definitions(const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const auto& entry : std::filesystem::directory_iterator(REDRESS_SOURCE_DIR "/workflows")) {
    if (entry.path().extension() == ".json") {
      std::filesystem::copy_file(entry.path(), to / entry.path().filename());
    }
  }
}

// The problems `redress validate FILE` reports for `path` (it loads with load_files).
std::string validate_codes(const std::string& path) {
  std::string codes;
  for (const auto& p : WorkflowCatalog::load_files({path}).problems) codes += p.code + " ";
  return codes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(system_routes)

// Anyone can call /readyz; its durable write runs at most once a second on the server's clock,
// and calls in between answer from the last probe.
BOOST_AUTO_TEST_CASE(readiness_writes_at_most_once_a_second) {
  TestServer server;
  const auto before = probes_written(server);
  const auto first = server.http().get("/readyz");
  BOOST_REQUIRE_EQUAL(first.status, 200);
  BOOST_TEST(first.json().at("database_writable") == true);
  BOOST_TEST(probes_written(server) == before + 1);

  server.clock().advance(std::chrono::milliseconds(999));
  const auto second = server.http().get("/readyz");
  BOOST_REQUIRE_EQUAL(second.status, 200);
  BOOST_TEST(second.json() == first.json());
  BOOST_TEST(probes_written(server) == before + 1);  // answered from the last probe

  server.clock().advance(std::chrono::milliseconds(1));
  BOOST_REQUIRE_EQUAL(server.http().get("/readyz").status, 200);
  BOOST_TEST(probes_written(server) == before + 2);  // a second later: a new probe
}

// Start-up reads the workflows directory through the engine's one reader: a definition over the
// size limit, a directory and a FIFO named *.json are each refused with the problem
// `redress validate` reports for them, before anything is read (a FIFO would block start-up).
BOOST_AUTO_TEST_CASE(start_up_refuses_the_definition_files_validate_refuses) {
  ApiTempDir dir;
  const std::filesystem::path workflows = dir.file("workflows");
  storage::StoreOptions store;
  store.path = dir.file("redress.db");

  const auto refused = [&](const std::string& name, const std::string& code) {
    const auto path = (workflows / name).string();
    BOOST_TEST(validate_codes(path) == code + " ");
    auto loaded = api::load_catalog_with_stored_versions(workflows.string(), store);
    BOOST_REQUIRE(!loaded.ok());
    BOOST_TEST(loaded.error().code == redress::ErrorCode::kInvalidDefinition);
    BOOST_TEST(loaded.error().message.find(path + " : " + code + ": ") != std::string::npos,
               loaded.error().message);
  };

  copy_shipped_definitions(workflows);
  BOOST_REQUIRE(api::load_catalog_with_stored_versions(workflows.string(), store).ok());

  // A valid definition padded past the limit: refused by size, not parsed.
  {
    std::ifstream in(workflows / "sla.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.append(kMaxDefinitionBytes, ' ');
    std::ofstream(workflows / "sla.json", std::ios::trunc) << text;
  }
  refused("sla.json", "FILE_TOO_LARGE");

  std::filesystem::remove_all(workflows);
  copy_shipped_definitions(workflows);
  std::filesystem::create_directory(workflows / "archive.json");
  refused("archive.json", "FILE_UNREADABLE");

  std::filesystem::remove_all(workflows);
  copy_shipped_definitions(workflows);
  BOOST_REQUIRE(::mkfifo((workflows / "pipe.json").c_str(), 0600) == 0);
  refused("pipe.json", "FILE_UNREADABLE");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
