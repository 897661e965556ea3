#pragma once
// One thing `orchestrate check` found: where it is, what is wrong, what to do.
#include <string>
#include <vector>

namespace orch {

enum class Severity { Error, Warning, Info };
const char* to_string(Severity s);

struct Finding {
  Finding() = default;
  Finding(Severity severity, std::string where, std::string message, std::string hint = "", std::string service = "",
          std::string rule = "")
      : severity(severity), where(std::move(where)), message(std::move(message)), hint(std::move(hint)),
        service(std::move(service)), rule(std::move(rule)) {}
  Severity severity = Severity::Error;
  std::string where;    // "path:line", "services.toml:12:3", a service name, or "database"
  std::string message;
  std::string hint;     // may be empty
  std::string service;  // may be empty
  std::string rule;     // the lint rule (docs/lint.md), empty for other findings
};

}  // namespace orch
