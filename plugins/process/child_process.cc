#include "process/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include <boost/asio/write.hpp>

#include "process/group_watchdog.h"
#include "process/line_splitter.h"

namespace bp = boost::process;

namespace orch {

namespace {

// Runs in the child between fork and exec: a process group of its own, so signals reach its children
// too; and every inherited descriptor beyond stdin/stdout/stderr closed at exec. Without that, a child
// keeps copies of other children's pipes (and of our database sockets): a worker would then never see
// end-of-file on its stdin while another child holds the write end.
struct NewProcessGroup : bp::extend::handler {
  pid_t parent = ::getpid();
  int fd3 = -1;  // becomes the child's descriptor 3 (see ChildSpec), the one descriptor beyond 2 it keeps
  template <class Executor>
  void on_exec_setup(Executor&) const {
    ::setpgid(0, 0);
    // PR_SET_PDEATHSIG below reaches only this child, not what it starts: the watchdog kills the whole
    // group if orchestrate dies. Registered from here, before exec, so nothing can escape in between.
    // Before keep_fd3: the watchdog's socket may itself be descriptor 3.
    watch_own_group_in_child();
    keep_fd3();
    // A child must not outlive orchestrate: if orchestrate is killed (SIGKILL, OOM), the kernel kills
    // the child too, so an orphaned Alembic worker can never commit after the run lock was freed. The
    // parent may have died between fork and prctl: then go at once.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const unsigned first = fd3 >= 0 ? 4u : 3u;
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, first, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
    struct rlimit rl {};
    long max_fd = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 ? static_cast<long>(rl.rlim_cur) : 1024;
    if (max_fd > 65536) max_fd = 65536;
    for (int fd = static_cast<int>(first); fd < max_fd; ++fd) {
      int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  }
  // dup2 onto 3 clears close-on-exec; when the descriptor already is 3, clear it by hand.
  void keep_fd3() const {
    if (fd3 < 0) return;
    if (fd3 == 3) {
      ::fcntl(3, F_SETFD, ::fcntl(3, F_GETFD) & ~FD_CLOEXEC);
    } else if (::dup2(fd3, 3) < 0) {
      ::_exit(127);
    }
  }
};

// This process's environment with `overrides` added or replacing, built from a map filled from environ.
// Not `env[key] = value` on boost::this_process::environment(): Boost 1.74's basic_environment::find
// compares with memcmp past the end of shorter entries (a heap over-read ASan reports on every child
// start; boostorg/process#180, #246). basic_environment_impl::set checks lengths first.
bp::environment inherited_environment_with(const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> vars;
  for (char** e = ::environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq && eq != *e) vars.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
  }
  for (const auto& [k, v] : overrides) vars[k] = v;
  bp::environment env;
  for (const auto& [k, v] : vars) env.set(k, v);
  return env;
}


}  // namespace

struct AsyncChild::Impl {
  boost::asio::io_context& io;
  ChildSpec spec;
  LineFn on_line;
  ExitFn on_exit;
  bp::async_pipe in;
  bp::async_pipe out;
  bp::async_pipe err;
  boost::asio::posix::stream_descriptor events;  // with on_event_line: read end of the child's descriptor 3
  std::deque<std::string> stdin_queue;
  bool writing = false;
  bool close_after_writes = false;
  std::unique_ptr<bp::child> child;
  std::array<char, 8192> out_buf{};
  std::array<char, 8192> err_buf{};
  std::array<char, 8192> events_buf{};
  LineSplitter out_lines, err_lines, event_lines;
  bool out_done = false, err_done = false, events_done = true, exited = false, finished = false;
  ChildExit result;
  boost::asio::steady_timer timeout_timer;
  boost::asio::steady_timer kill_timer;
  std::shared_ptr<AsyncChild> keep_alive;  // until on_exit has run: callbacks only hold weak references

