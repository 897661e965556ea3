#pragma once
// The second error tier (ccache's core::Fatal): a failure that ends the command. Most failures are the
// first tier, an `Error` returned in a `Result` (util/result.h), reported, and the run goes on where it
// can. `Fatal` is for the few places that cannot return one (deep in a value's computation, a file that
// must exist); main() prints it like any Error and exits with its code.
#include <stdexcept>

#include "util/result.h"

namespace orch {

class Fatal : public std::runtime_error {
 public:
  explicit Fatal(Error e) : std::runtime_error(e.text()), error_(std::move(e)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

}  // namespace orch
