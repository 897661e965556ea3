#pragma once
// The migration linter's rules, by squawk's names where squawk has one, and the project's choice of
// which are errors ([lint] deny) or off ([lint] allow). docs/lint.md explains each rule.
#include <string>
#include <string_view>
#include <vector>

namespace orch {

struct LintRule {
  const char* id;
  const char* summary;       // what it catches, one line
  bool error_by_default;     // it cannot work at all, so it is an error unless allowed
};

// Every rule, in docs/lint.md's order.
const std::vector<LintRule>& lint_rules();
const LintRule* find_lint_rule(std::string_view id);

// [lint] in services.toml.
struct LintPolicy {
  std::vector<std::string> deny;   // findings of these rules are errors: check exits 3, up refuses
  std::vector<std::string> allow;  // these rules are off project-wide
  bool denies(std::string_view rule) const;
  bool allows(std::string_view rule) const;
  // An error (denied, or an error by default and not allowed) rather than a warning.
  bool is_error(std::string_view rule) const;
};

}  // namespace orch