  Impl(boost::asio::io_context& io_, ChildSpec s, LineFn l, ExitFn e)
      : io(io_), spec(std::move(s)), on_line(std::move(l)), on_exit(std::move(e)), in(io_), out(io_), err(io_),
        events(io_), timeout_timer(io_), kill_timer(io_) {}
};

AsyncChild::AsyncChild(boost::asio::io_context& io, ChildSpec spec, LineFn on_line, ExitFn on_exit)
    : impl_(std::make_unique<Impl>(io, std::move(spec), std::move(on_line), std::move(on_exit))) {}

AsyncChild::~AsyncChild() = default;

std::shared_ptr<AsyncChild> AsyncChild::launch(boost::asio::io_context& io, ChildSpec spec, LineFn on_line,
                                               ExitFn on_exit) {
  std::shared_ptr<AsyncChild> c(new AsyncChild(io, std::move(spec), std::move(on_line), std::move(on_exit)));
  c->start();
  return c;
}

void AsyncChild::start() {
  Impl& m = *impl_;
  auto self = shared_from_this();
  m.keep_alive = self;
  // A child that never started still reports through on_exit, once, on the next turn of the loop.
  auto fail_to_start = [this, &m](std::string why) {
    m.result.spawn_error = std::move(why);
    m.finished = true;
    report_exit();
  };
  if (m.spec.argv.empty()) return fail_to_start("empty command");
  boost::filesystem::path exe = m.spec.argv[0];
  if (m.spec.argv[0].find('/') == std::string::npos) {
    exe = bp::search_path(m.spec.argv[0]);
    if (exe.empty()) return fail_to_start("\"" + m.spec.argv[0] + "\" was not found on PATH");
  }
  bp::environment env = inherited_environment_with(m.spec.env);
  prepare_group_watchdog();  // before the fork: the child registers its group with it
  std::vector<std::string> args(m.spec.argv.begin() + 1, m.spec.argv.end());
  std::error_code ec;
  std::weak_ptr<AsyncChild> weak = self;
  NewProcessGroup group;
  group.fd3 = m.spec.child_fd3;
  int events_sink = -1;
  if (m.spec.on_event_line) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail_to_start(std::string("cannot create a pipe: ") + std::strerror(errno));
    m.events.assign(fds[0]);
    events_sink = fds[1];
    m.events_done = false;
    group.fd3 = events_sink;
  }
  m.child = std::make_unique<bp::child>(
      bp::exe = exe, bp::args = args, bp::start_dir = m.spec.cwd.string(), env, bp::std_in < m.in,
      bp::std_out > m.out, bp::std_err > m.err, m.io, group,
      bp::on_exit =
          [weak](int code, const std::error_code&) {
            auto s = weak.lock();
            if (!s) return;
            // Boost.Process may call this synchronously inside the child's constructor when the child
            // has already exited, before pid_ and child are set: handle it on the next turn instead.
            boost::asio::post(s->impl_->io, [s, code] {
              Impl& mm = *s->impl_;
              mm.exited = true;
              int native = mm.child ? mm.child->native_exit_code() : 0;
              mm.result.signaled = WIFSIGNALED(native);
              mm.result.code = code;
              s->maybe_finish();
            });
          },
      ec);
  if (ec) {
    if (events_sink >= 0) ::close(events_sink);
    if (m.child && m.child->id() > 0) unwatch_process_group(m.child->id());  // it registered, then exec failed
    return fail_to_start("cannot start " + exe.string() + ": " + ec.message());
  }
  pid_ = m.child->id();
  if (events_sink >= 0) ::close(events_sink);  // the child holds the write end now: its exit is our end-of-file
  if (!m.spec.stdin_pipe) {
    boost::system::error_code ignore;
    m.in.close(ignore);
  }

