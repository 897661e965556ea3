// `orchestrate check`: everything that can be checked without changing anything.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "engine/check_engine.h"
#include "status/plain_printer.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

class FindingPrinter : public CheckSink {
 public:
  explicit FindingPrinter(bool color) : color_(color) {}
  void found(Finding f) override {
    const char* c = "";
    if (color_) c = f.severity == Severity::Error ? "\x1b[31m" : f.severity == Severity::Warning ? "\x1b[33m" : "";
    std::string label = to_string(f.severity);
    label.resize(8, ' ');
    std::cout << c << label << (color_ ? "\x1b[0m" : "") << f.where << ": " << secrets::scrub(f.message) << "\n";
    if (!f.hint.empty()) std::cout << "        hint: " << f.hint << "\n";
    if (f.severity == Severity::Error) ++errors;
    if (f.severity == Severity::Warning) ++warnings;
  }
  void ok(const std::string& where, const std::string& text) override {
    std::cout << (color_ ? "\x1b[32mok\x1b[0m      " : "ok      ") << where << ": " << secrets::scrub(text) << "\n";
  }
  int errors = 0, warnings = 0;

 private:
  bool color_;
};

}  // namespace

int run_check(const GlobalOptions& g, const CheckOptions& o) {
  auto loaded = load_for_command(g, !o.offline, "check");
  if (!loaded) return exit_code::kUsage;
  FindingPrinter p(want_color(1));
  check_offline(loaded->manifest, p);
  if (!o.offline) check_database(loaded->manifest, loaded->database_url, loaded->target_name, p);
  std::cout << "\n" << p.errors << " error" << (p.errors == 1 ? "" : "s") << ", " << p.warnings << " warning"
            << (p.warnings == 1 ? "" : "s") << (o.strict ? " (--strict: warnings count)" : "") << "\n";
  if (p.errors > 0 || (o.strict && p.warnings > 0)) return exit_code::kFindings;
  return exit_code::kOk;
}

}  // namespace orch
