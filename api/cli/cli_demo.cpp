// redress demo: one complaint walked through confirm → analyse → negotiate → resolve → follow-up
// on a fake clock, against the shipped definitions, printing what the engine decides. Every
// command goes through the real CaseStore (SQLite, group-committed writer), due timers fire the
// way the timer loop fires them (each at its own due time, in due order), and at the end the
// stored journal must replay to the stored snapshot (`verify` over the whole database).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "api/cli/cli.h"
#include "engine/engine.h"
#include "storage/case_store.h"
#include "storage/verify.h"

namespace redress::cli {
namespace {

class DemoRun {
 public:
  DemoRun(storage::CaseStore& store, Instant start, std::ostream& out)
      : store_(store), now_(start), out_(out) {}

  bool run(const Actor& actor, CommandBody body, const std::string& label) {
    auto outcome =
        store_.execute({snapshot_.id, Command{std::move(body), std::nullopt}, actor, now_});
    out_ << format_rfc3339(now_) << "  " << actor.id << " (" << role_name(actor.role) << ")  "
         << label;
    if (!outcome.ok()) {
      out_ << "\n    storage error: " << outcome.error().code << ": " << outcome.error().message
           << "\n";
      failed_ = true;
      return false;
    }
    const auto& result = outcome.value();
    if (!result.accepted()) {
      out_ << "\n    refused: " << error_code_name(result.rejection->code) << ": "
           << result.rejection->message << "\n";
      return false;
    }
    const auto before = snapshot_.state;
    webhooks_ += result.webhook_ids.size();
    for (const auto& a : result.approvals_requested) {
      out_ << "\n    approval " << a.approval_id << " needs " << a.required_role;
    }
    journal_ += result.events.size();
    snapshot_ = result.snapshot;
    out_ << (before.empty() || before == snapshot_.state
                 ? ""
                 : "  [" + before + " -> " + snapshot_.state + "]")
         << "\n";
    return true;
  }

  // Fires every stored timer due by `t`, each at its own due time, in due order.
  void advance_to(Instant t) {
    for (;;) {
      auto due = store_.due_timers(t, 1);
      if (!due.ok()) {
        out_ << "    storage error: " << due.error().message << "\n";
        failed_ = true;
        break;
      }
      if (due.value().empty()) break;
      const auto& timer = due.value().front();
      now_ = std::max(now_, timer.due);
      if (!run(Actor{"system", Role::kSystem, ""}, FireTimer{timer.key}, "timer " + timer.key)) {
        break;
      }
    }
    now_ = t;
  }

  void advance(Millis d) { advance_to(now_ + d); }
  const CaseSnapshot& snapshot() const { return snapshot_; }
  size_t journal_entries() const { return journal_; }
  size_t webhooks() const { return webhooks_; }
  bool failed() const { return failed_; }

