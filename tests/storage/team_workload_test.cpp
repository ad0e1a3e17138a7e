// The team workload aggregate on a real database of thousands of cases: open, warning and
// breached counts per person and unassigned, members with nothing listed, outsiders holding
// team cases listed, closed cases and other teams left out.
#include <future>
#include <map>
#include <string>
#include <vector>

#include "storage/await.h"
#include "storage/directory_store.h"
#include "storage/team_workload.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;

namespace {

void add_team(DirectoryStore& directory, const std::string& id) {
  require_ok(await_result<Team>([&](auto done) {
    directory.create_team({id, id, monday_morning(), ""}, std::move(done));
  }));
}

void add_user(DirectoryStore& directory, const std::string& id, Role role, const std::string& team,
              bool active = true) {
  require_ok(await_result<User>([&](auto done) {
    User user;
    user.id = id;
    user.display_name = "Name of " + id;
    user.role = role;
    user.team_id = team;
    user.created_at = monday_morning();
    directory.create_user(std::move(user), std::move(done));
  }));
  if (active) return;
  UserPatch patch;
  patch.active = false;
  require_ok(await_result<User>([&](auto done) {
    directory.update_user(id, std::move(patch), monday_morning(), std::move(done));
  }));
}

// Submits every command at once, so that the writer takes them in group commits of hundreds,
// and requires each to be accepted.
std::vector<CommandOutcome> run_all(CaseStore& store, std::vector<CaseCommand> commands) {
  std::vector<std::future<Result<CommandOutcome>>> pending;
  pending.reserve(commands.size());
  for (auto& command : commands) pending.push_back(store.submit(std::move(command)));
  std::vector<CommandOutcome> out;
  out.reserve(pending.size());
  for (auto& f : pending) {
    auto outcome = require_ok(f.get());
    BOOST_REQUIRE_MESSAGE(outcome.accepted(),
                          (outcome.rejection ? outcome.rejection->message : ""));
    out.push_back(std::move(outcome));
  }
  return out;
}

const AssigneeWorkload* person(const TeamWorkload& workload, const std::string& id) {
  for (const auto& p : workload.people) {
    if (p.user_id == id) return &p;
  }
  return nullptr;
}

}  // namespace

namespace redress::storage {
inline std::ostream& boost_test_print_type(std::ostream& out, const WorkloadCounts& c) {
  return out << "{open " << c.open << ", warning " << c.warning << ", breached " << c.breached
             << "}";
}
}  // namespace redress::storage

BOOST_AUTO_TEST_SUITE(team_workload)

