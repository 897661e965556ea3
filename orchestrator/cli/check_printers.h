#pragma once
// How `check` shows what it found: lines for a terminal (as found), or one JSON document at the end
// (--format json, docs/lint.md shows its shape). Both count errors and warnings for the exit code.
#include <memory>
#include <set>
#include <string>

#include "engine/check_engine.h"

namespace orch {

class CheckPrinter : public CheckSink {
 public:
  // Prints the totals (text) or the document (json).
  virtual void finish(bool strict) = 0;
  int errors = 0, warnings = 0;

 protected:
  // The same finding reached by two checks (a file's error, and the linter that could not read it)
  // is printed and counted once.
  bool first_time(const Finding& f) {
    return seen_.insert(std::to_string(static_cast<int>(f.severity)) + "\x1f" + f.where + "\x1f" + f.message).second;
  }

 private:
  std::set<std::string> seen_;
};

std::unique_ptr<CheckPrinter> make_check_printer(const std::string& format, bool color);

}  // namespace orch
