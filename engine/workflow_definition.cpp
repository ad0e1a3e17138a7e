#include "engine/workflow_definition.h"

#include "engine/command_roles.h"

#include <algorithm>
#include <deque>
#include <set>

#include "engine/case_vocabulary.h"
#include "engine/sla_policy.h"

namespace redress {

nlohmann::json without_labels(const nlohmann::json& definition) {
  if (definition.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : definition.items()) {
      if (key == "title" || key == "description" || key == "value_titles") continue;
      // An action's reason is written into the journal in English, so its English words are
      // part of what a version means; its other languages are labels. A reason given as a plain
      // string and later as {"en": the same, "zh": ...} is the same version.
      if (key == "reason" && value.is_object() && value.contains("en")) {
        out[key] = value["en"];
        continue;
      }
      out[key] = without_labels(value);
    }
    return out;
  }
  if (definition.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : definition) out.push_back(without_labels(item));
    return out;
  }
  return definition;
}

const std::vector<std::string>& carrier_event_kinds() {
  static const std::vector<std::string> kinds = {"picked_up", "in_transit", "delivered",
                                                 "exception", "returned"};
  return kinds;
}

std::optional<Stage> parse_stage(std::string_view name) {
  if (name == "confirm") return Stage::kConfirm;
  if (name == "analyse") return Stage::kAnalyse;
  if (name == "negotiate") return Stage::kNegotiate;
  if (name == "resolve") return Stage::kResolve;
  if (name == "follow_up") return Stage::kFollowUp;
  if (name == "closed") return Stage::kClosed;
  return std::nullopt;
}

const char* stage_name(Stage stage) {
  switch (stage) {
    case Stage::kConfirm:
      return "confirm";
    case Stage::kAnalyse:
      return "analyse";
    case Stage::kNegotiate:
      return "negotiate";
    case Stage::kResolve:
      return "resolve";
    case Stage::kFollowUp:
      return "follow_up";
    case Stage::kClosed:
      return "closed";
  }
  return "unknown";
}

bool TransitionDef::allowed_from(const std::string& state, bool state_is_final) const {
  for (const auto& f : from) {
    if (f == state) return true;
    if (f == "*" && !state_is_final) return true;
  }
  return false;
}

