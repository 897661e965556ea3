#include "lint/lint_rules.h"

#include <algorithm>

namespace orch {

const std::vector<LintRule>& lint_rules() {
  static const std::vector<LintRule> rules = {
      {"require-concurrent-index-creation", "CREATE INDEX without CONCURRENTLY on an existing table blocks writes", false},
      {"ban-concurrent-index-creation-in-transaction", "CREATE INDEX CONCURRENTLY inside a transaction cannot run", true},
      {"constraint-missing-not-valid", "FOREIGN KEY or CHECK added to an existing table without NOT VALID", false},
      {"adding-field-with-default", "ADD COLUMN with a volatile default rewrites the table", false},
      {"adding-not-nullable-field", "SET NOT NULL without a validated CHECK (col IS NOT NULL) scans under a lock", false},
      {"adding-required-field", "ADD COLUMN … NOT NULL without a default fails on a table with rows", false},
      {"changing-column-type", "ALTER COLUMN … TYPE rewrites the table under an exclusive lock", false},
      {"renaming-column", "a renamed column breaks the running application", false},
      {"renaming-table", "a renamed table breaks the running application", false},
      {"ban-drop-column", "a dropped column breaks the running application", false},
      {"ban-drop-table", "a dropped table breaks the running application", false},
      {"disallowed-unique-constraint", "ADD UNIQUE builds its index under a lock that blocks writes", false},
      // Seen, not guessed: `rehearse` reads pg_locks before each migration commits in the shadow copy.
      {"access-exclusive-on-large-table", "a migration took ACCESS EXCLUSIVE on a table with rows (rehearse)", false},
  };
  return rules;
}

const LintRule* find_lint_rule(std::string_view id) {
  for (const auto& r : lint_rules())
    if (id == r.id) return &r;
  return nullptr;
}

bool LintPolicy::denies(std::string_view rule) const { return std::find(deny.begin(), deny.end(), rule) != deny.end(); }
bool LintPolicy::allows(std::string_view rule) const { return std::find(allow.begin(), allow.end(), rule) != allow.end(); }

bool LintPolicy::is_error(std::string_view rule) const {
  if (denies(rule)) return true;
  const LintRule* r = find_lint_rule(rule);
  return r && r->error_by_default;
}

}  // namespace orch
