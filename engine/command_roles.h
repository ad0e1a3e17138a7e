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

// Every case command, in the order of the alternatives of CommandBody (checked at compile time in
// command_roles.cpp), so a new command cannot be added without its row in the table.
enum class CaseCommand {
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
};

inline constexpr std::array<CaseCommand, 14> kCaseCommands = {
    CaseCommand::kCreate,
    CaseCommand::kFireTransition,
    CaseCommand::kUpdateFields,
    CaseCommand::kAssign,
    CaseCommand::kRecordPromise,
    CaseCommand::kRecordReply,
    CaseCommand::kAddComment,
    CaseCommand::kAddCustomerMessage,
    CaseCommand::kProposeCompensation,
    CaseCommand::kDecideApproval,
    CaseCommand::kMarkCompensationExecuted,
    CaseCommand::kEscalate,
    CaseCommand::kDeescalate,
    CaseCommand::kFireTimer,
};

// The command a body asks for.
CaseCommand case_command_of(const CommandBody& body);

// What the command does, worded to follow "may not": "add internal comments".
const char* case_command_action(CaseCommand command);

// The roles that may run `command`, in the order of Role.
const std::vector<Role>& case_command_roles(CaseCommand command);

bool case_command_allowed(CaseCommand command, Role role);

// nullopt when the table lets `role` run `command`; otherwise the rejection every refusal of it
// carries, wherever it is refused: ROLE_NOT_PERMITTED naming the allowed roles.
std::optional<Rejection> check_case_command_role(CaseCommand command, Role role);

}  // namespace redress
