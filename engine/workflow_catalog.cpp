#include "engine/workflow_catalog.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/json_text.h"

namespace redress {

const char* policy_kind_name(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kCalendar:
      return "calendar";
    case PolicyKind::kSla:
      return "sla";
    case PolicyKind::kEscalation:
      return "escalation";
    case PolicyKind::kCompensation:
      return "compensation";
    case PolicyKind::kFollowUp:
      return "follow_up";
  }
  return "unknown";
}

std::optional<PolicyKind> parse_policy_kind(std::string_view name) {
  for (const auto kind : kPolicyKinds) {
    if (name == policy_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

// A customer segment or membership tier that a rule or condition names, and where: checked
// against the RFM and membership policies once every file is read. Outside the anonymous
// namespace because CatalogBuilder (a friend of WorkflowCatalog, so not in it either) holds a
// list of them.
struct CustomerNameUse {
  bool tier = false;  // a membership tier; otherwise an RFM segment
  std::string name;
  std::string file;
  std::string pointer;
};

namespace {

// The walkers below read documents that may be broken (a workflow that failed to parse is still
// cross-checked), so they take only what has the expected shape and skip the rest, which the
// document's own parser reports.
void add_name_uses(const nlohmann::json& list, const std::string& pointer, bool tier,
                   const std::string& file, std::vector<CustomerNameUse>& uses) {
  if (!list.is_array()) return;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_string()) {
      uses.push_back({tier, list[i].get<std::string>(), file, pointer + "/" + std::to_string(i)});
    }
  }
}

const nlohmann::json& member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// customer_segment and customer_tier triggers of an escalation policy.
void escalation_name_uses(const nlohmann::json& doc, const std::string& file,
                          std::vector<CustomerNameUse>& uses) {
  const auto& rules = member(doc, "rules");
  if (!rules.is_array()) return;
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& trigger = member(rules[i], "trigger");
    const auto& type = member(trigger, "type");
    const std::string p = "/rules/" + std::to_string(i) + "/trigger";
    if (type == "customer_segment") {
      add_name_uses(member(trigger, "segments"), p + "/segments", false, file, uses);
    } else if (type == "customer_tier") {
      add_name_uses(member(trigger, "tiers"), p + "/tiers", true, file, uses);
    }
  }
}

// The `when.segment` lists of a compensation policy's suggestions.
void compensation_name_uses(const nlohmann::json& doc, const std::string& file,
                            std::vector<CustomerNameUse>& uses) {
  const auto& suggestions = member(doc, "suggestions");
  if (!suggestions.is_array()) return;
  for (size_t i = 0; i < suggestions.size(); ++i) {
    add_name_uses(member(member(suggestions[i], "when"), "segment"),
                  "/suggestions/" + std::to_string(i) + "/when/segment", false, file, uses);
  }
}

// Conditions (engine/condition.h) comparing customer.segment or customer.tier with a name:
// eq / ne with a "value", in with "values", at any depth of and / or / not.
void condition_name_uses(const nlohmann::json& condition, const std::string& pointer, int depth,
                         const std::string& file, std::vector<CustomerNameUse>& uses) {
  constexpr int kMaxDepth = 32;  // deeper than the condition parser accepts
  if (!condition.is_object() || condition.size() != 1 || depth > kMaxDepth) return;
  const std::string op = condition.begin().key();
  const auto& body = condition.begin().value();
  const std::string p = pointer + "/" + pointer_token(op);
  if (op == "and" || op == "or") {
    if (!body.is_array()) return;
    for (size_t i = 0; i < body.size(); ++i) {
      condition_name_uses(body[i], p + "/" + std::to_string(i), depth + 1, file, uses);
    }
  } else if (op == "not") {
    condition_name_uses(body, p, depth + 1, file, uses);
  } else {
    const auto& field = member(body, "field");
    if (field != "customer.segment" && field != "customer.tier") return;
    const bool tier = field == "customer.tier";
    if (const auto& value = member(body, "value"); value.is_string()) {
      uses.push_back({tier, value.get<std::string>(), file, p + "/value"});
    }
    add_name_uses(member(body, "values"), p + "/values", tier, file, uses);
  }
}

void workflow_name_uses(const nlohmann::json& source, const std::string& file,
                        std::vector<CustomerNameUse>& uses) {
  const auto& transitions = member(source, "transitions");
  if (!transitions.is_array()) return;
  for (size_t i = 0; i < transitions.size(); ++i) {
    const auto& conditions = member(transitions[i], "conditions");
    if (!conditions.is_array()) continue;
    for (size_t j = 0; j < conditions.size(); ++j) {
      condition_name_uses(conditions[j],
                          "/transitions/" + std::to_string(i) + "/conditions/" + std::to_string(j),
                          0, file, uses);
    }
  }
}

// A decimal rate's value as text without insignificant zeros ("7.10" and "7.1" are one rate).
std::string normalized_rate(std::string text) {
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

}  // namespace

class CatalogBuilder {
 public:
  explicit CatalogBuilder(Problems& problems) : problems_(problems) {}

  void add(const DefinitionSource& source) {
    const size_t before = problems_.size();
    add_document(source);
    for (size_t i = before; i < problems_.size(); ++i) problems_[i].file = source.name;
  }

  void cross_check() {
    auto check = [&](bool found, const std::string& code, const std::string& file,
                     const std::string& pointer, const std::string& message) {
      if (!found) problems_.push_back({Severity::kError, code, pointer, message, file});
    };
    std::vector<std::pair<std::string, const WorkflowDefinition*>> all;
    for (const auto& [key, wf] : catalog_->workflows_)
      all.emplace_back(workflow_files_[key], wf.get());
    for (const auto& [file, wf] : broken_workflows_) all.emplace_back(file, &wf);
    for (const auto& [file, wf] : all) {
      for (const auto& [cal, pointer] : wf->calendar_references) {
        check(catalog_->calendars_.count(cal), "UNKNOWN_CALENDAR", file, pointer,
              "unknown calendar " + quote_name(cal) +
                  "; calendars defined: " + names(catalog_->calendars_));
      }
      check(wf->policies.sla.empty() || catalog_->sla_policies_.count(wf->policies.sla),
            "UNKNOWN_POLICY", file, "/policies/sla",
            "unknown SLA policy " + quote_name(wf->policies.sla) +
                "; defined: " + names(catalog_->sla_policies_));
      check(wf->policies.escalation.empty() ||
                catalog_->escalation_policies_.count(wf->policies.escalation),
            "UNKNOWN_POLICY", file, "/policies/escalation",
            "unknown escalation policy " + quote_name(wf->policies.escalation) +
                "; defined: " + names(catalog_->escalation_policies_));
      check(wf->policies.compensation.empty() ||
                catalog_->compensation_policies_.count(wf->policies.compensation),
            "UNKNOWN_POLICY", file, "/policies/compensation",
            "unknown compensation policy " + quote_name(wf->policies.compensation) +
                "; defined: " + names(catalog_->compensation_policies_));
      check(wf->policies.follow_up.empty() ||
                catalog_->follow_up_policies_.count(wf->policies.follow_up),
            "UNKNOWN_POLICY", file, "/policies/follow_up",
            "unknown follow-up policy " + quote_name(wf->policies.follow_up) +
                "; defined: " + names(catalog_->follow_up_policies_));
      // A recorded follow-up attempt fires these by name: a workflow that records attempts
      // must have each, from a state of the follow_up stage.
      if (!wf->policies.follow_up.empty()) {
        for (const char* name : kFollowUpTransitions) {
          const auto* t = wf->transition(name);
          bool from_follow_up = false;
          if (t) {
            for (const auto& s : wf->states) {
              if (s.stage == Stage::kFollowUp && t->allowed_from(s.name, s.final)) {
                from_follow_up = true;
              }
            }
          }
          check(from_follow_up, "MISSING_TRANSITION", file, "/policies/follow_up",
                std::string("a workflow with a follow-up policy needs the transition '") + name +
                    "' from a state of the follow_up stage (a recorded attempt fires it)");
        }
      }
    }
    for (const auto& [id, policy] : catalog_->follow_up_policies_) {
      for (const auto& [key, cal] :
           {std::pair<std::string, std::string>{"call_windows", policy.call_windows},
            {"chat_hours", policy.chat_hours}}) {
        check(catalog_->calendars_.count(cal), "UNKNOWN_CALENDAR", follow_up_files_[id], "/" + key,
              "follow-up policy " + quote_name(id) + " uses unknown calendar " + quote_name(cal) +
                  "; calendars defined: " + names(catalog_->calendars_));
      }
    }
    for (const auto& [id, sla] : catalog_->sla_policies_) {
      check(catalog_->calendars_.count(sla.calendar), "UNKNOWN_CALENDAR", sla_files_[id],
            "/calendar",
            "SLA policy " + quote_name(id) + " uses unknown calendar " + quote_name(sla.calendar));
    }
    for (const auto& [file, wf] : all) workflow_name_uses(wf->source, file, customer_name_uses_);
    check_customer_names();
    compare_customer_policy_rates();
    check_assignment_categories(all);
  }

  std::shared_ptr<WorkflowCatalog> take() { return std::move(catalog_); }
  WorkflowCatalog& catalog() { return *catalog_; }

 private:
  template <typename Map>
  static std::string names(const Map& map) {
    std::vector<std::string> out;
    for (const auto& [k, _] : map) out.push_back(k);
    return out.empty() ? "(none)" : join(out);
  }

  void error(const std::string& code, const std::string& pointer, const std::string& message) {
    problems_.push_back({Severity::kError, code, pointer, message, {}});
  }

  // Every segment and tier name used by the other files against the customer policies loaded.
  void check_customer_names() {
    const RfmPolicy* rfm = catalog_->rfm_policy();
    const MembershipPolicy* membership = catalog_->membership_policy();
    for (const auto& use : customer_name_uses_) {
      if (use.tier && membership && !membership->level(use.name)) {
        std::vector<std::string> known;
        for (const auto& level : membership->levels()) known.push_back(level.id);
        problems_.push_back({Severity::kError, "UNKNOWN_TIER", use.pointer,
                             "unknown membership tier " + quote_name(use.name) +
                                 "; the membership policy (" + membership_file_ +
                                 ") has the levels " + join(known),
                             use.file});
      } else if (!use.tier && rfm && !rfm->segment(use.name)) {
        std::vector<std::string> known;
        for (const auto& segment : rfm->segments()) known.push_back(segment.name);
        problems_.push_back({Severity::kError, "UNKNOWN_SEGMENT", use.pointer,
                             "unknown customer segment " + quote_name(use.name) +
                                 "; the RFM policy (" + rfm_file_ + ") has the segments " +
                                 join(known),
                             use.file});
      }
    }
  }

  // A category -> skill entry of the assignment policy for a category no workflow has would never
  // apply: most likely a typo. A warning, since a workflow may add the category later.
  template <typename Workflows>
  void check_assignment_categories(const Workflows& all) {
    const AssignmentPolicy* policy = catalog_->assignment_policy();
    if (!policy) return;
    std::set<std::string> categories;
    for (const auto& [file, wf] : all) {
      for (const auto& field : wf->fields) {
        if (field.name == "category") categories.insert(field.values.begin(), field.values.end());
      }
    }
    if (categories.empty()) return;  // validating the policy alone, without the workflows
    const auto check_rule = [&](const AssignmentRule& rule, const std::string& pointer) {
      for (const auto& [category, skill] : rule.category_skills) {
        if (categories.count(category)) continue;
        problems_.push_back({Severity::kWarning, "UNKNOWN_CATEGORY",
                             pointer + "/category_skills/" + category,
                             "no workflow has category " + quote_name(category) +
                                 "; the categories are " + join(categories),
                             assignment_file_});
      }
    };
    check_rule(policy->default_rule(), "/default");
    for (const auto& [team, rule] : policy->team_rules()) check_rule(rule, "/teams/" + team);
  }

  // Each customer policy converts with its own rates; two that disagree would value the same
  // order differently for a level and for a segment. A warning: the shop may mean it.
  void compare_customer_policy_rates() {
    const RfmPolicy* rfm = catalog_->rfm_policy();
    const MembershipPolicy* membership = catalog_->membership_policy();
    if (!rfm || !membership) return;
    const auto warn = [&](const std::string& pointer, const std::string& message) {
      problems_.push_back({Severity::kWarning, "RATES_DIFFER", pointer, message, membership_file_});
    };
    if (membership->base_currency() != rfm->base_currency()) {
      warn("/base_currency", "the membership policy counts spend in " +
                                 membership->base_currency() + " but the RFM policy (" + rfm_file_ +
                                 ") in " + rfm->base_currency());
      return;
    }
    const auto ours = membership->currency_rates().rate_texts();
    const auto theirs = rfm->currency_rates().rate_texts();
    for (const auto& [code, rate] : ours) {
      const auto other = theirs.find(code);
      if (other == theirs.end()) {
        warn("/currency_rates/" + code,
             code + " has a rate here but none in the RFM policy (" + rfm_file_ + ")");
      } else if (normalized_rate(rate) != normalized_rate(other->second)) {
        warn("/currency_rates/" + code, code + " converts at " + rate + " here but at " +
                                            other->second + " in the RFM policy (" + rfm_file_ +
                                            ")");
      }
    }
    for (const auto& [code, rate] : theirs) {
      if (!ours.count(code)) {
        warn("/currency_rates",
             code + " has a rate in the RFM policy (" + rfm_file_ + ") but none here");
      }
    }
  }

  // At most one policy of a shop-wide kind: a second one names the file of the first.
  template <typename Policy>
  void add_only_policy(std::optional<Policy> policy, std::optional<Policy>& slot,
                       std::string& slot_file, const std::string& what, const std::string& file) {
    if (!policy) return;
    if (slot) {
      error("DUPLICATE_POLICY", "/kind",
            "a second " + what + ": " + slot_file + " already defines one, and a catalog holds " +
                "at most one");
      return;
    }
    slot = std::move(policy);
    slot_file = file;
  }

  void add_document(const DefinitionSource& source) {
    if (source.text.size() > kMaxDefinitionBytes) {
      error("FILE_TOO_LARGE", "",
            "definition is " + std::to_string(source.text.size()) + " bytes; the limit is " +
                std::to_string(kMaxDefinitionBytes));
      return;
    }
    auto parsed = parse_json_text(source.text);
    if (auto* bad = std::get_if<JsonTextError>(&parsed)) {
      std::string where;
      if (bad->byte_offset) {
        // Report the byte offset as line:column, which editors understand.
        size_t line = 1, column = 1;
        for (size_t i = 0; i < *bad->byte_offset && i < source.text.size(); ++i) {
          if (source.text[i] == '\n') {
            ++line;
            column = 1;
          } else {
            ++column;
          }
        }
        where = " at line " + std::to_string(line) + ", column " + std::to_string(column);
      }
      error("BAD_JSON", "", "cannot be read as JSON" + where + ": " + bad->reason);
      return;
    }
    const nlohmann::json& doc = std::get<nlohmann::json>(parsed);
    JsonReader reader(problems_);
    if (!reader.expect_object(doc, "", "a definition file")) return;
    const auto kind = reader.required_string(doc, "", "kind");
    if (!kind) return;
    if (*kind == "workflow") {
      WorkflowDefinition partial;
      auto wf = WorkflowDefinition::parse(doc, reader, &partial);
      if (!wf) {
        broken_workflows_.push_back({source.name, std::move(partial)});
        return;
      }
      const auto key = std::make_pair(wf->id, wf->version);
      if (catalog_->workflows_.count(key)) {
        error("DUPLICATE_VERSION", "/version",
              "workflow " + quote_name(wf->id) + " version " + std::to_string(wf->version) +
                  " is also defined in " + workflow_files_[key]);
        return;
      }
      workflow_files_[key] = source.name;
      catalog_->workflows_[key] = std::make_shared<const WorkflowDefinition>(std::move(*wf));
    } else if (*kind == "calendars") {
      reader.check_keys(doc, "", {"kind", "title", "description", "calendars"});
      if (!doc.contains("calendars")) {
        error("MISSING_KEY", "/calendars", "missing required key 'calendars'");
        return;
      }
      if (!reader.expect_array(doc["calendars"], "/calendars", "'calendars'")) return;
      for (size_t i = 0; i < doc["calendars"].size(); ++i) {
        const std::string p = "/calendars/" + std::to_string(i);
        auto cal = BusinessCalendar::parse(doc["calendars"][i], p, problems_);
        if (!cal) continue;
        if (catalog_->calendars_.count(cal->id())) {
          error("DUPLICATE_NAME", p + "/id",
                "calendar " + quote_name(cal->id()) + " is defined twice");
          continue;
        }
        catalog_->policy_documents_[{PolicyKind::kCalendar, cal->id()}] = doc["calendars"][i];
        catalog_->calendars_.emplace(cal->id(), std::move(*cal));
      }
    } else if (*kind == "sla_policy") {
      auto sla = SlaPolicy::parse(doc, "", reader);
      if (!sla) return;
      if (catalog_->sla_policies_.count(sla->id)) {
        error("DUPLICATE_NAME", "/id", "SLA policy " + quote_name(sla->id) + " is defined twice");
        return;
      }
      sla_files_[sla->id] = source.name;
      catalog_->policy_documents_[{PolicyKind::kSla, sla->id}] = doc;
      catalog_->sla_policies_.emplace(sla->id, std::move(*sla));
    } else if (*kind == "escalation_policy" || *kind == "compensation_policy") {
      const auto id = reader.required_string(doc, "", "id");
      if (!id) return;
      if (!reader.check_name(*id, "/id", "policy id")) return;
      if (*kind == "escalation_policy") {
        auto policy = EscalationPolicy::parse(doc, "", problems_);
        if (!policy) return;
        if (!catalog_->escalation_policies_.emplace(*id, std::move(*policy)).second) {
          error("DUPLICATE_NAME", "/id",
                "escalation policy " + quote_name(*id) + " is defined twice");
        } else {
          catalog_->policy_documents_[{PolicyKind::kEscalation, *id}] = doc;
          escalation_name_uses(doc, source.name, customer_name_uses_);
        }
      } else {
        auto policy = CompensationPolicy::parse(doc, "", problems_);
        if (!policy) return;
        if (!catalog_->compensation_policies_.emplace(*id, std::move(*policy)).second) {
          error("DUPLICATE_NAME", "/id",
                "compensation policy " + quote_name(*id) + " is defined twice");
        } else {
          catalog_->policy_documents_[{PolicyKind::kCompensation, *id}] = doc;
          compensation_name_uses(doc, source.name, customer_name_uses_);
        }
      }
    } else if (*kind == "follow_up_policy") {
      auto policy = FollowUpPolicy::parse(doc, "", reader);
      if (!policy) return;
      if (catalog_->follow_up_policies_.count(policy->id)) {
        error("DUPLICATE_NAME", "/id",
              "follow-up policy " + quote_name(policy->id) + " is defined twice");
        return;
      }
      follow_up_files_[policy->id] = source.name;
      catalog_->policy_documents_[{PolicyKind::kFollowUp, policy->id}] = doc;
      catalog_->follow_up_policies_.emplace(policy->id, std::move(*policy));
    } else if (*kind == "membership_policy") {
      add_only_policy(MembershipPolicy::parse(doc, "", problems_), catalog_->membership_policy_,
                      membership_file_, "membership policy", source.name);
    } else if (*kind == "rfm_policy") {
      add_only_policy(RfmPolicy::parse(doc, "", problems_), catalog_->rfm_policy_, rfm_file_,
                      "RFM policy", source.name);
    } else if (*kind == "assignment_policy") {
      add_only_policy(AssignmentPolicy::parse(doc, "", problems_), catalog_->assignment_policy_,
                      assignment_file_, "assignment policy", source.name);
    } else {
      error("UNKNOWN_KIND", "/kind",
            "unknown kind " + quote_name(*kind) +
                "; expected workflow, calendars, sla_policy, escalation_policy, "
                "compensation_policy, follow_up_policy, membership_policy, rfm_policy or "
                "assignment_policy");
    }
  }

  Problems& problems_;
  std::shared_ptr<WorkflowCatalog> catalog_ = std::make_shared<WorkflowCatalog>();
  std::map<std::pair<std::string, int>, std::string> workflow_files_;
  std::map<std::string, std::string> sla_files_;
  std::map<std::string, std::string> follow_up_files_;
  std::string membership_file_, rfm_file_;  // where the customer policies were loaded from
  std::string assignment_file_;
  std::vector<CustomerNameUse> customer_name_uses_;
  std::vector<std::pair<std::string, WorkflowDefinition>> broken_workflows_;
};

CatalogLoad WorkflowCatalog::load(const std::vector<DefinitionSource>& sources) {
  CatalogLoad result;
  CatalogBuilder builder(result.problems);
  for (const auto& source : sources) builder.add(source);
  builder.cross_check();
  if (!has_errors(result.problems)) result.catalog = builder.take();
  return result;
}

CatalogLoad WorkflowCatalog::load(const DefinitionFiles& files) {
  CatalogLoad result = load(files.sources);
  if (!files.problems.empty()) {
    result.problems.insert(result.problems.begin(), files.problems.begin(), files.problems.end());
    if (has_errors(files.problems)) result.catalog.reset();
  }
  return result;
}

CatalogLoad WorkflowCatalog::load_files(const std::vector<std::string>& paths) {
  return load(read_files(paths));
}

CatalogLoad WorkflowCatalog::load_directory(const std::string& directory) {
  return load(read_directory(directory));
}

DefinitionFiles WorkflowCatalog::read_files(const std::vector<std::string>& paths) {
  DefinitionFiles files;
  const auto unreadable = [&files](const std::string& path, std::string message) {
    files.problems.push_back({Severity::kError, "FILE_UNREADABLE", "", std::move(message), path});
  };
  for (const auto& path : paths) {
    // Checked before opening: opening a FIFO blocks, and reading a device never ends.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec) {
      unreadable(path, "cannot read file: " + ec.message());
      continue;
    }
    if (!std::filesystem::is_regular_file(status)) {
      unreadable(path, "cannot read file: not a regular file");
      continue;
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
      unreadable(path, "cannot read file: " + ec.message());
      continue;
    }
    if (size > kMaxDefinitionBytes) {
      files.problems.push_back({Severity::kError, "FILE_TOO_LARGE", "",
                                "definition is " + std::to_string(size) + " bytes; the limit is " +
                                    std::to_string(kMaxDefinitionBytes),
                                path});
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      unreadable(path, "cannot read file");
      continue;
    }
    files.sources.push_back({path, text.str()});
  }
  return files;
}

