// WorkflowCatalog: every loaded workflow version and shared policy, validated together.
//
// Definition files are JSON objects with a "kind": "workflow", "calendars", "sla_policy",
// "escalation_policy", "compensation_policy", "follow_up_policy", "membership_policy",
// "rfm_policy" or "assignment_policy". Loading parses
// every file, checks each one and then the references between them (a workflow's calendar and
// policies must exist), and reports every problem at once, each tagged with its file. A catalog
// is built only when there is no error: a broken file never half-loads.
//
// Customer policies: a catalog holds at most one membership policy and one RFM policy
// (engine/customer_policy.h), shop-wide rather than named by workflows. When one is loaded, the
// names the other files use are checked against it: every customer segment of an escalation
// rule (customer_segment), a compensation suggestion (when.segment) or a workflow condition on
// customer.segment must be a segment of the RFM policy (UNKNOWN_SEGMENT), and every tier of an
// escalation rule (customer_tier) or a workflow condition on customer.tier a level of the
// membership policy (UNKNOWN_TIER). Without such a policy, those names are not checked.
//
// Assignment: at most one assignment policy (engine/assignment_policy.h), shop-wide like the
// customer policies. Its category names are checked against the values of the workflows'
// `category` fields (UNKNOWN_CATEGORY, a warning: the rule would never apply). Without one,
// cases opened without an assignee wait in their team's queue.
//
// Versions: a catalog holds every version of a workflow it was given. `with_newer` builds a
// catalog that keeps all versions of the current one and adds a newly loaded set, refusing a
// file that changes an already loaded (id, version) — so a case pinned to a version keeps
// exactly the rules it started with.
//
// Policies: besides the parsed policy objects, the catalog keeps each policy's definition exactly
// as parsed (policy_document), so that the API can show what was loaded without re-reading files
// that may have changed since.
//
// Thread-safety: immutable once built; share as shared_ptr<const WorkflowCatalog>.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/assignment_policy.h"
#include "engine/business_calendar.h"
#include "engine/compensation_policy.h"
#include "engine/customer_policy.h"
#include "engine/escalation_policy.h"
#include "engine/follow_up_policy.h"
#include "engine/sla_policy.h"
#include "engine/validation_problem.h"
#include "engine/workflow_definition.h"

namespace redress {

class WorkflowCatalog;

struct CatalogLoad {
  std::shared_ptr<const WorkflowCatalog> catalog;  // null when problems has an error
  Problems problems;                               // errors and warnings, each with its file
};

// One definition document: a name for messages (usually the file path) and its text.
struct DefinitionSource {
  std::string name;
  std::string text;
};

inline constexpr size_t kMaxDefinitionBytes = 4 * 1024 * 1024;

// Definition files as read from disk: the documents read, and a problem for each file that
// could not be (FILE_UNREADABLE: missing, unreadable or not a regular file; FILE_TOO_LARGE: over
// kMaxDefinitionBytes, refused before it is read).
struct DefinitionFiles {
  std::vector<DefinitionSource> sources;
  Problems problems;
};

// The kinds of shared policy a workflow refers to, named as the keys of a workflow's "policies"
// object: "calendar", "sla", "escalation", "compensation", "follow_up" (the last optional in a
// workflow). (Definition files name their kind "calendars", "sla_policy", ...: a calendars file
// holds several calendars.)
enum class PolicyKind { kCalendar, kSla, kEscalation, kCompensation, kFollowUp };

inline constexpr PolicyKind kPolicyKinds[] = {PolicyKind::kCalendar, PolicyKind::kSla,
                                              PolicyKind::kEscalation, PolicyKind::kCompensation,
                                              PolicyKind::kFollowUp};

const char* policy_kind_name(PolicyKind kind);
std::optional<PolicyKind> parse_policy_kind(std::string_view name);

class WorkflowCatalog {
 public:
  static CatalogLoad load(const std::vector<DefinitionSource>& sources);
  // Loads what was read; a file that could not be read is an error, reported first.
  static CatalogLoad load(const DefinitionFiles& files);
  // Reads each file (at most kMaxDefinitionBytes) then loads them together.
  static CatalogLoad load_files(const std::vector<std::string>& paths);
  // Every *.json entry of `directory` (sorted by name), the same way.
  static CatalogLoad load_directory(const std::string& directory);

  // The readers behind load_files and load_directory, for callers that add documents of their
  // own before loading (the server adds the workflow versions stored in its database). The one
  // place definition files are read: a file must be a regular file of at most
  // kMaxDefinitionBytes, checked before it is read. load_directory refuses a *.json entry that
  // is not a regular file (a directory, a FIFO) rather than skipping it, as load_files does.
  static DefinitionFiles read_files(const std::vector<std::string>& paths);
  static DefinitionFiles read_directory(const std::string& directory);

  // This catalog's workflow versions plus `newer`'s workflows and policies (policies are
  // replaced by newer's). Errors: VERSION_CHANGED when newer redefines a loaded version
  // differently.
  CatalogLoad with_newer(const WorkflowCatalog& newer) const;

  std::shared_ptr<const WorkflowDefinition> find(const std::string& id, int version) const;
  std::shared_ptr<const WorkflowDefinition> latest(const std::string& id) const;
  std::vector<std::shared_ptr<const WorkflowDefinition>> workflows() const;

  const BusinessCalendar* calendar(const std::string& id) const;
  const SlaPolicy* sla_policy(const std::string& id) const;
  const EscalationPolicy* escalation_policy(const std::string& id) const;
  const CompensationPolicy* compensation_policy(const std::string& id) const;
  const FollowUpPolicy* follow_up_policy(const std::string& id) const;
  // The shop's customer policies; null when none was loaded.
  const MembershipPolicy* membership_policy() const;
  const RfmPolicy* rfm_policy() const;
  // The shop's assignment policy; null when none was loaded.
  const AssignmentPolicy* assignment_policy() const;

  // The definition policy `id` of `kind` was loaded from, exactly as parsed: for a calendar, its
  // object in the "calendars" array of its file (one file defines several calendars); for the
  // other kinds, the whole policy file. Null when the catalog holds no such policy.
  const nlohmann::json* policy_document(PolicyKind kind, const std::string& id) const;
  // The ids of the loaded policies of `kind`, in ascending order.
  std::vector<std::string> policy_ids(PolicyKind kind) const;

 private:
  std::map<std::pair<std::string, int>, std::shared_ptr<const WorkflowDefinition>> workflows_;
  std::map<std::string, BusinessCalendar> calendars_;
  std::map<std::string, SlaPolicy> sla_policies_;
  std::map<std::string, EscalationPolicy> escalation_policies_;
  std::map<std::string, CompensationPolicy> compensation_policies_;
  std::map<std::string, FollowUpPolicy> follow_up_policies_;
  std::optional<MembershipPolicy> membership_policy_;
  std::optional<RfmPolicy> rfm_policy_;
  std::optional<AssignmentPolicy> assignment_policy_;
  // The definition of every loaded policy, one per entry of the four maps above (with_newer takes
  // them with newer's policies).
  std::map<std::pair<PolicyKind, std::string>, nlohmann::json> policy_documents_;
  friend class CatalogBuilder;
};

}  // namespace redress
