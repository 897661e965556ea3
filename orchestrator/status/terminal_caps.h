#pragma once
// What the terminal can do, decided once per process from the environment and the file descriptors:
// every printer, the dashboard, `status --watch` and the confirmation prompts ask here.
//   NO_COLOR (any value)      no colour, no live view (https://no-color.org)
//   CLICOLOR_FORCE (not "0")  colour even into a pipe
//   TERM unset or "dumb"      no live view; "dumb" also means no colour
//   COLUMNS                   the width when the terminal does not say
#include <functional>
#include <string>

namespace orch {

struct TerminalCaps {
  bool stdin_tty = false;
  bool stdout_tty = false;
  bool stderr_tty = false;
  bool term_set = false;     // TERM is set
  bool term_dumb = false;    // TERM=dumb
  bool no_color = false;     // NO_COLOR is set
  bool force_color = false;  // CLICOLOR_FORCE is set and not "0"

  // Colour escapes on fd 1 or 2.
  bool color(int fd) const;
  // The live, redrawing view (dashboard) on stdout.
  bool live_view() const { return !no_color && term_set && !term_dumb && stdout_tty; }
  // Can we ask a question (a terminal on stdin)?
  bool can_ask() const { return stdin_tty; }

  // From this process (the first call decides; later calls return the same).
  static const TerminalCaps& current();
  // From explicit sources, for tests.
  static TerminalCaps detect(const std::function<const char*(const char*)>& getenv, const std::function<bool(int)>& isatty);
};

// Columns of the terminal on stdout now (it can be resized), COLUMNS, or 80.
int terminal_width();

}  // namespace orch
