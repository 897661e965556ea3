#include "alembic/zygote.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "alembic/driver_source.h"
#include "process/child_process.h"
#include "process/child_tracker.h"

namespace orch {

struct Zygote::Impl {
  ZygoteKey key;
  int control = -1;  // our end of the SOCK_SEQPACKET pair; the zygote's is its descriptor 3
  std::thread host;
  mutable std::mutex mu;
  bool dead = false;
  int pid = 0;
  OutputTail words{20};
};

namespace {

// The zygote's life on its host thread: launch, feed it the driver's source on stdin, collect what it
// prints itself, and notice when it dies. Returns when it has exited.
void host(Zygote::Impl* m, int child_end) {
  boost::asio::io_context io;
  ChildSpec spec;
  spec.argv = alembic_driver_argv(m->key.python, {"zygote"});
  spec.cwd = "/";  // nothing of orchestrate's directory on its import path; each job sets its own
  spec.env = m->key.python_env;
  spec.env.emplace_back("PYTHONUNBUFFERED", "1");
  spec.stdin_pipe = true;
  spec.child_fd3 = child_end;
  auto child = AsyncChild::launch(
      io, spec,
      [m](const std::string& line) {
        std::lock_guard<std::mutex> lock(m->mu);
        m->words.add(line);
      },
      [m](const ChildExit& e) {
        std::lock_guard<std::mutex> lock(m->mu);
        m->dead = true;
        if (!e.spawn_error.empty()) m->words.add(e.spawn_error);
      });
  ::close(child_end);  // the zygote holds its end: when it dies, sends fail
  {
    std::lock_guard<std::mutex> lock(m->mu);
    m->pid = child->pid();
  }
  std::string_view src = alembic_driver_source();
  child->write_stdin(std::string(src));
  child->close_stdin();
  io.run();
}

std::mutex registry_mu;

// Every zygote of this process; at exit each is told (end of its control socket) to leave once its
// jobs are done, and waited for.
struct Registry {
  std::map<ZygoteKey, std::shared_ptr<Zygote>> zygotes;
  ~Registry() {
    std::lock_guard<std::mutex> lock(registry_mu);
    zygotes.clear();
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

Zygote::Zygote(ZygoteKey key) : impl_(std::make_unique<Impl>()) {
  impl_->key = std::move(key);
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    impl_->dead = true;
    impl_->words.add(std::string("cannot create the zygote's socket: ") + std::strerror(errno));
    return;
  }
  impl_->control = sv[0];
  Impl* m = impl_.get();
  impl_->host = std::thread([m, end = sv[1]] { host(m, end); });
}

Zygote::~Zygote() {
  if (impl_->control >= 0) ::close(impl_->control);  // end-of-file: the zygote exits after its jobs
  if (impl_->host.joinable()) impl_->host.join();
}

std::shared_ptr<Zygote> Zygote::get(const ZygoteKey& key) {
  std::lock_guard<std::mutex> lock(registry_mu);
  auto& slot = registry().zygotes[key];
  if (!slot || !slot->alive()) {
    std::shared_ptr<Zygote> old = std::move(slot);
    slot.reset(new Zygote(key));
  }
  return slot;
}

bool Zygote::alive() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return !impl_->dead && impl_->control >= 0;
}

int Zygote::pid() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->pid;
}

std::vector<std::string> Zygote::last_words() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->words.lines();
}

bool Zygote::send(const std::string& job_json, int out_fd, int err_fd, int events_fd) {
  if (!alive()) return false;
  int fds[3] = {out_fd, err_fd, events_fd};
  char control[CMSG_SPACE(sizeof(fds))];
  std::memset(control, 0, sizeof(control));
  iovec iov{const_cast<char*>(job_json.data()), job_json.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(fds));
  std::memcpy(CMSG_DATA(c), fds, sizeof(fds));
  ssize_t n;
  do {
    n = ::sendmsg(impl_->control, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(job_json.size());
}

}  // namespace orch
