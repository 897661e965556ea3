#include "util/secret_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "util/duration.h"
#include "util/text.h"

extern char** environ;

namespace orch {

Result<std::vector<std::string>> split_command_line(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) word += text[++i];
      else word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(word), word.clear(), in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return Error{std::string("unterminated ") + (quote == '"' ? "\"" : "'") + " quote in the command"};
  if (in_word) out.push_back(word);
  if (out.empty()) return Error{"the command is empty"};
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

// After the command exits, what it wrote is read for this long more; a background child that keeps
// stdout open is then no longer waited for.
constexpr std::chrono::milliseconds kAfterExit{500};

struct Captured {
  std::string out, err;
  int status = 0;
  bool exited = false;     // reaped: `status` is its wait status
  bool timed_out = false;
  bool too_long = false;   // stdout passed kMaxCommandOutputBytes
};

struct Fds {
  int out = -1, err = -1;
  ~Fds() {
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
  }
};

// posix_spawnp in a process group of its own (so a timeout can end its children too), stdin from
// /dev/null, default signal dispositions; only fds 0-2 are inherited (every other fd is O_CLOEXEC or closed).
int spawn(const std::vector<std::string>& argv, const std::string& cwd, int out_w, int err_w, pid_t& pid) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w, 1);
  posix_spawn_file_actions_adddup2(&fa, err_w, 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return rc;
}

// Reads both pipes until they close, the deadline passes, stdout grows past the bound, or the child
// exited kAfterExit ago; reaps the child without ever blocking past the deadline.
void collect(pid_t pid, Fds& fds, Clock::time_point deadline, Captured& c) {
  Clock::time_point stop_reading = Clock::time_point::max();
  for (;;) {
    if (!c.exited && ::waitpid(pid, &c.status, WNOHANG) == pid) {
      c.exited = true;
      stop_reading = std::min(deadline, Clock::now() + kAfterExit);
    }
    const auto now = Clock::now();
    if (fds.out < 0 && fds.err < 0 && c.exited) return;
    if (now >= stop_reading) return;
    if (now >= deadline) return void(c.timed_out = true);
    pollfd p[2] = {{fds.out, POLLIN, 0}, {fds.err, POLLIN, 0}};
    // Short ticks while the child runs: its exit is noticed even when a background child holds the pipes.
    auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(std::min(deadline, stop_reading) - now),
                         std::chrono::milliseconds(c.exited ? 1000 : 20));
    if (::poll(p, 2, static_cast<int>(std::max<long long>(wait.count(), 1))) < 0 && errno != EINTR) return;
    for (auto [fd, buf] : {std::pair<int*, std::string*>{&fds.out, &c.out}, {&fds.err, &c.err}}) {
      if (*fd < 0) continue;
      char chunk[4096];
      ssize_t n = ::read(*fd, chunk, sizeof chunk);
      if (n > 0) buf->append(chunk, static_cast<size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) ::close(*fd), *fd = -1;
    }
    if (c.out.size() > kMaxCommandOutputBytes) return void(c.too_long = true);
    if (c.err.size() > kMaxCommandOutputBytes) c.err.erase(0, c.err.size() - kMaxCommandOutputBytes);  // its last line is enough
  }
}

Result<Captured> run_captured(const std::vector<std::string>& argv, const std::string& cwd, std::chrono::milliseconds timeout) {
  if (!cwd.empty() && ::access(cwd.c_str(), X_OK) != 0)
    return Error{"cannot run `" + argv[0] + "` in " + cwd + ": " + std::strerror(errno)};
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Error{"cannot run `" + argv[0] + "`: " + std::strerror(errno)};
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    return Error{"cannot run `" + argv[0] + "`: " + std::strerror(errno)};
  }
  Fds fds{out[0], err[0]};
  // Only our ends are non-blocking: the flag belongs to the pipe end, and the child's must block.
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  pid_t pid = 0;
  int rc = spawn(argv, cwd, out[1], err[1], pid);
  ::close(out[1]), ::close(err[1]);
  if (rc == ENOENT) return Error{"command not found: " + argv[0]};
  if (rc != 0) return Error{"cannot run `" + argv[0] + "`: " + std::strerror(rc)};
  Captured c;
  collect(pid, fds, Clock::now() + timeout, c);
  if (!c.exited) {
    ::kill(-pid, SIGKILL);  // the whole group: a background child must not outlive a timeout
    ::waitpid(pid, &c.status, 0);
  } else if (c.timed_out || c.too_long) {
    ::kill(-pid, SIGKILL);
  }
  return c;
}

// What went wrong with the process itself, or "" when it exited 0.
std::string process_failure(const std::string& name, const Captured& c, std::chrono::milliseconds timeout) {
  if (c.too_long) return "`" + name + "` printed more than 64 KiB";
  if (c.timed_out) return "`" + name + "` did not finish within " + format_duration(timeout);
  std::string why;
  if (WIFSIGNALED(c.status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(c.status));
    why = "`" + name + "` was killed by " + (abbrev ? "SIG" + std::string(abbrev) : "signal " + std::to_string(WTERMSIG(c.status)));
  } else if (WIFEXITED(c.status) && WEXITSTATUS(c.status) != 0) {
    why = "`" + name + "` exited with code " + std::to_string(WEXITSTATUS(c.status));
  } else {
    return "";
  }
  std::vector<std::string> lines = split(trim(c.err), '\n');
  return why + (lines.empty() || lines.back().empty() ? "" : ": " + trim(lines.back()));
}

Result<std::string> run_once(const std::vector<std::string>& argv, const std::string& cwd,
                             std::chrono::milliseconds timeout, bool one_line) {
  auto c = run_captured(argv, cwd, timeout);
  if (!c) return c.error();
  if (std::string why = process_failure(argv[0], *c, timeout); !why.empty()) return Error{why};
  std::string answer = trim(c->out);
  if (answer.empty()) return Error{"`" + argv[0] + "` printed nothing"};
  if (one_line && answer.find('\n') != std::string::npos)
    return Error{"`" + argv[0] + "` printed " + std::to_string(split(answer, '\n').size()) +
                 " lines; a database URL is one line"};
  return answer;
}

}  // namespace

Result<std::string> run_command_output(const std::vector<std::string>& argv, const std::string& cwd,
                                       std::chrono::milliseconds timeout) {
  if (argv.empty()) return Error{"the command is empty"};
  return run_once(argv, cwd, timeout, false);
}

Result<std::string> run_secret_command(const std::string& command_line, std::chrono::milliseconds timeout) {
  static std::mutex mu;
  static std::map<std::string, Result<std::string>> cache;  // once per invocation, however many targets use it
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(command_line); it != cache.end()) return it->second;
  auto argv = split_command_line(command_line);
  Result<std::string> r = argv ? run_once(*argv, "", timeout, true) : Result<std::string>(argv.error());
  cache.emplace(command_line, r);
  return r;
}

}  // namespace orch