bool TransitionDef::role_allowed(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

const FieldDef* WorkflowDefinition::field(const std::string& name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}
const StateDef* WorkflowDefinition::state(const std::string& name) const {
  for (const auto& s : states) {
    if (s.name == name) return &s;
  }
  return nullptr;
}
const TransitionDef* WorkflowDefinition::transition(const std::string& name) const {
  for (const auto& t : transitions) {
    if (t.name == name) return &t;
  }
  return nullptr;
}
const TimerDef* WorkflowDefinition::timer(const std::string& name) const {
  for (const auto& t : timers) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {

bool is_event_name(const std::string& s) {
  // Dot-separated lower-case words, at least two: "case.refund_requested".
  if (s.empty() || s.size() > 100 || s.front() == '.' || s.back() == '.') return false;
  bool dot = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (s[i - 1] == '.') return false;
      dot = true;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return dot;
}

// Parses the elements of an array member, each an object with a unique "name".
template <typename Fn>
void for_each_named(const nlohmann::json& definition, const std::string& key,
                    const std::string& pointer, JsonReader& reader, bool required, Fn&& fn) {
  if (!definition.contains(key)) {
    if (required)
      reader.error("MISSING_KEY", pointer + "/" + key, "missing required key '" + key + "'");
    return;
  }
  const auto& arr = definition[key];
  if (!reader.expect_array(arr, pointer + "/" + key, "'" + key + "'")) return;
  std::set<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string p = pointer + "/" + key + "/" + std::to_string(i);
    if (!reader.expect_object(arr[i], p, "element of '" + key + "'")) continue;
    const auto name = reader.required_string(arr[i], p, "name");
    if (!name) continue;
    if (!reader.check_name(*name, p + "/name", "name")) continue;
    if (!seen.insert(*name).second) {
      reader.error("DUPLICATE_NAME", p + "/name",
                   quote_name(*name) + " is defined more than once in '" + key + "'");
      continue;
    }
    fn(*name, arr[i], p);
  }
}

std::vector<Role> parse_roles(const nlohmann::json& object, const std::string& pointer,
                              const std::string& key, JsonReader& reader, bool required) {
  std::vector<Role> roles;
  if (required && (!object.is_object() || !object.contains(key))) {
    reader.error("MISSING_KEY", pointer + "/" + key, "missing required key '" + key + "'");
    return roles;
  }
  const auto names = reader.optional_string_array(object, pointer, key);
  if (!names) return roles;
  for (size_t i = 0; i < names->size(); ++i) {
    const auto role = parse_role((*names)[i]);
    if (!role) {
      reader.error("UNKNOWN_ROLE", pointer + "/" + key + "/" + std::to_string(i),
                   "unknown role " + quote_name((*names)[i]) +
                       "; expected agent, team_lead, supervisor, manager, admin, integration or "
                       "system");
    } else {
      roles.push_back(*role);
    }
  }
  return roles;
}

std::optional<Duration> parse_duration_member(const nlohmann::json& object,
                                              const std::string& pointer, const std::string& key,
                                              JsonReader& reader, bool required) {
  const auto text = required ? reader.required_string(object, pointer, key)
                             : reader.optional_string(object, pointer, key);
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d.ok()) {
    reader.error("BAD_DURATION", pointer + "/" + key, d.error().message);
    return std::nullopt;
  }
  return d.value();
}

class WorkflowParser {
 public:
  WorkflowParser(const nlohmann::json& definition, JsonReader& reader)
      : def_json_(definition), reader_(reader) {}

  // Returns the definition when it has no error; `partial` receives what was read either way, so
  // the catalog can still check a broken workflow's references to other files.
  std::optional<WorkflowDefinition> run(WorkflowDefinition* partial) {
    const size_t before = reader_.problems().size();
    if (!reader_.expect_object(def_json_, "", "a workflow definition")) return std::nullopt;
    reader_.check_keys(def_json_, "",
                       {"kind", "id", "version", "title", "description", "initial_state",
                        "policies", "fields", "create", "states", "transitions", "timers"});
    wf_.source = def_json_;
    wf_.id = reader_.required_string(def_json_, "", "id").value_or("");
    if (!wf_.id.empty()) reader_.check_name(wf_.id, "/id", "workflow id");
    if (const auto version = reader_.required_integer(def_json_, "", "version")) {
      if (*version < 1 || *version > 1000000) {
        reader_.error(
            "BAD_VERSION", "/version",
            "version must be a positive integer (1, 2, ...), not " + std::to_string(*version));
      } else {
        wf_.version = static_cast<int>(*version);
      }
    }
    wf_.title = read_label(reader_, def_json_, "", "title", "the workflow's title")
                    .value_or(LocalizedText::english(wf_.id));
    parse_policies();
    parse_fields();
    parse_states();
    parse_timers();
    parse_transitions();
    parse_create();
    check_initial_state();
    check_graph();
    bool failed = false;
    for (size_t i = before; i < reader_.problems().size(); ++i) {
      failed |= reader_.problems()[i].severity == Severity::kError;
    }
    if (partial) *partial = wf_;
    if (failed) return std::nullopt;
    return std::move(wf_);
  }

 private:
  // A workflow may narrow the role table (engine/command_roles.h), never widen it: a role listed
  // here that the table refuses for the command can never use the entry. A warning, not an
  // error, so that a definition written before the table still loads. `system` in a
  // transition's roles is meaningful: timers fire transitions as the system (FireTimer).
  void warn_roles_the_table_refuses(const nlohmann::json& object, const std::string& pointer,
                                    CommandKind command) {
    const auto it = object.find("roles");
    if (it == object.end() || !it->is_array()) return;
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& name = (*it)[i];
      if (!name.is_string()) continue;
      const auto role = parse_role(name.get<std::string>());
      if (!role || command_allowed(command, *role)) continue;
      if (command == CommandKind::kFireTransition && *role == Role::kSystem) continue;
      std::vector<std::string> allowed;
      for (const Role r : command_roles(command)) allowed.push_back(role_name(r));
      reader_.warning("ROLE_NEVER_PERMITTED", pointer + "/roles/" + std::to_string(i),
                      "role " + quote_name(name.get<std::string>()) + " may never " +
                          command_action(command) + ", whatever a workflow says; only " +
                          join(allowed) + " may, so this entry has no effect");
    }
  }

  void parse_policies() {
    if (!def_json_.contains("policies")) {
      reader_.error("MISSING_KEY", "/policies",
                    "missing required key 'policies' (calendar, sla, escalation, compensation)");
      return;
    }
    const auto& p = def_json_["policies"];
    if (!reader_.expect_object(p, "/policies", "'policies'")) return;
    reader_.check_keys(p, "/policies",
                       {"calendar", "sla", "escalation", "compensation", "follow_up"});
    wf_.policies.calendar = reader_.required_string(p, "/policies", "calendar").value_or("");
    wf_.policies.sla = reader_.required_string(p, "/policies", "sla").value_or("");
    wf_.policies.escalation = reader_.required_string(p, "/policies", "escalation").value_or("");
    wf_.policies.compensation =
        reader_.required_string(p, "/policies", "compensation").value_or("");
    wf_.policies.follow_up = reader_.optional_string(p, "/policies", "follow_up").value_or("");
    if (!wf_.policies.calendar.empty()) {
      wf_.calendar_references.emplace_back(wf_.policies.calendar, "/policies/calendar");
    }
  }

  void parse_fields() {
    for_each_named(def_json_, "fields", "", reader_, false,
                   [&](const std::string& name, const nlohmann::json& body, const std::string& p) {
                     nlohmann::json copy = body;
                     copy.erase("name");
                     if (auto f = parse_field_def(name, copy, p, reader_)) wf_.fields.push_back(*f);
                   });
  }

  void parse_states() {
    for_each_named(
        def_json_, "states", "", reader_, true,
        [&](const std::string& name, const nlohmann::json& body, const std::string& p) {
          reader_.check_keys(body, p,
                             {"name", "title", "stage", "final", "waiting_on_customer",
                              "waiting_on", "resolves", "sla", "timers"});
          StateDef s;
          s.name = name;
          s.title = read_label(reader_, body, p, "title", "the title of state " + quote_name(name))
                        .value_or(LocalizedText::english(name));
          if (const auto stage = reader_.required_string(body, p, "stage")) {
            if (const auto st = parse_stage(*stage)) {
              s.stage = *st;
            } else {
              reader_.error("UNKNOWN_STAGE", p + "/stage",
                            "unknown stage " + quote_name(*stage) +
                                "; expected confirm, analyse, negotiate, resolve, follow_up or "
                                "closed");
            }
          }
          s.final = reader_.optional_bool(body, p, "final").value_or(false);
          const bool on_customer =
              reader_.optional_bool(body, p, "waiting_on_customer").value_or(false);
          if (on_customer) s.waiting_on = "customer";
          if (auto party = reader_.optional_string(body, p, "waiting_on")) {
            if (!is_wait_party(*party)) {
              reader_.error("BAD_VALUE", p + "/waiting_on",
                            "unknown wait " + quote_name(*party) +
                                "; expected customer, carrier, warehouse or supplier");
            } else if (on_customer && *party != "customer") {
              reader_.error("BAD_VALUE", p + "/waiting_on",
                            "state " + quote_name(name) + " waits on the customer " +
                                "(waiting_on_customer) and on the " + *party + "; keep one");
            }
            s.waiting_on = *party;
          }
          s.resolves = reader_.optional_bool(body, p, "resolves").value_or(false);
          if (s.final && !s.waiting_on.empty()) {
            reader_.error("BAD_VALUE", p + (on_customer ? "/waiting_on_customer" : "/waiting_on"),
                          "final state " + quote_name(name) + " cannot wait on anyone");
          }
          if (body.contains("sla")) {
            const auto& sla = body["sla"];
            if (reader_.expect_object(sla, p + "/sla", "'sla'")) {
              for (const auto& [severity, _] : sla.items()) {
                if (severity != "default" && !is_severity(severity)) {
                  reader_.error("BAD_VALUE", p + "/sla/" + pointer_token(severity),
                                "unknown severity " + quote_name(severity) +
                                    "; expected default, low, normal, high or critical");
                  continue;
                }
                if (auto d = parse_duration_member(sla, p + "/sla", severity, reader_, true)) {
                  s.sla[severity] = *d;
                }
              }
            }
          }
          if (auto timers = reader_.optional_string_array(body, p, "timers")) {
            s.timers = *timers;
            for (size_t i = 0; i < timers->size(); ++i) {
              pending_timer_refs_.emplace_back((*timers)[i], p + "/timers/" + std::to_string(i));
            }
          }
          wf_.states.push_back(std::move(s));
        });
    if (!wf_.states.empty() && std::none_of(wf_.states.begin(), wf_.states.end(),
                                            [](const StateDef& s) { return s.final; })) {
      reader_.error("NO_FINAL_STATE", "/states",
                    "workflow has no final state; mark at least one state \"final\": true");
    }
  }

  void parse_timers() {
    for_each_named(
        def_json_, "timers", "", reader_, false,
        [&](const std::string& name, const nlohmann::json& body, const std::string& p) {
          reader_.check_keys(body, p, {"name", "after", "calendar", "transition", "emit"});
          TimerDef t;
          t.name = name;
          if (auto d = parse_duration_member(body, p, "after", reader_, true)) {
            if (d->is_cutoff()) {
              reader_.error("BAD_DURATION", p + "/after",
                            cutoff_refusal(*d, "'after' of timer " + quote_name(name)));
            } else {
              t.after = *d;
            }
          }
          t.calendar = reader_.optional_string(body, p, "calendar").value_or("");
          if (!t.calendar.empty())
            wf_.calendar_references.emplace_back(t.calendar, p + "/calendar");
          t.transition = reader_.optional_string(body, p, "transition").value_or("");
          t.emit = reader_.optional_string(body, p, "emit").value_or("");
          if (!t.emit.empty() && !is_event_name(t.emit)) {
            reader_.error("BAD_VALUE", p + "/emit",
                          "event name " + quote_name(t.emit) +
                              " must be dot-separated lower-case words, e.g. "
                              "'case.follow_up_due'");
          }
          if (t.transition.empty() && t.emit.empty()) {
            reader_.error("MISSING_KEY", p,
                          "timer " + quote_name(name) +
                              " does nothing: give it a 'transition' to fire or an "
                              "'emit' event");
          }
          if (!t.transition.empty()) {
            pending_transition_refs_.push_back({t.transition, p + "/transition", true});
          }
          wf_.timers.push_back(std::move(t));
        });
  }

  std::optional<FieldDef> resolve_operand(const std::string& path) const {
    if (path.rfind("fields.", 0) == 0) {
      if (const auto* f = wf_.field(path.substr(7))) return *f;
      return std::nullopt;
    }
    return builtin_operand(path);
  }

  void check_field_names(const std::vector<std::string>& names, const std::string& pointer) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (!wf_.field(names[i])) {
        reader_.error("UNKNOWN_FIELD", pointer + "/" + std::to_string(i),
                      "unknown field " + quote_name(names[i]) + "; declare it under 'fields'");
      }
    }
  }

  // A transition's on_carrier_event (CarrierTrigger): a known kind, a string field to read the
  // tracking number from, and a transition the reporting integration may fire.
  std::optional<CarrierTrigger> parse_carrier_trigger(const nlohmann::json& body,
                                                      const std::string& p,
                                                      const TransitionDef& t) {
    if (!reader_.expect_object(body, p, "'on_carrier_event'")) return std::nullopt;
    reader_.check_keys(body, p, {"kind", "tracking_field"});
    CarrierTrigger trigger;
    if (auto kind = reader_.required_string(body, p, "kind")) {
      const auto& kinds = carrier_event_kinds();
      if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end()) {
        reader_.error("UNKNOWN_CARRIER_EVENT", p + "/kind",
                      "unknown carrier event " + quote_name(*kind) +
                          "; expected picked_up, in_transit, delivered, exception or returned");
      }
      trigger.kind = *kind;
    }
    if (auto field = reader_.required_string(body, p, "tracking_field")) {
      const auto* def = wf_.field(*field);
      if (!def) {
        reader_.error("UNKNOWN_FIELD", p + "/tracking_field",
                      "unknown field " + quote_name(*field) + "; declare it under 'fields'");
      } else if (def->type != FieldType::kString) {
        reader_.error("BAD_VALUE", p + "/tracking_field",
                      "tracking field " + quote_name(*field) + " is a " +
                          field_type_name(def->type) + " field; a tracking number is a string");
      }
      trigger.tracking_field = *field;
    }
    if (!t.role_allowed(Role::kIntegration)) {
      reader_.error("CARRIER_CANNOT_FIRE", p,
                    "a carrier event fires transition " + quote_name(t.name) +
                        " as the reporting integration, which its roles do not allow; add "
                        "\"integration\" to its roles");
    }
    return trigger;
  }

  void check_state_ref(const std::string& name, const std::string& pointer) {
    if (!wf_.state(name)) {
      reader_.error("UNKNOWN_STATE", pointer, "unknown state " + quote_name(name));
    }
  }

  std::optional<Action> parse_action(const nlohmann::json& body, const std::string& p) {
    if (!body.is_object() || body.size() != 1) {
      reader_.error("BAD_ACTION", p,
                    "an action is an object with exactly one key: set, assign, start_timer, "
                    "cancel_timer, record_promise, emit, request_approval, escalate, "
                    "schedule_follow_up or complete_sla");
      return std::nullopt;
    }
    // Copy the key: items() hands out a temporary proxy whose key() must not outlive it.
    const std::string key = body.begin().key();
    const nlohmann::json& arg = body.begin().value();
    const std::string ap = p + "/" + pointer_token(key);
    Action a;
    if (key == "set") {
      a.kind = Action::Kind::kSet;
      if (!reader_.expect_object(arg, ap, "'set'")) return std::nullopt;
      reader_.check_keys(arg, ap, {"field", "value"});
      a.field = reader_.required_string(arg, ap, "field").value_or("");
      const auto* f = wf_.field(a.field);
      if (!a.field.empty() && !f) {
        reader_.error("UNKNOWN_FIELD", ap + "/field", "unknown field " + quote_name(a.field));
        return std::nullopt;
      }
      if (!arg.contains("value")) {
        reader_.error("MISSING_KEY", ap + "/value", "'set' needs a 'value'");
        return std::nullopt;
      }
      if (!f) return std::nullopt;
      auto v = canonical_field_value(*f, arg["value"]);
      if (!v.ok()) {
        reader_.error("BAD_VALUE", ap + "/value", v.error().message);
        return std::nullopt;
      }
      a.value = v.value();
    } else if (key == "assign") {
      a.kind = Action::Kind::kAssign;
      if (!reader_.expect_object(arg, ap, "'assign'")) return std::nullopt;
      reader_.check_keys(arg, ap, {"team", "role"});
      a.team = reader_.optional_string(arg, ap, "team");
      if (a.team) reader_.check_name(*a.team, ap + "/team", "team");
      if (const auto r = reader_.optional_string(arg, ap, "role")) {
        a.role = parse_role(*r);
        if (!a.role || !ladder_rank(*a.role)) {
          reader_.error(
              "UNKNOWN_ROLE", ap + "/role",
              "assign role must be agent, team_lead, supervisor or manager, not " + quote_name(*r));
        }
      }
      if (!a.team && !a.role) {
        reader_.error("BAD_ACTION", ap, "'assign' needs a 'team' or a 'role'");
      }
    } else if (key == "start_timer" || key == "cancel_timer") {
      a.kind = key == "start_timer" ? Action::Kind::kStartTimer : Action::Kind::kCancelTimer;
      if (!arg.is_string()) {
        reader_.error("BAD_TYPE", ap, quote_name(key) + " takes a timer name");
        return std::nullopt;
      }
      a.timer = arg.get<std::string>();
      pending_timer_refs_.emplace_back(a.timer, ap);
    } else if (key == "record_promise") {
      a.kind = Action::Kind::kRecordPromise;
      if (!reader_.expect_object(arg, ap, "'record_promise'")) return std::nullopt;
      reader_.check_keys(arg, ap, {"due_field", "text_field"});
      a.due_field = reader_.required_string(arg, ap, "due_field").value_or("");
      a.text_field = reader_.optional_string(arg, ap, "text_field").value_or("");
      if (const auto* f = wf_.field(a.due_field); !a.due_field.empty()) {
        if (!f) {
          reader_.error("UNKNOWN_FIELD", ap + "/due_field",
                        "unknown field " + quote_name(a.due_field));
        } else if (f->type != FieldType::kDatetime) {
          reader_.error("FIELD_TYPE_MISMATCH", ap + "/due_field",
                        "promise due field " + quote_name(a.due_field) +
                            " must be a datetime, not " + field_type_name(f->type));
        }
      }
      if (!a.text_field.empty() && !wf_.field(a.text_field)) {
        reader_.error("UNKNOWN_FIELD", ap + "/text_field",
                      "unknown field " + quote_name(a.text_field));
      }
    } else if (key == "emit") {
      a.kind = Action::Kind::kEmit;
      if (!arg.is_string() || !is_event_name(arg.get<std::string>())) {
        reader_.error("BAD_VALUE", ap,
                      "'emit' takes an event name of dot-separated lower-case words, e.g. "
                      "'case.refund_requested'");
        return std::nullopt;
      }
      a.event = arg.get<std::string>();
    } else if (key == "request_approval") {
      a.kind = Action::Kind::kRequestApproval;
      if (!reader_.expect_object(arg, ap, "'request_approval'")) return std::nullopt;
      reader_.check_keys(arg, ap, {"role", "on_approved", "on_rejected", "reason"});
      if (const auto r = reader_.required_string(arg, ap, "role")) {
        a.role = parse_role(*r);
        if (!a.role || !ladder_rank(*a.role)) {
          reader_.error("UNKNOWN_ROLE", ap + "/role",
                        "approver role must be agent, team_lead, supervisor or manager, not " +
                            quote_name(*r));
        }
      }
      a.on_approved = reader_.required_string(arg, ap, "on_approved").value_or("");
      a.on_rejected = reader_.optional_string(arg, ap, "on_rejected").value_or("");
      if (auto reason = read_label(reader_, arg, ap, "reason", "an approval request's reason")) {
        a.reason = reason->english();
      }
      if (!a.on_approved.empty()) {
        pending_transition_refs_.push_back({a.on_approved, ap + "/on_approved", false});
      }
      if (!a.on_rejected.empty()) {
        pending_transition_refs_.push_back({a.on_rejected, ap + "/on_rejected", false});
      }
    } else if (key == "escalate") {
      a.kind = Action::Kind::kEscalate;
      if (!reader_.expect_object(arg, ap, "'escalate'")) return std::nullopt;
      reader_.check_keys(arg, ap, {"to", "reason"});
      if (const auto r = reader_.required_string(arg, ap, "to")) {
        a.role = parse_role(*r);
        if (!a.role || !ladder_rank(*a.role)) {
          reader_.error(
              "UNKNOWN_ROLE", ap + "/to",
              "escalation level must be team_lead, supervisor or manager, not " + quote_name(*r));
        }
      }
      if (auto reason = read_label(reader_, arg, ap, "reason", "an escalation's reason")) {
        a.reason = reason->english();
      } else if (!arg.contains("reason")) {
        reader_.error("MISSING_KEY", ap + "/reason", "missing required key 'reason'");
      }
    } else if (key == "schedule_follow_up") {
      a.kind = Action::Kind::kScheduleFollowUp;
      if (!reader_.expect_object(arg, ap, "'schedule_follow_up'")) return std::nullopt;
      reader_.check_keys(arg, ap, {"after", "window"});
      if (auto d = parse_duration_member(arg, ap, "after", reader_, true)) {
        if (d->is_cutoff()) {
          reader_.error("BAD_DURATION", ap + "/after",
                        cutoff_refusal(*d, "'after' of 'schedule_follow_up'"));
        } else {
          a.after = *d;
        }
      }
      a.window_calendar = reader_.optional_string(arg, ap, "window").value_or("");
      if (!a.window_calendar.empty()) {
        wf_.calendar_references.emplace_back(a.window_calendar, ap + "/window");
      }
    } else if (key == "complete_sla") {
      a.kind = Action::Kind::kCompleteSla;
      if (!arg.is_string() || (arg != "first_response" && arg != "stage" && arg != "resolution")) {
        reader_.error("BAD_VALUE", ap, "'complete_sla' takes first_response, stage or resolution");
        return std::nullopt;
      }
      a.sla_clock = arg.get<std::string>();
    } else {
      reader_.error("BAD_ACTION", ap,
                    "unknown action " + quote_name(key) +
                        "; expected set, assign, start_timer, cancel_timer, record_promise, emit, "
                        "request_approval, escalate, schedule_follow_up or complete_sla");
      return std::nullopt;
    }
    return a;
  }

  void parse_transitions() {
    for_each_named(
        def_json_, "transitions", "", reader_, true,
        [&](const std::string& name, const nlohmann::json& body, const std::string& p) {
          reader_.check_keys(
              body, p,
              {"name", "title", "from", "to", "roles", "requires", "accepts", "conditions",
               "actions", "blocked_by_pending_approval", "on_carrier_event", "reopen"});
          TransitionDef t;
          t.name = name;
          t.title =
              read_label(reader_, body, p, "title", "the title of transition " + quote_name(name))
                  .value_or(LocalizedText::english(name));
          if (!body.contains("from")) {
            reader_.error("MISSING_KEY", p + "/from", "missing required key 'from'");
          } else if (body["from"].is_string()) {
            t.from.push_back(body["from"].get<std::string>());
          } else if (auto from = reader_.optional_string_array(body, p, "from")) {
            t.from = *from;
            if (from->empty())
              reader_.error("BAD_VALUE", p + "/from", "'from' must name at least one state");
          }
          if (body.contains("reopen")) t.reopen = parse_reopen(body["reopen"], p + "/reopen");
          for (size_t i = 0; i < t.from.size(); ++i) {
            const std::string fp =
                body["from"].is_string() ? p + "/from" : p + "/from/" + std::to_string(i);
            if (t.from[i] == "*") {
              if (body.contains("reopen")) {
                reader_.error("REOPEN_FROM_NOT_FINAL", fp,
                              "reopen " + quote_name(name) +
                                  " may not leave '*' (every non-final state); name the final "
                                  "states it reopens");
              }
              continue;
            }
            check_state_ref(t.from[i], fp);
            const auto* s = wf_.state(t.from[i]);
            if (s && s->final && !body.contains("reopen")) {
              reader_.error("FINAL_STATE_HAS_EXIT", fp,
                            "transition " + quote_name(name) + " leaves final state " +
                                quote_name(t.from[i]) +
                                "; final states have no way out but a declared reopen (\"reopen\": "
                                "{\"within\": \"15d calendar\"})");
            } else if (s && !s->final && body.contains("reopen")) {
              reader_.error("REOPEN_FROM_NOT_FINAL", fp,
                            "reopen " + quote_name(name) + " leaves " + quote_name(t.from[i]) +
                                ", which is not final; a reopen only leaves final states");
            }
          }
          if (const auto to = reader_.required_string(body, p, "to")) {
            t.to = *to;
            check_state_ref(t.to, p + "/to");
            if (const auto* s = wf_.state(t.to); s && s->final && body.contains("reopen")) {
              reader_.error("REOPEN_TO_FINAL", p + "/to",
                            "reopen " + quote_name(name) + " leads to final state " +
                                quote_name(t.to) + "; a reopened case must be open again");
            }
          }
          t.roles = parse_roles(body, p, "roles", reader_, true);
          warn_roles_the_table_refuses(body, p, CommandKind::kFireTransition);
          if (body.contains("roles") && body["roles"].is_array() && body["roles"].empty()) {
            reader_.error("BAD_VALUE", p + "/roles",
                          "transition " + quote_name(name) + " allows no role");
          }
          t.requires_fields = reader_.optional_string_array(body, p, "requires")
                                  .value_or(std::vector<std::string>{});
          t.accepts_fields = reader_.optional_string_array(body, p, "accepts")
                                 .value_or(std::vector<std::string>{});
          check_field_names(t.requires_fields, p + "/requires");
          check_field_names(t.accepts_fields, p + "/accepts");
          if (t.reopen) check_reopen_reason(*t.reopen, t.requires_fields, p + "/reopen/reason");
          t.blocked_by_pending_approval =
              reader_.optional_bool(body, p, "blocked_by_pending_approval").value_or(false);
          if (body.contains("on_carrier_event")) {
            t.on_carrier_event =
                parse_carrier_trigger(body["on_carrier_event"], p + "/on_carrier_event", t);
          }
          if (body.contains("conditions") &&
              reader_.expect_array(body["conditions"], p + "/conditions", "'conditions'")) {
            for (size_t i = 0; i < body["conditions"].size(); ++i) {
              auto c = parse_condition(
                  body["conditions"][i], p + "/conditions/" + std::to_string(i), reader_,
                  [this](const std::string& path) { return resolve_operand(path); });
              if (c) t.conditions.push_back(std::move(*c));
            }
          }
          if (body.contains("actions") &&
              reader_.expect_array(body["actions"], p + "/actions", "'actions'")) {
            for (size_t i = 0; i < body["actions"].size(); ++i) {
              if (auto a = parse_action(body["actions"][i], p + "/actions/" + std::to_string(i))) {
                t.actions.push_back(std::move(*a));
              }
            }
          }
          wf_.transitions.push_back(std::move(t));
        });
    // References collected while parsing states, timers and actions.
    for (const auto& [name, pointer] : pending_timer_refs_) {
      if (!wf_.timer(name)) {
        reader_.error("UNKNOWN_TIMER", pointer,
                      "unknown timer " + quote_name(name) + "; declare it under 'timers'");
      }
    }
    for (const auto& ref : pending_transition_refs_) {
      const auto* t = wf_.transition(ref.name);
      if (!t) {
        reader_.error("UNKNOWN_TRANSITION", ref.pointer,
                      "unknown transition " + quote_name(ref.name));
      } else if (ref.fired_by_system && !t->role_allowed(Role::kSystem)) {
        reader_.error("TIMER_CANNOT_FIRE", ref.pointer,
                      "timer fires transition " + quote_name(ref.name) +
                          ", which does not allow role 'system'; add \"system\" to its roles");
      }
    }
  }

  // {"within": "15d calendar", "reason": "reopen_reason"}; both optional.
  std::optional<ReopenSpec> parse_reopen(const nlohmann::json& body, const std::string& p) {
    if (!reader_.expect_object(body, p, "'reopen'")) return std::nullopt;
    reader_.check_keys(body, p, {"within", "reason"});
    ReopenSpec spec;
    if (auto within = parse_duration_member(body, p, "within", reader_, false)) {
      if (within->is_cutoff()) {
        reader_.error("BAD_REOPEN_WINDOW", p + "/within",
                      cutoff_refusal(*within, "'within' of 'reopen'"));
      } else if (within->count <= 0) {
        reader_.error("BAD_REOPEN_WINDOW", p + "/within",
                      "a reopen window must be longer than nothing, e.g. \"15d calendar\"");
      } else {
        spec.within = *within;
      }
    }
    spec.reason_field = reader_.optional_string(body, p, "reason").value_or("");
    return spec;
  }

  // The reason of a reopen is journaled with it, so the field must be one the transition
  // requires, holding words.
  void check_reopen_reason(const ReopenSpec& spec, const std::vector<std::string>& requires_fields,
                           const std::string& pointer) {
    if (spec.reason_field.empty()) return;
    const auto* f = wf_.field(spec.reason_field);
    if (!f) {
      reader_.error("UNKNOWN_FIELD", pointer, "unknown field " + quote_name(spec.reason_field));
    } else if (f->type != FieldType::kText && f->type != FieldType::kString) {
      reader_.error("FIELD_TYPE_MISMATCH", pointer,
                    "reopen reason field " + quote_name(spec.reason_field) +
                        " must be text or string, not " + field_type_name(f->type));
    } else if (std::find(requires_fields.begin(), requires_fields.end(), spec.reason_field) ==
               requires_fields.end()) {
      reader_.error("REOPEN_REASON_NOT_REQUIRED", pointer,
                    "reopen reason field " + quote_name(spec.reason_field) +
                        " must be listed in the transition's 'requires'");
    }
  }

  void parse_create() {
    if (!def_json_.contains("create")) {
      // Default: people on the ladder and integrations may open cases with no required data.
      wf_.create.roles = {Role::kAgent, Role::kTeamLead, Role::kSupervisor, Role::kManager,
                          Role::kIntegration};
      return;
    }
    const auto& c = def_json_["create"];
    if (!reader_.expect_object(c, "/create", "'create'")) return;
    reader_.check_keys(c, "/create", {"roles", "requires", "accepts", "emit"});
    wf_.create.roles = parse_roles(c, "/create", "roles", reader_, true);
    warn_roles_the_table_refuses(c, "/create", CommandKind::kCreate);
    wf_.create.requires_fields = reader_.optional_string_array(c, "/create", "requires")
                                     .value_or(std::vector<std::string>{});
    wf_.create.accepts_fields =
        reader_.optional_string_array(c, "/create", "accepts").value_or(std::vector<std::string>{});
    check_field_names(wf_.create.requires_fields, "/create/requires");
    check_field_names(wf_.create.accepts_fields, "/create/accepts");
    wf_.create.emit = reader_.optional_string(c, "/create", "emit").value_or("");
    if (!wf_.create.emit.empty() && !is_event_name(wf_.create.emit)) {
      reader_.error("BAD_VALUE", "/create/emit",
                    "event name " + quote_name(wf_.create.emit) +
                        " must be dot-separated lower-case words, e.g. 'invoice.requested'");
    }
  }

  void check_initial_state() {
    if (!def_json_.contains("initial_state")) {
      reader_.error("MISSING_INITIAL", "/initial_state",
                    "missing 'initial_state': name the state new cases start in");
      return;
    }
    const auto initial = reader_.optional_string(def_json_, "", "initial_state");
    if (!initial) return;
    wf_.initial_state = *initial;
    if (const auto* s = wf_.state(*initial)) {
      if (s->final) {
        reader_.error("BAD_VALUE", "/initial_state",
                      "initial state " + quote_name(*initial) + " must not be final");
      }
    } else {
      reader_.error("UNKNOWN_STATE", "/initial_state",
                    "initial state " + quote_name(*initial) + " is not a state");
    }
  }

  void check_graph() {
    // Reachability from the initial state; "*" transitions leave every non-final state.
    const bool has_initial = wf_.state(wf_.initial_state) != nullptr;
    std::set<std::string> reached;
    if (has_initial) {
      reached.insert(wf_.initial_state);
      std::deque<std::string> queue{wf_.initial_state};
      while (!queue.empty()) {
        const auto current = queue.front();
        queue.pop_front();
        const auto* cs = wf_.state(current);
        for (const auto& t : wf_.transitions) {
          if (!t.allowed_from(current, cs && cs->final)) continue;
          if (wf_.state(t.to) && reached.insert(t.to).second) queue.push_back(t.to);
        }
      }
    }
    for (const auto& s : wf_.states) {
      const std::string p = "/states/" + std::to_string(index_of_state_json(s.name));
      if (has_initial && !reached.count(s.name)) {
        reader_.error("UNREACHABLE_STATE", p,
                      "state " + quote_name(s.name) + " cannot be reached from the initial state " +
                          quote_name(wf_.initial_state));
      }
      if (!s.final) {
        const bool has_exit =
            std::any_of(wf_.transitions.begin(), wf_.transitions.end(),
                        [&](const TransitionDef& t) { return t.allowed_from(s.name, false); });
        if (!has_exit) {
          reader_.error("DEAD_END", p,
                        "non-final state " + quote_name(s.name) +
                            " has no transition out; add one or mark it final");
        }
      }
    }
  }

  size_t index_of_state_json(const std::string& name) const {
    const auto& arr = def_json_["states"];
    for (size_t i = 0; i < arr.size(); ++i) {
      if (arr[i].is_object() && arr[i].contains("name") && arr[i]["name"] == name) return i;
    }
    return 0;
  }

  struct TransitionRef {
    std::string name;
    std::string pointer;
    bool fired_by_system;
  };

  const nlohmann::json& def_json_;
  JsonReader& reader_;
  WorkflowDefinition wf_;
  std::vector<std::pair<std::string, std::string>> pending_timer_refs_;
  std::vector<TransitionRef> pending_transition_refs_;
};

}  // namespace

std::optional<WorkflowDefinition> WorkflowDefinition::parse(const nlohmann::json& definition,
                                                            JsonReader& reader,
                                                            WorkflowDefinition* partial) {
  return WorkflowParser(definition, reader).run(partial);
}

}  // namespace redress
