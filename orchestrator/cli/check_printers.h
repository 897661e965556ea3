#pragma once
// How `check` shows what it found: lines for a terminal (as found), or one JSON document at the end
// (--format json, docs/lint.md shows its shape). Both count errors and warnings for the exit code.
#include <memory>
#include <string>

#include "engine/check_engine.h"

namespace orch {

class CheckPrinter : public CheckSink {
 public:
  // Prints the totals (text) or the document (json).
  virtual void finish(bool strict) = 0;
  int errors = 0, warnings = 0;
};

std::unique_ptr<CheckPrinter> make_check_printer(const std::string& format, bool color);

}  // namespace orch
