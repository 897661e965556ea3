#include "alembic/alembic_kind.h"

#include "alembic/alembic_ini.h"

#include <algorithm>
#include <map>
#include <set>
#include <mutex>
#include <regex>
#include <sstream>

#include "alembic/alembic_runner.h"
#include "alembic/graph_check.h"
#include "alembic/revision_reader.h"
#include "alembic/interpreter.h"
#include "alembic/zygote.h"
#include "alembic/driver_job.h"
#include "alembic/upgrade_target.h"
#include "db/held_locks.h"
#include "process/failure_summary.h"
#include "process/tool_run.h"
#include "util/secrets.h"
#include "util/sql_split.h"
#include "util/sql_text.h"
#include "util/text.h"

namespace orch {

std::unique_ptr<ServiceRunner> AlembicKind::make_runner(RunnerContext ctx) const {
  return std::make_unique<AlembicRunner>(ctx);
}

std::string AlembicKind::version_rows_sql(const std::string& rel) const {
  return "SELECT version_num::text, NULL::text, NULL::text FROM " + rel;
}

namespace {

// A service's revision files are read once per command, however many targets or steps ask: they do
// not change while orchestrate runs, and a rollout asks for every target from several threads.
std::optional<RevisionSet> revision_set(const ServiceSpec& s) {
  static std::mutex mu;
  static std::map<std::pair<std::filesystem::path, std::filesystem::path>, std::optional<RevisionSet>> cache;
  const auto key = std::make_pair(s.path / s.config, s.path);  // the ini, and where Alembic runs
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, read_revision_set(key.first, key.second)).first;
  return it->second;
}

// Why the revision files cannot be trusted, or "" (unreadable file, or a parent no file declares).
std::string revision_files_error(const ServiceSpec& s, const std::optional<RevisionSet>& set) {
  if (!set)
    return "cannot locate the revision files from " + s.path_text + "/" + s.config + " (" +
           version_locations_from_ini(s.path / s.config, s.path).why_not + ")";
  for (const auto& f : set->files())
    if (!f.error.empty()) return "cannot read " + f.path.filename().string() + ": " + f.error;
  // A chain with a parent no file declares cannot be applied: `upgrade head` fails on it.
  for (const auto& f : set->files())
    for (const auto& d : f.down_revisions)
      if (!set->find(d))
        return "broken revision chain: " + f.path.filename().string() + " names down_revision " + d +
               ", which no file declares; `orchestrate check` shows where";
  return "";
}

// Runs `alembic -c <config> ARGS...` through the driver (limits on every connection), lines to `line`.
Status run_driver_command(const ServiceSpec& s, const std::vector<std::string>& args, StepContext& ctx) {
  DriverJobSpec spec = driver_spec_for(s, args, ctx.database_url, ctx.run_id);
  if (ctx.guard_server_objects) spec.server_writes_sql = server_object_writes_sql();
  ctx.line("$ " + join(s.command, " ") + " " + join(spec.alembic_args, " "));
  DriverRun run = run_driver_job(std::move(spec), ctx.line);
  if (run.exit.succeeded()) return ok();
  if (const DriverFailure* f = run.failure()) {
    if (f->exception == "ServerObjectsChanged") ctx.refused_server_objects = true;  // the driver's own, by class
    std::string where = f->file.empty() ? "" : s.path_text + "/" + f->file + (f->line ? ":" + std::to_string(f->line) : "");
    return Error{secrets::scrub((f->revision.empty() ? "" : "revision " + f->revision + ": ") + f->exception + ": " + f->message),
                 where.empty() ? s.name : where};
  }
  return Error{summarize_failure(run.lines, run.exit, join(s.command, " ")).error, s.name};
}

// Runs `<command> -c <config> ARGS...` in the service's directory to completion, lines to `line`.
Status run_alembic_command(const ServiceSpec& s, const std::vector<std::string>& args, StepContext& ctx) {
  if (!driver_python_of(s.command).empty()) return run_driver_command(s, args, ctx);
  ToolSpec t;
  t.argv = s.command;
  t.argv.push_back("-c");
  t.argv.push_back(s.config);
  t.argv.insert(t.argv.end(), args.begin(), args.end());
  t.cwd = s.path;
  t.env = child_environment(s, ctx.database_url, ctx.run_id);
  t.timeout = s.timeout;
  t.on_line = ctx.line;
  ctx.line("$ " + join(t.argv, " "));
  ToolRun run = run_to_completion(t);
  if (run.succeeded()) return ok();
  return Error{run.failure_text(join(t.argv, " ")), s.name};
}

}  // namespace

