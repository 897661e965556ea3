#include "engine/rehearse_engine.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include "db/database.h"
#include "db/db.h"
#include "engine/database_settings.h"
#include "engine/shadow_database.h"
#include "engine/shadow_url.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {
constexpr int kOk = 0, kFailed = 1, kUsage = 2, kWouldFail = 3, kInterrupted = 130;

Error interrupted() { return Error{"interrupted; the target was not changed and no shadow database is left", "", "", kInterrupted}; }

// Removes the dump (it holds the version rows and [rehearsal] data) whichever way the copy ends.
struct RemoveFile {
  std::filesystem::path p;
  ~RemoveFile() {
    std::error_code ec;
    std::filesystem::remove(p, ec);
  }
};
// One PostgreSQL instance, whatever URL reaches it: its cluster's id and the start of its postmaster.
std::string server_identity(Db& db) {
  return db.scalar("SELECT (SELECT system_identifier FROM pg_control_system())::text || ':' || "
                   "pg_postmaster_start_time()::text || ':' || current_setting('port')",
                   {}, TxKind::ReadOnly);
}

// The first service whose migration was refused for writing the server's roles or databases.
const ServiceReport* server_objects_changed(const RunReport& report) {
  for (const auto& s : report.services)
    if (s.result.server_objects) return &s;
  return nullptr;
}

// The rehearsal's part of the run report (report/rehearsal_summary.h).
RehearsalSummary summary_of(const RehearseOutcome& out, const std::string& shadow, bool roundtrip) {
  RehearsalSummary s;
  s.would_succeed = out.exit_code == kOk;
  s.exit_code = out.exit_code;
  s.shadow = shadow;
  s.dump = out.copy.dump;
  s.restore = out.copy.restore;
  s.run = out.run;
  s.locks = out.locks;
  s.roundtripped = roundtrip;
  s.roundtrip = out.roundtrip;
  s.missing_data = out.missing_data;
  return s;
}
// Dumps a killed rehearsal left (they hold version rows and [rehearsal] data): an hour old is no
// concurrent rehearsal's, whose dump holds only structure and takes seconds to write.
void remove_old_dumps(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fe;
    if (it->path().extension() == ".dump" && it->last_write_time(fe) < cutoff && !fe) std::filesystem::remove(it->path(), fe);
  }
}
}  // namespace

Status rehearsable(const Manifest& m, const std::vector<int>& selected) {
  for (int i : selected) {
    const ServiceSpec& s = m.services[i];
    for (const auto& [k, v] : s.env)
      if (k == "DATABASE_URL" || starts_with(v, "postgres"))
        return Error{"service " + s.name + " sets " + k + " in its env: a rehearsal would migrate that database, not the shadow",
                     s.pos.str(), "let the service read DATABASE_URL, which orchestrate points at the shadow", kUsage};
  }
  return ok();
}

Result<std::string> RehearseEngine::shadow_server(const ResolvedTarget& target) const {
  if (!cfg_.shadow_url.empty()) {
    std::string url = normalise_database_url(cfg_.shadow_url);
    if (auto as_url = url_with_database(url, "postgres"); !as_url)  // the shadow's name goes in its path
      return Error{"--shadow-url: " + as_url.error().message, "", as_url.error().hint, kUsage};
    return url;
  }
  if (!m_.rehearsal.server.spec.empty()) return resolve_database(m_.rehearsal.server);
  return target.url;
}

