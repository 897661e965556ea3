#include "engine/check_engine.h"

#include <chrono>
#include <memory>
#include <set>

#include "db/database.h"
#include "db/db.h"
#include "db/pooler_probe.h"
#include "db/run_lock.h"
#include "engine/lint_engine.h"
#include "inspect/status_inspector.h"
#include "report/state_hint.h"
#include "migration_kind.h"
#include "util/connect_hint.h"
#include "rls/rls_phase.h"
#include "util/secrets.h"
#include "util/text.h"
#include "db/db_error.h"

namespace orch {

void check_offline(const Manifest& m, CheckSink& sink) {
  sink.ok(m.file.string(), "manifest valid: " + counted(m.services.size(), "service"));
  // Runner availability: each distinct command once. A built-in kind (sql) has no tool to start.
  std::set<std::string> probed;
  for (const auto& s : m.services) {
    std::string key = s.runner + "\x1f" + join(s.command, "\x1f");
    if (s.command.empty() || !probed.insert(key).second) continue;
    ProbeResult r = migration_kind(s.runner).probe(s);
    const std::string runner = "runner " + s.runner;
    if (r.ok) sink.ok(runner, "`" + join(s.command, " ") + "`" + (r.version.empty() ? "" : ": " + r.version));
    else sink.found({Severity::Error, runner + " (service " + s.name + ")", r.error, r.hint, s.name});
  }
  // The RLS phase's files, parsed as `up` and `rls` parse them.
  if (auto rls = check_rls_files(m); !rls)
    sink.found({Severity::Error, rls.error().where, rls.error().message, "the RLS phase of `up` and `rls` would refuse it", ""});
  else if (!rls_files(m).empty())
    sink.ok("rls", std::to_string(rls_files(m).size()) + " policy file(s) parse, without transaction control");
  // Migration files, read in C++.
  for (const auto& s : m.services) {
    const MigrationKind& kind = migration_kind(s.runner);
    std::vector<Finding> found = kind.check_files(s, m.dir);
    if (found.empty() && kind.tracks_versions()) sink.ok(s.name, "migration files consistent");
    for (auto& f : found) {
      f.service = s.name;
      sink.remember(f);
      sink.found(f);
    }
  }
}

namespace {

void check_service_states(const StatusReport& st, CheckSink& sink) {
  for (const auto& s : st.services) {
    if (s.state == service_state::kUpToDate || s.state == service_state::kUntracked) {
      sink.ok(s.name, s.state == service_state::kUpToDate ? "up to date" : "untracked (command runner)");
    } else if (s.state == service_state::kPending || s.state == service_state::kNotInitialised) {
      sink.found({Severity::Info, s.name, std::to_string(s.pending.size()) + " pending (" + to_string(s.state) + "): " + join(s.pending, ", "),
                  "", s.name});
    } else if (!sink.already_said(s.detail)) {  // a refused file: its error is above
      std::string hint = state_hint(s);  // the same words as status and up's refusal
      sink.found({Severity::Error, s.name, std::string(to_string(s.state)) + ": " + s.detail, hint, s.name});
    }
  }
  if (!st.rls_configured) return;
  if (!st.rls.error.empty()) sink.found({Severity::Error, "rls", "cannot verify: " + st.rls.error, "", ""});
  for (const auto& u : st.rls.uncovered)
    sink.found({Severity::Warning, "rls", u.table + ": " + u.reason,
                "the RLS phase of the next `up` must cover it, or list it in [rls] exclude", ""});
  if (!st.rls.bypass_roles.empty())
    sink.found({Severity::Info, "rls", "roles that can log in and bypass RLS: " + join(st.rls.bypass_roles, ", "), "", ""});
}

using ConnectionChecks = std::vector<std::pair<const ServiceSpec*, ConnectionCheck>>;

// Opens each service's migration connection the way `up` would (for Alembic: env.py online, through
// the driver) and reads what it runs with. A tool that fails here would fail in `up`: an error.
ConnectionChecks check_connections(const Manifest& m, const std::string& url, CheckSink& sink) {
  ConnectionChecks out;
  for (const auto& s : m.services) {
    auto c = migration_kind(s.runner).check_connection(s, url);
    if (!c) continue;
    if (!c->error.empty())
      sink.found({Severity::Error, c->where.empty() ? s.name : c->where,
                  "env.py fails when it connects, as `up` would run it: " + c->error,
                  "`alembic current` through orchestrate's driver failed; `up` would fail the same way", s.name});
    out.emplace_back(&s, std::move(*c));
  }
  return out;
}

// require-lock-timeout is reported satisfied only when it was seen in force on every connection that
// orchestrate does not open itself.
void report_lock_timeout(const Manifest& m, const ConnectionChecks* checks, CheckSink& sink) {
  if (!m.locks.lock_timeout || !checks) {
    sink.ok("lint", lock_timeout_note(m) + (checks ? "" : " (Alembic services' own connections are verified with a database)"));
    return;
  }
  bool all = true;
  for (const auto& [s, c] : *checks) {
    if (c.limits_in_force || !s->locks.lock_timeout) continue;
    all = false;
    if (c.error.empty())
      sink.found({Severity::Warning, s->name,
                  "require-lock-timeout is not satisfied for " + s->name + ": " +
                      (c.verified ? "its migration connection runs with " + c.detail : c.detail),
                  "statements of its migrations may queue behind a long transaction without bound; run it as "
                  "`<python> -m alembic` (orchestrate's driver merges lock_timeout into every connection), or set "
                  "lock_timeout in env.py",
                  s->name});
  }
  if (all) sink.ok("lint", lock_timeout_note(m) + " (seen in force on every migration connection)");
}

// A service whose env.py already failed above, for the same reason, is "not linted" in a few words.
Finding not_linted(const Finding& f, const ConnectionChecks* checks) {
  if (!checks) return f;
  for (const auto& [s, c] : *checks) {
    if (s->name != f.service || c.error.empty()) continue;
    const std::string cause = c.error.substr(0, c.error.find(" ("));
    if (f.message.find(cause) == std::string::npos) return f;
    return {f.severity, f.where, "not linted: its env.py fails (" + cause + ", above)",
            "once env.py imports, `orchestrate check` lints the SQL its revisions render", f.service};
  }
  return f;
}

void report_lint(const Manifest& m, const LintOutcome& lint, CheckSink& sink, const ConnectionChecks* checks) {
  for (const auto& f : lint.not_linted) sink.found(not_linted(f, checks));
  for (const auto& f : lint.findings) sink.found(to_check_finding(f, m.lint));
  size_t shown = lint.findings.size(), skipped = lint.not_linted.size();
  std::string not_linted = skipped == 0 ? "" : "; " + std::to_string(skipped) + " not linted (above, with why)";
  if (lint.linted == 0 && skipped > 0)
    sink.found({Severity::Warning, "lint", "nothing was linted: " + std::to_string(skipped) + " script(s) or service(s) not linted",
                "the reasons are above; `orchestrate rehearse` runs the migrations on a shadow copy instead", ""});
  else if (lint.linted == 0)
    sink.ok("lint", "nothing pending to lint");
  else
    sink.ok("lint", (shown == 0 ? "no findings in the SQL that would run" : std::to_string(shown) + " finding(s) above") +
                        " (" + std::to_string(lint.linted) + " script(s) linted" + not_linted + ")");
  report_lock_timeout(m, checks, sink);
}

}  // namespace

void check_lint_offline(const Manifest& m, CheckSink& sink) { report_lint(m, lint_project(m, LintScope{}), sink, nullptr); }

void check_database(const Manifest& m, const std::string& url, const std::string& target, CheckSink& sink, bool lint) {
  const std::string shown = secrets::redact_url(url);
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Db> c;
  try {
    c = connect_db(url, "orchestrate/check");
  } catch (const std::exception& e) {
    const std::string why = secrets::scrub(first_error_line(e.what()));
    sink.found({Severity::Error, "database " + shown, "unreachable: " + why,
                connect_hint(why) + " (the database is set at " + m.database.pos.str() + ")", ""});
    return;
  }
  auto ms = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - t0);
  try {
    Row row = c->query("SELECT current_setting('server_version'), current_user, "
                       "       has_database_privilege(current_user, current_database(), 'CREATE')",
                       {}, TxKind::ReadOnly)[0];
    sink.ok("database " + shown, "reachable in " + format_duration(ms) + ", PostgreSQL " + row[0].str());
    if (row[2].as_bool()) sink.ok("database", "user " + row[1].str() + " may create schemas");
    else
      sink.found({Severity::Error, "database", "user " + row[1].str() + " may not create schemas in this database",
                  "GRANT CREATE ON DATABASE … TO " + row[1].str() + ", or create the schemas beforehand", ""});
    if (auto probe = probe_session(*c, url); probe.pooled)
      sink.found({Severity::Error, "database " + shown, *probe.pooled, kPoolerHint, ""});
    if (auto h = RunLock(*c, m.project_name).holder())
      sink.found({Severity::Warning, "run lock", "held by " + h->describe() + ": an `up` is running now",
                  "`up` will wait for it (--lock-wait)", ""});
    else
      sink.ok("run lock", "free");
  } catch (const std::exception& e) {
    sink.found({Severity::Error, "database " + shown, db_error(e, "").message, "", ""});
    return;
  }
  StatusReport st = inspect_status(m, c.get(), shown, target);
  check_service_states(st, sink);
  ConnectionChecks checks = check_connections(m, url, sink);
  if (!lint) {
    report_lock_timeout(m, &checks, sink);
    return;
  }
  LintScope scope;
  scope.status = &st;
  scope.db = c.get();
  scope.database_url = url;
  report_lint(m, lint_project(m, scope), sink, &checks);
}

}  // namespace orch