DefinitionFiles WorkflowCatalog::read_directory(const std::string& directory) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  if (ec) {
    DefinitionFiles files;
    files.problems.push_back({Severity::kError, "FILE_UNREADABLE", "",
                              "cannot list directory: " + ec.message(), directory});
    return files;
  }
  std::sort(paths.begin(), paths.end());  // deterministic problem order
  return read_files(paths);
}

CatalogLoad WorkflowCatalog::with_newer(const WorkflowCatalog& newer) const {
  CatalogLoad result;
  auto merged = std::make_shared<WorkflowCatalog>(newer);
  for (const auto& [key, wf] : workflows_) {
    const auto it = merged->workflows_.find(key);
    if (it == merged->workflows_.end()) {
      merged->workflows_.emplace(key, wf);
    } else if (it->second->source == wf->source) {
      it->second = wf;  // keep the instance running cases already use
    } else if (without_labels(it->second->source) != without_labels(wf->source)) {
      result.problems.push_back(
          {Severity::kError, "VERSION_CHANGED", "/version",
           "workflow " + quote_name(key.first) + " version " + std::to_string(key.second) +
               " is already loaded with different content; give the changed definition a new "
               "version number",
           ""});
    }
    // Otherwise only the words a person reads differ: newer's instance, with its words, stays.
  }
  if (!has_errors(result.problems)) result.catalog = merged;
  return result;
}

