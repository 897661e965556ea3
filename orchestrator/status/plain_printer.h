#pragma once
// One timestamped line per event, no escape codes: for CI logs, pipes, TERM=dumb and --no-dashboard.
#include <mutex>
#include <ostream>

#include "scheduler/status_printer.h"

namespace orch {

class PlainPrinter : public StatusPrinter {
 public:
  // `name_width` pads service names so streamed output lines up.
  PlainPrinter(std::ostream& out, size_t name_width, bool color, std::string prefix = "");
  void run_started(const RunHeader& h) override;
  void service_started(const ServiceSpec& s) override;
  void service_line(const ServiceSpec& s, const std::string& line) override;
  void service_finished(const ServiceSpec& s, const RunResult& r) override;
  void note(const std::string& text) override;

 private:
  void emit(const std::string& who, const std::string& text);
  std::ostream& out_;
  size_t width_;
  bool color_;
  std::string prefix_;  // "prod-eu/" when several targets share the screen
};

// Color on when writing to a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces it.
bool want_color(int fd);

}  // namespace orch
