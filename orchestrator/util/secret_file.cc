#include "util/secret_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace orch {

Result<std::string> read_secret_file(const std::string& path, std::chrono::milliseconds timeout) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Error{"cannot read " + path + ": " + std::strerror(errno)};
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Error{path + " is a directory, not a file holding a URL"};
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > kMaxSecretFileBytes) {
        ::close(fd);
        return Error{path + " holds more than 64 KiB: not a database URL"};
      }
      continue;
    }
    if (n == 0) break;  // end of file (or a FIFO with no writer)
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      int e = errno;
      ::close(fd);
      return Error{"cannot read " + path + ": " + std::strerror(e)};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    struct pollfd p {fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
      ::close(fd);
      return Error{path + " gave no data within " + std::to_string(timeout.count() / 1000) + "s"};
    }
  }
  ::close(fd);
  return out;
}

}  // namespace orch