namespace {

// Per branch label: its newest applied revisions (those no applied revision of the branch builds on),
// its heads, and what `up` would apply on it.
std::vector<BranchStatus> branch_states(const RevisionSet& set, const std::vector<std::string>& current,
                                        const std::vector<std::string>& pending) {
  std::vector<BranchStatus> out;
  const auto applied = set.ancestors(current);
  for (const auto& label : set.branch_labels()) {
    BranchStatus b;
    b.label = label;
    auto on_branch = [&](const std::string& r) {
      auto ls = set.labels_of(r);
      return std::find(ls.begin(), ls.end(), label) != ls.end();
    };
    std::set<std::string> built_on;
    for (const auto& r : applied)
      if (on_branch(r))
        for (const auto& d : set.find(r)->down_revisions) built_on.insert(d);
    for (const auto& r : applied)
      if (on_branch(r) && !built_on.count(r)) b.current.push_back(r);
    for (const auto& h : set.heads())
      if (on_branch(h)) b.heads.push_back(h);
    for (const auto& p : pending)
      if (on_branch(p)) b.pending.push_back(p);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

void AlembicKind::read_state(const ServiceSpec& s, const VersionRows& db, ServiceStatus& out) const {
  std::optional<RevisionSet> set = revision_set(s);
  if (set) out.heads = set->heads();
  for (const auto& r : db.rows) out.current.push_back(r.version);
  if (std::string file_error = revision_files_error(s, set); !file_error.empty()) {
    out.state = service_state::kError;
    out.detail = file_error;
    return;
  }
  const UpgradeTarget target = resolve_upgrade_target(s.target, *set);
  out.target = target.argument;
  if (!target.error.empty() && !s.target.empty()) {
    out.state = service_state::kError;
    out.detail = s.target_pos.str() + ": target \"" + s.target + "\": " + target.error + "; " + target.hint;
    return;
  }
  if (!db.table_exists) {
    if (db.tables > 0) {
      out.state = service_state::kTablesWithoutVersion;
      out.detail = "schema " + s.schema + " has " + std::to_string(db.tables) + " table(s) but no version table " +
                   s.version_schema + "." + s.version_table +
                   ": it was created outside migrations";
    } else {
      out.state = service_state::kNotInitialised;
    }
  }
  auto pending = set->pending_to(out.current, target.revisions);
  if (!pending) {
    std::vector<std::string> unknown;
    for (const auto& c : out.current)
      if (!set->find(c)) unknown.push_back(c);
    out.state = service_state::kAhead;
    out.detail = "the database holds revision " + join(unknown, ", ") +
                 ", which no revision file declares: history was squashed or deleted, or the database is ahead "
                 "of this checkout";
    return;
  }
  out.pending = *pending;
  // What the version table holds once `up` is done: the up-to-date check (and the run report's "after")
  // compares with these rather than with every head (a target, or a depends_on that joins two rows).
  out.heads = set->rows_after(out.current, out.pending);
  for (const auto& p : out.pending) out.pending_messages.push_back(set->find(p) ? set->find(p)->message : "");
  out.branches = branch_states(*set, out.current, out.pending);
  if (db.table_exists) out.state = out.pending.empty() ? service_state::kUpToDate : service_state::kPending;
}

namespace {

// Why offline mode failed, as far as its stderr says: an import or a config file fails online too, so
// saying "offline mode" there would send the reader the wrong way.
std::string offline_failure_hint(const std::vector<std::string>& err) {
  auto said = [&](const char* word) {
    return std::any_of(err.begin(), err.end(), [&](const std::string& l) { return l.find(word) != std::string::npos; });
  };
  if (said("ModuleNotFoundError") || said("ImportError"))
    return "an import failed (the service's interpreter lacks a module, or PYTHONPATH): `up` would fail the same way; "
           "install it for the interpreter [runners.alembic] names, then `orchestrate rehearse`";
  if (said("configparser") || said("InterpolationSyntaxError") || said("NoSectionError"))
    return "the service's " + std::string("alembic.ini") + " cannot be read (a '%' needs to be written '%%'): `up` would fail the same way";
  return "the migration must also work in Alembic's offline (--sql) mode: no queries through op.get_bind(), "
         "typed columns in bulk_insert; `orchestrate rehearse` runs it online on a shadow copy";
}

// Runs `alembic upgrade RANGE --sql` once; its SQL, scrubbed.
Result<std::string> offline_range(const ServiceSpec& s, const std::string& range, const std::string& url) {
  ToolSpec t;
  t.argv = s.command;
  for (const auto& a : {std::string("-c"), s.config, std::string("upgrade"), range, std::string("--sql")}) t.argv.push_back(a);
  t.cwd = s.path;
  t.env = child_environment(s, url, "plan");
  t.timeout = Millis(120000);
  t.split_stderr = true;
  ToolRun run = run_to_completion(t);
  if (!run.succeeded())
    return Error{"`" + join(t.argv, " ") + "` failed: " + run.failure_text(join(t.argv, " ")), s.name, offline_failure_hint(run.err)};
  std::string out;
  for (const auto& l : run.out) out += secrets::scrub(l) + "\n";
  return out;
}

}  // namespace

namespace {

// The schemas Alembic's offline SQL needs before its first line: it creates the version table before any
// migration runs, where `up`'s env.py has made the schema on its own connection. The version table's
// schema always; the service's, when the SQL does not create it itself with a plain CREATE SCHEMA (which
// would then fail).
std::string schema_preamble(const ServiceSpec& s, const std::string& sql) {
  std::string out = "CREATE SCHEMA IF NOT EXISTS " + quote_identifier(s.version_schema) + ";\n";
  if (s.schema.empty() || s.schema == s.version_schema) return out;
  if (auto stmts = parse_sql_trees(sql))
    for (const auto& st : *stmts) {
      const auto& c = st.tree.contains("CreateSchemaStmt") ? st.tree["CreateSchemaStmt"] : nlohmann::json();
      if (c.is_object() && c.value("schemaname", "") == s.schema && !c.value("if_not_exists", false)) return out;
    }
  return out + "CREATE SCHEMA IF NOT EXISTS " + quote_identifier(s.schema) + ";\n";
}

// The ranges from where `st` stands to the service's target (offline_steps).
Result<std::vector<OfflineRange>> offline_plan(const ServiceSpec& s, const ServiceStatus& st, bool per_revision) {
  std::vector<OfflineRange> ranges = {{st.current.empty() ? "head" : st.current.front() + ":head", st.pending}};
  if (auto set = revision_set(s); set && set->complete()) {
    const UpgradeTarget target = resolve_upgrade_target(s.target, *set);
    if (!target.error.empty() && !s.target.empty())
      return Error{s.target_pos.str() + ": target \"" + s.target + "\": " + target.error, s.name, target.hint};
    auto r = offline_steps(*set, st.current, target, per_revision);
    if (!r) return Error{"no offline SQL: " + r.error().message, s.name, r.error().hint};
    ranges = *r;
  }
  return ranges;
}

}  // namespace

// Alembic's own offline mode, from the current revisions to the service's target: the same migrations
// `up` runs. Offline mode starts a range at one revision, so a database on several branches gets one
// range per branch (offline_ranges), each printed under the command that made it.
Result<std::string> AlembicKind::offline_sql(const ServiceSpec& s, const ServiceStatus& st, const std::string& url) const {
  auto ranges = offline_plan(s, st, false);
  if (!ranges) return ranges.error();
  std::string out;
  for (const auto& range : *ranges) {
    auto sql = offline_range(s, range.range, url);
    if (!sql) return sql.error();
    if (ranges->size() > 1) out += "-- alembic upgrade " + range.range + " --sql\n";
    out += *sql;
  }
  return schema_preamble(s, out) + out;
}

// One piece per revision (or per range), each `alembic upgrade RANGE --sql` as Alembic prints it, so each
// holds its own transaction and version-table rows.
Result<std::vector<SqlPiece>> AlembicKind::offline_pieces(const ServiceSpec& s, const ServiceStatus& st,
                                                          const std::string& url, bool squash) const {
  auto ranges = offline_plan(s, st, !squash);
  if (!ranges) return ranges.error();
  std::vector<SqlPiece> out;
  for (const auto& range : *ranges) {
    auto sql = offline_range(s, range.range, url);
    if (!sql) return sql.error();
    const auto& revs = range.revisions;
    std::string label = revs.empty() ? "" : revs.size() == 1 ? revs.front() : revs.front() + "_to_" + revs.back();
    out.push_back({label, "-- alembic upgrade " + range.range + " --sql\n" + schema_preamble(s, *sql) + *sql});
  }
  return out;
}

// Alembic's offline SQL, which marks each revision with "-- Running upgrade A -> B": a finding points
// at the revision (and its file) and at the line of that SQL.
Result<std::vector<LintSource>> AlembicKind::lint_sources(const ServiceSpec& s, const ServiceStatus* st,
                                                         const std::string& url) const {
  ServiceStatus from_base;
  auto sql = offline_sql(s, st ? *st : from_base, url.empty() ? "postgresql://localhost/orchestrate-lint" : url);
  if (!sql) return sql.error();
  std::map<int, std::string> revision_at;  // first line of each revision's SQL -> its id
  static const std::regex running(R"(^-- Running upgrade .*-> ([^ ,]+))");
  std::istringstream in(*sql);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (std::smatch m; std::regex_search(line, m, running)) revision_at[n] = m[1];
  auto set = revision_set(s);
  LintSource src{s.name, s.path_text + " (offline SQL)", std::move(*sql), false, s.schema, {}};
  src.locate = [revision_at, set, s](int n) {
    auto it = revision_at.upper_bound(n);
    if (it == revision_at.begin()) return s.name + ": offline SQL line " + std::to_string(n);
    --it;
    const RevisionFile* f = set ? set->find(it->second) : nullptr;
    std::string file = f ? s.path_text + "/" + std::filesystem::relative(f->path, s.path).string() + " " : "";
    return file + "(revision " + it->second + ", offline SQL line " + std::to_string(n) + ")";
  };
  return std::vector<LintSource>{std::move(src)};
}

Status AlembicKind::downgrade(const ServiceSpec& s, const std::string& to, StepContext& ctx) const {
  return run_alembic_command(s, {"downgrade", to}, ctx);
}

Status AlembicKind::baseline(const ServiceSpec& s, const std::string& to, bool force, StepContext& ctx) const {
  std::vector<std::string> args = {"stamp"};
  if (force) args.push_back("--purge");
  args.push_back(to);
  return run_alembic_command(s, args, ctx);
}

// The zygote imports Alembic while the run finishes its prechecks; a service at head never needs it.
void AlembicKind::prepare(const ServiceSpec& s, const ServiceStatus& st) const {
  if (st.state == service_state::kUpToDate || !driver_forks()) return;
  if (std::string python = driver_python_of(s.command); !python.empty()) Zygote::prestart(interpreter_key(s, python));
}

bool AlembicKind::knows_version(const ServiceSpec& s, const std::string& to) const {
  if (to == "head" || to == "base") return true;
  auto set = revision_set(s);
  return set && set->find(to) != nullptr;
}

namespace {

// Compiles every revision file with the service's own Python (in memory: no .pyc is written) and turns
// each SyntaxError into a finding at file:line:column, so `check` fails where `up` would.
std::vector<Finding> python_syntax_findings(const ServiceSpec& s, const RevisionSet& set,
                                            const std::filesystem::path& root) {
  static const char* kCompile =
      "import sys\n"
      "for f in sys.argv[1:]:\n"
      "    try:\n"
      "        compile(open(f, 'rb').read(), f, 'exec')\n"
      "    except SyntaxError as e:\n"
      "        print('%s\\t%d\\t%d\\t%s' % (f, e.lineno or 0, e.offset or 0, e.msg))\n"
      "    except (OSError, ValueError) as e:\n"
      "        print('%s\\t0\\t0\\t%s' % (f, e))\n";
  std::string python = driver_python_of(s.command);
  ToolSpec t;
  t.argv = {python.empty() ? "python3" : python, "-c", kCompile};
  for (const auto& f : set.files()) t.argv.push_back(f.path.string());
  t.cwd = s.path;
  t.timeout = Millis(60000);
  t.split_stderr = true;
  ToolRun run = run_to_completion(t);
  std::vector<Finding> out;
  if (!run.succeeded()) return out;  // no Python: the runner probe reports that
  for (const auto& line : run.out) {
    auto f = split(line, '\t');
    if (f.size() < 4) continue;
    std::filesystem::path p = f[0];
    auto rel = p.lexically_relative(root);
    std::string where = (rel.empty() || starts_with(rel.string(), "..") ? p.string() : rel.string()) + ":" + f[1] +
                        (f[2] == "0" ? "" : ":" + f[2]);
    out.push_back({Severity::Error, where, "Python syntax error: " + f[3],
                   "`up` would fail importing this revision; fix the file", s.name});
  }
  return out;
}

}  // namespace

std::vector<Finding> AlembicKind::check_files(const ServiceSpec& s, const std::filesystem::path& root) const {
  auto set = revision_set(s);
  if (!set)
    return {{Severity::Warning, s.path_text + "/" + s.config,
             "cannot locate the revision files without Alembic (" +
                 version_locations_from_ini(s.path / s.config, s.path).why_not + ")",
             "the graph checks are skipped for " + s.name, s.name}};
  auto found = python_syntax_findings(s, *set, root);
  for (auto& f : check_revision_graph(*set, root, s.target)) found.push_back(std::move(f));
  for (auto& f : check_upgrade_target(s, *set)) found.push_back(std::move(f));
  return found;
}

// `alembic current` through the driver: env.py runs online as in `up` (its imports, its engine, its own
// connection options), Alembic reads the version table and changes nothing, and the driver reports what
// each connection runs with.
std::optional<ConnectionCheck> AlembicKind::check_connection(const ServiceSpec& s, const std::string& url) const {
  ConnectionCheck c;
  if (driver_python_of(s.command).empty()) {
    c.detail = "`" + join(s.command, " ") + "` is not `python -m alembic`: only PGOPTIONS reaches its connections, and "
               "libpq options that env.py passes replace it";
    return c;
  }
  DriverJobSpec spec = driver_spec_for(s, {"current"}, url, "check");
  spec.timeout = Millis(60000);
  DriverRun run = run_driver_job(std::move(spec));
  std::vector<std::string> seen;
  c.limits_in_force = true;
  for (const auto& e : run.events) {
    if (e.type != DriverEvent::Type::Connection) continue;
    c.verified = true;
    const auto& k = e.connection;
    c.limits_in_force = c.limits_in_force && k.limits_in_force;
    seen.push_back("lock_timeout " + (k.lock_timeout_ms ? format_duration(Millis(*k.lock_timeout_ms)) : std::string("?")) +
                   (k.set_after_connect ? " (SET after connecting: the startup options were dropped)" : ""));
  }
  if (!run.exit.succeeded()) {
    if (const DriverFailure* f = run.failure()) {
      c.error = secrets::scrub(f->exception + ": " + f->message);
      c.where = f->file.empty() ? "" : s.path_text + "/" + f->file + (f->line ? ":" + std::to_string(f->line) : "");
      if (!f->missing_module.empty())
        c.error += " (hint: " + f->python + " cannot import '" + f->missing_module + "': set python = \"venv\" | \"poetry\" | PATH)";
    } else {
      c.error = summarize_failure(run.lines, run.exit, "alembic current").error;
    }
  }
  if (!c.verified) c.limits_in_force = false;
  c.detail = seen.empty() ? "no connection was opened" : join(seen, "; ");
  return c;
}

ProbeResult AlembicKind::probe(const ServiceSpec& s) const {
  ProbeResult r;
  ToolSpec t;
  t.argv = s.command;
  t.argv.push_back("--version");
  t.cwd = s.path;
  t.timeout = Millis(30000);
  ToolRun run = run_to_completion(t);
  if (run.succeeded()) {
    r.ok = true;
    for (const auto& l : run.out)
      if (!trim(l).empty()) r.version = trim(l);
    return r;
  }
  FailureSummary f = summarize_failure(run.out, run.exit, join(s.command, " "));
  r.error = f.error;
  r.hint = f.details.empty() ? "check the command in [runners.alembic] or the service" : join(f.details, " ");
  return r;
}

}  // namespace orch
