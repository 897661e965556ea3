// libFuzzer target: what orchestrate does with a SQL file before running it: the text check (NUL,
// UTF-8), the parser and the splitter, transaction-control detection, the indexes a file creates, the
// linter with its allow comments, and policy expressions. Nothing crashes; statements lie inside the
// script, in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "lint/linter.h"
#include "util/sql_split.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!orch::check_text(text)) return 0;  // refused with its line before anything parses it
  size_t last = 0;
  for (const auto& st : orch::split_sql(text)) {
    if (st.offset > text.size() || st.offset < last || st.line < 1) std::abort();
    last = st.offset;
    (void)orch::is_transaction_control(st);
  }
  if (auto parsed = orch::parse_sql_trees(text)) {
    for (const auto& st : *parsed)
      if (st.offset + st.length > text.size()) std::abort();
  }
  (void)orch::indexes_created(text);
  (void)orch::allow_comments(text);
  orch::Linter linter({}, nullptr);
  for (bool in_tx : {true, false}) {
    auto found = linter.lint({"svc", "svc/0001.sql", text, in_tx, "app", {}});
    if (found)
      for (const auto& f : *found)
        if (f.rule.empty() || !orch::find_lint_rule(f.rule)) std::abort();
  }
  (void)orch::check_expression(text);
  return 0;
}
