#include "alembic/driver_job.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "alembic/driver_source.h"
#include "process/group_watchdog.h"
#include "process/line_splitter.h"

namespace orch {

bool driver_forks() {
  const char* v = std::getenv("ORCHESTRATE_ALEMBIC_WARM");
  return !(v && std::string(v) == "0");
}

const DriverFailure* DriverRun::failure() const {
  for (const auto& e : events)
    if (e.type == DriverEvent::Type::Failure) return &e.failure;
  return nullptr;
}

DriverRun run_driver_job(DriverJobSpec spec, const std::function<void(const std::string&)>& on_line) {
  DriverRun run;
  boost::asio::io_context io;
  DriverJobHandlers h;
  h.on_line = [&](const std::string& l) {
    run.lines.push_back(l);
    if (on_line) on_line(l);
  };
  h.on_event = [&](const DriverEvent& e) { run.events.push_back(e); };
  h.on_exit = [&](const ChildExit& e) { run.exit = e; };
  DriverJob::start(io, std::move(spec), std::move(h));
  io.run();
  return run;
}

std::string driver_job_json(const DriverJobSpec& spec, bool with_env) {
  nlohmann::json j;
  j["cwd"] = spec.cwd.string();
  j["argv"] = spec.alembic_args;
  nlohmann::json limits = nlohmann::json::object();
  limits["lock_timeout_ms"] = spec.lock_timeout ? nlohmann::json(spec.lock_timeout->count()) : nlohmann::json();
  limits["statement_timeout_ms"] = spec.statement_timeout ? nlohmann::json(spec.statement_timeout->count()) : nlohmann::json();
  j["limits"] = limits;
  if (!spec.relation_locks_sql.empty()) j["relation_locks_sql"] = spec.relation_locks_sql;
  if (!spec.server_writes_sql.empty()) j["server_writes_sql"] = spec.server_writes_sql;
  if (!spec.version_table.empty()) j["version_table"] = {{"schema", spec.version_schema}, {"table", spec.version_table}};
  if (with_env) {
    nlohmann::json env = nlohmann::json::object();
    for (const auto& [k, v] : spec.env) env[k] = v;
    j["env"] = env;
  }
  return j.dump();
}


struct DriverJob::Impl {
  boost::asio::io_context& io;
  DriverJobSpec spec;
  DriverJobHandlers h;
  // Forked: stdout, stderr and events, read here; the zygote's job writes them.
  std::array<std::unique_ptr<boost::asio::posix::stream_descriptor>, 3> pipes;
  std::array<std::array<char, 8192>, 3> bufs{};
  std::array<LineSplitter, 3> lines;
  int open_pipes = 0;
  int pid = 0;               // the job's process (and group), from its job-started event
  bool started = false;      // a job-started event came
  std::optional<int> exit_code;
  int exit_signal = 0;
  bool timed_out = false, interrupted = false, finished = false, cold = false;
  std::shared_ptr<AsyncChild> cold_child;
  boost::asio::steady_timer timeout_timer, kill_timer;
  std::shared_ptr<DriverJob> keep_alive;  // until on_exit has run

  Impl(boost::asio::io_context& io_, DriverJobSpec s, DriverJobHandlers hs)
      : io(io_), spec(std::move(s)), h(std::move(hs)), timeout_timer(io_), kill_timer(io_) {}
};

DriverJob::DriverJob(boost::asio::io_context& io, DriverJobSpec spec, DriverJobHandlers h)
    : impl_(std::make_unique<Impl>(io, std::move(spec), std::move(h))) {}

DriverJob::~DriverJob() = default;

std::shared_ptr<DriverJob> DriverJob::start(boost::asio::io_context& io, DriverJobSpec spec, DriverJobHandlers h) {
  std::shared_ptr<DriverJob> job(new DriverJob(io, std::move(spec), std::move(h)));
  Impl& m = *job->impl_;
  m.keep_alive = job;
  if (m.spec.timeout) {
    std::weak_ptr<DriverJob> weak = job;
    m.timeout_timer.expires_after(*m.spec.timeout);
    m.timeout_timer.async_wait([weak](const boost::system::error_code& e) {
      auto self = weak.lock();
      if (e || !self || self->impl_->finished) return;
      self->impl_->timed_out = true;
      if (self->impl_->cold_child) self->impl_->cold_child->terminate();
      else self->kill_group(SIGTERM);
    });
  }
  if (m.spec.fork && driver_forks()) job->start_forked();
  else job->start_cold();
  return job;
}

void DriverJob::start_forked() {
  Impl& m = *impl_;
  int ours[3], theirs[3];
  for (int i = 0; i < 3; ++i) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      for (int k = 0; k < i; ++k) ::close(ours[k]), ::close(theirs[k]);
      return start_cold();
    }
    ours[i] = fds[0];
    theirs[i] = fds[1];
  }
  auto zygote = Zygote::get(m.spec.interpreter);
  bool sent = zygote->send(driver_job_json(m.spec, true), theirs[0], theirs[1], theirs[2]);
  for (int fd : theirs) ::close(fd);
  if (!sent) {
    for (int fd : ours) ::close(fd);
    return start_cold();
  }
  for (int i = 0; i < 3; ++i) {
    m.pipes[i] = std::make_unique<boost::asio::posix::stream_descriptor>(m.io, ours[i]);
    ++m.open_pipes;
    read(i);
  }
}

