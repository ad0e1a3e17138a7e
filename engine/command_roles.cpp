#include "engine/command_roles.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>

#include "engine/json_reader.h"

namespace redress {
namespace {

// CommandKind's enumerators follow CommandBody's alternatives one for one.
template <CommandKind command, typename Body>
constexpr bool kAlternativeIs =
    std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(command), CommandBody>,
                   Body>;

static_assert(std::variant_size_v<CommandBody> == kCommandKinds.size(),
              "every CommandBody alternative needs its CommandKind and its row in kTable");
static_assert(kAlternativeIs<CommandKind::kCreate, CreateCase>);
static_assert(kAlternativeIs<CommandKind::kFireTransition, FireTransition>);
static_assert(kAlternativeIs<CommandKind::kUpdateFields, UpdateFields>);
static_assert(kAlternativeIs<CommandKind::kAssign, AssignCase>);
static_assert(kAlternativeIs<CommandKind::kRecordPromise, RecordPromise>);
static_assert(kAlternativeIs<CommandKind::kRecordReply, RecordReply>);
static_assert(kAlternativeIs<CommandKind::kAddComment, AddComment>);
static_assert(kAlternativeIs<CommandKind::kAddCustomerMessage, AddCustomerMessage>);
static_assert(kAlternativeIs<CommandKind::kProposeCompensation, ProposeCompensation>);
static_assert(kAlternativeIs<CommandKind::kDecideApproval, DecideApproval>);
static_assert(kAlternativeIs<CommandKind::kMarkCompensationExecuted, MarkCompensationExecuted>);
static_assert(kAlternativeIs<CommandKind::kEscalate, EscalateCase>);
static_assert(kAlternativeIs<CommandKind::kDeescalate, DeescalateCase>);
static_assert(kAlternativeIs<CommandKind::kFireTimer, FireTimer>);
static_assert(kAlternativeIs<CommandKind::kWithdrawCompensation, WithdrawCompensation>);
static_assert(kAlternativeIs<CommandKind::kAttachEvidence, AttachEvidence>);
static_assert(kAlternativeIs<CommandKind::kReviseSeverity, ReviseSeverity>);
static_assert(kAlternativeIs<CommandKind::kLogCall, LogCall>);
static_assert(kAlternativeIs<CommandKind::kRecordFollowUp, RecordFollowUp>);

struct CommandRoles {
  CommandKind command;
  const char* action;
  std::vector<Role> roles;
};

constexpr Role kAgent = Role::kAgent;
constexpr Role kTeamLead = Role::kTeamLead;
constexpr Role kSupervisor = Role::kSupervisor;
constexpr Role kManager = Role::kManager;
constexpr Role kAdmin = Role::kAdmin;
constexpr Role kIntegration = Role::kIntegration;
constexpr Role kSystem = Role::kSystem;

// The table, one row per CommandKind in its order. The ladder (agent … manager) is the people who
// work cases (agents, team leads and supervisors in the after-sales handbooks); `admin` runs the
// system, not cases; `integration` is another system (order, refund and finance, warehouse, CRM,
// messaging), which reports facts it owns but does not speak for the shop; `system` is Redress's
// own timers.
//
// Where the router and the engine disagreed before this table, the row says which way it went.
const std::vector<CommandRoles>& table() {
  static const std::vector<CommandRoles> rows = {
      // Other systems open cases (a bad review, an out-of-stock order, a return request); each
      // workflow's `create.roles` narrows this.
      {CommandKind::kCreate,
       "open cases",
       {kAgent, kTeamLead, kSupervisor, kManager, kIntegration}},
      // Systems report what they witness (a parcel received, a refund done) through transitions
      // the workflow grants them; each transition's `roles` narrows this.
      {CommandKind::kFireTransition,
       "fire transitions",
       {kAgent, kTeamLead, kSupervisor, kManager, kIntegration}},
      // Case data is the agents' judgement (cause, fault party, remedy). The router admitted
      // integrations, the engine refused them: refused, as the engine did.
      {CommandKind::kUpdateFields,
       "update a case's fields",
       {kAgent, kTeamLead, kSupervisor, kManager}},
      // Queue work; an agent may only take or release a case (checked by the command).
      {CommandKind::kAssign, "assign cases", {kAgent, kTeamLead, kSupervisor, kManager}},
      // Promises and replies are the shop speaking to the customer ("reply by the time you
      // promised"): people only. The router admitted integrations, the engine refused them.
      {CommandKind::kRecordPromise,
       "record promises to customers",
       {kAgent, kTeamLead, kSupervisor, kManager}},
      {CommandKind::kRecordReply, "reply to customers", {kAgent, kTeamLead, kSupervisor, kManager}},
      // An internal note is a person's record on the case. An admin who looks into a case (a data
      // correction, a misrouted case) is a person who must be able to leave that record, and a
      // note changes nothing in the case's handling: admins may comment, as the engine allowed
      // and the router refused. A system's facts reach the case through its own commands
      // (customer messages, executions, transitions), attributed and typed, not as free notes:
      // integrations may not, as the engine refused and the router admitted.
      {CommandKind::kAddComment,
       "add internal comments",
       {kAgent, kTeamLead, kSupervisor, kManager, kAdmin}},
      // What the customer wrote: typed in by the agent, or relayed by the messaging system.
      {CommandKind::kAddCustomerMessage,
       "record customer messages",
       {kAgent, kTeamLead, kSupervisor, kManager, kIntegration}},
      // Offering a remedy is the agents' negotiation; the policy decides whose authority suffices.
      {CommandKind::kProposeCompensation,
       "propose compensation",
       {kAgent, kTeamLead, kSupervisor, kManager}},
      // An approval is a superior's consent ("报告上级并征得上级同意"): team leads and above. The
      // policy narrows to the required role or above, never the proposer. The engine let an agent
      // decide an approval a workflow reserved to agents, the router refused: refused.
      {CommandKind::kDecideApproval, "decide approvals", {kTeamLead, kSupervisor, kManager}},
      // A remedy is carried out by a system (a refund, a shipment) or by a person (a coupon sent,
      // a repair done, an apology made) and tracked "until it has really happened". The router
      // admitted only integrations, the engine also people: people too, as the engine did.
      {CommandKind::kMarkCompensationExecuted,
       "mark compensation executed",
       {kAgent, kTeamLead, kSupervisor, kManager, kIntegration}},
      // Reporting a serious case upward is a person's call; systems' signals (threats in a
      // customer message, SLA breaches) escalate through the escalation policy instead. The
      // router admitted integrations, the engine refused them.
      {CommandKind::kEscalate, "escalate cases", {kAgent, kTeamLead, kSupervisor, kManager}},
      // Calling off an escalation is for a supervisor or manager (and at or above the case's
      // level, checked by the command). The router admitted every ladder role, the engine refused
      // agents and team leads.
      {CommandKind::kDeescalate, "de-escalate cases", {kSupervisor, kManager}},
      {CommandKind::kFireTimer, "fire timers", {kSystem}},
      // Only the proposer may take a proposal back (checked by the command); any ladder role
      // may have proposed one.
      {CommandKind::kWithdrawCompensation,
       "withdraw compensation proposals",
       {kAgent, kTeamLead, kSupervisor, kManager}},
      // Evidence is a person's record on the case like a note (a photo the customer sent, an
      // invoice): whoever may comment may attach. A system's facts keep to their typed commands.
      {CommandKind::kAttachEvidence,
       "attach evidence",
       {kAgent, kTeamLead, kSupervisor, kManager, kAdmin}},
      // How serious a problem is, is the case workers' judgement; the SLA policy's
      // severity_revision narrows who may raise and who may lower it.
      {CommandKind::kReviseSeverity,
       "revise a case's severity",
       {kAgent, kTeamLead, kSupervisor, kManager}},
      // A call is the shop speaking to the customer, like a reply: people only.
      {CommandKind::kLogCall,
       "log calls with customers",
       {kAgent, kTeamLead, kSupervisor, kManager}},
      // A follow-up visit is the shop speaking to the customer: people only. The outcome's
      // transition narrows further by its own roles.
      {CommandKind::kRecordFollowUp,
       "record follow-up attempts",
       {kAgent, kTeamLead, kSupervisor, kManager}},
  };
  return rows;
}

const CommandRoles& row(CommandKind command) {
  const auto& rows = table();
  const auto index = static_cast<std::size_t>(command);
  if (index >= rows.size() || rows[index].command != command) {
    throw std::logic_error("the case command role table is out of order");
  }
  return rows[index];
}

}  // namespace

CommandKind command_kind_of(const CommandBody& body) {
  return static_cast<CommandKind>(body.index());
}

const char* command_name(CommandKind command) {
  switch (command) {
    case CommandKind::kCreate:
      return "create";
    case CommandKind::kFireTransition:
      return "fire_transition";
    case CommandKind::kUpdateFields:
      return "update_fields";
    case CommandKind::kAssign:
      return "assign";
    case CommandKind::kRecordPromise:
      return "record_promise";
    case CommandKind::kRecordReply:
      return "record_reply";
    case CommandKind::kAddComment:
      return "add_comment";
    case CommandKind::kAddCustomerMessage:
      return "add_customer_message";
    case CommandKind::kProposeCompensation:
      return "propose_compensation";
    case CommandKind::kDecideApproval:
      return "decide_approval";
    case CommandKind::kMarkCompensationExecuted:
      return "mark_compensation_executed";
    case CommandKind::kEscalate:
      return "escalate";
    case CommandKind::kDeescalate:
      return "deescalate";
    case CommandKind::kFireTimer:
      return "fire_timer";
    case CommandKind::kWithdrawCompensation:
      return "withdraw_compensation";
    case CommandKind::kAttachEvidence:
      return "attach_evidence";
    case CommandKind::kReviseSeverity:
      return "revise_severity";
    case CommandKind::kLogCall:
      return "log_call";
    case CommandKind::kRecordFollowUp:
      return "record_follow_up";
  }
  throw std::logic_error("unknown CommandKind");
}

const char* command_action(CommandKind command) {
  return row(command).action;
}

const std::vector<Role>& command_roles(CommandKind command) {
  return row(command).roles;
}

bool command_allowed(CommandKind command, Role role) {
  const auto& roles = command_roles(command);
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::optional<Rejection> check_command_role(CommandKind command, Role role) {
  if (command_allowed(command, role)) return std::nullopt;
  std::string allowed;
  for (const Role r : command_roles(command)) {
    allowed += (allowed.empty() ? "" : ", ") + std::string(role_name(r));
  }
  return Rejection{ErrorCode::kRoleNotPermitted,
                   "role " + quote_name(role_name(role)) + " may not " + command_action(command) +
                       "; allowed roles: " + allowed,
                   {},
                   command_roles(command)};
}

}  // namespace redress
