// Helpers shared by the engine test suites: reading shipped definition files, checking reported
// problems, and driving cases through the Engine in memory (CaseRun, the actors, example cases)
// for the engine_*_test.cpp suites and the golden journal fixtures.
//
// Thread-safety: test code, one thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/validation_problem.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

// How Boost.Test prints the engine's values in failure messages (found by ADL). Shared here
// because the suites are compiled in unity batches, where a second definition would collide.
namespace redress {
inline std::ostream& boost_test_print_type(std::ostream& out, const Money& m) {
  return out << format_money(m);
}
inline std::ostream& boost_test_print_type(std::ostream& out, Role role) {
  return out << role_name(role);
}
}  // namespace redress

namespace redress::testing {

// A shipped file from workflows/, parsed.
inline nlohmann::json load_shipped(const std::string& name) {
  const std::string path = std::string(REDRESS_SOURCE_DIR) + "/workflows/" + name;
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path << " (run from the repo root)");
  return nlohmann::json::parse(in);
}

// The problems as text, for failure messages.
inline std::string describe(const Problems& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += "\n  " + (p.file.empty() ? "" : p.file + " ") + p.code + " at '" + p.pointer +
           "': " + p.message;
  }
  return out.empty() ? " (none)" : out;
}

inline bool has_problem(const Problems& problems, const std::string& code,
                        const std::string& pointer) {
  for (const auto& p : problems) {
    if (p.code == code && p.pointer == pointer) return true;
  }
  return false;
}

// --- Driving cases through the Engine ---------------------------------------------------
// In a namespace of their own, so a suite that keeps its own actors or helpers under the same
// names (command_roles_test.cpp) does not collide with these.
namespace engine_cases {

using redress::testing::describe;

using nlohmann::json;
using redress::AddComment;
using redress::AddCustomerMessage;
using redress::ApprovalRequest;
using redress::CaseSnapshot;
using redress::CatalogLoad;
using redress::Command;
using redress::CommandBody;
using redress::CreateCase;
using redress::CustomerHistory;
using redress::DecideApproval;
using redress::Decision;
using redress::DeescalateCase;
using redress::DefinitionSource;
using redress::Effect;
using redress::Engine;
using redress::EscalateCase;
using redress::Event;
using redress::FireTimer;
using redress::FireTransition;
using redress::Instant;
using redress::JournalAppend;
using redress::MarkCompensationExecuted;
using redress::Millis;
using redress::Money;
using redress::ProposeCompensation;
using redress::RecordPromise;
using redress::RecordReply;
using redress::Role;
using redress::TimerCancel;
using redress::TimerSet;
using redress::WebhookEmit;
using redress::WithdrawCompensation;
using redress::WorkflowCatalog;
using std::chrono::hours;
using std::chrono::minutes;

inline const redress::Actor kAgent{"agent.li", Role::kAgent, "after_sales"};
inline const redress::Actor kAgent2{"agent.zhao", Role::kAgent, "after_sales"};
inline const redress::Actor kLead{"lead.wang", Role::kTeamLead, "after_sales"};
inline const redress::Actor kSupervisor{"sup.chen", Role::kSupervisor, "after_sales"};
inline const redress::Actor kManager{"mgr.liu", Role::kManager, "after_sales"};
inline const redress::Actor kIntegration{"shop-integration", Role::kIntegration, ""};
inline const redress::Actor kSystem{"system", Role::kSystem, ""};

inline Instant at(const char* text) {
  const auto t = redress::parse_rfc3339(text);
  BOOST_REQUIRE_MESSAGE(t, "bad instant " << text);
  return *t;
}

inline std::string iso(Instant t) {
  return redress::format_rfc3339(t);
}

// Monday 2026-11-23, 09:05 in Shanghai: inside cn_office working hours.
inline Instant monday() {
  return at("2026-11-23T09:05:00+08:00");
}

inline Money cny(std::int64_t amount) {
  return Money{amount, "CNY"};
}

inline std::string workflows_dir() {
  return std::string(REDRESS_SOURCE_DIR) + "/workflows";
}

inline std::shared_ptr<const WorkflowCatalog> shipped() {
  static const CatalogLoad load = WorkflowCatalog::load_directory(workflows_dir());
  BOOST_REQUIRE_MESSAGE(load.catalog,
                        "shipped definitions do not load:" << describe(load.problems));
  return load.catalog;
}

// The definition files as sources, by file name.
inline std::map<std::string, std::string> shipped_texts() {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(workflows_dir())) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    out[entry.path().filename().string()] = ss.str();
  }
  return out;
}

