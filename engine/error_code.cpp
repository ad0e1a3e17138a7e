#include "engine/error_code.h"

#include <array>
#include <cstddef>
#include <ostream>

namespace redress {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedJson:
      return "MALFORMED_JSON";
    case ErrorCode::kInvalidUtf8:
      return "INVALID_UTF8";
    case ErrorCode::kBadRequest:
      return "BAD_REQUEST";
    case ErrorCode::kInvalidQuery:
      return "INVALID_QUERY";
    case ErrorCode::kInvalidHeader:
      return "INVALID_HEADER";
    case ErrorCode::kBodyTooLarge:
      return "BODY_TOO_LARGE";
    case ErrorCode::kHeadersTooLarge:
      return "HEADERS_TOO_LARGE";
    case ErrorCode::kUnsupportedMediaType:
      return "UNSUPPORTED_MEDIA_TYPE";
    case ErrorCode::kAttachmentTypeRefused:
      return "ATTACHMENT_TYPE_REFUSED";
    case ErrorCode::kNotAcceptable:
      return "NOT_ACCEPTABLE";
    case ErrorCode::kRouteNotFound:
      return "ROUTE_NOT_FOUND";
    case ErrorCode::kMethodNotAllowed:
      return "METHOD_NOT_ALLOWED";
    case ErrorCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case ErrorCode::kForbidden:
      return "FORBIDDEN";
    case ErrorCode::kInsufficientScope:
      return "INSUFFICIENT_SCOPE";
    case ErrorCode::kRateLimited:
      return "RATE_LIMITED";
    case ErrorCode::kValidationFailed:
      return "VALIDATION_FAILED";
    case ErrorCode::kInvalidField:
      return "INVALID_FIELD";
    case ErrorCode::kMissingField:
      return "MISSING_FIELD";
    case ErrorCode::kInvalidDefinition:
      return "INVALID_DEFINITION";
    case ErrorCode::kInvalidAmount:
      return "INVALID_AMOUNT";
    case ErrorCode::kOverflow:
      return "OVERFLOW";
    case ErrorCode::kAmountTooLarge:
      return "AMOUNT_TOO_LARGE";
    case ErrorCode::kBadDuration:
      return "BAD_DURATION";
    case ErrorCode::kBadType:
      return "BAD_TYPE";
    case ErrorCode::kBadValue:
      return "BAD_VALUE";
    case ErrorCode::kPreconditionRequired:
      return "PRECONDITION_REQUIRED";
    case ErrorCode::kVersionConflict:
      return "VERSION_CONFLICT";
    case ErrorCode::kIdempotencyKeyReused:
      return "IDEMPOTENCY_KEY_REUSED";
    case ErrorCode::kNotAllowedFromState:
      return "NOT_ALLOWED_FROM_STATE";
    case ErrorCode::kRoleNotPermitted:
      return "ROLE_NOT_PERMITTED";
    case ErrorCode::kConditionFailed:
      return "CONDITION_FAILED";
    case ErrorCode::kApprovalRequired:
      return "APPROVAL_REQUIRED";
    case ErrorCode::kUnknownWorkflow:
      return "UNKNOWN_WORKFLOW";
    case ErrorCode::kUnknownTransition:
      return "UNKNOWN_TRANSITION";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kCaseClosed:
      return "CASE_CLOSED";
    case ErrorCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case ErrorCode::kLastAdmin:
      return "LAST_ADMIN";
    case ErrorCode::kSelfApproval:
      return "SELF_APPROVAL";
    case ErrorCode::kExceedsAuthority:
      return "EXCEEDS_AUTHORITY";
    case ErrorCode::kRefundExceedsPaid:
      return "REFUND_EXCEEDS_PAID";
    case ErrorCode::kCurrencyMismatch:
      return "CURRENCY_MISMATCH";
    case ErrorCode::kInvalidState:
      return "INVALID_STATE";
    case ErrorCode::kVersionChanged:
      return "VERSION_CHANGED";
    case ErrorCode::kOutsideCallWindow:
      return "OUTSIDE_CALL_WINDOW";
    case ErrorCode::kFollowUpAttemptRequired:
      return "FOLLOW_UP_ATTEMPT_REQUIRED";
    case ErrorCode::kStorageFull:
      return "STORAGE_FULL";
    case ErrorCode::kStorageBusy:
      return "STORAGE_BUSY";
    case ErrorCode::kStorageOverloaded:
      return "STORAGE_OVERLOADED";
    case ErrorCode::kStorageClosed:
      return "STORAGE_CLOSED";
    case ErrorCode::kStorageReadonly:
      return "STORAGE_READONLY";
    case ErrorCode::kShuttingDown:
      return "SHUTTING_DOWN";
    case ErrorCode::kStorageIo:
      return "STORAGE_IO";
    case ErrorCode::kStorageCorrupt:
      return "STORAGE_CORRUPT";
    case ErrorCode::kStorageCantOpen:
      return "STORAGE_CANTOPEN";
    case ErrorCode::kStorageNoMemory:
      return "STORAGE_NOMEM";
    case ErrorCode::kStorageConstraint:
      return "STORAGE_CONSTRAINT";
    case ErrorCode::kStorageError:
      return "STORAGE_ERROR";
    case ErrorCode::kBadSnapshot:
      return "BAD_SNAPSHOT";
    case ErrorCode::kBadEvent:
      return "BAD_EVENT";
    case ErrorCode::kNotARedressDatabase:
      return "NOT_A_REDRESS_DATABASE";
    case ErrorCode::kSchemaTooNew:
      return "SCHEMA_TOO_NEW";
    case ErrorCode::kDestinationExists:
      return "DESTINATION_EXISTS";
    case ErrorCode::kInvalidConfig:
      return "INVALID_CONFIG";
    case ErrorCode::kListenFailed:
      return "LISTEN_FAILED";
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kInternal:
      return "INTERNAL";
  }
  return "INTERNAL";  // unreachable for a valid enumerator; -Wswitch checks the cases above
}

namespace {

// The enumerators are contiguous from 0 up to kInternal.
constexpr std::size_t kErrorCodeCount = static_cast<std::size_t>(ErrorCode::kInternal) + 1;

constexpr std::array<ErrorCode, kErrorCodeCount> make_all_error_codes() {
  std::array<ErrorCode, kErrorCodeCount> codes{};
  for (std::size_t i = 0; i < kErrorCodeCount; ++i) codes[i] = static_cast<ErrorCode>(i);
  return codes;
}

constexpr std::array<ErrorCode, kErrorCodeCount> kAllErrorCodes = make_all_error_codes();

}  // namespace

std::optional<ErrorCode> parse_error_code(std::string_view name) {
  for (const ErrorCode code : kAllErrorCodes) {
    if (name == error_code_name(code)) return code;
  }
  return std::nullopt;
}

std::span<const ErrorCode> all_error_codes() {
  return kAllErrorCodes;
}

std::ostream& operator<<(std::ostream& out, ErrorCode code) {
  return out << error_code_name(code);
}

}  // namespace redress