std::shared_ptr<const WorkflowDefinition> WorkflowCatalog::find(const std::string& id,
                                                                int version) const {
  const auto it = workflows_.find({id, version});
  return it == workflows_.end() ? nullptr : it->second;
}

std::shared_ptr<const WorkflowDefinition> WorkflowCatalog::latest(const std::string& id) const {
  std::shared_ptr<const WorkflowDefinition> best;
  for (const auto& [key, wf] : workflows_) {
    if (key.first == id && (!best || key.second > best->version)) best = wf;
  }
  return best;
}

std::vector<std::shared_ptr<const WorkflowDefinition>> WorkflowCatalog::workflows() const {
  std::vector<std::shared_ptr<const WorkflowDefinition>> out;
  for (const auto& [_, wf] : workflows_) out.push_back(wf);
  return out;
}

const BusinessCalendar* WorkflowCatalog::calendar(const std::string& id) const {
  const auto it = calendars_.find(id);
  return it == calendars_.end() ? nullptr : &it->second;
}
const SlaPolicy* WorkflowCatalog::sla_policy(const std::string& id) const {
  const auto it = sla_policies_.find(id);
  return it == sla_policies_.end() ? nullptr : &it->second;
}
const EscalationPolicy* WorkflowCatalog::escalation_policy(const std::string& id) const {
  const auto it = escalation_policies_.find(id);
  return it == escalation_policies_.end() ? nullptr : &it->second;
}
const FollowUpPolicy* WorkflowCatalog::follow_up_policy(const std::string& id) const {
  const auto it = follow_up_policies_.find(id);
  return it == follow_up_policies_.end() ? nullptr : &it->second;
}

const CompensationPolicy* WorkflowCatalog::compensation_policy(const std::string& id) const {
  const auto it = compensation_policies_.find(id);
  return it == compensation_policies_.end() ? nullptr : &it->second;
}

const MembershipPolicy* WorkflowCatalog::membership_policy() const {
  return membership_policy_ ? &*membership_policy_ : nullptr;
}
const RfmPolicy* WorkflowCatalog::rfm_policy() const {
  return rfm_policy_ ? &*rfm_policy_ : nullptr;
}

const AssignmentPolicy* WorkflowCatalog::assignment_policy() const {
  return assignment_policy_ ? &*assignment_policy_ : nullptr;
}

const nlohmann::json* WorkflowCatalog::policy_document(PolicyKind kind,
                                                       const std::string& id) const {
  const auto it = policy_documents_.find({kind, id});
  return it == policy_documents_.end() ? nullptr : &it->second;
}

std::vector<std::string> WorkflowCatalog::policy_ids(PolicyKind kind) const {
  std::vector<std::string> out;
  for (const auto& [key, _] : policy_documents_) {
    if (key.first == kind) out.push_back(key.second);
  }
  return out;
}

}  // namespace redress
