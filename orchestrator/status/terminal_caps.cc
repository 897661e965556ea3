#include "status/terminal_caps.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

namespace orch {

bool TerminalCaps::color(int fd) const {
  if (force_color) return true;
  if (no_color || term_dumb) return false;
  return fd == 2 ? stderr_tty : stdout_tty;
}

TerminalCaps TerminalCaps::detect(const std::function<const char*(const char*)>& getenv,
                                  const std::function<bool(int)>& isatty) {
  TerminalCaps c;
  c.stdin_tty = isatty(0);
  c.stdout_tty = isatty(1);
  c.stderr_tty = isatty(2);
  const char* term = getenv("TERM");
  c.term_set = term != nullptr;
  c.term_dumb = term && std::string(term) == "dumb";
  c.no_color = getenv("NO_COLOR") != nullptr;
  const char* force = getenv("CLICOLOR_FORCE");
  c.force_color = force && *force && std::string(force) != "0";
  return c;
}

const TerminalCaps& TerminalCaps::current() {
  static const TerminalCaps caps =
      detect([](const char* name) { return std::getenv(name); }, [](int fd) { return ::isatty(fd) == 1; });
  return caps;
}

int terminal_width() {
  struct winsize ws {};
  if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    int n = std::atoi(c);
    if (n > 0) return n;
  }
  return 80;
}

}  // namespace orch