inline std::vector<DefinitionSource> sources_of(const std::map<std::string, std::string>& texts) {
  std::vector<DefinitionSource> out;
  for (const auto& [name, text] : texts) out.push_back({name, text});
  return out;
}

// "ACCEPTED" or the rejection code name.
inline std::string outcome(const Decision& d) {
  return d.accepted() ? "ACCEPTED" : redress::error_code_name(d.rejection().code);
}

// The pointer of the rejection's only problem; "" when accepted or when no input is at fault,
// and "(several)" when more than one is: tests of many problems read them all (pointers_of).
inline std::string pointer_of(const Decision& d) {
  if (d.accepted() || d.rejection().problems.empty()) return "";
  if (d.rejection().problems.size() > 1) return "(several)";
  return d.rejection().problems.front().pointer;
}

inline bool has_event(const Decision& d, const std::string& type) {
  const auto events = d.events();
  return std::any_of(events.begin(), events.end(), [&](const Event& e) { return e.type == type; });
}

inline const WebhookEmit* find_webhook(const std::vector<Effect>& effects,
                                       const std::string& type) {
  for (const auto& e : effects) {
    if (const auto* w = std::get_if<WebhookEmit>(&e); w && w->type == type) return w;
  }
  return nullptr;
}

// One case driven through the engine in memory: applies accepted decisions, keeps the journal
// and effects, fires due timers in due order the way the timer loop does.
class CaseRun {
  Engine engine_;

 public:
  explicit CaseRun(std::shared_ptr<const WorkflowCatalog> catalog = shipped(),
                   Instant start = monday())
      : engine_(std::move(catalog)), now(start) {}

  Decision attempt(const redress::Actor& actor, CommandBody body,
                   std::optional<std::int64_t> expected_version = std::nullopt) const {
    return engine_.decide(exists_ ? &snapshot_ : nullptr,
                          Command{std::move(body), expected_version}, actor, now, history);
  }

  // Applies an accepted decision; fails the test when it was refused.
  const Decision& apply(const Decision& d) {
    if (!d.accepted()) {
      BOOST_FAIL("refused: " << outcome(d) << " " << d.rejection().message);
    }
    const std::int64_t expected = exists_ ? snapshot_.version + 1 : 1;
    BOOST_TEST(d.result().snapshot.version == expected);
    for (const auto& effect : d.result().effects) {
      if (const auto* j = std::get_if<JournalAppend>(&effect)) {
        BOOST_TEST(j->event.case_version == expected);
        journal.push_back(j->event);
        // Storage deletes a fired timer's row as it applies the firing (no TimerCancel).
        if (j->event.type == "timer.fired")
          timers_from_effects.erase(j->event.data.at("key").get<std::string>());
        if (j->event.type == "case.transitioned")
          transitions_fired.insert(j->event.data.at("transition").get<std::string>());
      } else if (const auto* w = std::get_if<WebhookEmit>(&effect)) {
        webhooks.push_back(*w);
      } else if (const auto* set = std::get_if<TimerSet>(&effect)) {
        timers_from_effects[set->key] = set->due;
      } else if (const auto* cancel = std::get_if<TimerCancel>(&effect)) {
        timers_from_effects.erase(cancel->key);
      }
    }
    // Storage keeps its timer rows from the effects alone: they must mirror the snapshot.
    std::map<std::string, Instant> snapshot_timers;
    for (const auto& t : d.result().snapshot.timers) snapshot_timers[t.key] = t.due;
    BOOST_TEST((timers_from_effects == snapshot_timers));
    last_effects = d.result().effects;
    snapshot_ = d.result().snapshot;
    exists_ = true;
    return d;
  }

  Decision run(const redress::Actor& actor, CommandBody body) {
    auto d = attempt(actor, std::move(body));
    apply(d);
    return d;
  }

  Decision fire(const redress::Actor& actor, const std::string& transition,
                json data = json::object()) {
    return run(actor, FireTransition{transition, std::move(data)});
  }

