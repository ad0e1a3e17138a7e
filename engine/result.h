// Result<T>: a value or an Error, returned across module boundaries.
//
// C++20 has no std::expected, so this is a deliberately small stand-in: construct from a
// value or from an Error; check ok(); take value() or error(). Accessing the wrong side is a
// broken invariant and aborts through assert in debug builds.
//
// Thread-safety: a Result is a plain value; distinct objects may be used from distinct threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "engine/error_code.h"

namespace redress {

// An error with a stable code from the closed set ErrorCode (its wire name is UPPER_SNAKE_CASE)
// and a message a person can act on. `pointer` is an optional JSON pointer (RFC 6901) to the
// offending input. `params` is what the message says, as data (a JSON object: the sub-reason
// and its arguments, see FieldProblem in docs/api.md), so a client can say it in its own language;
// empty when the error is not about an input. Build one with a named constructor
// (Error::not_found(...)); the general constructor is for codes that are passed along or chosen
// at run time.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string pointer;
  nlohmann::json params = nlohmann::json::object();

  Error() = default;
  Error(ErrorCode error_code, std::string error_message, std::string error_pointer = {},
        nlohmann::json error_params = nlohmann::json::object())
      : code(error_code),
        message(std::move(error_message)),
        pointer(std::move(error_pointer)),
        params(std::move(error_params)) {}

  // What the caller sent is not valid (422).
  static Error invalid_field(std::string message, std::string pointer = {},
                             nlohmann::json params = nlohmann::json::object()) {
    return {ErrorCode::kInvalidField, std::move(message), std::move(pointer), std::move(params)};
  }
  // The named thing does not exist (404).
  static Error not_found(std::string message, std::string pointer = {}) {
    return {ErrorCode::kNotFound, std::move(message), std::move(pointer)};
  }
  // An id or unique value is taken (409).
  static Error already_exists(std::string message, std::string pointer = {}) {
    return {ErrorCode::kAlreadyExists, std::move(message), std::move(pointer)};
  }
  // The thing is not in a state that allows the operation (409).
  static Error invalid_state(std::string message) {
    return {ErrorCode::kInvalidState, std::move(message)};
  }
  // A caller broke the function's contract: a bug in the caller, never the client's mistake.
  static Error invalid_argument(std::string message) {
    return {ErrorCode::kInvalidArgument, std::move(message)};
  }
  // The server's configuration or start-up environment is unusable.
  static Error invalid_config(std::string message) {
    return {ErrorCode::kInvalidConfig, std::move(message)};
  }
  // Stored data or the database failed in a way the client cannot fix.
  static Error storage_error(std::string message) {
    return {ErrorCode::kStorageError, std::move(message)};
  }
  // A stored journal event does not apply to its case.
  static Error bad_event(std::string message) { return {ErrorCode::kBadEvent, std::move(message)}; }

  // The code's wire name ("NOT_FOUND"), for logs and messages.
  const char* code_name() const { return error_code_name(code); }

  bool operator==(const Error&) const = default;
};

// The params of an input's problem: {"reason": reason} plus `arguments` (an object), e.g.
// problem_params("too_long", {{"max_length", 200}}).
inline nlohmann::json problem_params(std::string_view reason,
                                     nlohmann::json arguments = nlohmann::json::object()) {
  arguments["reason"] = std::string(reason);
  return arguments;
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace redress
