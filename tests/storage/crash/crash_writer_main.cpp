// The child process of the crash test: applies commands to a store in a loop from several
// threads and prints one line per acknowledged command — "<case_id> <version>" — only after the
// store answered, i.e. after the commit was durable. The parent kills it with SIGKILL at random
// moments and checks that every printed command survived.
//
// usage: redress_crash_writer DB_PATH WORKFLOWS_DIR SEED
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "storage/case_store.h"

using namespace redress;
using namespace redress::storage;

namespace {

std::mutex g_output;

// One write(2) per line: the line reaches the pipe whole, even if the process dies right after.
void acknowledge(const std::string& case_id, std::int64_t version) {
  const std::string line = case_id + " " + std::to_string(version) + "\n";
  std::lock_guard lock(g_output);
  if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: redress_crash_writer DB_PATH WORKFLOWS_DIR SEED\n");
    return 2;
  }
  auto load = WorkflowCatalog::load_directory(argv[2]);
  if (!load.catalog) {
    std::fprintf(stderr, "crash writer: cannot load workflows from %s\n", argv[2]);
    return 1;
  }
  StoreOptions options;
  options.path = argv[1];
  auto opened = CaseStore::open(options, std::make_shared<const Engine>(load.catalog));
  if (!opened.ok()) {
    std::fprintf(stderr, "crash writer: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = *opened.value();
  const unsigned seed = static_cast<unsigned>(std::stoul(argv[3]));
  const Instant base = *parse_rfc3339("2026-11-23T01:00:00Z");
  const Actor agent{"agent.li", Role::kAgent, "after_sales"};

  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(seed * 31 + static_cast<unsigned>(t));
      for (int minutes = 0;; minutes += 7) {
        const Instant now = base + std::chrono::minutes(minutes);
        CreateCase create;
        create.workflow_id = "complaint";
        create.customer = {"cust-" + std::to_string(rng() % 50), "regular", "silver"};
        create.order = {"TB-" + std::to_string(rng()), Money{19900, "CNY"}, Money{0, "CNY"}};
        create.team = "after_sales";
        create.assignee = agent.id;
        create.fields = {{"summary", "快递破损 (parcel damaged)"}, {"category", "damaged"}};
        auto created = store.execute({"", Command{create, std::nullopt}, agent, now});
        if (!created.ok() || !created.value().accepted()) std::_Exit(4);
        const auto id = created.value().snapshot.id;
        acknowledge(id, created.value().snapshot.version);
        for (int step = 0; step < 12; ++step) {
          CommandBody body = AddComment{"step " + std::to_string(step)};
          if (step % 3 == 1)
            body = FireTransition{"request_customer_info", {{"waiting_reason", "photos"}}};
          if (step % 3 == 2) body = FireTransition{"customer_provided_info", {}};
          auto outcome = store.execute({id, Command{body, std::nullopt}, agent, now});
          if (!outcome.ok()) std::_Exit(5);
          if (outcome.value().accepted()) acknowledge(id, outcome.value().snapshot.version);
        }
        if (t == 0) {
          // SLA timers of earlier cases fall due as the fake clock advances: fire them too.
          if (!store.fire_due_timers(now + std::chrono::hours(20), 50).ok()) std::_Exit(6);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return 0;
}
