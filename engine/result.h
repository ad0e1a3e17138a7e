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
#include <utility>
#include <variant>

namespace redress {

// An error with a stable machine-readable code (UPPER_SNAKE_CASE) and a message a person can act
// on. `pointer` is an optional JSON pointer (RFC 6901) to the offending input.
struct Error {
  std::string code;
  std::string message;
  std::string pointer;

  bool operator==(const Error&) const = default;
};

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
