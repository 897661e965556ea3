#include "process/group_watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

namespace orch {

namespace {

constexpr const char* kHiddenArg = "--orchestrate-group-watchdog";

// Our end of the socket pair to the watchdog, or -1. Close-on-exec: a child keeps it only between fork
// and exec, so once orchestrate is gone nothing holds it and the watchdog sees end-of-file.
std::atomic<int> g_fd{-1};

// One record per message: "+PGID\n" to watch, "-PGID\n" to forget. A SOCK_SEQPACKET socket delivers
// each send() whole, so the parent's threads and its children never interleave, and MSG_NOSIGNAL turns
// a dead watchdog into EPIPE instead of a SIGPIPE (a child between fork and exec must not die of it).
// Async-signal-safe: no allocation, no locale, no errno left changed.
void send_record(char sign, pid_t pgid) noexcept {
  int fd = g_fd.load(std::memory_order_relaxed);
  if (fd < 0 || pgid <= 1) return;
  char buf[24];
  char digits[20];
  int n = 0;
  for (unsigned long v = static_cast<unsigned long>(pgid); v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
  int len = 0;
  buf[len++] = sign;
  while (n > 0) buf[len++] = digits[--n];
  buf[len++] = '\n';
  int saved = errno;
  while (::send(fd, buf, static_cast<size_t>(len), MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
  errno = saved;
}

// The watchdog itself: collect groups until end-of-file, then SIGKILL those still registered.
[[noreturn]] void run_watchdog() {
  // Whatever descriptors came along (where posix_spawn could not close them): keep none of them open.
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
    for (int fd = 3; fd < 65536; ++fd) ::close(fd);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) ::signal(s, SIG_IGN);
  std::set<pid_t> groups;
  std::string pending;  // records arrive whole; the split on newlines is only belt and braces
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // orchestrate is gone (or exited): nothing holds the other end
    pending.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string rec = pending.substr(start, nl - start);
      if (rec.size() < 2 || (rec[0] != '+' && rec[0] != '-')) continue;
      long v = std::strtol(rec.c_str() + 1, nullptr, 10);
      if (v <= 1) continue;  // never kill(0) or kill(-1): our own group, or everything
      if (rec[0] == '+') groups.insert(static_cast<pid_t>(v));
      else groups.erase(static_cast<pid_t>(v));
    }
    pending.erase(0, start);
  }
  for (pid_t g : groups) ::kill(-g, SIGKILL);
  ::_exit(0);
}

// Runs before main in every program that links this file (glibc passes argc and argv to ELF
// constructors). Only the watchdog's own invocation stops here; for everything else it returns at once.
__attribute__((constructor)) void enter_watchdog_if_asked(int argc, char** argv, char**) {
  if (argc == 2 && argv && argv[1] && std::strcmp(argv[1], kHiddenArg) == 0) run_watchdog();
}

// posix_spawn of /proc/self/exe (fork+exec with nothing in between that a multithreaded parent could
// trip over): stdin is the watchdog's end of the socket pair, stdout and stderr /dev/null, every signal
// at its default, a process group of its own.
int spawn_watchdog(int read_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, read_fd, 0);
  // Not orchestrate's stdout and stderr: a pipe reader (`orchestrate up | cat`) must see end-of-file
  // when orchestrate ends, not when the watchdog does.
  ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Nothing else of orchestrate's: a child's pipe end held here (Boost's pipes are not close-on-exec)
  // would keep orchestrate waiting for that child's end-of-file forever.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  ::posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  ::posix_spawnattr_setsigdefault(&attr, &all);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  char name[] = "orchestrate-group-watchdog";
  char arg[] = "--orchestrate-group-watchdog";
  char* argv[] = {name, arg, nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, "/proc/self/exe", &actions, &attr, argv, ::environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  return rc;
}

}  // namespace

void prepare_group_watchdog() {
  static std::once_flag once;
  std::call_once(once, [] {
    int p[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) != 0) {
      std::fprintf(stderr, "warning: cannot start the process-group watchdog (socketpair: %s); if orchestrate is killed, "
                           "what its children started may outlive it\n", std::strerror(errno));
      return;
    }
    int rc = spawn_watchdog(p[0]);
    ::close(p[0]);
    if (rc != 0) {
      ::close(p[1]);
      std::fprintf(stderr, "warning: cannot start the process-group watchdog (/proc/self/exe: %s); if orchestrate is "
                           "killed, what its children started may outlive it\n", std::strerror(rc));
      return;
    }
    g_fd.store(p[1]);
  });
}

void watch_process_group(pid_t pgid) {
  prepare_group_watchdog();
  send_record('+', pgid);
}

void unwatch_process_group(pid_t pgid) { send_record('-', pgid); }

void watch_own_group_in_child() noexcept { send_record('+', ::getpid()); }

}  // namespace orch
