// ErrorCode: the one closed set of error codes that engine/, storage/ and api/ produce.
//
// Every Error (engine/result.h), every engine Rejection (engine/decision.h) and every HTTP
// problem (api/http/problem.h) carries one of these. The wire name (UPPER_SNAKE_CASE, e.g.
// "VERSION_CONFLICT") is part of the public API and never changes once published;
// error_code_name() maps each code to it with a switch that has no `default`, so -Wswitch (on in
// -Wall, an error under -Werror) refuses a code without a name. api/http/problem.cpp maps each
// code to its HTTP status and title the same way. A new code therefore needs a name, a status,
// a title and an entry in the OpenAPI `Problem.code` enum (a test walks all of them).
//
// Thread-safety: pure functions over constant data.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

namespace redress {

enum class ErrorCode : std::uint8_t {
  // Requests the server cannot read.
  kMalformedJson,          // MALFORMED_JSON
  kInvalidUtf8,            // INVALID_UTF8
  kBadRequest,             // BAD_REQUEST
  kInvalidQuery,           // INVALID_QUERY
  kInvalidHeader,          // INVALID_HEADER
  kBodyTooLarge,           // BODY_TOO_LARGE
  kHeadersTooLarge,        // HEADERS_TOO_LARGE
  kUnsupportedMediaType,   // UNSUPPORTED_MEDIA_TYPE
  kAttachmentTypeRefused,  // ATTACHMENT_TYPE_REFUSED (an upload whose content is not allowed)
  kNotAcceptable,          // NOT_ACCEPTABLE
  kRouteNotFound,          // ROUTE_NOT_FOUND
  kMethodNotAllowed,       // METHOD_NOT_ALLOWED
  // Who is asking.
  kUnauthenticated,    // UNAUTHENTICATED
  kForbidden,          // FORBIDDEN
  kInsufficientScope,  // INSUFFICIENT_SCOPE (an integration token without the route's scope)
  kRateLimited,        // RATE_LIMITED
  // Validation of what the client sent.
  kValidationFailed,   // VALIDATION_FAILED
  kInvalidField,       // INVALID_FIELD
  kMissingField,       // MISSING_FIELD
  kInvalidDefinition,  // INVALID_DEFINITION
  kInvalidAmount,      // INVALID_AMOUNT (a compensation amount the policy cannot take)
  kOverflow,           // OVERFLOW (amounts whose total does not fit)
  kAmountTooLarge,     // AMOUNT_TOO_LARGE (above the policy's maximum for its currency)
  kBadDuration,        // BAD_DURATION (a duration text in a definition or policy)
  kBadType,            // BAD_TYPE (a definition member of the wrong JSON type)
  kBadValue,           // BAD_VALUE (a definition member out of its range)
  // Conditional and idempotent requests.
  kPreconditionRequired,  // PRECONDITION_REQUIRED
  kVersionConflict,       // VERSION_CONFLICT
  kIdempotencyKeyReused,  // IDEMPOTENCY_KEY_REUSED
  // The engine's rejections (RejectionCode is this enum).
  kNotAllowedFromState,      // NOT_ALLOWED_FROM_STATE
  kRoleNotPermitted,         // ROLE_NOT_PERMITTED
  kConditionFailed,          // CONDITION_FAILED
  kApprovalRequired,         // APPROVAL_REQUIRED
  kUnknownWorkflow,          // UNKNOWN_WORKFLOW
  kUnknownTransition,        // UNKNOWN_TRANSITION
  kNotFound,                 // NOT_FOUND (approval, compensation, promise, timer, record)
  kCaseClosed,               // CASE_CLOSED
  kAlreadyExists,            // ALREADY_EXISTS
  kLastAdmin,                // LAST_ADMIN
  kSelfApproval,             // SELF_APPROVAL
  kExceedsAuthority,         // EXCEEDS_AUTHORITY
  kRefundExceedsPaid,        // REFUND_EXCEEDS_PAID
  kCurrencyMismatch,         // CURRENCY_MISMATCH
  kInvalidState,             // INVALID_STATE (e.g. approving an approval already decided)
  kVersionChanged,           // VERSION_CHANGED (the workflow version changed under the case)
  kOutsideCallWindow,        // OUTSIDE_CALL_WINDOW (a phone follow-up outside the call windows)
  kFollowUpAttemptRequired,  // FOLLOW_UP_ATTEMPT_REQUIRED (a follow-up outcome fired directly)
  // Transient conditions of the server: the request may succeed later.
  kStorageFull,        // STORAGE_FULL
  kStorageBusy,        // STORAGE_BUSY
  kStorageOverloaded,  // STORAGE_OVERLOADED
  kStorageClosed,      // STORAGE_CLOSED
  kStorageReadonly,    // STORAGE_READONLY
  kShuttingDown,       // SHUTTING_DOWN
  // Faults of the server, its disk or its caller's code: never the client's mistake.
  kStorageIo,            // STORAGE_IO
  kStorageCorrupt,       // STORAGE_CORRUPT
  kStorageCantOpen,      // STORAGE_CANTOPEN
  kStorageNoMemory,      // STORAGE_NOMEM
  kStorageConstraint,    // STORAGE_CONSTRAINT (a constraint the store did not translate)
  kStorageError,         // STORAGE_ERROR
  kBadSnapshot,          // BAD_SNAPSHOT (a stored snapshot that does not parse)
  kBadEvent,             // BAD_EVENT (a stored journal event that does not apply)
  kNotARedressDatabase,  // NOT_A_REDRESS_DATABASE
  kSchemaTooNew,         // SCHEMA_TOO_NEW
  kDestinationExists,    // DESTINATION_EXISTS (backup target)
  kInvalidConfig,        // INVALID_CONFIG (server configuration or start-up)
  kListenFailed,         // LISTEN_FAILED
  kInvalidArgument,      // INVALID_ARGUMENT (a caller broke a function's contract)
  kInternal,             // INTERNAL; stays last: all_error_codes() ends here
};

// The wire name: "VERSION_CONFLICT" for kVersionConflict.
const char* error_code_name(ErrorCode code);
// The code whose wire name is `name`, or nullopt.
std::optional<ErrorCode> parse_error_code(std::string_view name);
// Every code, in declaration order.
std::span<const ErrorCode> all_error_codes();
// Writes the wire name (for test diagnostics and logs).
std::ostream& operator<<(std::ostream& out, ErrorCode code);

}  // namespace redress