BOOST_AUTO_TEST_CASE(counts_thousands_of_open_cases_per_person) {
  TempDir dir;
  auto options = options_for(dir);
  options.synchronous = Synchronous::kNormal;  // thousands of cases; durability is not tested
  auto store = open_store(options);
  DirectoryStore directory(*store);
  add_team(directory, "after_sales");
  add_team(directory, "returns");
  add_user(directory, "agent.li", Role::kAgent, "after_sales");
  add_user(directory, "agent.zhao", Role::kAgent, "after_sales");
  add_user(directory, "agent.idle", Role::kAgent, "after_sales");  // holds nothing
  add_user(directory, "lead.wang", Role::kTeamLead, "after_sales");
  add_user(directory, "agent.gone", Role::kAgent, "after_sales", /*active=*/false);
  add_user(directory, "agent.ret", Role::kAgent, "returns");  // another team's, holding ours

  // Who holds case i of a wave, and the expected counts built alongside.
  const std::vector<std::string> holders = {"agent.li",   "agent.zhao", "agent.li", "",
                                            "agent.gone", "agent.ret",  "ghost.7"};
  std::map<std::string, WorkloadCounts> expected;  // "" = unassigned
  WorkloadCounts expected_total;
  // Three waves, judged at 11:45: opened at 09:00 their first response breached at 11:00; at
  // 10:00 it warned at 11:36 and breaches at 12:00; at 11:30 nothing has happened yet.
  struct Wave {
    const char* opened;
    int cases;
    bool warned;
    bool breached;
  };
  const std::vector<Wave> waves = {{"09:00:00", 1100, true, true},
                                   {"10:00:00", 900, true, false},
                                   {"11:30:00", 700, false, false}};
  std::vector<std::string> withdrawn;
  for (const auto& wave : waves) {
    std::vector<CaseCommand> creates;
    for (int i = 0; i < wave.cases; ++i) {
      auto command = create_complaint(monday_at(wave.opened), "cust-" + std::to_string(i % 97));
      std::get<CreateCase>(command.command.body).assignee = holders[i % holders.size()];
      creates.push_back(std::move(command));
    }
    const auto created = run_all(*store, std::move(creates));
    for (int i = 0; i < wave.cases; ++i) {
      // Every 50th case is withdrawn (closed) below and counts nowhere.
      if (i % 50 == 49) {
        withdrawn.push_back(created[i].snapshot.id);
        continue;
      }
      auto& counts = expected[holders[i % holders.size()]];
      for (auto* c : {&counts, &expected_total}) {
        ++c->open;
        if (wave.breached) {
          ++c->breached;
        } else if (wave.warned) {
          ++c->warning;
        }
      }
    }
  }
  std::vector<CaseCommand> withdrawals;
  for (const auto& id : withdrawn) {
    withdrawals.push_back(
        {id, Command{FireTransition{"withdraw", {{"cancel_reason", "duplicate"}}}, std::nullopt},
         agent(), monday_at("11:30:00")});
  }
  run_all(*store, std::move(withdrawals));
  // Another team's cases never count for this one.
  std::vector<CaseCommand> others;
  for (int i = 0; i < 60; ++i) {
    auto command = create_complaint(monday_at("09:00:00"));
    std::get<CreateCase>(command.command.body).team = "returns";
    others.push_back(std::move(command));
  }
  run_all(*store, std::move(others));
  while (require_ok(store->fire_due_timers(monday_at("11:45:00"), 5000)) > 0) {
  }

  const auto read = require_ok(read_team_workload(*store, "after_sales"));
  BOOST_REQUIRE(read.has_value());
  const auto& workload = *read;
  BOOST_TEST(workload.team_id == "after_sales");
  BOOST_TEST(workload.total == expected_total);
  BOOST_TEST(workload.total.open == 2700 - static_cast<std::int64_t>(withdrawn.size()));
  BOOST_TEST(workload.unassigned == expected[""]);

  // Active members first (by id, agent.idle with zeros), then the others holding team cases.
  std::vector<std::string> order;
  for (const auto& p : workload.people) order.push_back(p.user_id);
  const std::vector<std::string> expected_order = {
      "agent.idle", "agent.li", "agent.zhao", "lead.wang", "agent.gone", "agent.ret", "ghost.7"};
  BOOST_TEST(order == expected_order, boost::test_tools::per_element());
  for (const auto& id : {"agent.li", "agent.zhao", "agent.gone", "agent.ret", "ghost.7"}) {
    const auto* p = person(workload, id);
    BOOST_REQUIRE(p != nullptr);
    BOOST_TEST(p->counts == expected[id], id);
  }
  BOOST_TEST(person(workload, "agent.idle")->counts == WorkloadCounts{});
  BOOST_TEST(person(workload, "agent.idle")->member);
  BOOST_TEST(person(workload, "agent.li")->display_name == "Name of agent.li");
  BOOST_TEST(role_name(*person(workload, "lead.wang")->role) == std::string("team_lead"));
  BOOST_TEST(!person(workload, "agent.gone")->member);  // inactive, still holding cases
  BOOST_TEST(!person(workload, "agent.ret")->member);
  BOOST_TEST(person(workload, "ghost.7")->display_name == "ghost.7");  // no such user
  BOOST_TEST(!person(workload, "ghost.7")->role.has_value());

  const auto returns = require_ok(read_team_workload(*store, "returns"));
  BOOST_REQUIRE(returns.has_value());
  BOOST_TEST(returns->total.open == 60);
  BOOST_TEST(returns->total.breached == 60);
  BOOST_TEST(!require_ok(read_team_workload(*store, "no_such_team")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
