// The one table of which roles may run each case command.
//
// It is the outer gate, used in three places so they cannot disagree: the engine checks it first
// in `Engine::decide` (and in the API's early creation check), the router takes each case route's
// roles from it (api/routes), and the OpenAPI document's `x-roles` of each case operation is
// tested against it (tests/api/openapi_test.cpp). The workflow and the command may narrow it
// further, never widen it: a transition's own roles and a workflow's creation roles, an agent
// assigning only to themselves, de-escalation only at or above the case's level, an approval only
// by its required role or above and never by the proposer.
//
// Thread-safety: constant data; every function may be called from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "engine/command.h"
#include "engine/decision.h"
#include "engine/role.h"

namespace redress {

// The kind of every case command (storage::CaseCommand is one command with its case and actor),
// in the order of the alternatives of CommandBody (checked at compile time in command_roles.cpp),
// so a new command cannot be added without its row in the table.
enum class CommandKind {
  kCreate,                    // CreateCase
  kFireTransition,            // FireTransition
  kUpdateFields,              // UpdateFields (PATCH)
  kAssign,                    // AssignCase
  kRecordPromise,             // RecordPromise
  kRecordReply,               // RecordReply
  kAddComment,                // AddComment
  kAddCustomerMessage,        // AddCustomerMessage
  kProposeCompensation,       // ProposeCompensation
  kDecideApproval,            // DecideApproval
  kMarkCompensationExecuted,  // MarkCompensationExecuted
  kEscalate,                  // EscalateCase
  kDeescalate,                // DeescalateCase
  kFireTimer,                 // FireTimer
  kWithdrawCompensation,      // WithdrawCompensation
  kAttachEvidence,            // AttachEvidence
  kReviseSeverity,            // ReviseSeverity
  kLogCall,                   // LogCall
  kRecordFollowUp,            // RecordFollowUp
};

inline constexpr std::array<CommandKind, 19> kCommandKinds = {
    CommandKind::kCreate,
    CommandKind::kFireTransition,
    CommandKind::kUpdateFields,
    CommandKind::kAssign,
    CommandKind::kRecordPromise,
    CommandKind::kRecordReply,
    CommandKind::kAddComment,
    CommandKind::kAddCustomerMessage,
    CommandKind::kProposeCompensation,
    CommandKind::kDecideApproval,
    CommandKind::kMarkCompensationExecuted,
    CommandKind::kEscalate,
    CommandKind::kDeescalate,
    CommandKind::kFireTimer,
    CommandKind::kWithdrawCompensation,
    CommandKind::kAttachEvidence,
    CommandKind::kReviseSeverity,
    CommandKind::kLogCall,
    CommandKind::kRecordFollowUp,
};

// The command a body asks for.
CommandKind command_kind_of(const CommandBody& body);

// The command's stable name on the wire (GET /v1/me lists them): its enumerator in snake_case,
// "fire_transition" for kFireTransition. Never changes once shipped.
const char* command_name(CommandKind command);

// What the command does, worded to follow "may not": "add internal comments".
const char* command_action(CommandKind command);

// The roles that may run `command`, in the order of Role.
const std::vector<Role>& command_roles(CommandKind command);

bool command_allowed(CommandKind command, Role role);

// nullopt when the table lets `role` run `command`; otherwise the rejection every refusal of it
// carries, wherever it is refused: ROLE_NOT_PERMITTED naming the allowed roles.
std::optional<Rejection> check_command_role(CommandKind command, Role role);

}  // namespace redress
