#include "dashboard/terminal.h"

#include "status/terminal_caps.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

namespace orch {

int StdoutTerminal::width() const { return terminal_width(); }

void StdoutTerminal::write(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(1, bytes.data() + off, bytes.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace orch
