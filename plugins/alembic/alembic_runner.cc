#include "alembic/alembic_runner.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <set>

#include "alembic/revision_reader.h"
#include "db/database.h"
#include "process/failure_summary.h"
#include "util/text.h"

namespace orch {

namespace {

struct Precheck {
  std::optional<std::vector<std::string>> current;  // nullopt: no version table yet
  std::vector<std::string> heads;
  bool heads_known = false;  // every revision file was read
  std::string why_spawn;     // for the log: why Alembic had to start
  std::string db_error;      // the database could not be read at all
};

Precheck precheck(const RunJob& job) {
  const ServiceSpec& s = *job.service;
  Precheck p;
  if (auto dirs = versions_dirs_from_ini(s.path / s.config)) {
    std::vector<RevisionFile> files;
    for (const auto& d : *dirs) {
      auto set = RevisionSet::read_dir(d);
      files.insert(files.end(), set.files().begin(), set.files().end());
    }
    RevisionSet set = RevisionSet::from_files(std::move(files));
    if (set.complete()) {
      p.heads = set.heads();
      p.heads_known = true;
    } else {
      for (const auto& f : set.files())
        if (!f.error.empty()) {
          p.why_spawn = "cannot read " + f.path.filename().string() + " (" + f.error + "); asking Alembic";
          break;
        }
    }
  } else {
    p.why_spawn = "cannot locate the revision files from " + s.config + "; asking Alembic";
  }
  try {
    auto c = connect(job.database_url, "orchestrate/" + s.name);
    p.current = read_version_column(*c, s.version_schema, s.version_table, "version_num");
  } catch (const std::exception& e) {
    p.db_error = first_error_line(e.what());
  }
  return p;
}

std::optional<std::vector<std::string>> read_current(const RunJob& job) {
  try {
    auto c = connect(job.database_url, "orchestrate/" + job.service->name);
    return read_version_column(*c, job.service->version_schema, job.service->version_table, "version_num");
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

void AlembicRunner::start(const RunJob& job, LineFn on_line, DoneFn on_done) {
  boost::asio::post(ctx_.pool, [this, job, on_line, on_done] {
    Precheck p = precheck(job);
    boost::asio::post(ctx_.io, [this, job, on_line, on_done, p] {
      RunResult r;
      if (interrupted_) {
        r.outcome = Outcome::Interrupted;
        on_done(r);
        return;
      }
      if (!p.db_error.empty()) {
        r.outcome = Outcome::Failed;
        r.error = "cannot read " + job.service->version_schema + "." + job.service->version_table + ": " + p.db_error;
        on_done(r);
        return;
      }
      r.before = p.current.value_or(std::vector<std::string>{});
      if (p.heads_known && p.current && !p.heads.empty() && same_set(*p.current, p.heads)) {
        on_line("at head " + join(p.heads, "+") + " (read from the revision files); Alembic not started");
        r.outcome = Outcome::UpToDate;
        r.after = r.before;
        on_done(r);
        return;
      }
      if (!p.why_spawn.empty()) on_line(p.why_spawn);
      std::vector<std::string> argv = job.service->command;
      for (const char* a : {"-c", "", "upgrade", "head"}) argv.push_back(a);
      argv[argv.size() - 3] = job.service->config;
      std::string cmd_text = join(argv, " ");
      on_line("$ " + cmd_text);
      auto applied = std::make_shared<int>(0);
      spawn(
          job, argv,
          [on_line, applied](const std::string& l) {
            if (l.find("Running upgrade") != std::string::npos) ++*applied;
            on_line(l);
          },
          [this, job, on_done, r, cmd_text, applied](const ChildExit& e, const std::vector<std::string>& tail) mutable {
            r.applied = *applied;
            bool ok = e.spawn_error.empty() && !e.signaled && e.code == 0 && !e.timed_out && !e.interrupted;
            if (!ok) {
              FailureSummary f = summarize_failure(tail, e, cmd_text);
              r.outcome = e.interrupted ? Outcome::Interrupted : Outcome::Failed;
              r.error = f.error;
              r.details = f.details;
            } else {
              r.outcome = *applied > 0 ? Outcome::Applied : Outcome::UpToDate;
            }
            // What the database holds now, whatever happened: the report must tell the truth.
            boost::asio::post(ctx_.pool, [this, job, on_done, r]() mutable {
              auto now = read_current(job);
              boost::asio::post(ctx_.io, [on_done, r, now]() mutable {
                r.after = now.value_or(r.before);
                // Alembic runs the whole upgrade in one transaction: a failure rolls every step back.
                if (r.outcome != Outcome::Applied && r.outcome != Outcome::UpToDate && r.after == r.before)
                  r.applied = 0;
                on_done(std::move(r));
              });
            });
          });
    });
  });
}

}  // namespace orch