RehearseOutcome RehearseEngine::run(const ResolvedTarget& target, const PrinterFactory& printer_for, const NoteFn& note) {
  RehearseOutcome out;
  auto fail = [&](Error e) {
    out.exit_code = e.exit_code == kOk ? kFailed : e.exit_code;
    out.error = std::move(e);
    return out;
  };
  if (auto ok_ = rehearsable(m_, cfg_.up.selected); !ok_) return fail(ok_.error());
  auto server = shadow_server(target);
  if (!server) return fail(server.error());
  bool separate = *server != target.url;  // by its URL; below, by the server itself
  CopyPlan plan;
  TableSizes sizes;
  std::vector<DatabaseSetting> settings;  // ALTER DATABASE … SET: not in a dump without --create
  try {
    // Read-only for the whole session: nothing said on it can change the target.
    auto db = connect_db(target.url, "orchestrate/rehearse");
    db->query("SET default_transaction_read_only = on");
    plan = plan_copy(*db, m_);
    sizes = read_table_sizes(*db);
    settings = read_database_settings(*db);
    std::unique_ptr<Db> other;
    if (separate) {
      try {
        other = connect_db(*server, "orchestrate/rehearse");
      } catch (const DbError& e) {  // the shadow's server, not the target: say which
        return fail(Error{"cannot connect to the shadow's server: " + first_error_line(e.what()), secrets::redact_url(*server),
                          "check --shadow-url or [rehearsal] server; the target itself was read fine"});
      }
      // Another URL may name the target's own server (its postgres database, another user, a host alias):
      // then its roles are the target's, and the guard must be on.
      if (server_identity(*db) == server_identity(*other)) {
        separate = false;
        note("note: " + secrets::redact_url(*server) + " is the target's own server (the same PostgreSQL instance): "
             "migrations that change roles or databases are refused there, as on the target");
      }
    }
    if (separate) {
      auto obstacles = restore_obstacles(*db, *other);
      if (auto missing = roles_missing_there(*db, *other); !missing.empty() && obstacles.empty()) {
        const size_t shown = std::min<size_t>(missing.size(), 8);
        note("note: roles of " + target.name + "'s server that " + secrets::redact_url(*server) + " lacks: " +
             join(std::vector<std::string>(missing.begin(), missing.begin() + shown), ", ") +
             (missing.size() > shown ? " and " + std::to_string(missing.size() - shown) + " more" : "") +
             "; a migration that names one fails in the shadow where it would not on the target");
      }
      if (!obstacles.empty())
        return fail(Error{"the shadow's server cannot hold a copy of target " + target.name + ": " + join(obstacles, "; "),
                          secrets::redact_url(*server),
                          "create them on that server, or rehearse on the target's own server (leave out --shadow-url "
                          "and [rehearsal] server)"});
    }
  } catch (const DbError& e) {
    return fail(Error{"cannot read the target: " + first_error_line(e.what()), secrets::redact_url(target.url)});
  }
  out.missing_data = plan.missing_data;
  if (hub_.cancelled()) return fail(interrupted());
  std::filesystem::path dump = m_.dir / ".orchestrate" / "rehearsal" / (cfg_.up.run_id + ".dump");
  std::error_code ec;
  std::filesystem::create_directories(dump.parent_path(), ec);
  remove_old_dumps(dump.parent_path());
  RemoveFile cleanup{dump};
  {  // owner-only before pg_dump writes into it (it keeps an existing file's mode): it holds version rows and data
    std::ofstream(dump, std::ios::binary | std::ios::trunc);
    std::filesystem::permissions(dump, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  }
  std::vector<std::string> schemas;
  for (const auto& s : m_.services) schemas.push_back(s.schema);
  auto dumped = dump_target(target.url, plan, dump, m_.locks.lock_timeout.value_or(Millis(30000)), schemas, hub_);
  if (!dumped) return fail(dumped.error().exit_code == kInterrupted ? interrupted() : dumped.error());
  out.copy.dump = *dumped;
  auto shadow = ShadowDatabase::create(*server, cfg_.up.run_id, note);
  if (!shadow) return fail(shadow.error());
  note("rehearsal: copied " + target.name + "'s schema and version rows; restoring them into " + (*shadow)->name() +
       " on " + (separate ? secrets::redact_url(*server) : std::string("the target's server")));
  auto restored = restore_into((*shadow)->url(), dump, hub_);
  if (!restored) return fail(restored.error().exit_code == kInterrupted ? interrupted() : restored.error());
  out.copy.restore = *restored;
  try {
    for (const auto& p : apply_database_settings((*shadow)->url(), (*shadow)->name(), settings))
      note("warning: the shadow lacks " + target.name + "'s setting " + p);
  } catch (const DbError& e) {
    note("warning: the target's database settings were not copied to the shadow: " + first_error_line(e.what()));
  }
  std::map<std::string, std::vector<std::string>> before;  // --roundtrip: each service's schema before the run
  for (int i : cfg_.roundtrip ? cfg_.up.selected : std::vector<int>{})
    if (auto d = schema_dump((*shadow)->url(), m_.services[i].schema, hub_, version_tables(m_))) before[m_.services[i].name] = *d;
  std::vector<MigrationLocks> taken;
  run_in_shadow(target, (*shadow)->url(), !separate, sizes, printer_for, note, out, taken);
  const bool roundtrip = cfg_.roundtrip && out.exit_code == kOk;
  if (roundtrip) run_roundtrip((*shadow)->url(), !separate, before, taken, note, out);
  if (out.ran) out.up.report.rehearsal = summary_of(out, (*shadow)->name(), roundtrip);
  if (cfg_.keep && out.exit_code != kInterrupted) {
    (*shadow)->keep();
    out.kept = secrets::redact_url((*shadow)->url());
  } else if (auto dropped = (*shadow)->drop(); !dropped) {
    note("warning: " + dropped.error().text() + "; " + dropped.error().hint);
  }
  return out;
}

void RehearseEngine::run_in_shadow(const ResolvedTarget& target, const std::string& shadow_url, bool same_server,
                                   const TableSizes& sizes,
                                   const PrinterFactory& printer_for, const NoteFn& note, RehearseOutcome& out,
                                   std::vector<MigrationLocks>& taken) {
  UpConfig cfg = cfg_.up;
  cfg.record_locks = true;
  cfg.guard_server_objects = same_server;  // roles and databases there are the target's own
  cfg.command = "rehearse";
  UpEngine engine(m_, cfg, hub_);
  std::unique_ptr<LockRecorder> recorder;
  ResolvedTarget shadow{target.name, shadow_url, false};
  auto t0 = std::chrono::steady_clock::now();
  out.ran = true;
  out.up = engine.run(
      shadow,
      [&](const StatusReport* before) -> StatusPrinter& {
        recorder = std::make_unique<LockRecorder>(printer_for(before));
        return *recorder;
      },
      note);
  out.run = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - t0);
  if (recorder) taken = recorder->taken();
  out.locks = describe_locks(taken, sizes, target.name, m_.lint);
  bool denied = std::any_of(out.locks.begin(), out.locks.end(), [](const LockLine& l) { return l.denied; });
  const int up_rc = out.up.exit_code;
  if (up_rc == kInterrupted || hub_.cancelled()) {
    out.exit_code = kInterrupted;
  } else if (out.up.error) {
    // Refused before anything ran: a denied lint finding is what `up` would refuse too (3); anything
    // else (the shadow's lock, its connection) is the rehearsal's own failure.
    out.exit_code = out.up.error->exit_code == kWouldFail ? kWouldFail : kFailed;
    out.error = out.up.error;
  } else if (const ServiceReport* s = server_objects_changed(out.up.report)) {
    // Not something `up` would fail on: the rehearsal could not rehearse it where it ran.
    out.exit_code = kFailed;
    out.error = Error{"cannot rehearse " + s->name + " on the target's own server: a migration changes roles, databases "
                      "or tablespaces, which that server's databases share (rolled back, above)",
                      "", "rehearse on a throwaway server: --shadow-url postgresql://USER@HOST:PORT/postgres, or [rehearsal] server"};
  } else if (up_rc != kOk || denied) {
    out.exit_code = kWouldFail;
  } else {
    out.exit_code = kOk;
  }
}