  // Fires every timer due by `t`, in due order, then moves the clock to `t`.
  void advance_to(Instant t) {
    for (;;) {
      std::vector<redress::CaseTimer> due;
      for (const auto& timer : snapshot_.timers) {
        if (timer.due <= t) due.push_back(timer);
      }
      if (due.empty()) break;
      std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.due < b.due; });
      now = std::max(now, due.front().due);
      run(kSystem, FireTimer{due.front().key});
    }
    now = std::max(now, t);
  }
  void advance(Millis d) { advance_to(now + d); }

  bool replay_matches() const {
    const auto replayed = redress::replay(journal);
    if (!replayed.ok()) {
      BOOST_TEST_MESSAGE("replay failed: " << replayed.error().message);
      return false;
    }
    return redress::snapshot_to_json(replayed.value()) == redress::snapshot_to_json(snapshot_);
  }

  bool webhook_seen(const std::string& type) const {
    return std::any_of(webhooks.begin(), webhooks.end(),
                       [&](const WebhookEmit& w) { return w.type == type; });
  }

  const CaseSnapshot& snap() const { return snapshot_; }
  const Engine& engine() const { return engine_; }

  Instant now;
  CustomerHistory history;
  std::vector<Event> journal;
  std::vector<WebhookEmit> webhooks;
  std::vector<Effect> last_effects;
  std::set<std::string> transitions_fired;
  std::map<std::string, Instant> timers_from_effects;

 private:
  CaseSnapshot snapshot_;
  bool exists_ = false;
};

inline CreateCase complaint(const std::string& id, const std::string& severity = "normal") {
  CreateCase c;
  c.case_id = id;
  c.workflow_id = "complaint";
  c.severity = severity;
  c.customer = {"cust-88", "regular", "gold"};
  c.order = {"TB-20261120-001", cny(29900), cny(0)};
  c.team = "after_sales";
  c.assignee = kAgent.id;
  c.fields = {{"summary", "the down jacket's cuff seam is split"}, {"category", "quality"}};
  return c;
}

// A case of another shipped workflow, of its latest version unless `version` names one.
inline CreateCase other(const std::string& id, const std::string& workflow, json fields,
                        std::optional<int> version = std::nullopt) {
  CreateCase c;
  c.case_id = id;
  c.workflow_id = workflow;
  c.workflow_version = version;
  c.customer = {"cust-7", "regular", ""};
  c.order = {"TB-7", cny(29900), cny(0)};
  c.team = "after_sales";
  c.fields = std::move(fields);
  return c;
}

inline const json kConfirm{{"desired_outcome", "partial refund"}, {"customer_confirmed", true}};
inline const json kAnalysis{{"cause", "seam not locked at the factory"},
                            {"fault_party", "supplier"}};

// Complaint case advanced to negotiating.
inline void to_negotiating(CaseRun& r) {
  r.fire(kAgent, "confirm_problem", kConfirm);
  r.fire(kAgent, "complete_analysis", kAnalysis);
}

inline std::set<std::string> all_transitions(const std::string& workflow) {
  std::set<std::string> out;
  const auto wf = shipped()->latest(workflow);
  BOOST_REQUIRE(wf);
  for (const auto& t : wf->transitions) out.insert(t.name);
  return out;
}

inline std::string missing_from(const std::set<std::string>& all,
                                const std::set<std::string>& fired) {
  std::string out;
  for (const auto& t : all) {
    if (!fired.count(t)) out += " " + t;
  }
  return out;
}

inline const redress::ApprovalRecord* approval_of(const CaseSnapshot& s, const std::string& id) {
  for (const auto& a : s.approvals) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

inline const redress::TimerSet* find_timer_set(const std::vector<Effect>& effects,
                                               const std::string& key) {
  for (const auto& e : effects) {
    if (const auto* t = std::get_if<TimerSet>(&e); t && t->key == key) return t;
  }
  return nullptr;
}

inline bool cancels(const std::vector<Effect>& effects, const std::string& key) {
  return std::any_of(effects.begin(), effects.end(), [&](const Effect& e) {
    const auto* c = std::get_if<TimerCancel>(&e);
    return c && c->key == key;
  });
}

// The pointers of every problem of a refusal, in order.
inline std::vector<std::string> pointers_of(const Decision& d) {
  std::vector<std::string> out;
  if (d.accepted()) return out;
  for (const auto& p : d.rejection().problems) out.push_back(p.pointer);
  return out;
}

// The events of the latest decision.
inline std::vector<Event> last_decision_events(const CaseRun& r) {
  std::vector<Event> out;
  for (const auto& e : r.journal) {
    if (e.case_version == r.snap().version) out.push_back(e);
  }
  return out;
}

}  // namespace engine_cases

}  // namespace redress::testing
