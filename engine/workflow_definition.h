// WorkflowDefinition: one version of a case workflow, loaded from JSON in workflows/.
//
// A workflow is a state machine over the five stages (confirm, analyse, negotiate, resolve,
// follow_up, plus closed): typed fields, states with SLA targets and state-scoped timers,
// transitions with roles, required fields, conditions and actions, and named timers. The format
// is documented in workflows/README.md. `parse` checks everything that can be checked inside one
// file and reports every problem at once; references to shared policies and calendars are
// recorded in `references` and checked by WorkflowCatalog against the other files.
//
// Thread-safety: immutable after loading; shared as shared_ptr<const WorkflowDefinition>.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/business_calendar.h"
#include "engine/condition.h"
#include "engine/field.h"
#include "engine/json_reader.h"
#include "engine/localized_text.h"
#include "engine/role.h"

namespace redress {

enum class Stage { kConfirm, kAnalyse, kNegotiate, kResolve, kFollowUp, kClosed };
inline constexpr std::array<Stage, 6> kStages{Stage::kConfirm, Stage::kAnalyse,  Stage::kNegotiate,
                                              Stage::kResolve, Stage::kFollowUp, Stage::kClosed};
std::optional<Stage> parse_stage(std::string_view name);
const char* stage_name(Stage stage);

struct StateDef {
  std::string name;
  LocalizedText title;  // the name, in English, when the definition gives none
  Stage stage = Stage::kConfirm;
  bool final = false;
  // Whom the case waits on here: "", customer, carrier, warehouse or supplier. Whether the
  // clocks pause meanwhile is the SLA policy's `paused_by`. `"waiting_on_customer": true` in a
  // definition is `"waiting_on": "customer"`.
  std::string waiting_on;
  bool resolves = false;  // entering it meets the resolution SLA
  // Stage SLA target by severity ("default" applies to severities not listed). Empty = none.
  std::map<std::string, Duration> sla;
  std::vector<std::string> timers;  // started on entry, cancelled on exit
};

struct Action {
  enum class Kind {
    kSet,               // {"set": {"field": f, "value": v}}
    kAssign,            // {"assign": {"team": t, "role": r}}
    kStartTimer,        // {"start_timer": name}
    kCancelTimer,       // {"cancel_timer": name}
    kRecordPromise,     // {"record_promise": {"due_field": f, "text_field": g}}
    kEmit,              // {"emit": "case.refund_requested"}
    kRequestApproval,   // {"request_approval": {"role": r, "on_approved": t, "on_rejected": t2,
                        // "reason": s}}
    kEscalate,          // {"escalate": {"to": r, "reason": s}}
    kScheduleFollowUp,  // {"schedule_follow_up": {"after": d, "window": calendar}}
    kCompleteSla,       // {"complete_sla": "first_response"}
  };
  Kind kind = Kind::kSet;
  std::string field;                // kSet
  nlohmann::json value;             // kSet (canonical)
  std::optional<std::string> team;  // kAssign
  std::optional<Role> role;     // kAssign: route to this role's queue; kRequestApproval; kEscalate
  std::string timer;            // kStartTimer, kCancelTimer
  std::string due_field;        // kRecordPromise
  std::string text_field;       // kRecordPromise (optional)
  std::string event;            // kEmit
  std::string on_approved;      // kRequestApproval
  std::string on_rejected;      // kRequestApproval (optional)
  std::string reason;           // kRequestApproval, kEscalate
  Duration after;               // kScheduleFollowUp
  std::string window_calendar;  // kScheduleFollowUp (optional): calls only in these hours
  std::string sla_clock;        // kCompleteSla
};

// The parcel events carriers report (storage/carrier_events.h), in the order a parcel usually
// meets them.
const std::vector<std::string>& carrier_event_kinds();

// {"on_carrier_event": {"kind": "delivered", "tracking_field": "tracking_number"}} on a
// transition: when a carrier reports `kind` for the tracking number the case holds in
// `tracking_field` while the case is in one of the transition's `from` states, the server fires
// the transition as the integration that reported it.
struct CarrierTrigger {
  std::string kind;            // one of carrier_event_kinds()
  std::string tracking_field;  // a string field of the workflow
};

// A transition declared as a reopen is the one way out of a final state: a closed case comes
// back when the customer complains again within `within` of its closing. After the window the
// customer's complaint is a new case, linked to the old one.
struct ReopenSpec {
  // Measured from the case's closed_at on the workflow's calendar.
  Duration within{Duration::Kind::kCalendar, Duration::Unit::kDays, 15, 0};
  std::string reason_field;  // a required text or string field, journaled as the reason (optional)
};

struct TransitionDef {
  std::string name;
  LocalizedText title;            // the name, in English, when the definition gives none
  std::vector<std::string> from;  // state names; "*" = any non-final state
  std::string to;
  std::vector<Role> roles;
  std::vector<std::string> requires_fields;  // must be set (in the data or already on the case)
  std::vector<std::string> accepts_fields;   // may be given
  std::vector<Condition> conditions;         // all must hold on the case with the data applied
  std::vector<Action> actions;
  bool blocked_by_pending_approval = false;  // refuse while an approval is pending
  std::optional<CarrierTrigger> on_carrier_event;
  std::optional<ReopenSpec> reopen;  // set: leaves a final state (see ReopenSpec)

  bool allowed_from(const std::string& state, bool state_is_final) const;
  bool role_allowed(Role role) const;
};

struct TimerDef {
  std::string name;
  Duration after;
  std::string calendar;    // empty = the workflow's calendar
  std::string transition;  // fired as the system actor when the timer is due (optional)
  std::string emit;        // webhook event emitted when due (optional)
};

struct CreateSpec {
  std::vector<Role> roles;
  std::vector<std::string> requires_fields;
  std::vector<std::string> accepts_fields;
  std::string emit;  // webhook event sent when a case is opened (optional), e.g. invoice.requested
};

// Names of shared policies a workflow uses.
struct PolicyRefs {
  std::string calendar;
  std::string sla;
  std::string escalation;
  std::string compensation;
  std::string follow_up;  // optional: follow-up attempts are recorded under this policy
};

// The definition without the words a person reads: every member named "title", "description"
// or "value_titles", at any depth (in a workflow definition those names are only ever labels).
// Two versions that differ only in these behave the same, so a translation or a corrected title
// needs no new version number (CaseStore::record_workflow_definitions).
nlohmann::json without_labels(const nlohmann::json& definition);

struct WorkflowDefinition {
  std::string id;
  int version = 0;
  LocalizedText title;  // the id, in English, when the definition gives none
  std::string initial_state;
  PolicyRefs policies;
  std::vector<FieldDef> fields;
  CreateSpec create;
  std::vector<StateDef> states;
  std::vector<TransitionDef> transitions;
  std::vector<TimerDef> timers;
  nlohmann::json source;  // the definition as loaded, for storage and the API

  // Calendar ids referenced anywhere (with the pointer of the reference), for the catalog.
  std::vector<std::pair<std::string, std::string>> calendar_references;

  const FieldDef* field(const std::string& name) const;
  const StateDef* state(const std::string& name) const;
  const TransitionDef* transition(const std::string& name) const;
  const TimerDef* timer(const std::string& name) const;

  // nullopt when any error was reported; `partial` (optional) receives what could be read
  // either way, so references of a broken definition can still be checked.
  static std::optional<WorkflowDefinition> parse(const nlohmann::json& definition,
                                                 JsonReader& reader,
                                                 WorkflowDefinition* partial = nullptr);
};

}  // namespace redress
