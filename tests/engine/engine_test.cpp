// Tests for the Engine: every shipped transition along realistic paths, refusals with their stable
// codes, SLA clocks on the business calendar (start, pause, resume, warning, breach), escalation,
// compensation authority, promises, journal replay and workflow version pinning.
#include "engine/engine.h"

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

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

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
using redress::WorkflowCatalog;
using std::chrono::hours;
using std::chrono::minutes;

const redress::Actor kAgent{"agent.li", Role::kAgent, "after_sales"};
const redress::Actor kAgent2{"agent.zhao", Role::kAgent, "after_sales"};
const redress::Actor kLead{"lead.wang", Role::kTeamLead, "after_sales"};
const redress::Actor kSupervisor{"sup.chen", Role::kSupervisor, "after_sales"};
const redress::Actor kManager{"mgr.liu", Role::kManager, "after_sales"};
const redress::Actor kIntegration{"shop-integration", Role::kIntegration, ""};
const redress::Actor kSystem{"system", Role::kSystem, ""};

Instant at(const char* text) {
  const auto t = redress::parse_rfc3339(text);
  BOOST_REQUIRE_MESSAGE(t, "bad instant " << text);
  return *t;
}

std::string iso(Instant t) {
  return redress::format_rfc3339(t);
}

// Monday 2026-11-23, 09:05 in Shanghai: inside cn_office working hours.
Instant monday() {
  return at("2026-11-23T09:05:00+08:00");
}

Money cny(std::int64_t amount) {
  return Money{amount, "CNY"};
}

std::string workflows_dir() {
  return std::string(REDRESS_SOURCE_DIR) + "/workflows";
}

std::string describe(const redress::Problems& problems) {
  std::string out;
  for (const auto& p : problems) out += "\n  " + p.file + " " + p.code + " " + p.message;
  return out;
}

std::shared_ptr<const WorkflowCatalog> shipped() {
  static const CatalogLoad load = WorkflowCatalog::load_directory(workflows_dir());
  BOOST_REQUIRE_MESSAGE(load.catalog,
                        "shipped definitions do not load:" << describe(load.problems));
  return load.catalog;
}