void DriverJob::read(int which) {
  Impl& m = *impl_;
  auto self = shared_from_this();
  m.pipes[which]->async_read_some(boost::asio::buffer(m.bufs[which]), [self, which](const boost::system::error_code& e, size_t n) {
    Impl& mm = *self->impl_;
    auto emit = [self, which](const std::string& l) {
      if (which == 2) self->on_event_line(l);
      else if (self->impl_->h.on_line) self->impl_->h.on_line(l);
    };
    if (n > 0) mm.lines[which].feed(mm.bufs[which].data(), n, emit);
    if (e) {
      mm.lines[which].flush(emit);
      boost::system::error_code ignore;
      mm.pipes[which]->close(ignore);
      --mm.open_pipes;
      self->maybe_finish();
      return;
    }
    self->read(which);
  });
}

void DriverJob::on_event_line(const std::string& line) {
  Impl& m = *impl_;
  auto e = parse_driver_event(line);
  if (!e) {
    if (m.h.on_line) m.h.on_line(line);  // not ours to hide: show it as output
    return;
  }
  if (e->type == DriverEvent::Type::Exit && !m.cold) {
    m.exit_code = e->exit_code;
    m.exit_signal = e->exit_signal;
    return;
  }
  if (e->type == DriverEvent::Type::JobStarted) {
    m.started = true;
    m.pid = e->pid;
    // The job is a grandchild in a group of its own: the watchdog kills that group if orchestrate dies
    // (before this, PDEATHSIG against the zygote, which dies with orchestrate, covers it).
    if (!m.cold) watch_process_group(m.pid);
    if ((m.interrupted || m.timed_out) && !m.cold) kill_group(SIGTERM);  // asked to stop before we knew whom
  }
  if (m.h.on_event) m.h.on_event(*e);
}

void DriverJob::maybe_finish() {
  Impl& m = *impl_;
  if (m.finished || m.open_pipes > 0 || m.cold) return;
  if (!m.started && !m.interrupted && !m.timed_out) {
    // The zygote died before forking this job: run it as its own process instead.
    return start_cold();
  }
  m.finished = true;
  m.timeout_timer.cancel();
  m.kill_timer.cancel();
  ChildExit x;
  if (m.exit_code) {
    x.code = *m.exit_code;
  } else if (m.exit_signal) {
    x.code = m.exit_signal;
    x.signaled = true;
  } else {
    x.code = 1;  // its zygote died while it ran: never report success
    x.signaled = true;
  }
  x.timed_out = m.timed_out;
  x.interrupted = m.interrupted && !m.timed_out;
  if (m.pid > 0) {
    ::kill(-m.pid, SIGKILL);  // whatever it left in its group goes too
    unwatch_process_group(m.pid);
  }
  auto self = shared_from_this();
  boost::asio::post(m.io, [self, x] {
    if (self->impl_->h.on_exit) self->impl_->h.on_exit(x);
    self->impl_->keep_alive.reset();
  });
}

void DriverJob::start_cold() {
  Impl& m = *impl_;
  m.cold = true;
  ChildSpec spec;
  spec.argv = alembic_driver_argv(m.spec.interpreter.python, {"job", driver_job_json(m.spec, false)});
  spec.cwd = m.spec.cwd;
  spec.env = m.spec.interpreter.python_env;
  spec.env.insert(spec.env.end(), m.spec.env.begin(), m.spec.env.end());
  spec.stdin_pipe = true;
  auto self = shared_from_this();
  std::weak_ptr<DriverJob> weak = self;
  spec.on_event_line = [weak](const std::string& l) {
    if (auto s = weak.lock()) s->on_event_line(l);
  };
  m.cold_child = AsyncChild::launch(
      m.io, spec,
      [weak](const std::string& l) {
        auto s = weak.lock();
        if (s && s->impl_->h.on_line) s->impl_->h.on_line(l);
      },
      [weak](const ChildExit& e) {
        auto s = weak.lock();
        if (!s) return;
        Impl& mm = *s->impl_;
        mm.finished = true;
        mm.timeout_timer.cancel();
        ChildExit x = e;
        x.timed_out = x.timed_out || mm.timed_out;
        if (x.timed_out) x.interrupted = false;
        if (mm.h.on_exit) mm.h.on_exit(x);
        mm.keep_alive.reset();
      });
  m.cold_child->write_stdin(std::string(alembic_driver_source()));
  m.cold_child->close_stdin();
  if (m.interrupted) m.cold_child->terminate();
}

void DriverJob::terminate() {
  Impl& m = *impl_;
  if (m.finished) return;
  m.interrupted = true;
  if (m.cold_child) m.cold_child->terminate();
  else kill_group(SIGTERM);
}

void DriverJob::kill_group(int sig) {
  Impl& m = *impl_;
  if (m.pid <= 0 || m.finished) return;  // not started yet: its job-started event does it
  ::kill(-m.pid, sig);
  if (sig == SIGTERM) {
    std::weak_ptr<DriverJob> weak = shared_from_this();
    m.kill_timer.expires_after(std::chrono::seconds(5));
    m.kill_timer.async_wait([weak](const boost::system::error_code& e) {
      auto s = weak.lock();
      if (e || !s || s->impl_->finished) return;
      s->kill_group(SIGKILL);
    });
  }
}

}  // namespace orch
