#include "engine/case_snapshot.h"

#include <algorithm>

#include "engine/case_json.h"

namespace redress {

namespace {

template <typename T, typename Pred>
T* find_if_ptr(std::vector<T>& v, Pred pred) {
  const auto it = std::find_if(v.begin(), v.end(), pred);
  return it == v.end() ? nullptr : &*it;
}

Error bad_event(const Event& e, const std::string& why) {
  return Error::bad_event("event " + e.type + " (case version " + std::to_string(e.case_version) +
                          "): " + why);
}

// A timer key is unique within its case: setting one that exists replaces it (at the end, so
// the order of `timers` is the order of setting).
void set_timer(CaseSnapshot& s, CaseTimer timer) {
  std::erase_if(s.timers, [&](const CaseTimer& x) { return x.key == timer.key; });
  s.timers.push_back(std::move(timer));
}

// False when the case holds no such timer.
bool cancel_timer(CaseSnapshot& s, const std::string& key) {
  return std::erase_if(s.timers, [&](const CaseTimer& x) { return x.key == key; }) > 0;
}

}  // namespace

const SlaClock* CaseSnapshot::sla(const std::string& name) const {
  for (const auto& c : slas) {
    if (c.name == name) return &c;
  }
  return nullptr;
}
SlaClock* CaseSnapshot::sla(const std::string& name) {
  return find_if_ptr(slas, [&](const SlaClock& c) { return c.name == name; });
}
const CaseTimer* CaseSnapshot::timer(const std::string& key) const {
  for (const auto& t : timers) {
    if (t.key == key) return &t;
  }
  return nullptr;
}
CompensationRecord* CaseSnapshot::compensation(const std::string& id) {
  return find_if_ptr(compensations, [&](const CompensationRecord& c) { return c.id == id; });
}
ApprovalRecord* CaseSnapshot::approval(const std::string& id) {
  return find_if_ptr(approvals, [&](const ApprovalRecord& a) { return a.id == id; });
}
Promise* CaseSnapshot::promise(const std::string& id) {
  return find_if_ptr(promises, [&](const Promise& p) { return p.id == id; });
}

nlohmann::json snapshot_to_json(const CaseSnapshot& snapshot) {
  return snapshot;
}

Result<CaseSnapshot> snapshot_from_json(const nlohmann::json& json) {
  try {
    return json.get<CaseSnapshot>();
  } catch (const std::exception& e) {
    return Error(ErrorCode::kBadSnapshot,
                 std::string("stored case snapshot is malformed: ") + e.what());
  }
}

nlohmann::json event_to_json(const Event& event) {
  return event;
}

Result<Event> event_from_json(const nlohmann::json& json) {
  try {
    return json.get<Event>();
  } catch (const std::exception& e) {
    return Error::bad_event(std::string("stored event is malformed: ") + e.what());
  }
}

Status apply_event(CaseSnapshot& s, const Event& e) {
  try {
    const auto& d = e.data;
    const std::string& t = e.type;
    if (t == "case.created") {
      s = d.get<CaseSnapshot>();
    } else if (t == "case.fields_set") {
      for (const auto& [key, value] : d.at("fields").items()) {
        if (value.is_null()) {
          s.fields.erase(key);
        } else {
          s.fields[key] = value;
        }
        // A workflow field named "category" is the case's category (queues filter by it).
        if (key == "category" && value.is_string()) s.category = value.get<std::string>();
      }
    } else if (t == "case.transitioned") {
      s.state = d.at("to").get<std::string>();
      s.stage = d.at("stage").get<std::string>();
      s.waiting_on_customer = d.at("waiting_on_customer").get<bool>();
      // Journals older than the waits on others name none: their snapshots were stored without.
      s.waiting_on = d.value("waiting_on", std::string());
      if (d.at("final").get<bool>()) s.closed_at = e.at;
    } else if (t == "case.reopened") {
      // The case.transitioned that follows moves it out of its final state.
      if (!s.closed_at) return bad_event(e, "the case is not closed");
      s.closed_at.reset();
      ++s.reopen_count;
    } else if (t == "case.assigned") {
      s.assignee = d.at("assignee").get<std::string>();
      s.team = d.at("team").get<std::string>();
      s.queue_role = d.at("queue_role").get<std::string>();
    } else if (t == "case.priority_changed") {
      s.priority = d.at("to").get<std::string>();
    } else if (t == "case.escalated" || t == "case.deescalated") {
      auto record = d.get<EscalationRecord>();
      s.escalation_level = record.to_level;
      s.escalations.push_back(std::move(record));
    } else if (t == "sla.started") {
      auto clock = d.get<SlaClock>();
      if (auto* existing = s.sla(clock.name)) {
        *existing = std::move(clock);
      } else {
        s.slas.push_back(std::move(clock));
      }
    } else if (t == "sla.paused" || t == "sla.resumed" || t == "sla.met" || t == "sla.warning" ||
               t == "sla.breached") {
      auto* clock = s.sla(d.at("clock").get<std::string>());
      if (!clock) return bad_event(e, "no SLA clock " + d.at("clock").dump());
      if (t == "sla.paused") {
        clock->consumed_ms = d.at("consumed_ms").get<std::int64_t>();
        clock->running_since.reset();
        clock->status = "paused";
      } else if (t == "sla.resumed") {
        clock->running_since = e.at;
        clock->due = d.at("due").get<Instant>();
        clock->warn_at = d.at("warn_at").get<Instant>();
        clock->status = "running";
      } else if (t == "sla.met") {
        clock->consumed_ms = d.at("consumed_ms").get<std::int64_t>();
        clock->running_since.reset();
        clock->status = "met";
      } else if (t == "sla.warning") {
        clock->warned = true;
      } else {
        clock->breached = true;
      }
    } else if (t == "sla.retargeted") {
      // The case's severity changed: the clock keeps its consumed time under a new target.
      auto* clock = s.sla(d.at("clock").get<std::string>());
      if (!clock) return bad_event(e, "no SLA clock " + d.at("clock").dump());
      clock->business = d.at("business").get<bool>();
      clock->target_ms = d.at("target_ms").get<std::int64_t>();
      clock->warn_ms = d.at("warn_ms").get<std::int64_t>();
      if (d.contains("due")) clock->due = d.at("due").get<Instant>();
      if (d.contains("warn_at")) clock->warn_at = d.at("warn_at").get<Instant>();
    } else if (t == "case.severity_revised") {
      s.severity = d.at("to").get<std::string>();
    } else if (t == "timer.set") {
      set_timer(s, d.get<CaseTimer>());
    } else if (t == "timer.cancelled" || t == "timer.fired") {
      const auto key = d.at("key").get<std::string>();
      if (!cancel_timer(s, key)) return bad_event(e, "no pending timer " + key);
    } else if (t == "promise.recorded") {
      auto promise = d.get<Promise>();
      promise.made_at = e.at;
      s.promises.push_back(std::move(promise));
      ++s.next_id;
    } else if (t == "promise.kept" || t == "promise.breached") {
      // One event per promise settled. Journals written before a reply named the promise it
      // keeps hold one promise.kept per open promise after a reply; they apply the same way.
      auto* p = s.promise(d.at("id").get<std::string>());
      if (!p) return bad_event(e, "no promise " + d.at("id").dump());
      if (t == "promise.kept") {
        p->status = "kept";
        p->kept_at = e.at;
      } else {
        p->status = "breached";
        p->breached_at = e.at;
      }
    } else if (t == "compensation.proposed") {
      s.compensations.push_back(d.get<CompensationRecord>());
      ++s.next_id;
    } else if (t == "compensation.approved" || t == "compensation.rejected" ||
               t == "compensation.executed") {
      auto* c = s.compensation(d.at("id").get<std::string>());
      if (!c) return bad_event(e, "no compensation " + d.at("id").dump());
      if (t == "compensation.executed") {
        c->status = "executed";
        c->executed_at = e.at;
        c->reference = d.value("reference", std::string());
      } else {
        c->status = t == "compensation.approved" ? "approved" : "rejected";
        c->decided_by = e.actor_id;
        c->decided_at = e.at;
        c->reason = d.value("reason", std::string());
      }
    } else if (t == "compensation.withdrawn") {
      auto* c = s.compensation(d.at("id").get<std::string>());
      if (!c) return bad_event(e, "no compensation " + d.at("id").dump());
      c->status = "withdrawn";
      c->decided_by = e.actor_id;
      c->decided_at = e.at;
      c->reason = d.value("reason", std::string());
    } else if (t == "approval.cancelled") {
      auto* a = s.approval(d.at("id").get<std::string>());
      if (!a) return bad_event(e, "no approval " + d.at("id").dump());
      a->status = "cancelled";
      a->decided_by = e.actor_id;
      a->decision_reason = d.value("reason", std::string());
      a->decided_at = e.at;
    } else if (t == "approval.requested") {
      s.approvals.push_back(d.get<ApprovalRecord>());
      ++s.next_id;
    } else if (t == "approval.decided") {
      auto* a = s.approval(d.at("id").get<std::string>());
      if (!a) return bad_event(e, "no approval " + d.at("id").dump());
      a->status = d.at("approved").get<bool>() ? "approved" : "rejected";
      a->decided_by = e.actor_id;
      a->decision_reason = d.value("reason", std::string());
      a->decided_at = e.at;
    } else if (t == "message.received" || t == "threat.detected") {
      // threat.detected: signals found in a customer-visible field (the opening summary ...).
      if (t == "message.received") ++s.customer_messages;
      for (const auto& signal : d.at("signals")) {
        const auto kind = signal.at("kind").get<std::string>();
        if (std::find(s.threat_signals.begin(), s.threat_signals.end(), kind) ==
            s.threat_signals.end()) {
          s.threat_signals.push_back(kind);
        }
      }
    } else if (t == "reply.sent") {
      if (!s.first_response_at) s.first_response_at = e.at;
    } else if (t == "follow_up.scheduled") {
      s.follow_up_due = d.at("due").get<Instant>();
      if (!s.follow_up_started_at) s.follow_up_started_at = e.at;
      // A retry after an unreached attempt carries "retry": true; a fresh schedule (entering
      // follow-up, again after a reopening) starts the count of attempts anew.
      if (!d.value("retry", false)) s.follow_up_unreached = 0;
    } else if (t == "follow_up.attempted") {
      FollowUpAttempt attempt;
      attempt.at = e.at;
      attempt.by = e.actor_id;
      attempt.channel = d.at("channel").get<std::string>();
      attempt.outcome = d.at("outcome").get<std::string>();
      if (d.contains("csat")) attempt.csat = d.at("csat").get<std::int64_t>();
      attempt.comment = d.value("comment", std::string());
      attempt.outside_window = d.value("outside_window", false);
      // A customer reached ends the round: what follows is a transition, not a retry.
      if (attempt.outcome == "not_reached") {
        ++s.follow_up_unreached;
      } else {
        s.follow_up_unreached = 0;
      }
      s.follow_up_attempts.push_back(std::move(attempt));
    } else if (t == "comment.added" || t == "evidence.attached" || t == "call.logged" ||
               t == "follow_up.due" || t == "timer.skipped" ||
               t == "compensation.execution_overdue" || t == "event.emitted") {
      // Recorded in the journal only; the snapshot does not change.
    } else {
      return bad_event(e, "unknown event type");
    }
    // case.created's data is a whole snapshot, which has no such member.
    if (const auto changes = d.find(kTimerChangesMember); changes != d.end()) {
      if (!changes->is_array()) return bad_event(e, "timer_changes is not an array");
      for (const auto& change : *changes) {
        auto applied = apply_timer_change(s, change);
        if (!applied.ok()) return bad_event(e, applied.error().message);
      }
    }
  } catch (const std::exception& ex) {
    return bad_event(e, std::string("malformed data: ") + ex.what());
  }
  s.version = e.case_version;
  s.updated_at = e.at;
  return Status::Ok();
}

nlohmann::json timer_set_change(const CaseTimer& timer) {
  return {{"set", timer.key}, {"name", timer.name}, {"due", timer.due}};
}

nlohmann::json timer_cancel_change(const std::string& key) {
  return {{"cancel", key}};
}

Status apply_timer_change(CaseSnapshot& s, const nlohmann::json& change) {
  try {
    if (const auto set = change.find("set"); set != change.end()) {
      set_timer(s, CaseTimer{set->get<std::string>(), change.at("name").get<std::string>(),
                             change.at("due").get<Instant>()});
      return Status::Ok();
    }
    if (const auto cancel = change.find("cancel"); cancel != change.end()) {
      const auto key = cancel->get<std::string>();
      if (!cancel_timer(s, key)) return Error::bad_event("no pending timer " + key);
      return Status::Ok();
    }
  } catch (const std::exception& ex) {
    return Error::bad_event(std::string("malformed timer change: ") + ex.what());
  }
  return Error::bad_event("a timer change is neither a set nor a cancel: " + change.dump());
}

Result<CaseSnapshot> replay(const std::vector<Event>& events) {
  if (events.empty() || events.front().type != "case.created") {
    return Error::bad_event("a case journal must start with case.created");
  }
  CaseSnapshot s;
  for (const auto& e : events) {
    auto st = apply_event(s, e);
    if (!st.ok()) return st.error();
  }
  return s;
}

Money compensation_total(const CaseSnapshot& snapshot, const std::string& currency,
                         std::initializer_list<const char*> statuses) {
  Money total{0, currency};
  for (const auto& c : snapshot.compensations) {
    if (c.value.currency != currency) continue;
    if (std::none_of(statuses.begin(), statuses.end(),
                     [&](const char* st) { return c.status == st; })) {
      continue;
    }
    // Saturate rather than wrap: an absurd total must still compare as "over every limit".
    if (__builtin_add_overflow(total.amount, c.value.amount, &total.amount)) {
      total.amount = INT64_MAX;
    }
  }
  return total;
}

nlohmann::json condition_view(const CaseSnapshot& s) {
  const std::string currency = s.order.paid.currency;
  const auto granted = compensation_total(s, currency, {"approved", "executed"});
  const auto pending = compensation_total(s, currency, {"pending"});
  std::int64_t pending_count = 0;
  for (const auto& a : s.approvals) pending_count += a.status == "pending";
  nlohmann::json view;
  view["fields"] = s.fields;
  view["case"] = {{"severity", s.severity},
                  {"priority", s.priority},
                  {"category", s.category},
                  {"state", s.state},
                  {"escalation_level", s.escalation_level}};
  // Unknown values are absent (null), so {"exists": ...} tells "not given" from "given".
  auto or_null = [](const std::string& v) {
    return v.empty() ? nlohmann::json() : nlohmann::json(v);
  };
  view["case"]["category"] = or_null(s.category);
  view["customer"] = {{"id", or_null(s.customer.id)},
                      {"segment", or_null(s.customer.segment)},
                      {"tier", or_null(s.customer.tier)}};
  view["order"] = {{"paid", s.order.paid.amount}, {"refunded", s.order.refunded.amount}};
  view["compensation"] = {
      {"granted", granted.amount}, {"pending", pending.amount}, {"pending_count", pending_count}};
  return view;
}

}  // namespace redress
