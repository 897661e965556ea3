#include "engine/lint_engine.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "migration_kind.h"
#include "util/duration.h"
#include "util/text.h"

namespace orch {

namespace {

bool pending_for_lint(const StatusReport* status, size_t i) {
  if (!status) return true;
  if (i >= status->services.size()) return false;
  const ServiceStatus& st = status->services[i];
  return !st.pending.empty() &&
         (st.state == service_state::kPending || st.state == service_state::kNotInitialised);
}

}  // namespace

LintOutcome lint_project(const Manifest& m, const LintScope& scope) {
  std::unique_ptr<DbTableCatalog> catalog;
  if (scope.db) catalog = std::make_unique<DbTableCatalog>(*scope.db);
  Linter linter(m.lint, catalog.get());
  LintOutcome out;
  auto lint_one = [&](const LintSource& src, bool parse_errors_reported_elsewhere) {
    auto found = linter.lint(src);
    if (found) {
      ++out.linted;
      for (auto& f : *found) out.findings.push_back(std::move(f));
    } else if (!parse_errors_reported_elsewhere) {
      out.not_linted.push_back({Severity::Info, src.file, "not linted: the parser refused it at " +
                                    found.error().where + ": " + found.error().message, "", src.service});
    }
  };
  std::vector<std::vector<int>> order = m.graph ? m.graph->waves() : std::vector<std::vector<int>>{};
  if (order.empty())
    for (size_t i = 0; i < m.services.size(); ++i) order.push_back({static_cast<int>(i)});
  for (const auto& wave : order)
    for (int i : wave) {
      const ServiceSpec& s = m.services[i];
      if (!scope.services.empty() && std::find(scope.services.begin(), scope.services.end(), i) == scope.services.end())
        continue;
      if (!pending_for_lint(scope.status, i)) continue;
      const MigrationKind& kind = migration_kind(s.runner);
      if (!scope.run_tools && !s.command.empty()) continue;  // its SQL comes from a tool we would have to start
      const ServiceStatus* st = scope.status ? &scope.status->services[i] : nullptr;
      auto sources = kind.lint_sources(s, st, scope.database_url);
      if (!sources) {
        out.not_linted.push_back({Severity::Warning, s.name, "not linted: " + sources.error().message, sources.error().hint, s.name});
        continue;
      }
      // A sql file that does not parse is already an error of `check` and of `up`.
      for (const auto& src : *sources) lint_one(src, !src.locate);
    }
  for (size_t i = 0; i < m.rls.files.size(); ++i)
    lint_one({"rls", m.rls.files_text[i], read_text_file(m.rls.files[i]), true, "public", {}}, true);
  return out;
}

Finding to_check_finding(const LintFinding& f, const LintPolicy& policy) {
  Finding out;
  out.where = f.where;
  out.service = f.service;
  out.rule = f.rule;
  out.hint = f.hint;
  out.message = f.message + " [" + f.rule + "]";
  if (f.allowed) {
    out.severity = Severity::Info;
    out.message += ", allowed: " + (f.reason.empty() ? std::string("no reason given") : f.reason);
    out.hint.clear();
  } else {
    out.severity = policy.is_error(f.rule) ? Severity::Error : Severity::Warning;
  }
  return out;
}

Status lint_gate(const Manifest& m, const StatusReport& before, Db& db, const std::string& url,
                 const std::vector<int>& selected, const std::function<void(const std::string&)>& note) {
  LintScope scope;
  scope.status = &before;
  scope.db = &db;
  scope.database_url = url;
  scope.run_tools = !m.lint.deny.empty();
  scope.services = selected;
  LintOutcome lint = lint_project(m, scope);
  std::vector<const LintFinding*> denied;
  size_t warnings = 0;
  for (const auto& f : lint.findings) {
    if (f.allowed) continue;
    if (m.lint.is_error(f.rule)) denied.push_back(&f);
    else ++warnings;
  }
  if (warnings > 0)
    note("lint: " + std::to_string(warnings) + " warning(s) in the pending SQL; `orchestrate check` shows them");
  if (denied.empty()) return ok();
  const LintFinding& first = *denied.front();
  for (const auto* f : denied)
    if (f != &first) note("error: " + f->where + ": " + f->message + " [" + f->rule + "]");
  return Error{first.message + " [" + first.rule + "]; " +
                   (denied.size() > 1 ? std::to_string(denied.size()) + " denied lint findings" : "a denied lint finding") +
                   " in the pending SQL, so nothing was changed",
               first.where,
               first.hint + "; or allow the statement with a comment `-- orchestrate:allow " + first.rule +
                   " <reason>` on the line before it" +
                   (m.lint.denies(first.rule) ? ", or remove \"" + first.rule + "\" from [lint] deny" : ""),
               3};
}

std::string lock_timeout_note(const Manifest& m) {
  if (!m.locks.lock_timeout) return "require-lock-timeout: lock_timeout is off in [project]: statements may queue behind a long transaction";
  return "require-lock-timeout is satisfied by orchestrate: every statement waits at most " +
         format_duration(*m.locks.lock_timeout) + " for a lock, retried " + std::to_string(m.locks.lock_retries) +
         " times";
}

}  // namespace orch