// The definition files as sources, by file name.
std::map<std::string, std::string> shipped_texts() {
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

std::vector<DefinitionSource> sources_of(const std::map<std::string, std::string>& texts) {
  std::vector<DefinitionSource> out;
  for (const auto& [name, text] : texts) out.push_back({name, text});
  return out;
}

// "ACCEPTED" or the rejection code name.
std::string outcome(const Decision& d) {
  return d.accepted() ? "ACCEPTED" : redress::error_code_name(d.rejection().code);
}

// The pointer of the rejection's only problem; "" when accepted or when no input is at fault,
// and "(several)" when more than one is: tests of many problems read them all (pointers_of).
std::string pointer_of(const Decision& d) {
  if (d.accepted() || d.rejection().problems.empty()) return "";
  if (d.rejection().problems.size() > 1) return "(several)";
  return d.rejection().problems.front().pointer;
}

bool has_event(const Decision& d, const std::string& type) {
  const auto events = d.events();
  return std::any_of(events.begin(), events.end(), [&](const Event& e) { return e.type == type; });
}

const WebhookEmit* find_webhook(const std::vector<Effect>& effects, const std::string& type) {
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

CreateCase complaint(const std::string& id, const std::string& severity = "normal") {
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

CreateCase other(const std::string& id, const std::string& workflow, json fields) {
  CreateCase c;
  c.case_id = id;
  c.workflow_id = workflow;
  c.customer = {"cust-7", "regular", ""};
  c.order = {"TB-7", cny(29900), cny(0)};
  c.team = "after_sales";
  c.fields = std::move(fields);
  return c;
}

const json kConfirm{{"desired_outcome", "partial refund"}, {"customer_confirmed", true}};
const json kAnalysis{{"cause", "seam not locked at the factory"}, {"fault_party", "supplier"}};

// Complaint case advanced to negotiating.
void to_negotiating(CaseRun& r) {
  r.fire(kAgent, "confirm_problem", kConfirm);
  r.fire(kAgent, "complete_analysis", kAnalysis);
}

std::set<std::string> all_transitions(const std::string& workflow) {
  std::set<std::string> out;
  const auto wf = shipped()->latest(workflow);
  BOOST_REQUIRE(wf);
  for (const auto& t : wf->transitions) out.insert(t.name);
  return out;
}

std::string missing_from(const std::set<std::string>& all, const std::set<std::string>& fired) {
  std::string out;
  for (const auto& t : all) {
    if (!fired.count(t)) out += " " + t;
  }
  return out;
}

const redress::ApprovalRecord* approval_of(const CaseSnapshot& s, const std::string& id) {
  for (const auto& a : s.approvals) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

const redress::TimerSet* find_timer_set(const std::vector<Effect>& effects,
                                        const std::string& key) {
  for (const auto& e : effects) {
    if (const auto* t = std::get_if<TimerSet>(&e); t && t->key == key) return t;
  }
  return nullptr;
}

bool cancels(const std::vector<Effect>& effects, const std::string& key) {
  return std::any_of(effects.begin(), effects.end(), [&](const Effect& e) {
    const auto* c = std::get_if<TimerCancel>(&e);
    return c && c->key == key;
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine)

// ------------------------------------------------------------------------------------------
// 1. Every shipped transition along realistic paths (with replay checks: 7. journal truth)
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(complaint_every_transition_fires) {
  std::set<std::string> fired;

  {  // Main path: details asked, facts missing, refusal, promise, reopen after follow-up.
    CaseRun r;
    r.run(kAgent, complaint("C-1"));
    r.now += minutes(20);
    r.run(kAgent, RecordReply{"sorry, we are checking it now"});
    r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photo of the seam"}});
    BOOST_TEST(r.snap().state == "awaiting_customer_info");
    r.now += hours(1);
    r.fire(kIntegration, "customer_provided_info");
    BOOST_TEST(r.snap().state == "confirming");
    r.fire(kAgent, "confirm_problem", kConfirm);
    BOOST_TEST(r.snap().state == "analysing");
    r.fire(kAgent, "need_more_facts", {{"more_facts_needed", "which size"}});
    BOOST_TEST(r.snap().state == "confirming");
    r.fire(kAgent, "confirm_problem");  // the fields are already on the case
    r.fire(kAgent, "complete_analysis", kAnalysis);
    BOOST_TEST(r.snap().state == "negotiating");
    r.fire(kAgent, "offer_remedy", {{"remedy_summary", "CNY 30 partial refund"}});
    BOOST_TEST(r.snap().state == "awaiting_customer_decision");
    r.fire(kIntegration, "customer_refuses", {{"refusal_reason", "too little"}});
    BOOST_TEST(r.snap().state == "negotiating");
    BOOST_TEST(r.snap().fields.at("customer_accepted") == false);
    r.fire(kAgent, "promise_reply",
           {{"reply_by", iso(r.now + hours(2))}, {"promise_text", "a better offer"}});
    BOOST_TEST(r.snap().promises.size() == 1u);
    BOOST_TEST(r.snap().state == "negotiating");
    r.fire(kAgent, "offer_remedy", {{"remedy_summary", "CNY 60 partial refund"}});
    r.fire(kIntegration, "customer_accepts");
    BOOST_TEST(r.snap().state == "resolving");
    BOOST_TEST(r.snap().fields.at("customer_accepted") == true);
    BOOST_TEST(r.webhook_seen("case.remedy_agreed"));
    r.fire(kIntegration, "confirm_resolved", {{"resolution_note", "refund issued"}});
    BOOST_TEST(r.snap().state == "following_up");
    BOOST_TEST(r.snap().follow_up_due.has_value());
    BOOST_TEST(r.snap().sla("resolution")->status == "met");
    r.fire(kAgent, "follow_up_unsatisfied",
           {{"follow_up_channel", "chat"}, {"satisfied", false}, {"follow_up_note", "still bad"}});
    BOOST_TEST(r.snap().state == "negotiating");
    BOOST_TEST(!r.snap().is_closed());
    r.fire(kAgent, "agree_remedy",
           {{"remedy_summary", "full refund, keep the jacket"}, {"customer_accepted", true}});
    BOOST_TEST(r.snap().state == "resolving");
    r.fire(kAgent, "confirm_resolved", {{"resolution_note", "second refund issued"}});
    r.fire(kAgent, "follow_up_satisfied", {{"follow_up_channel", "phone"}, {"satisfied", true}});
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(r.snap().is_closed());
    BOOST_TEST(r.snap().timers.empty());
    BOOST_TEST(r.webhook_seen("case.closed"));
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Serious case reported upward; closure without follow-up approved by a team lead.
    CaseRun r;
    r.run(kAgent, complaint("C-2", "high"));
    r.fire(kAgent, "confirm_problem", kConfirm);
    r.fire(kAgent, "report_to_supervisor");
    BOOST_TEST(r.snap().state == "analysing");
    BOOST_TEST(r.snap().escalation_level == "supervisor");
    BOOST_TEST(r.snap().queue_role == "supervisor");
    BOOST_TEST(r.snap().assignee == "");
    r.fire(kAgent, "complete_analysis", kAnalysis);
    r.fire(kAgent, "agree_remedy", {{"remedy_summary", "exchange"}, {"customer_accepted", true}});
    r.fire(kAgent, "confirm_resolved", {{"resolution_note", "exchange shipped"}});
    const auto d = r.fire(kAgent, "request_closure_without_follow_up",
                          {{"follow_up_note", "three calls unanswered"}});
    BOOST_TEST(r.snap().state == "following_up");
    BOOST_REQUIRE(r.snap().approvals.size() == 1u);
    const auto approval = r.snap().approvals.front();
    BOOST_TEST(approval.status == "pending");
    BOOST_TEST(approval.required_role == "team_lead");
    BOOST_TEST(approval.on_approved == "close_without_follow_up");
    bool requested = false;
    for (const auto& e : d.result().effects) {
      if (const auto* a = std::get_if<ApprovalRequest>(&e))
        requested = a->approval_id == approval.id && a->required_role == "team_lead";
    }
    BOOST_TEST(requested);
    // Agents decide no approvals, not even their own (the role table); the lead may.
    BOOST_TEST(outcome(r.attempt(kAgent, DecideApproval{approval.id, true, ""})) ==
               "ROLE_NOT_PERMITTED");
    BOOST_TEST(outcome(r.attempt(kAgent2, DecideApproval{approval.id, true, ""})) ==
               "ROLE_NOT_PERMITTED");
    r.run(kLead, DecideApproval{approval.id, true, ""});
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(r.snap().approvals.front().status == "approved");
    BOOST_TEST(r.snap().approvals.front().decided_by == kLead.id);
    BOOST_TEST(r.transitions_fired.count("close_without_follow_up") == 1u);
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Nobody follows up: the follow-up window expires through the timer.
    CaseRun r;
    r.run(kAgent, complaint("C-3"));
    to_negotiating(r);
    r.fire(kAgent, "agree_remedy", {{"remedy_summary", "coupon"}, {"customer_accepted", true}});
    r.fire(kAgent, "confirm_resolved", {{"resolution_note", "coupon sent"}});
    const auto entered = r.now;
    r.advance(hours(24 * 7) - minutes(1));
    BOOST_TEST(r.snap().state == "following_up");
    r.advance(hours(24));
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(r.transitions_fired.count("follow_up_expired") == 1u);
    BOOST_TEST(iso(*r.snap().closed_at) == iso(entered + hours(24 * 7)));
    BOOST_TEST(r.webhook_seen("case.follow_up_due"));
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Withdrawn by the customer.
    CaseRun r;
    r.run(kAgent, complaint("C-4"));
    r.fire(kAgent, "confirm_problem", kConfirm);
    r.fire(kIntegration, "withdraw", {{"cancel_reason", "found the missing part"}});
    BOOST_TEST(r.snap().state == "cancelled");
    BOOST_TEST(r.snap().is_closed());
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Cancelled by a lead from the follow-up (any non-final state).
    CaseRun r;
    r.run(kAgent, complaint("C-5"));
    r.fire(kLead, "cancel", {{"cancel_reason", "duplicate of C-4"}});
    BOOST_TEST(r.snap().state == "cancelled");
    BOOST_TEST(outcome(r.attempt(kLead, FireTransition{"cancel", {{"cancel_reason", "again"}}})) ==
               "CASE_CLOSED");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  BOOST_TEST(missing_from(all_transitions("complaint"), fired) == "");
}

BOOST_AUTO_TEST_CASE(return_exchange_every_transition_fires) {
  std::set<std::string> fired;
  const auto create = [](const std::string& id, const std::string& type) {
    return other(id, "return_exchange", {{"request_type", type}, {"return_reason", "too small"}});
  };
  const auto to_inspected = [](CaseRun& r, const std::string& result) {
    r.fire(kAgent, "approve_request");
    BOOST_TEST(r.snap().state == "awaiting_shipment");
    BOOST_TEST(r.snap().waiting_on_customer);
    r.fire(kIntegration, "provide_tracking", {{"tracking_number", "SF1234567890"}});
    BOOST_TEST(r.snap().state == "in_transit");
    BOOST_TEST(!r.snap().timer("timer:auto_close_no_tracking"));
    r.fire(kIntegration, "receive_item");
    BOOST_TEST(r.snap().state == "received");
    r.fire(kIntegration, "inspect", {{"inspection_result", result}, {"inspection_note", "seen"}});
    BOOST_TEST(r.snap().state == "inspected");
  };
  {  // The seller never answers, the customer never ships: both timers act.
    CaseRun r;
    r.run(kIntegration, create("R-1", "return_refund"));
    BOOST_REQUIRE(r.snap().timer("timer:auto_approve_request"));
    BOOST_TEST(iso(r.snap().timer("timer:auto_approve_request")->due) == iso(monday() + hours(48)));
    r.advance(hours(48) - Millis(1));
    BOOST_TEST(r.snap().state == "requested");
    r.advance(Millis(1));
    BOOST_TEST(r.snap().state == "awaiting_shipment");
    BOOST_TEST(r.webhook_seen("return.approved"));
    r.advance(hours(24 * 7));
    BOOST_TEST(r.snap().state == "closed_no_shipment");
    BOOST_TEST(r.snap().is_closed());
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Repair.
    CaseRun r;
    r.run(kAgent, create("R-2", "repair"));
    to_inspected(r, "faulty");
    BOOST_TEST(outcome(r.attempt(kAgent, FireTransition{"start_replacement", {}})) ==
               "CONDITION_FAILED");
    r.fire(kAgent, "start_repair");
    BOOST_TEST(r.snap().state == "repairing");
    r.fire(kIntegration, "repair_done", {{"repair_note", "seam resewn"}});
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Replacement.
    CaseRun r;
    r.run(kAgent, create("R-3", "exchange"));
    to_inspected(r, "ok");
    r.fire(kAgent, "start_replacement");
    BOOST_TEST(r.snap().state == "replacing");
    r.fire(kAgent, "replacement_shipped", {{"replacement_tracking", "SF999"}});
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Refund.
    CaseRun r;
    r.run(kAgent, create("R-4", "return_refund"));
    to_inspected(r, "ok");
    r.fire(kAgent, "start_refund", {{"refund_amount", {{"amount", 29900}, {"currency", "CNY"}}}});
    BOOST_TEST(r.snap().state == "refunding");
    r.fire(kIntegration, "refund_done");
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Damaged by the customer: no refund, a lead declines.
    CaseRun r;
    r.run(kAgent, create("R-5", "return_refund"));
    to_inspected(r, "damaged_by_customer");
    BOOST_TEST(
        outcome(r.attempt(
            kAgent, FireTransition{"start_refund",
                                   {{"refund_amount", {{"amount", 100}, {"currency", "CNY"}}}}})) ==
        "CONDITION_FAILED");
    BOOST_TEST(outcome(r.attempt(kAgent, FireTransition{"decline_after_inspection",
                                                        {{"rejection_reason", "misuse"}}})) ==
               "ROLE_NOT_PERMITTED");
    r.fire(kLead, "decline_after_inspection", {{"rejection_reason", "water damage"}});
    BOOST_TEST(r.snap().state == "rejected");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Rejected at once; cancelled.
    CaseRun r;
    r.run(kAgent, create("R-6", "exchange"));
    r.fire(kAgent, "reject_request", {{"rejection_reason", "bought 2 years ago"}});
    BOOST_TEST(r.snap().state == "rejected");
    BOOST_TEST(r.snap().timers.empty());
    CaseRun c;
    c.run(kAgent, create("R-7", "exchange"));
    c.fire(kAgent, "approve_request");
    c.fire(kIntegration, "cancel", {{"cancel_reason", "kept it after all"}});
    BOOST_TEST(c.snap().state == "cancelled");
    BOOST_TEST(r.replay_matches());
    BOOST_TEST(c.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
    fired.insert(c.transitions_fired.begin(), c.transitions_fired.end());
  }
  BOOST_TEST(missing_from(all_transitions("return_exchange"), fired) == "");
}

BOOST_AUTO_TEST_CASE(review_recovery_every_transition_fires) {
  std::set<std::string> fired;
  const json review{{"review_text", "terrible seams"}, {"rating", 2}, {"platform", "taobao"}};
  const auto to_awaiting = [](CaseRun& r) {
    r.fire(kAgent, "contact_customer", {{"contact_channel", "chat"}});
    r.fire(kAgent, "identify_cause", {{"cause", "bad batch"}});
    r.fire(kAgent, "resolve_cause", {{"remedy_summary", "replacement sent"}});
    BOOST_TEST(r.snap().state == "cause_resolved");
    r.fire(kAgent, "ask_for_revision");
    BOOST_TEST(r.snap().state == "awaiting_revision");
  };
  {
    CaseRun r;
    r.run(kIntegration, other("V-1", "review_recovery", review));
    to_awaiting(r);
    r.fire(kIntegration, "review_updated", {{"review_revised", true}, {"note", "now 5 stars"}});
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {
    CaseRun r;
    r.run(kIntegration, other("V-2", "review_recovery", review));
    to_awaiting(r);
    const auto asked = r.now;
    r.advance(hours(24 * 7) - Millis(1));
    BOOST_TEST(r.snap().state == "awaiting_revision");
    r.advance(Millis(1));
    BOOST_TEST(r.snap().state == "closed");
    BOOST_TEST(iso(*r.snap().closed_at) == iso(asked + hours(24 * 7)));
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {
    CaseRun r;
    r.run(kIntegration, other("V-3", "review_recovery", review));
    r.fire(kAgent, "customer_unreachable", {{"note", "number disconnected"}});
    BOOST_TEST(r.snap().state == "closed_unreachable");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  BOOST_TEST(missing_from(all_transitions("review_recovery"), fired) == "");
}

BOOST_AUTO_TEST_CASE(out_of_stock_every_transition_fires) {
  std::set<std::string> fired;
  const json item{{"item", "down jacket, size L"}};
  {  // Exchange needs the replacement item.
    CaseRun r;
    r.run(kIntegration, other("S-1", "out_of_stock", item));
    r.fire(kAgent, "customer_contacted", {{"contact_channel", "phone"}});
    BOOST_TEST(r.snap().state == "awaiting_decision");
    BOOST_TEST(r.snap().sla("first_response")->status == "met");
    const auto refused =
        r.attempt(kIntegration, FireTransition{"agree_remedy", {{"agreed_remedy", "exchange"}}});
    BOOST_TEST(outcome(refused) == "CONDITION_FAILED");
    r.fire(kIntegration, "agree_remedy",
           {{"agreed_remedy", "exchange"}, {"replacement_item", "down jacket, size XL"}});
    BOOST_TEST(r.snap().state == "remedy_agreed");
    BOOST_TEST(r.webhook_seen("order.out_of_stock_remedy"));
    r.fire(kAgent, "remedy_done", {{"note", "XL shipped"}});
    BOOST_TEST(r.snap().state == "done");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {  // Refund agreed straight away, no replacement needed.
    CaseRun r;
    r.run(kIntegration, other("S-2", "out_of_stock", item));
    r.fire(kAgent, "agree_remedy", {{"agreed_remedy", "refund"}, {"contact_channel", "chat"}});
    BOOST_TEST(r.snap().state == "remedy_agreed");
    BOOST_TEST(r.snap().sla("first_response")->status == "met");
    r.fire(kIntegration, "remedy_done");
    BOOST_TEST(r.snap().state == "done");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  {
    CaseRun r;
    r.run(kIntegration, other("S-3", "out_of_stock", item));
    r.fire(kAgent, "cancel", {{"note", "stock arrived"}});
    BOOST_TEST(r.snap().state == "cancelled");
    BOOST_TEST(r.replay_matches());
    fired.insert(r.transitions_fired.begin(), r.transitions_fired.end());
  }
  BOOST_TEST(missing_from(all_transitions("out_of_stock"), fired) == "");
}

// ------------------------------------------------------------------------------------------
// 2. Refusals with stable codes
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(transition_refusals_have_stable_codes) {
  CaseRun r;
  r.run(kAgent, complaint("C-10"));
  const auto version = r.snap().version;
  const auto fire = [&](const redress::Actor& a, const std::string& t, json data = json::object()) {
    return r.attempt(a, FireTransition{t, std::move(data)});
  };

  BOOST_TEST(outcome(fire(kAgent, "complete_analysis", kAnalysis)) == "NOT_ALLOWED_FROM_STATE");
  BOOST_TEST(outcome(fire(kIntegration, "confirm_problem", kConfirm)) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(fire(kAgent, "cancel", {{"cancel_reason", "dup"}})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(fire(kAgent, "fly_away")) == "UNKNOWN_TRANSITION");
  BOOST_TEST(pointer_of(fire(kAgent, "fly_away")) == "/transition");

  const auto missing = fire(kAgent, "confirm_problem", {{"customer_confirmed", true}});
  BOOST_TEST(outcome(missing) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(missing) == "/data/desired_outcome");

  auto with_unknown = kConfirm;
  with_unknown["bogus"] = 1;
  const auto unknown = fire(kAgent, "confirm_problem", with_unknown);
  BOOST_TEST(outcome(unknown) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(unknown) == "/data/bogus");

  auto wrong_type = kConfirm;
  wrong_type["customer_confirmed"] = "yes";
  const auto typed = fire(kAgent, "confirm_problem", wrong_type);
  BOOST_TEST(outcome(typed) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(typed) == "/data/customer_confirmed");

  auto bad_enum = kConfirm;
  bad_enum["category"] = "alien_abduction";
  const auto enum_refused = fire(kAgent, "confirm_problem", bad_enum);
  BOOST_TEST(outcome(enum_refused) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(enum_refused) == "/data/category");

  auto not_accepted = kConfirm;
  not_accepted["cause"] = "factory";  // a declared field, but confirm_problem does not take it
  const auto extra = fire(kAgent, "confirm_problem", not_accepted);
  BOOST_TEST(outcome(extra) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(extra) == "/data/cause");

  auto unconfirmed = kConfirm;
  unconfirmed["customer_confirmed"] = false;
  BOOST_TEST(outcome(fire(kAgent, "confirm_problem", unconfirmed)) == "CONDITION_FAILED");

  // Versions: a stale ETag is refused, the current one accepted.
  BOOST_TEST(outcome(r.attempt(kAgent, FireTransition{"confirm_problem", kConfirm}, version + 1)) ==
             "VERSION_CONFLICT");
  BOOST_TEST(outcome(r.attempt(kAgent, FireTransition{"confirm_problem", kConfirm}, version - 1)) ==
             "VERSION_CONFLICT");
  // Nothing refused changed the case.
  BOOST_TEST(r.snap().version == version);
  BOOST_TEST(r.snap().state == "confirming");
  r.apply(r.attempt(kAgent, FireTransition{"confirm_problem", kConfirm}, version));
  BOOST_TEST(r.snap().state == "analysing");

  // report_to_supervisor needs a serious case.
  BOOST_TEST(outcome(fire(kAgent, "report_to_supervisor")) == "CONDITION_FAILED");

  // A pending compensation approval blocks offering the remedy.
  r.fire(kAgent, "complete_analysis", kAnalysis);
  r.run(kAgent, ProposeCompensation{"coupon", cny(6000), "apology coupon"});
  BOOST_TEST(r.snap().compensations.back().status == "pending");
  const auto blocked = fire(kAgent, "offer_remedy", {{"remedy_summary", "coupon"}});
  BOOST_TEST(outcome(blocked) == "APPROVAL_REQUIRED");
  BOOST_TEST(outcome(fire(kAgent, "agree_remedy",
                          {{"remedy_summary", "coupon"}, {"customer_accepted", true}})) ==
             "APPROVAL_REQUIRED");
  r.run(kLead, DecideApproval{r.snap().compensations.back().approval_id, true, ""});
  r.fire(kAgent, "offer_remedy", {{"remedy_summary", "coupon"}});
  r.fire(kAgent, "customer_accepts");
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "coupon sent"}});

  // Follow-up outcome must match the transition.
  BOOST_TEST(outcome(fire(kAgent, "follow_up_satisfied",
                          {{"follow_up_channel", "chat"}, {"satisfied", false}})) ==
             "CONDITION_FAILED");
  BOOST_TEST(outcome(fire(kAgent, "follow_up_unsatisfied",
                          {{"follow_up_channel", "chat"},
                           {"satisfied", true},
                           {"follow_up_note", "fine"}})) == "CONDITION_FAILED");
  BOOST_TEST(outcome(fire(kAgent, "follow_up_satisfied",
                          {{"follow_up_channel", "email"}, {"satisfied", true}})) ==
             "INVALID_FIELD");
  // Only the system fires the expiry.
  BOOST_TEST(outcome(fire(kLead, "follow_up_expired")) == "ROLE_NOT_PERMITTED");

  r.fire(kAgent, "follow_up_satisfied", {{"follow_up_channel", "chat"}, {"satisfied", true}});
  BOOST_TEST(outcome(fire(kAgent, "confirm_problem", kConfirm)) == "CASE_CLOSED");
  BOOST_TEST(outcome(r.attempt(kAgent, RecordReply{"hello"})) == "CASE_CLOSED");
  BOOST_TEST(outcome(r.attempt(kAgent, ProposeCompensation{"coupon", cny(100), ""})) ==
             "CASE_CLOSED");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(creation_refusals) {
  CaseRun r;
  auto unknown = complaint("C-11");
  unknown.workflow_id = "nope";
  BOOST_TEST(outcome(r.attempt(kAgent, unknown)) == "UNKNOWN_WORKFLOW");
  auto unknown_version = complaint("C-11");
  unknown_version.workflow_version = 9;
  BOOST_TEST(outcome(r.attempt(kAgent, unknown_version)) == "UNKNOWN_WORKFLOW");
  BOOST_TEST(outcome(r.attempt(kSystem, complaint("C-11"))) == "ROLE_NOT_PERMITTED");
  auto bad_severity = complaint("C-11");
  bad_severity.severity = "apocalyptic";
  BOOST_TEST(outcome(r.attempt(kAgent, bad_severity)) == "INVALID_FIELD");
  auto bad_field = complaint("C-11");
  bad_field.fields["cause"] = "factory";  // not accepted at creation
  const auto d = r.attempt(kAgent, bad_field);
  BOOST_TEST(outcome(d) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(d) == "/fields/cause");
  // return_exchange requires request_type.
  const auto missing = r.attempt(kAgent, other("R-9", "return_exchange", json::object()));
  BOOST_TEST(outcome(missing) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(missing) == "/fields/request_type");
  // Commands other than creation need a case.
  BOOST_TEST(outcome(r.attempt(kAgent, RecordReply{"hi"})) == "NOT_FOUND");
  r.run(kAgent, complaint("C-11"));
  BOOST_TEST(r.snap().workflow_version == 1);
  BOOST_TEST(outcome(r.attempt(kAgent, complaint("C-11"))) == "ALREADY_EXISTS");
}

// The pointers of every problem of a refusal, in order.
std::vector<std::string> pointers_of(const Decision& d) {
  std::vector<std::string> out;
  if (d.accepted()) return out;
  for (const auto& p : d.rejection().problems) out.push_back(p.pointer);
  return out;
}

BOOST_AUTO_TEST_CASE(creation_reports_every_invalid_input) {
  CaseRun r;
  auto bad = complaint("C-12");
  bad.severity = "apocalyptic";
  bad.customer.segment = std::string(129, 'v');  // longer than an id may be
  bad.order.refunded = cny(30000);               // more than the 299.00 paid
  bad.fields["cause"] = "factory";               // a declared field creation does not accept
  bad.fields["category"] = "alien_abduction";    // not one of the enum's values
  const auto d = r.attempt(kAgent, bad);
  BOOST_TEST(outcome(d) == "INVALID_FIELD");
  const std::vector<std::string> expected{"/severity", "/customer/segment", "/order/refunded",
                                          "/fields/category", "/fields/cause"};
  BOOST_TEST(pointers_of(d) == expected, boost::test_tools::per_element());
  BOOST_TEST(d.rejection().message.rfind("5 problems: ", 0) == 0);
  for (const auto& p : d.rejection().problems) {
    BOOST_TEST(d.rejection().message.find(p.message) != std::string::npos);
  }
  // Missing required fields are listed beside invalid ones; all missing is MISSING_FIELD.
  auto review = other("V-1", "review_recovery", json::object());
  const auto missing = r.attempt(kAgent, review);
  BOOST_TEST(outcome(missing) == "MISSING_FIELD");
  const std::vector<std::string> both{"/fields/review_text", "/fields/rating"};
  BOOST_TEST(pointers_of(missing) == both, boost::test_tools::per_element());
  review.severity = "urgent";
  const auto mixed = r.attempt(kAgent, review);
  BOOST_TEST(outcome(mixed) == "INVALID_FIELD");
  BOOST_TEST(pointers_of(mixed).size() == 3u);
}

BOOST_AUTO_TEST_CASE(transition_reports_every_missing_and_invalid_field) {
  CaseRun r;
  auto bare = complaint("C-13");
  bare.fields = json::object();
  r.run(kAgent, bare);
  const auto none = r.attempt(kAgent, FireTransition{"confirm_problem", json::object()});
  BOOST_TEST(outcome(none) == "MISSING_FIELD");
  const std::vector<std::string> four{"/data/summary", "/data/category", "/data/desired_outcome",
                                      "/data/customer_confirmed"};
  BOOST_TEST(pointers_of(none) == four, boost::test_tools::per_element());
  BOOST_TEST(none.rejection().message.rfind("4 problems: ", 0) == 0);

  // Invalid values first (in the data's order), then what is missing; a required field given
  // with a wrong value is invalid, not also missing.
  const auto mixed = r.attempt(
      kAgent, FireTransition{"confirm_problem", {{"customer_confirmed", "yes"}, {"bogus", 1}}});
  BOOST_TEST(outcome(mixed) == "INVALID_FIELD");
  const std::vector<std::string> five{"/data/bogus", "/data/customer_confirmed", "/data/summary",
                                      "/data/category", "/data/desired_outcome"};
  BOOST_TEST(pointers_of(mixed) == five, boost::test_tools::per_element());
  BOOST_TEST(r.snap().state == "confirming");
}

BOOST_AUTO_TEST_CASE(amounts_above_the_policy_maximum_are_refused_naming_the_field) {
  // The shipped policy bounds a single CNY amount at CNY 1,000,000.00.
  CaseRun r;
  r.run(kAgent, complaint("C-14"));
  // The 9.2e18 coupon that a manager's unlimited authority once let through.
  const auto huge =
      r.attempt(kManager, ProposeCompensation{"coupon", cny(9200000000000000000), ""});
  BOOST_TEST(outcome(huge) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(huge) == "/value/amount");
  BOOST_TEST(huge.rejection().message.find("CNY 1000000.00") != std::string::npos,
             huge.rejection().message);
  const auto above = r.attempt(kManager, ProposeCompensation{"coupon", cny(100000001), ""});
  BOOST_TEST(pointer_of(above) == "/value/amount");
  r.run(kManager, ProposeCompensation{"coupon", cny(100000000), "the most one amount may be"});
  BOOST_TEST(r.snap().compensations.back().status == "approved");

  // Order amounts at creation, each named.
  auto rich = complaint("C-15");
  rich.order.paid = cny(100000001);
  rich.order.refunded = cny(100000001);
  const auto refused = CaseRun().attempt(kAgent, rich);
  BOOST_TEST(outcome(refused) == "INVALID_FIELD");
  const std::vector<std::string> both{"/order/paid/amount", "/order/refunded/amount"};
  BOOST_TEST(pointers_of(refused) == both, boost::test_tools::per_element());

  // Money fields (checked alike in field updates, transitions and creation).
  CaseRun ret;
  ret.run(kAgent, other("R-15", "return_exchange", {{"request_type", "return_refund"}}));
  const json too_much{{"refund_amount", {{"amount", 9200000000000000000}, {"currency", "CNY"}}}};
  const auto update = ret.attempt(kAgent, redress::UpdateFields{too_much});
  BOOST_TEST(outcome(update) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(update) == "/fields/refund_amount/amount");
}

BOOST_AUTO_TEST_CASE(a_promoted_proposer_still_may_not_approve_their_own_proposal) {
  CaseRun r;
  r.run(kAgent, complaint("C-16"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(6000), "above the agent's authority"});
  const auto approval_id = r.snap().compensations.back().approval_id;
  BOOST_TEST(r.snap().approvals.back().required_role == "team_lead");
  // The same person, now a team lead: the role may approve, the person may not.
  const redress::Actor promoted{kAgent.id, Role::kTeamLead, kAgent.team};
  const auto own = r.attempt(promoted, DecideApproval{approval_id, true, ""});
  BOOST_TEST(outcome(own) == "SELF_APPROVAL");
  BOOST_TEST(outcome(r.attempt(promoted, DecideApproval{approval_id, false, "no"})) ==
             "SELF_APPROVAL");
  r.run(kLead, DecideApproval{approval_id, true, ""});  // another team lead may
  BOOST_TEST(r.snap().compensations.back().status == "approved");
}

// ------------------------------------------------------------------------------------------
// 3. SLA clocks
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sla_due_time_skips_a_public_holiday) {
  // Wed 2026-09-30 17:00 (+08): one working hour is left that day, then National Day (Oct 1-7)
  // closes the office; the 2h first response falls due on Thu Oct 8 at 10:00, not on Oct 1.
  CaseRun r(shipped(), at("2026-09-30T17:00:00+08:00"));
  r.run(kAgent, complaint("C-21"));
  const auto* fr = r.snap().sla("first_response");
  BOOST_REQUIRE(fr);
  BOOST_TEST(iso(fr->due) == "2026-10-08T02:00:00Z");
  // 80% = 96 working minutes: 60 on Sep 30, 36 on Oct 8.
  BOOST_TEST(iso(fr->warn_at) == "2026-10-08T01:36:00Z");
  BOOST_TEST(fr->target_ms == 2 * 3600 * 1000);
}

BOOST_AUTO_TEST_CASE(sla_clocks_start_on_the_business_calendar) {
  CaseRun r;
  r.run(kAgent, complaint("C-20"));
  const auto& s = r.snap();
  BOOST_REQUIRE(s.sla("first_response"));
  BOOST_REQUIRE(s.sla("resolution"));
  BOOST_REQUIRE(s.sla("stage"));

  // 2h business from Mon 09:05: Mon 11:05 (+08); warning at 80% = 96 working minutes: 10:41.
  const auto* fr = s.sla("first_response");
  BOOST_TEST(iso(fr->due) == "2026-11-23T03:05:00Z");
  BOOST_TEST(iso(fr->warn_at) == "2026-11-23T02:41:00Z");
  BOOST_TEST(fr->target_ms == 2 * 3600 * 1000);
  BOOST_TEST(fr->status == "running");
  BOOST_TEST(fr->business);

  // 3d business: the same local time three working days later, Thu 09:05. Working time between:
  // Mon 7h25m + Tue 7h30m + Wed 7h30m + Thu 5m = 22h30m; 80% = 18h, reached Wed 13:35.
  const auto* res = s.sla("resolution");
  BOOST_TEST(iso(res->due) == "2026-11-26T01:05:00Z");
  BOOST_TEST(res->target_ms == (22 * 60 + 30) * 60 * 1000);
  BOOST_TEST(iso(res->warn_at) == "2026-11-25T05:35:00Z");

  // Stage confirm, 4h business: 09:05-12:00 (2h55m) + 13:30-14:35; 80% = 3h12m: 13:47.
  const auto* stage = s.sla("stage");
  BOOST_TEST(stage->stage == "confirm");
  BOOST_TEST(iso(stage->due) == "2026-11-23T06:35:00Z");
  BOOST_TEST(iso(stage->warn_at) == "2026-11-23T05:47:00Z");
  BOOST_TEST(stage->target_ms == 4 * 3600 * 1000);

  // Timers mirror the clocks, in the snapshot and as effects.
  for (const auto* clock : {fr, res, stage}) {
    const auto breach = "sla:" + clock->name + ":breach";
    const auto warning = "sla:" + clock->name + ":warning";
    BOOST_REQUIRE(s.timer(breach));
    BOOST_REQUIRE(s.timer(warning));
    BOOST_TEST(iso(s.timer(breach)->due) == iso(clock->due));
    BOOST_TEST(iso(s.timer(warning)->due) == iso(clock->warn_at));
    BOOST_REQUIRE(find_timer_set(r.last_effects, breach));
    BOOST_TEST(iso(find_timer_set(r.last_effects, breach)->due) == iso(clock->due));
  }
  BOOST_TEST(r.webhook_seen("case.created"));
}

BOOST_AUTO_TEST_CASE(sla_pauses_while_waiting_on_customer) {
  CaseRun r;
  r.run(kAgent, complaint("C-21"));
  r.now = at("2026-11-23T10:05:00+08:00");  // one working hour consumed
  r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photos"}});
  const auto& s = r.snap();
  BOOST_TEST(s.waiting_on_customer);
  BOOST_TEST(s.sla("first_response")->status == "met");
  for (const char* name : {"resolution", "stage"}) {
    const auto* clock = s.sla(name);
    BOOST_TEST(clock->status == "paused");
    BOOST_TEST(clock->consumed_ms == 3600 * 1000);
    BOOST_TEST(!clock->running_since.has_value());
    BOOST_TEST(!s.timer("sla:" + std::string(name) + ":breach"));
    BOOST_TEST(!s.timer("sla:" + std::string(name) + ":warning"));
    BOOST_TEST(cancels(r.last_effects, "sla:" + std::string(name) + ":breach"));
  }
  BOOST_TEST(s.timer("timer:customer_silent") != nullptr);

  // Resumes Tue 10:30: the paused working time (Mon 10:05-18:00 and Tue 09:00-10:30, 7h55m)
  // moves every deadline. Resolution: Thu 09:05 + 7h55m working = Fri 09:30.
  r.now = at("2026-11-24T10:30:00+08:00");
  r.fire(kIntegration, "customer_provided_info");
  BOOST_TEST(!s.waiting_on_customer);
  BOOST_TEST(!s.timer("timer:customer_silent"));
  const auto* res = s.sla("resolution");
  BOOST_TEST(res->status == "running");
  BOOST_TEST(iso(res->due) == "2026-11-27T01:30:00Z");
  // Warning: 18h - 1h = 17h working from Tue 10:30: Tue 6h, Wed 7h30m, Thu 3h30m -> Thu 14:00.
  BOOST_TEST(iso(res->warn_at) == "2026-11-26T06:00:00Z");
  BOOST_REQUIRE(s.timer("sla:resolution:breach"));
  BOOST_TEST(iso(s.timer("sla:resolution:breach")->due) == "2026-11-27T01:30:00Z");
  BOOST_TEST(iso(s.timer("sla:resolution:warning")->due) == "2026-11-26T06:00:00Z");
  // Stage (same confirm stage, not restarted): 3h left from Tue 10:30 -> 15:00; warning 14:12.
  const auto* stage = s.sla("stage");
  BOOST_TEST(stage->status == "running");
  BOOST_TEST(iso(stage->due) == "2026-11-24T07:00:00Z");
  BOOST_TEST(iso(stage->warn_at) == "2026-11-24T06:12:00Z");
  BOOST_TEST(iso(s.timer("sla:stage:breach")->due) == "2026-11-24T07:00:00Z");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(sla_warning_and_breach_fire_through_timers) {
  CaseRun r;
  r.run(kAgent, complaint("C-22"));
  const auto warn_at = r.snap().sla("first_response")->warn_at;
  const auto due = r.snap().sla("first_response")->due;

  r.now = warn_at - Millis(1);
  const auto early = r.attempt(kSystem, FireTimer{"sla:first_response:warning"});
  BOOST_TEST(outcome(early) == "INVALID_STATE");
  r.now = warn_at;
  BOOST_TEST(outcome(r.attempt(kAgent, FireTimer{"sla:first_response:warning"})) ==
             "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(r.attempt(kLead, FireTimer{"sla:first_response:warning"})) ==
             "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(r.attempt(kSystem, FireTimer{"sla:no_such:warning"})) == "NOT_FOUND");

  const auto warned = r.run(kSystem, FireTimer{"sla:first_response:warning"});
  BOOST_TEST(has_event(warned, "timer.fired"));
  BOOST_TEST(has_event(warned, "sla.warning"));
  BOOST_TEST(!has_event(warned, "sla.breached"));
  const auto* hook = find_webhook(warned.result().effects, "case.sla_warning");
  BOOST_REQUIRE(hook);
  BOOST_TEST(hook->data.at("clock") == "first_response");
  BOOST_TEST(hook->data.at("due") == iso(due));
  BOOST_TEST(r.snap().sla("first_response")->warned);
  BOOST_TEST(!r.snap().timer("sla:first_response:warning"));
  BOOST_TEST(r.snap().escalation_level == "team_lead");  // any_sla_warning: one level up

  r.advance_to(due - Millis(1));
  BOOST_TEST(!r.snap().sla("first_response")->breached);
  r.advance_to(due);
  BOOST_TEST(r.snap().sla("first_response")->breached);
  BOOST_TEST(r.journal.back().type != "");
  BOOST_TEST(r.webhook_seen("case.sla_breached"));
  const auto* breach_hook = find_webhook(r.last_effects, "case.sla_breached");
  BOOST_REQUIRE(breach_hook);
  BOOST_TEST(breach_hook->data.at("clock") == "first_response");
  // SLA breach escalation: first_response_breach raises one more level with priority high.
  BOOST_TEST(r.snap().escalation_level == "supervisor");
  BOOST_TEST(r.snap().priority == "high");
  BOOST_REQUIRE(!r.snap().escalations.empty());
  BOOST_TEST(r.snap().escalations.back().rule_id == "first_response_breach");
  BOOST_TEST(r.webhook_seen("case.escalated"));
  // A late reply still meets the clock, marked late.
  const auto reply = r.run(kAgent, RecordReply{"sorry for the wait"});
  BOOST_TEST(r.snap().sla("first_response")->status == "met");
  bool late = false;
  for (const auto& e : reply.events()) {
    if (e.type == "sla.met") late = e.data.at("late").get<bool>();
  }
  BOOST_TEST(late);
  BOOST_TEST(r.replay_matches());
}

// ------------------------------------------------------------------------------------------
// 4. Escalation
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(escalation_at_creation) {
  {
    CaseRun r;
    r.run(kAgent, complaint("C-30", "critical"));
    BOOST_TEST(r.snap().escalation_level == "supervisor");
    BOOST_TEST(r.snap().priority == "urgent");
    BOOST_REQUIRE(!r.snap().escalations.empty());
    BOOST_TEST(r.snap().escalations.front().rule_id == "critical_at_creation");
    // Critical first response: 30m business.
    BOOST_TEST(iso(r.snap().sla("first_response")->due) == "2026-11-23T01:35:00Z");
    BOOST_TEST(r.replay_matches());
  }
  {
    CaseRun r;
    r.run(kAgent, complaint("C-31"));
    BOOST_TEST(r.snap().escalation_level == "agent");
    BOOST_TEST(r.snap().escalations.empty());
  }
  {
    CaseRun r;
    auto c = complaint("C-32");
    c.customer.segment = "vip";
    r.run(kAgent, c);
    BOOST_TEST(r.snap().escalation_level == "team_lead");
    BOOST_TEST(r.snap().escalations.back().rule_id == "valued_customer");
  }
  {  // Third case within 30 days.
    CaseRun r;
    r.history.other_cases_opened_at = {monday() - hours(24 * 20), monday() - hours(24 * 3)};
    r.run(kAgent, complaint("C-33"));
    BOOST_TEST(r.snap().escalation_level == "team_lead");
    BOOST_TEST(r.snap().priority == "high");
    BOOST_TEST(r.snap().escalations.back().rule_id == "repeat_complainant");
  }
  {  // An old case does not count.
    CaseRun r;
    r.history.other_cases_opened_at = {monday() - hours(24 * 40), monday() - hours(24 * 3)};
    r.run(kAgent, complaint("C-34"));
    BOOST_TEST(r.snap().escalation_level == "agent");
  }
}

BOOST_AUTO_TEST_CASE(escalation_by_threat_and_by_hand) {
  CaseRun r;
  r.run(kAgent, complaint("C-35"));
  r.run(kIntegration, AddCustomerMessage{"the seam split again"});
  BOOST_TEST(r.snap().escalation_level == "agent");
  const auto d = r.run(kIntegration, AddCustomerMessage{"if this is not fixed I will call 12315"});
  BOOST_TEST(r.snap().escalation_level == "supervisor");
  BOOST_TEST(r.snap().priority == "urgent");
  BOOST_TEST(r.snap().queue_role == "supervisor");
  BOOST_REQUIRE(!r.snap().escalations.empty());
  BOOST_TEST(r.snap().escalations.back().rule_id == "threat");
  BOOST_TEST(r.snap().escalations.back().reason.find("12315") != std::string::npos);
  BOOST_TEST(find_webhook(d.result().effects, "case.escalated") != nullptr);

  // By hand: a reason is required; the level only goes up.
  CaseRun m;
  m.run(kAgent, complaint("C-36"));
  const auto no_reason = m.attempt(kAgent, EscalateCase{"", ""});
  BOOST_TEST(outcome(no_reason) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(no_reason) == "/reason");
  BOOST_TEST(outcome(m.attempt(kIntegration, EscalateCase{"upset", ""})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(m.attempt(kAgent, EscalateCase{"upset", "agent"})) == "INVALID_FIELD");
  m.run(kAgent, EscalateCase{"customer very upset", ""});
  BOOST_TEST(m.snap().escalation_level == "team_lead");
  BOOST_TEST(m.snap().queue_role == "team_lead");
  BOOST_TEST(m.snap().escalations.back().reason == "customer very upset");
  BOOST_TEST(m.snap().escalations.back().by == kAgent.id);
  m.run(kLead, EscalateCase{"needs a refund above my limit", "supervisor"});
  BOOST_TEST(m.snap().escalation_level == "supervisor");

  // De-escalation: not by an agent nor a lead; a supervisor with a reason.
  BOOST_TEST(outcome(m.attempt(kAgent, DeescalateCase{"calm now", ""})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(m.attempt(kLead, DeescalateCase{"calm now", ""})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(m.attempt(kSupervisor, DeescalateCase{"", ""})) == "MISSING_FIELD");
  const auto de = m.run(kSupervisor, DeescalateCase{"customer calmed down", ""});
  BOOST_TEST(m.snap().escalation_level == "team_lead");
  BOOST_TEST(has_event(de, "case.deescalated"));
  BOOST_TEST(find_webhook(de.result().effects, "case.deescalated") != nullptr);
  BOOST_TEST(m.snap().escalations.back().reason == "customer calmed down");
  BOOST_TEST(m.snap().escalations.back().to_level == "team_lead");
  BOOST_TEST(m.snap().escalations.back().by == kSupervisor.id);
  BOOST_TEST(r.replay_matches());
  BOOST_TEST(m.replay_matches());
}

// ------------------------------------------------------------------------------------------
// 5. Compensation
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(compensation_within_authority_is_approved_at_once) {
  CaseRun r;
  r.run(kAgent, complaint("C-40"));
  const auto d = r.run(kAgent, ProposeCompensation{"coupon", cny(5000), "sorry"});
  BOOST_REQUIRE(r.snap().compensations.size() == 1u);
  const auto& c = r.snap().compensations.front();
  BOOST_TEST(c.status == "approved");
  BOOST_TEST(c.decided_by == kAgent.id);
  BOOST_TEST(c.approval_id == "");
  BOOST_TEST(r.snap().approvals.empty());
  BOOST_TEST(find_webhook(d.result().effects, "compensation.approved") != nullptr);
  for (const auto& e : d.result().effects) BOOST_TEST(!std::holds_alternative<ApprovalRequest>(e));

  BOOST_TEST(outcome(r.attempt(kAgent, ProposeCompensation{"bribe", cny(1), ""})) ==
             "INVALID_FIELD");
  BOOST_TEST(outcome(r.attempt(kAgent, ProposeCompensation{"coupon", Money{100, "USD"}, ""})) ==
             "CURRENCY_MISMATCH");
  BOOST_TEST(outcome(r.attempt(kIntegration, ProposeCompensation{"coupon", cny(100), ""})) ==
             "ROLE_NOT_PERMITTED");

  // Executed only once approved; the reference is kept.
  r.run(kIntegration, MarkCompensationExecuted{c.id, "CPN-778"});
  BOOST_TEST(r.snap().compensations.front().status == "executed");
  BOOST_TEST(r.snap().compensations.front().reference == "CPN-778");
  BOOST_TEST(outcome(r.attempt(kIntegration, MarkCompensationExecuted{c.id, "again"})) ==
             "INVALID_STATE");
  BOOST_TEST(outcome(r.attempt(kIntegration, MarkCompensationExecuted{"cmp-99", "x"})) ==
             "NOT_FOUND");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(compensation_above_authority_needs_approval) {
  CaseRun r;
  r.run(kAgent, complaint("C-41"));
  const auto d = r.run(kAgent, ProposeCompensation{"coupon", cny(5001), "bigger coupon"});
  BOOST_REQUIRE(r.snap().compensations.size() == 1u);
  const auto comp = r.snap().compensations.front();
  BOOST_TEST(comp.status == "pending");
  BOOST_TEST(comp.required_role == "team_lead");
  BOOST_REQUIRE(r.snap().approvals.size() == 1u);
  const auto approval = r.snap().approvals.front();
  BOOST_TEST(approval.id == comp.approval_id);
  BOOST_TEST(approval.kind == "compensation");
  BOOST_TEST(approval.subject == comp.id);
  BOOST_TEST(approval.required_role == "team_lead");
  BOOST_TEST(approval.status == "pending");
  bool requested = false;
  for (const auto& e : d.result().effects) {
    if (const auto* a = std::get_if<ApprovalRequest>(&e))
      requested = a->approval_id == approval.id && a->required_role == "team_lead";
  }
  BOOST_TEST(requested);
  BOOST_TEST(r.snap().escalation_level == "team_lead");  // over_authority: one level up

  BOOST_TEST(outcome(r.attempt(kAgent, MarkCompensationExecuted{comp.id, "x"})) == "INVALID_STATE");
  // The proposer is an agent, whom the role table refuses before the self-approval rule is
  // reached (a_promoted_proposer_still_may_not_approve_their_own_proposal covers that rule).
  BOOST_TEST(outcome(r.attempt(kAgent, DecideApproval{approval.id, true, ""})) ==
             "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(r.attempt(kAgent2, DecideApproval{approval.id, true, ""})) ==
             "ROLE_NOT_PERMITTED");
  const auto no_reason = r.attempt(kLead, DecideApproval{approval.id, false, ""});
  BOOST_TEST(outcome(no_reason) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(no_reason) == "/reason");
  BOOST_TEST(outcome(r.attempt(kLead, DecideApproval{"apr-99", true, ""})) == "NOT_FOUND");

  const auto ok = r.run(kLead, DecideApproval{approval.id, true, "reasonable"});
  BOOST_TEST(r.snap().compensations.front().status == "approved");
  BOOST_TEST(r.snap().compensations.front().decided_by == kLead.id);
  BOOST_TEST(approval_of(r.snap(), approval.id)->status == "approved");
  BOOST_TEST(find_webhook(ok.result().effects, "compensation.approved") != nullptr);
  BOOST_TEST(outcome(r.attempt(kSupervisor, DecideApproval{approval.id, false, "no"})) ==
             "INVALID_STATE");
  r.run(kIntegration, MarkCompensationExecuted{comp.id, "CPN-1"});
  BOOST_TEST(r.snap().compensations.front().status == "executed");

  // A rejection with a reason.
  r.run(kAgent, ProposeCompensation{"gift", cny(9000), "gift box"});
  const auto second = r.snap().compensations.back();
  BOOST_TEST(second.status == "pending");
  r.run(kSupervisor, DecideApproval{second.approval_id, false, "too generous"});
  BOOST_TEST(r.snap().compensations.back().status == "rejected");
  BOOST_TEST(approval_of(r.snap(), second.approval_id)->decision_reason == "too generous");
  BOOST_TEST(outcome(r.attempt(kAgent, MarkCompensationExecuted{second.id, "x"})) ==
             "INVALID_STATE");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(compensation_refund_cap_and_customer_cap) {
  {
    CaseRun r;
    r.run(kAgent, complaint("C-42"));
    BOOST_TEST(outcome(r.attempt(kManager, ProposeCompensation{"full_refund", cny(29901), ""})) ==
               "REFUND_EXCEEDS_PAID");
    r.run(kManager, ProposeCompensation{"partial_refund", cny(20000), "most of it"});
    BOOST_TEST(r.snap().compensations.back().status == "approved");
    // Only 99.00 remains refundable.
    BOOST_TEST(outcome(r.attempt(kManager, ProposeCompensation{"partial_refund", cny(9901), ""})) ==
               "REFUND_EXCEEDS_PAID");
    r.run(kManager, ProposeCompensation{"partial_refund", cny(9900), "the rest"});
    BOOST_TEST(r.replay_matches());
  }
  const auto required_for = [](std::int64_t granted_30d) {
    CaseRun r;
    r.history.compensation_granted_30d = cny(granted_30d);
    r.run(kAgent, complaint("C-43"));
    r.run(kAgent, ProposeCompensation{"coupon", cny(2000), "goodwill"});
    const auto& c = r.snap().compensations.back();
    return c.status == "approved" ? std::string("approved") : c.required_role;
  };
  BOOST_TEST(required_for(0) == "approved");
  BOOST_TEST(required_for(8000) == "approved");     // 10000 exactly: within the agent cap
  BOOST_TEST(required_for(8001) == "team_lead");    // one unit over the agent's 30-day cap
  BOOST_TEST(required_for(39000) == "supervisor");  // over the team lead's 30-day cap
  BOOST_TEST(required_for(198001) == "manager");    // over the supervisor's
}

// ------------------------------------------------------------------------------------------
// 6. Promises
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(promises_kept_and_breached) {
  CaseRun r;
  r.run(kAgent, complaint("C-50"));
  BOOST_TEST(outcome(r.attempt(kAgent, RecordPromise{r.now - minutes(1), "yesterday"})) ==
             "INVALID_FIELD");
  BOOST_TEST(outcome(r.attempt(kAgent, RecordPromise{r.now + hours(1), ""})) == "MISSING_FIELD");
  BOOST_TEST(outcome(r.attempt(kIntegration, RecordPromise{r.now + hours(1), "x"})) ==
             "ROLE_NOT_PERMITTED");

  const auto first_due = r.now + hours(1);
  const auto d = r.run(kAgent, RecordPromise{first_due, "we will reply within the hour"});
  BOOST_REQUIRE(r.snap().promises.size() == 1u);
  const auto first = r.snap().promises.front();
  BOOST_TEST(first.status == "open");
  BOOST_TEST(first.made_by == kAgent.id);
  BOOST_REQUIRE(r.snap().timer("promise:" + first.id));
  BOOST_TEST(iso(r.snap().timer("promise:" + first.id)->due) == iso(first_due));
  BOOST_REQUIRE(find_timer_set(d.result().effects, "promise:" + first.id));

  r.now += minutes(30);
  r.run(kAgent, RecordReply{"here is the answer"});
  BOOST_TEST(r.snap().promises.front().status == "kept");
  BOOST_TEST(!r.snap().timer("promise:" + first.id));
  BOOST_TEST(cancels(r.last_effects, "promise:" + first.id));
  BOOST_TEST(r.snap().sla("first_response")->status == "met");

  const auto second_due = r.now + hours(1);
  r.run(kAgent, RecordPromise{second_due, "the warehouse will call back"});
  const auto second = r.snap().promises.back();
  r.advance_to(second_due - Millis(1));
  BOOST_TEST(r.snap().promises.back().status == "open");
  r.advance_to(second_due + minutes(1));
  BOOST_TEST(r.snap().promises.back().status == "breached");
  BOOST_TEST(r.journal.back().type != "");
  const auto* hook = find_webhook(r.last_effects, "case.promise_breached");
  BOOST_REQUIRE(hook);
  BOOST_TEST(hook->data.at("promise_id") == second.id);
  BOOST_TEST(hook->data.at("due") == iso(second_due));
  // promise_breach policy: one level up, priority high.
  BOOST_TEST(r.snap().escalation_level == "team_lead");
  BOOST_TEST(r.snap().priority == "high");
  BOOST_TEST(r.snap().escalations.back().rule_id == "promise_breach");
  BOOST_TEST(r.snap().promises.front().status == "kept");
  BOOST_TEST(r.replay_matches());
}

// ------------------------------------------------------------------------------------------
// 7. Journal truth on a long mixed path
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(replay_reproduces_a_busy_case) {
  CaseRun r;
  auto c = complaint("C-60", "high");
  c.customer.segment = "vip";
  r.run(kAgent, c);
  r.run(kIntegration, AddCustomerMessage{"I will post this on weibo, 媒体 will hear"});
  r.run(kAgent, AddComment{"customer angry"});
  r.run(kAgent, RecordPromise{r.now + hours(2), "call back"});
  r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photos"}});
  r.advance(hours(50));  // customer_silent fires (2d calendar)
  r.fire(kIntegration, "customer_provided_info");
  r.fire(kAgent, "confirm_problem", kConfirm);
  r.fire(kAgent, "complete_analysis", kAnalysis);
  r.run(kAgent, ProposeCompensation{"partial_refund", cny(8000), "seam"});
  r.run(kLead, DecideApproval{r.snap().compensations.back().approval_id, true, ""});
  r.run(kAgent, redress::AssignCase{kAgent.id, ""});
  r.advance(hours(24 * 5));  // SLA timers fire and escalate
  r.fire(kAgent, "agree_remedy", {{"remedy_summary", "refund"}, {"customer_accepted", true}});
  r.run(kIntegration, MarkCompensationExecuted{r.snap().compensations.back().id, "RF-1"});
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "refunded"}});
  r.advance(hours(24 * 8));
  BOOST_TEST(r.snap().state == "closed");
  BOOST_TEST(r.snap().escalation_level == "manager");
  BOOST_TEST(r.replay_matches());
  // Versions advance by one per accepted command, and the journal carries them in order.
  std::int64_t last = 0;
  bool ordered = true;
  for (const auto& e : r.journal) {
    if (e.case_version < last || e.case_version > last + 1) ordered = false;
    last = e.case_version;
  }
  BOOST_TEST(ordered);
  BOOST_TEST(last == r.snap().version);
  // A prefix of the journal replays to an earlier, valid state.
  std::vector<Event> prefix;
  for (const auto& e : r.journal) {
    if (e.case_version <= 3) prefix.push_back(e);
  }
  const auto early = redress::replay(prefix);
  BOOST_REQUIRE(early.ok());
  BOOST_TEST(early.value().version == 3);
}

// The events of the latest decision.
std::vector<Event> last_decision_events(const CaseRun& r) {
  std::vector<Event> out;
  for (const auto& e : r.journal) {
    if (e.case_version == r.snap().version) out.push_back(e);
  }
  return out;
}

BOOST_AUTO_TEST_CASE(timer_changes_ride_on_the_event_that_caused_them) {
  CaseRun r;
  r.run(kAgent, complaint("C-61"));
  r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photos"}});
  // Each paused clock's event cancels that clock's two timers; nothing else is journalled for
  // them (before: a timer.cancelled event per timer, 12 events for this transition).
  std::vector<std::string> types;
  for (const auto& e : last_decision_events(r)) {
    types.push_back(e.type);
    if (e.type != "sla.paused" && e.type != "sla.met") continue;
    const auto clock = e.data.at("clock").get<std::string>();
    const json expected = json::array(
        {{{"cancel", "sla:" + clock + ":warning"}}, {{"cancel", "sla:" + clock + ":breach"}}});
    if (clock == "stage") {
      // The last event of the decision also carries the entered state's timer.
      BOOST_REQUIRE(e.data.at("timer_changes").size() == 3u);
      BOOST_TEST(e.data.at("timer_changes").at(2).at("set") == "timer:customer_silent");
      BOOST_TEST(e.data.at("timer_changes").at(0) == expected.at(0));
      BOOST_TEST(e.data.at("timer_changes").at(1) == expected.at(1));
    } else {
      BOOST_TEST(e.data.at("timer_changes") == expected);
    }
  }
  const std::vector<std::string> expected_types{"case.fields_set", "case.transitioned", "sla.met",
                                                "sla.paused", "sla.paused"};
  BOOST_TEST(types == expected_types, boost::test_tools::per_element());

  r.now += hours(3);
  r.fire(kIntegration, "customer_provided_info");
  types.clear();
  for (const auto& e : last_decision_events(r)) {
    types.push_back(e.type);
    if (e.type == "case.transitioned") {
      BOOST_TEST(e.data.at("timer_changes") ==
                 json::array({{{"cancel", "timer:customer_silent"}}}));
    }
    if (e.type != "sla.resumed") continue;
    const auto clock = e.data.at("clock").get<std::string>();
    const auto& changes = e.data.at("timer_changes");
    BOOST_REQUIRE(changes.size() == 2u);
    BOOST_TEST(changes.at(0).at("set") == "sla:" + clock + ":warning");
    BOOST_TEST(changes.at(0).at("due") == e.data.at("warn_at"));
    BOOST_TEST(changes.at(1).at("set") == "sla:" + clock + ":breach");
    BOOST_TEST(changes.at(1).at("due") == e.data.at("due"));
  }
  const std::vector<std::string> resumed_types{"case.transitioned", "sla.resumed", "sla.resumed"};
  BOOST_TEST(types == resumed_types, boost::test_tools::per_element());
  BOOST_TEST(r.replay_matches());
}

// Journals written before timer changes were folded into events hold standalone timer.set and
// timer.cancelled events after the event that caused them. They must replay to the same case.
BOOST_AUTO_TEST_CASE(journals_with_standalone_timer_events_still_replay) {
  CaseRun r;
  r.run(kAgent, complaint("C-62", "high"));
  r.run(kAgent, RecordPromise{r.now + hours(2), "call back"});
  r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photos"}});
  r.advance(hours(50));
  r.fire(kIntegration, "customer_provided_info");
  r.fire(kAgent, "confirm_problem", kConfirm);
  r.advance(hours(24 * 5));
  r.fire(kAgent, "complete_analysis", kAnalysis);

  std::vector<Event> unfolded;
  for (const auto& e : r.journal) {
    Event plain = e;
    plain.data.erase("timer_changes");
    unfolded.push_back(plain);
    if (!e.data.contains("timer_changes")) continue;
    for (const auto& change : e.data.at("timer_changes")) {
      Event standalone = e;
      if (change.contains("set")) {
        standalone.type = "timer.set";
        standalone.data = {
            {"key", change.at("set")}, {"name", change.at("name")}, {"due", change.at("due")}};
      } else {
        standalone.type = "timer.cancelled";
        standalone.data = {{"key", change.at("cancel")}};
      }
      unfolded.push_back(standalone);
    }
  }
  BOOST_TEST(unfolded.size() > r.journal.size() + 10);
  const auto replayed = redress::replay(unfolded);
  BOOST_REQUIRE_MESSAGE(replayed.ok(), (replayed.ok() ? "" : replayed.error().message));
  BOOST_TEST(redress::snapshot_to_json(replayed.value()) == redress::snapshot_to_json(r.snap()));
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(a_malformed_timer_change_is_a_bad_event) {
  CaseRun r;
  r.run(kAgent, complaint("C-63"));
  const Event base{"comment.added", r.now, kAgent.id, "agent", 2, {{"text", "x"}}};
  const std::vector<std::pair<json, std::string>> bad{
      {json::array({{{"cancel", "timer:nope"}}}), "no pending timer timer:nope"},
      {json::object(), "not an array"},
      {json::array({{{"postpone", "sla:stage:breach"}}}), "neither a set nor a cancel"},
      {json::array({{{"set", "timer:x"}, {"name", "x"}}}), "malformed timer change"},
  };
  for (const auto& [changes, why] : bad) {
    auto snapshot = r.snap();
    Event e = base;
    e.data["timer_changes"] = changes;
    const auto status = redress::apply_event(snapshot, e);
    BOOST_REQUIRE(!status.ok());
    BOOST_TEST(status.error().code == redress::ErrorCode::kBadEvent);
    BOOST_TEST(status.error().message.find(why) != std::string::npos, status.error().message);
  }
  // The same event with a valid change applies it after its own effect.
  auto snapshot = r.snap();
  Event ok = base;
  ok.data["timer_changes"] = json::array({{{"cancel", "sla:stage:warning"}}});
  BOOST_REQUIRE(redress::apply_event(snapshot, ok).ok());
  BOOST_TEST(!snapshot.timer("sla:stage:warning"));
  BOOST_TEST(snapshot.timer("sla:stage:breach") != nullptr);
}

// ------------------------------------------------------------------------------------------
// 8. Version pinning
// ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(cases_keep_their_workflow_version) {
  const auto old_catalog = shipped();
  CaseRun old_case(old_catalog);
  old_case.run(kAgent, complaint("C-70"));
  BOOST_TEST(old_case.snap().workflow_version == 1);

  auto texts = shipped_texts();
  BOOST_REQUIRE(texts.count("complaint.json"));
  auto v2 = json::parse(texts["complaint.json"]);
  v2["version"] = 2;
  bool changed = false;
  for (auto& t : v2["transitions"]) {
    if (t["name"] == "confirm_problem") {
      t["requires"].push_back("word_of_mouth_risk");
      changed = true;
    }
  }
  BOOST_REQUIRE(changed);
  texts["complaint.json"] = v2.dump(2);
  const auto newer = WorkflowCatalog::load(sources_of(texts));
  BOOST_REQUIRE_MESSAGE(newer.catalog, describe(newer.problems));
  const auto merged = old_catalog->with_newer(*newer.catalog);
  BOOST_REQUIRE_MESSAGE(merged.catalog, describe(merged.problems));
  BOOST_TEST(merged.catalog->find("complaint", 1) != nullptr);
  BOOST_TEST(merged.catalog->latest("complaint")->version == 2);

  // A new case on the merged catalog gets v2 and its rules.
  CaseRun pinned(merged.catalog);
  pinned.run(kAgent, complaint("C-71", "normal"));  // a new case gets v2
  BOOST_TEST(pinned.snap().workflow_version == 2);
  const auto v2_refusal = pinned.attempt(kAgent, FireTransition{"confirm_problem", kConfirm});
  BOOST_TEST(outcome(v2_refusal) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(v2_refusal) == "/data/word_of_mouth_risk");
  auto with_risk = kConfirm;
  with_risk["word_of_mouth_risk"] = "high";
  pinned.fire(kAgent, "confirm_problem", with_risk);
  BOOST_TEST(pinned.snap().state == "analysing");

  const Engine merged_engine(merged.catalog);
  const auto v1_decision = merged_engine.decide(
      &old_case.snap(), Command{FireTransition{"confirm_problem", kConfirm}, std::nullopt}, kAgent,
      old_case.now, {});
  BOOST_TEST(outcome(v1_decision) == "ACCEPTED");
  if (v1_decision.accepted()) {
    BOOST_TEST(v1_decision.result().snapshot.workflow_version == 1);
    BOOST_TEST(v1_decision.result().snapshot.state == "analysing");
  }
  // v1 explicitly requested on the merged catalog.
  auto explicit_v1 = complaint("C-72");
  explicit_v1.workflow_version = 1;
  const auto v1_created =
      merged_engine.decide(nullptr, Command{explicit_v1, std::nullopt}, kAgent, monday(), {});
  BOOST_REQUIRE(v1_created.accepted());
  BOOST_TEST(v1_created.result().snapshot.workflow_version == 1);

  // The v2-only catalog cannot serve the v1 case.
  const Engine v2_only(newer.catalog);
  const auto unpinned = v2_only.decide(
      &old_case.snap(), Command{FireTransition{"confirm_problem", kConfirm}, std::nullopt}, kAgent,
      old_case.now, {});
  BOOST_TEST(outcome(unpinned) == "UNKNOWN_WORKFLOW");

  // Same texts again: accepted; a changed v1 text: VERSION_CHANGED.
  const auto same = WorkflowCatalog::load(sources_of(shipped_texts()));
  BOOST_REQUIRE(same.catalog);
  BOOST_TEST(old_catalog->with_newer(*same.catalog).catalog != nullptr);
  auto changed_texts = shipped_texts();
  auto v1_changed = json::parse(changed_texts["complaint.json"]);
  v1_changed["title"] = "Customer complaint, edited in place";
  changed_texts["complaint.json"] = v1_changed.dump();
  const auto edited = WorkflowCatalog::load(sources_of(changed_texts));
  BOOST_REQUIRE_MESSAGE(edited.catalog, describe(edited.problems));
  const auto refused = old_catalog->with_newer(*edited.catalog);
  BOOST_TEST(!refused.catalog);
  BOOST_TEST(std::any_of(refused.problems.begin(), refused.problems.end(),
                         [](const auto& p) { return p.code == "VERSION_CHANGED"; }));
}

BOOST_AUTO_TEST_SUITE_END()

// Regression: two proposals each within a team lead's authority must not add up past it
// when the same lead approves both.
BOOST_AUTO_TEST_SUITE(engine)
BOOST_AUTO_TEST_CASE(approval_rechecks_the_approvers_authority_against_the_case_total) {
  CaseRun r;
  r.run(kAgent, complaint("C-81"));
  r.run(kAgent, ProposeCompensation{"coupon", cny(15000), "first"});
  r.run(kAgent, ProposeCompensation{"gift", cny(15000), "second"});
  BOOST_REQUIRE(r.snap().approvals.size() == 2u);
  const auto first = r.snap().approvals[0].id;
  const auto second = r.snap().approvals[1].id;
  r.run(kLead, redress::DecideApproval{first, true, "fair"});
  const auto refused = r.attempt(kLead, redress::DecideApproval{second, true, "also fair"});
  BOOST_TEST(outcome(refused) == "EXCEEDS_AUTHORITY");
  BOOST_TEST(refused.rejection().message.find("team_lead") != std::string::npos);
  // A supervisor's authority covers the total, so the supervisor may approve it.
  r.run(kSupervisor, redress::DecideApproval{second, true, "approved above the lead"});
  BOOST_TEST(r.snap().compensations[1].status == "approved");
  BOOST_TEST(r.replay_matches());
}

// Regression: a case reopened at follow-up must not keep its follow-up timer, and its
// resolution target runs again.
BOOST_AUTO_TEST_CASE(reopened_case_drops_its_follow_up_and_restarts_resolution) {
  CaseRun r;
  r.run(kAgent, complaint("C-82"));
  to_negotiating(r);
  r.fire(kAgent, "agree_remedy", {{"remedy_summary", "coupon"}, {"customer_accepted", true}});
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "coupon sent"}});
  BOOST_REQUIRE(r.snap().timer("follow_up") != nullptr);
  BOOST_TEST(r.snap().sla("resolution")->status == "met");
  r.fire(kAgent, "follow_up_unsatisfied",
         {{"follow_up_channel", "phone"}, {"satisfied", false}, {"follow_up_note", "still torn"}});
  BOOST_TEST(r.snap().state == "negotiating");
  BOOST_TEST(r.snap().timer("follow_up") == nullptr);
  BOOST_TEST(cancels(r.last_effects, "follow_up"));
  BOOST_TEST(r.snap().sla("resolution")->status == "running");
  BOOST_TEST(r.snap().timer("sla:resolution:breach") != nullptr);
  const auto webhooks_before = r.webhooks.size();
  r.advance(hours(72));
  for (size_t i = webhooks_before; i < r.webhooks.size(); ++i) {
    BOOST_TEST(r.webhooks[i].type != "case.follow_up_due");
  }
  BOOST_TEST(r.replay_matches());
}
BOOST_AUTO_TEST_SUITE_END()