 private:
  storage::CaseStore& store_;
  Instant now_;
  std::ostream& out_;
  CaseSnapshot snapshot_;
  size_t journal_ = 0;
  size_t webhooks_ = 0;
  bool failed_ = false;
};

}  // namespace

int run_demo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string dir = "workflows";
  std::string db = "data/demo.db";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--workflows" && i + 1 < args.size()) {
      dir = args[++i];
    } else if (args[i] == "--db" && i + 1 < args.size()) {
      db = args[++i];
    } else {
      err << "redress demo: unknown argument '" << args[i] << "'\nusage: " << kDemoUsage << "\n";
      return 2;
    }
  }
  const auto load = WorkflowCatalog::load_directory(dir);
  if (!load.catalog) {
    for (const auto& p : load.problems)
      err << p.file << ":" << p.pointer << ": " << p.code << ": " << p.message << "\n";
    err << "redress demo: the definitions in '" << dir << "' are invalid\n";
    return 1;
  }
  const auto engine = std::make_shared<const Engine>(load.catalog);
  std::error_code ec;
  if (const auto parent = std::filesystem::path(db).parent_path(); !parent.empty()) {
    std::filesystem::create_directories(parent, ec);
  }
  storage::StoreOptions options;
  options.path = db;
  auto opened = storage::CaseStore::open(options, engine);
  if (!opened.ok()) {
    err << "redress demo: " << opened.error().code << ": " << opened.error().message << "\n";
    return 1;
  }
  auto& store = *opened.value();
  // Monday 2026-11-23, 09:05 in Shanghai.
  DemoRun demo(store, *parse_rfc3339("2026-11-23T09:05:00+08:00"), out);
  const Actor agent{"agent.li", Role::kAgent, "after_sales"};
  const Actor lead{"lead.wang", Role::kTeamLead, "after_sales"};
  const Actor finance{"finance-system", Role::kIntegration, ""};

  CreateCase create;
  create.workflow_id = "complaint";
  create.severity = "normal";
  create.customer = {"cust-88", "regular", "gold"};
  create.order = {"TB-20261120-001", Money{29900, "CNY"}, Money{0, "CNY"}};
  create.team = "after_sales";
  create.assignee = agent.id;
  create.fields = {{"summary", "收到的羽绒服袖口开线 (the down jacket's cuff seam is split)"},
                   {"category", "quality"}};
  bool ok = demo.run(agent, create, "opens a complaint");
  for (const auto& c : demo.snapshot().slas) {
    out << "    SLA " << c.name << " due " << format_rfc3339(c.due) << "\n";
  }
  demo.advance(std::chrono::minutes(20));
  ok &= demo.run(agent, RecordReply{"非常抱歉给您带来不便，我们马上为您核实。"},
                 "replies to the customer");
  ok &= demo.run(agent,
                 FireTransition{"confirm_problem",
                                {{"desired_outcome", "partial refund, keep the jacket"},
                                 {"customer_confirmed", true}}},
                 "confirm");
  demo.advance(std::chrono::hours(1));
  ok &= demo.run(
      agent,
      FireTransition{"complete_analysis",
                     {{"cause", "seam not locked at the factory"}, {"fault_party", "supplier"}}},
      "analyse");
  out << "    suggested remedies (cheapest first):";
  for (const auto& r : engine->suggest_remedies(demo.snapshot())) {
    out << " " << compensation_type_name(r.type) << "=" << format_money(r.estimated_cost);
  }
  out << "\n";
  ok &= demo.run(agent, ProposeCompensation{"partial_refund", Money{8000, "CNY"}, "seam defect"},
                 "proposes a CNY 80.00 partial refund");
  const bool blocked =
      !demo.run(agent, FireTransition{"offer_remedy", {{"remedy_summary", "CNY 80 refund"}}},
                "tries to offer before approval");
  std::string approval_id;
  for (const auto& a : demo.snapshot().approvals) approval_id = a.id;
  ok &= !demo.run(agent, DecideApproval{approval_id, true, ""},
                  "tries to approve their own proposal");
  ok &=
      demo.run(lead, DecideApproval{approval_id, true, "supplier fault, fair amount"}, "approves");
  ok &= demo.run(
      agent, FireTransition{"offer_remedy", {{"remedy_summary", "CNY 80 refund, keep the jacket"}}},
      "offers the remedy");
  demo.advance(std::chrono::hours(3));
  ok &= demo.run(finance, FireTransition{"customer_accepts", {}}, "customer accepted in chat");
  std::string compensation_id = demo.snapshot().compensations.back().id;
  ok &=
      demo.run(finance, MarkCompensationExecuted{compensation_id, "RF-778812"}, "refund executed");
  ok &= demo.run(
      agent, FireTransition{"confirm_resolved", {{"resolution_note", "refund RF-778812 received"}}},
      "confirms the remedy happened");
  if (demo.snapshot().follow_up_due) {
    out << "    follow-up due " << format_rfc3339(*demo.snapshot().follow_up_due) << "\n";
  }
  demo.advance(std::chrono::hours(54));
  ok &= demo.run(agent, RecordFollowUp{"chat", "reached", 5, ""},
                 "follow-up by chat: reached, satisfaction 5 of 5");

  opened.value().reset();  // close the store: everything is on disk
  auto verified = storage::verify_database(db);
  const bool replay_matches = verified.ok() && verified.value().ok();
  out << "\ncase " << demo.snapshot().id << " is " << demo.snapshot().state << " after "
      << demo.journal_entries() << " journal events and " << demo.webhooks()
      << " webhooks, stored in " << db << "; verify: "
      << (!verified.ok()   ? verified.error().message
          : replay_matches ? "every stored journal (" + std::to_string(verified.value().cases) +
                                 " cases) replays to its snapshot"
                           : std::to_string(verified.value().problems_total) + " PROBLEMS")
      << "\n";
  if (!ok || !blocked || !replay_matches || demo.failed() || demo.snapshot().state != "closed") {
    err << "redress demo: the walk-through did not go as designed\n";
    return 1;
  }
  return 0;
}

}  // namespace redress::cli
