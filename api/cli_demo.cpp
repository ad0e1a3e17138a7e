// redress demo: one complaint walked through confirm → analyse → negotiate → resolve → follow-up
// on a fake clock, against the shipped definitions, printing what the engine decides. Nothing is
// stored (storage arrives with its own issue); the demo applies decisions in memory, fires due
// timers the way the timer loop will, and checks at the end that replaying the journal
// reproduces the final snapshot.
#include <algorithm>
#include <iostream>
#include <map>

#include "api/cli.h"
#include "engine/engine.h"

namespace redress::cli {
namespace {

class DemoRun {
 public:
  DemoRun(const Engine& engine, Instant start, std::ostream& out)
      : engine_(engine), now_(start), out_(out) {}

  bool run(const Actor& actor, CommandBody body, const std::string& label) {
    const Command command{std::move(body), std::nullopt};
    const CaseSnapshot* current = has_case_ ? &snapshot_ : nullptr;
    auto decision = engine_.decide(current, command, actor, now_, {});
    out_ << format_rfc3339(now_) << "  " << actor.id << " (" << role_name(actor.role) << ")  "
         << label;
    if (!decision.accepted()) {
      out_ << "\n    refused: " << rejection_code_name(decision.rejection().code) << ": "
           << decision.rejection().message << "\n";
      return false;
    }
    const auto before = has_case_ ? snapshot_.state : std::string();
    apply(decision);
    out_ << (before.empty() || before == snapshot_.state
                 ? ""
                 : "  [" + before + " -> " + snapshot_.state + "]")
         << "\n";
    return true;
  }

  // Fires every timer due by `now_`, in due order, as the timer loop does.
  void advance_to(Instant t) {
    for (;;) {
      std::vector<CaseTimer> due;
      for (const auto& timer : snapshot_.timers) {
        if (timer.due <= t) due.push_back(timer);
      }
      if (due.empty()) break;
      std::sort(due.begin(), due.end(),
                [](const CaseTimer& a, const CaseTimer& b) { return a.due < b.due; });
      now_ = std::max(now_, due.front().due);
      run(Actor{"system", Role::kSystem, ""}, FireTimer{due.front().key},
          "timer " + due.front().key);
    }
    now_ = t;
  }

  void advance(Millis d) { advance_to(now_ + d); }
  const CaseSnapshot& snapshot() const { return snapshot_; }
  const std::vector<Event>& journal() const { return journal_; }
  size_t webhooks() const { return webhooks_; }

 private:
  void apply(const Decision& decision) {
    for (const auto& effect : decision.result().effects) {
      if (const auto* j = std::get_if<JournalAppend>(&effect)) {
        journal_.push_back(j->event);
      } else if (const auto* w = std::get_if<WebhookEmit>(&effect)) {
        ++webhooks_;
        out_ << "\n    webhook " << w->type;
      } else if (const auto* a = std::get_if<ApprovalRequest>(&effect)) {
        out_ << "\n    approval " << a->approval_id << " needs " << a->required_role;
      }
    }
    snapshot_ = decision.result().snapshot;
    has_case_ = true;
  }

  const Engine& engine_;
  Instant now_;
  std::ostream& out_;
  CaseSnapshot snapshot_;
  bool has_case_ = false;
  std::vector<Event> journal_;
  size_t webhooks_ = 0;
};

}  // namespace

int run_demo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string dir = "workflows";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--workflows" && i + 1 < args.size()) {
      dir = args[++i];
    } else {
      err << "redress demo: unknown argument '" << args[i]
          << "'\nusage: redress demo [--workflows DIR]\n";
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
  const Engine engine(load.catalog);
  // Monday 2026-11-23, 09:05 in Shanghai.
  DemoRun demo(engine, *parse_rfc3339("2026-11-23T09:05:00+08:00"), out);
  const Actor agent{"agent.li", Role::kAgent, "after_sales"};
  const Actor lead{"lead.wang", Role::kTeamLead, "after_sales"};
  const Actor finance{"finance-system", Role::kIntegration, ""};

  CreateCase create;
  create.case_id = "C-1001";
  create.workflow_id = "complaint";
  create.severity = "normal";
  create.customer = {"cust-88", "regular", "gold"};
  create.order = {"TB-20261120-001", Money{29900, "CNY"}, Money{0, "CNY"}};
  create.team = "after_sales";
  create.assignee = agent.id;
  create.fields = {{"summary", "收到的羽绒服袖口开线 (the down jacket's cuff seam is split)"},
                   {"category", "quality"}};
  bool ok = demo.run(agent, create, "opens complaint C-1001");
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
  for (const auto& r : engine.suggest_remedies(demo.snapshot())) {
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
  ok &= demo.run(
      agent,
      FireTransition{"follow_up_satisfied", {{"follow_up_channel", "chat"}, {"satisfied", true}}},
      "follow-up: satisfied");

  const auto replayed = replay(demo.journal());
  const bool replay_matches =
      replayed.ok() && snapshot_to_json(replayed.value()) == snapshot_to_json(demo.snapshot());
  out << "\ncase " << demo.snapshot().id << " is " << demo.snapshot().state << " after "
      << demo.journal().size() << " journal events and " << demo.webhooks() << " webhooks; replay "
      << (replay_matches ? "reproduces" : "DOES NOT reproduce") << " the snapshot\n";
  if (!ok || !blocked || !replay_matches || demo.snapshot().state != "closed") {
    err << "redress demo: the walk-through did not go as designed\n";
    return 1;
  }
  return 0;
}

}  // namespace redress::cli