void RehearseEngine::run_roundtrip(const std::string& shadow_url, bool same_server,
                                   const std::map<std::string, std::vector<std::string>>& before,
                                   const std::vector<MigrationLocks>& taken, const NoteFn& note, RehearseOutcome& out) {
  note("rehearsal: --roundtrip: downgrading what was applied, in reverse dependency order, then upgrading again");
  UpConfig up = cfg_.up;
  up.guard_server_objects = same_server;  // downgrades and the second up, as the first
  RoundtripInput in{m_, up, out.up.report, taken, before};
  auto t0 = std::chrono::steady_clock::now();
  try {
    out.roundtrip = roundtrip(in, shadow_url, hub_);
  } catch (const DbError& e) {
    out.roundtrip.push_back({"", "the roundtrip could not use the shadow: " + first_error_line(e.what()), {}});
  }
  out.run += std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - t0);
  const bool not_rehearsable = std::any_of(out.roundtrip.begin(), out.roundtrip.end(),
                                          [](const RoundtripFinding& f) { return f.server_objects; });
  if (hub_.cancelled()) {
    out.exit_code = kInterrupted;
  } else if (not_rehearsable) {  // as in the first up: not something the revisions got wrong
    out.exit_code = kFailed;
    out.error = Error{"cannot rehearse the roundtrip on the target's own server: a downgrade or the second up changes "
                      "roles, databases or tablespaces, which that server's databases share (rolled back, above)",
                      "", "rehearse --roundtrip on a throwaway server: --shadow-url postgresql://USER@HOST:PORT/postgres"};
  } else if (!out.roundtrip.empty()) {
    out.exit_code = kWouldFail;
  }
}

}  // namespace orch
