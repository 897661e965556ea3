#include "cli/check_printers.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "util/secrets.h"

namespace orch {

namespace {

class TextPrinter : public CheckPrinter {
 public:
  explicit TextPrinter(bool color) : color_(color) {}
  void found(Finding f) override {
    if (!first_time(f)) return;
    const char* c = "";
    if (color_) c = f.severity == Severity::Error ? "\x1b[31m" : f.severity == Severity::Warning ? "\x1b[33m" : "";
    std::string label = to_string(f.severity);
    label.resize(8, ' ');
    std::cout << c << label << (color_ ? "\x1b[0m" : "") << f.where << ": " << secrets::scrub(f.message) << "\n";
    if (!f.hint.empty()) std::cout << "        hint: " << secrets::scrub(f.hint) << "\n";
    if (f.severity == Severity::Error) ++errors;
    if (f.severity == Severity::Warning) ++warnings;
  }
  void ok(const std::string& where, const std::string& text) override {
    std::cout << (color_ ? "\x1b[32mok\x1b[0m      " : "ok      ") << where << ": " << secrets::scrub(text) << "\n";
  }
  void finish(bool strict) override {
    std::cout << "\n" << errors << " error" << (errors == 1 ? "" : "s") << ", " << warnings << " warning"
              << (warnings == 1 ? "" : "s") << (strict ? " (--strict: warnings count)" : "") << "\n";
    std::cout << "check reads the files and runs Alembic offline; what only an online run shows (env.py, imports, "
                 "what PostgreSQL refuses, the locks taken): orchestrate rehearse\n";
  }

 private:
  bool color_;
};

class JsonPrinter : public CheckPrinter {
 public:
  void found(Finding f) override {
    if (!first_time(f)) return;
    if (f.severity == Severity::Error) ++errors;
    if (f.severity == Severity::Warning) ++warnings;
    nlohmann::ordered_json j;
    j["severity"] = to_string(f.severity);
    j["rule"] = f.rule.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(f.rule);
    j["where"] = secrets::scrub(f.where);
    j["service"] = f.service.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(f.service);
    j["message"] = secrets::scrub(f.message);
    j["hint"] = secrets::scrub(f.hint);
    findings_.push_back(std::move(j));
  }
  void ok(const std::string& where, const std::string& text) override {
    passed_.push_back({{"where", secrets::scrub(where)}, {"message", secrets::scrub(text)}});
  }
  void finish(bool strict) override {
    nlohmann::ordered_json doc;
    doc["schema_version"] = 1;
    doc["errors"] = errors;
    doc["warnings"] = warnings;
    doc["strict"] = strict;
    doc["findings"] = findings_;
    doc["ok"] = passed_;
    std::cout << doc.dump(2) << "\n";
  }

 private:
  nlohmann::ordered_json findings_ = nlohmann::ordered_json::array(), passed_ = nlohmann::ordered_json::array();
};

}  // namespace

std::unique_ptr<CheckPrinter> make_check_printer(const std::string& format, bool color) {
  if (format == "json") return std::make_unique<JsonPrinter>();
  return std::make_unique<TextPrinter>(color);
}

}  // namespace orch
