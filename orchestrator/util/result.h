#pragma once
// The one error convention of orchestrate (ccache's core::Error / tl::expected style): a function that
// can fail returns Result<T>, holding either its value or an Error that says what failed, where, and
// what to do next. Exceptions stay at the boundaries that throw them (the database library, as DbError; toml++;
// Boost.Process) and are turned into an Error there.
#include <string>
#include <utility>
#include <variant>

namespace orch {

struct Error {
  Error(std::string message, std::string where = "", std::string hint = "", int exit_code = 1)
      : message(std::move(message)), where(std::move(where)), hint(std::move(hint)), exit_code(exit_code) {}
  std::string message;  // what failed: one line, no secrets
  std::string where;    // file:line:column, service, revision or database; may be empty
  std::string hint;     // what to do next; may be empty
  int exit_code = 1;    // docs/exit-codes.md: 1 failed, 2 usage, 4 lock busy, 130 interrupted

  // "where: message" as printed after "error: ".
  std::string text() const { return where.empty() ? message : where + ": " + message; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For functions with nothing to return but success.
struct Ok {};
using Status = Result<Ok>;
inline Status ok() { return Ok{}; }

}  // namespace orch