  // Read both pipes until EOF; each read re-arms itself.
  auto reader = [self](auto& pipe, std::array<char, 8192>& buf, LineSplitter& lines, bool& done, LineFn sink) {
    auto step = std::make_shared<std::function<void()>>();
    *step = [self, &pipe, &buf, &lines, &done, step, sink] {
      pipe.async_read_some(boost::asio::buffer(buf), [self, &buf, &lines, &done, step, sink](
                                                         const boost::system::error_code& e, size_t n) {
        if (n > 0) lines.feed(buf.data(), n, sink);
        if (e) {
          lines.flush(sink);
          done = true;
          self->maybe_finish();
          *step = nullptr;  // break the self-reference cycle
          return;
        }
        (*step)();
      });
    };
    (*step)();
  };
  reader(m.out, m.out_buf, m.out_lines, m.out_done, m.on_line);
  reader(m.err, m.err_buf, m.err_lines, m.err_done, m.spec.on_stderr_line ? LineFn(m.spec.on_stderr_line) : m.on_line);
  if (m.spec.on_event_line) reader(m.events, m.events_buf, m.event_lines, m.events_done, LineFn(m.spec.on_event_line));

  if (m.spec.timeout) {
    m.timeout_timer.expires_after(*m.spec.timeout);
    m.timeout_timer.async_wait([weak](const boost::system::error_code& e) {
      auto s = weak.lock();
      if (e || !s || s->impl_->finished) return;
      s->impl_->result.timed_out = true;
      s->kill_group(SIGTERM);
    });
  }
}

void AsyncChild::kill_group(int sig) {
  Impl& m = *impl_;
  if (pid_ <= 0 || m.finished) return;
  ::kill(-pid_, sig);
  if (sig == SIGTERM) {
    std::weak_ptr<AsyncChild> weak = shared_from_this();
    m.kill_timer.expires_after(m.spec.grace);
    m.kill_timer.async_wait([weak](const boost::system::error_code& e) {
      auto s = weak.lock();
      if (e || !s || s->impl_->finished) return;
      s->kill_group(SIGKILL);
    });
  }
}

void AsyncChild::write_stdin(std::string bytes) {
  impl_->stdin_queue.push_back(std::move(bytes));
  pump_stdin();
}

void AsyncChild::close_stdin() {
  impl_->close_after_writes = true;
  pump_stdin();
}

void AsyncChild::pump_stdin() {
  Impl& m = *impl_;
  if (m.writing) return;
  if (m.stdin_queue.empty()) {
    if (m.close_after_writes && m.in.is_open()) {
      boost::system::error_code ignore;
      m.in.close(ignore);
    }
    return;
  }
  if (!m.in.is_open()) {
    m.stdin_queue.clear();
    return;
  }
  m.writing = true;
  auto self = shared_from_this();
  boost::asio::async_write(m.in, boost::asio::buffer(m.stdin_queue.front()),
                           [self](const boost::system::error_code& e, size_t) {
                             Impl& mm = *self->impl_;
                             mm.writing = false;
                             mm.stdin_queue.pop_front();
                             if (e) mm.stdin_queue.clear();  // the child is gone; its exit says why
                             self->pump_stdin();
                           });
}

void AsyncChild::terminate() {
  impl_->result.interrupted = true;
  kill_group(SIGTERM);
}

void AsyncChild::maybe_finish() {
  Impl& m = *impl_;
  if (m.finished || !m.exited) return;
  if (pid_ <= 0) return;  // never kill(0) or kill(-1): that would signal our own group, or everything
  if (!(m.out_done && m.err_done && m.events_done)) {
    // The tool exited but something it started still holds the pipes open: stop the whole group, as
    // a half-finished background helper must not outlive the run.
    if (!m.result.signaled) ::kill(-pid_, SIGTERM);
    return;
  }
  m.finished = true;
  m.timeout_timer.cancel();
  m.kill_timer.cancel();
  // Whatever the tool left behind in its group goes too.
  ::kill(-pid_, SIGKILL);
  unwatch_process_group(pid_);
  report_exit();
}

// on_exit exactly once, on the next turn of the loop; then let go of ourselves.
void AsyncChild::report_exit() {
  auto self = shared_from_this();
  boost::asio::post(impl_->io, [self] {
    self->impl_->on_exit(self->impl_->result);
    self->impl_->keep_alive.reset();
  });
}

}  // namespace orch
