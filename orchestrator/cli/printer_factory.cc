#include "cli/printer_factory.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "status/plain_printer.h"

namespace orch {

bool use_dashboard(const GlobalOptions& g) {
  if (g.no_dashboard || std::getenv("NO_COLOR")) return false;
  const char* term = std::getenv("TERM");
  if (!term || std::string(term) == "dumb") return false;
  return isatty(1);
}

bool want_color_stdout(const GlobalOptions&) { return want_color(1); }

std::unique_ptr<StatusPrinter> make_printer(const GlobalOptions& g, const Manifest& m, const std::vector<int>& selected,
                                            const std::string& target) {
  size_t width = 11;
  for (int i : selected) width = std::max(width, m.services[i].name.size());
  return std::make_unique<PlainPrinter>(std::cout, width, want_color(1));
}

void finish_printer(StatusPrinter& p) { p.finish(); }

}  // namespace orch
