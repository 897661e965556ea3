// `orchestrate check`: everything that can be checked without changing anything.
#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "migration_kind.h"
#include "db/database.h"
#include "db/db.h"
#include "db/run_lock.h"
#include "inspect/status_inspector.h"
#include "status/plain_printer.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

class FindingPrinter {
 public:
  explicit FindingPrinter(bool color) : color_(color) {}
  void add(Finding f) {
    const char* c = "";
    if (color_) c = f.severity == Severity::Error ? "\x1b[31m" : f.severity == Severity::Warning ? "\x1b[33m" : "";
    std::string label = to_string(f.severity);
    label.resize(8, ' ');
    std::cout << c << label << (color_ ? "\x1b[0m" : "") << f.where << ": " << secrets::scrub(f.message) << "\n";
    if (!f.hint.empty()) std::cout << "        hint: " << f.hint << "\n";
    if (f.severity == Severity::Error) ++errors;
    if (f.severity == Severity::Warning) ++warnings;
  }
  void ok(const std::string& where, const std::string& text) {
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
  const Manifest& m = loaded->manifest;
  FindingPrinter p(want_color(1));
  p.ok(m.file.string(), "manifest valid: " + std::to_string(m.services.size()) + " services");

  // Runner availability: each distinct command once.
  std::set<std::string> probed;
  for (const auto& s : m.services) {
    const MigrationKind& kind = migration_kind(s.runner);
    std::string key = std::string(to_string(s.runner)) + "\x1f" + join(s.command, "\x1f");
    // A built-in kind (sql) has no tool to start.
    if (s.command.empty() || !probed.insert(key).second) continue;
    ProbeResult r = kind.probe(s);
    if (r.ok) p.ok("runner " + std::string(to_string(s.runner)), "`" + join(s.command, " ") + "`" +
                                                                 (r.version.empty() ? "" : ": " + r.version));
    else p.add({Severity::Error, "runner " + std::string(to_string(s.runner)) + " (service " + s.name + ")", r.error, r.hint, s.name});
  }

  // Migration files, read in C++.
  for (const auto& s : m.services) {
    const MigrationKind& kind = migration_kind(s.runner);
    std::vector<Finding> found = kind.check_files(s, m.dir);
    if (found.empty() && kind.tracks_versions()) p.ok(s.name, "migration files consistent");
    for (auto& f : found) {
      f.service = s.name;
      p.add(f);
    }
  }

  if (!o.offline) {
    const std::string& url = loaded->database_url;
    const std::string shown = secrets::redact_url(url);
    auto t0 = std::chrono::steady_clock::now();
    std::unique_ptr<Db> c;
    try {
      c = connect_db(url, "orchestrate/check");
    } catch (const std::exception& e) {
      p.add({Severity::Error, "database " + shown, "unreachable: " + first_error_line(e.what()),
             "is PostgreSQL running, and is the database in " + m.database.pos.str() + " right?", ""});
    }
    if (c) {
      auto ms = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - t0);
      Row row = c->query(
          "SELECT current_setting('server_version'), current_user, "
          "       has_database_privilege(current_user, current_database(), 'CREATE')",
          {}, TxKind::ReadOnly)[0];
      p.ok("database " + shown, "reachable in " + format_duration(ms) + ", PostgreSQL " + row[0].str());
      if (row[2].as_bool()) p.ok("database", "user " + row[1].str() + " may create schemas");
      else
        p.add({Severity::Error, "database", "user " + row[1].str() + " may not create schemas in this database",
               "GRANT CREATE ON DATABASE … TO " + row[1].str() + ", or create the schemas beforehand", ""});
      try {
        RunLock probe(*c, m.project_name);
        if (auto h = probe.holder())
          p.add({Severity::Warning, "run lock", "held by " + h->describe() + ": an `up` is running now",
                 "`up` will wait for it (--lock-wait)", ""});
        else
          p.ok("run lock", "free");
      } catch (const std::exception&) {
      }
      StatusReport st = inspect_status(m, c.get(), shown, loaded->target_name);
      for (const auto& s : st.services) {
        if (s.state == service_state::kUpToDate || s.state == service_state::kUntracked) {
          p.ok(s.name, s.state == service_state::kUpToDate ? "up to date" : "untracked (command runner)");
        } else if (s.state == service_state::kPending || s.state == service_state::kNotInitialised) {
          p.add({Severity::Info, s.name, std::to_string(s.pending.size()) + " pending (" + s.state + "): " + join(s.pending, ", "),
                 "", s.name});
        } else {
          p.add({Severity::Error, s.name, s.state + ": " + s.detail,
                 s.state == service_state::kTablesWithoutVersion ? "orchestrate baseline " + s.name + " --to REV records the revision the schema matches"
                 : s.state == service_state::kAhead ? "check out the revision files this database was migrated with, or baseline it"
                                                    : "",
                 s.name});
        }
      }
      if (st.rls_configured) {
        if (!st.rls.error.empty()) p.add({Severity::Error, "rls", "cannot verify: " + st.rls.error, "", ""});
        for (const auto& u : st.rls.uncovered)
          p.add({Severity::Warning, "rls", u.table + ": " + u.reason,
                 "the RLS phase of the next `up` must cover it, or list it in [rls] exclude", ""});
        if (!st.rls.bypass_roles.empty())
          p.add({Severity::Info, "rls", "roles that can log in and bypass RLS: " + join(st.rls.bypass_roles, ", "), "", ""});
      }
    }
  }

  std::cout << "\n" << p.errors << " error" << (p.errors == 1 ? "" : "s") << ", " << p.warnings << " warning"
            << (p.warnings == 1 ? "" : "s") << (o.strict ? " (--strict: warnings count)" : "") << "\n";
  if (p.errors > 0 || (o.strict && p.warnings > 0)) return exit_code::kFindings;
  return exit_code::kOk;
}

}  // namespace orch
