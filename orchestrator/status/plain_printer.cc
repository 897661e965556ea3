#include "status/plain_printer.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

#include "status/terminal_caps.h"
#include "util/clock_text.h"
#include "util/duration.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

bool want_color(int fd) { return TerminalCaps::current().color(fd); }

PlainPrinter::PlainPrinter(std::ostream& out, size_t name_width, bool color, std::string prefix)
    : out_(out), width_(name_width + prefix.size()), color_(color), prefix_(std::move(prefix)) {}

// One lock for every printer: targets migrating at once must not interleave half lines.
static std::mutex& output_mutex() {
  static std::mutex m;
  return m;
}

static std::string clock_now() { return format_time(std::chrono::system_clock::now(), "%H:%M:%S", Zone::Local); }

void PlainPrinter::emit(const std::string& who, const std::string& text) {
  std::lock_guard<std::mutex> lock(output_mutex());
  std::string name = prefix_ + who;
  if (name.size() < width_) name.append(width_ - name.size(), ' ');
  out_ << clock_now() << ' ' << name << " | " << secrets::scrub(text) << '\n' << std::flush;
}

void PlainPrinter::run_started(const RunHeader& h) {
  emit("orchestrate", "run " + h.run_id + ": " + counted(h.services, "service") + " of " + h.project +
                          " on " + h.target + " (" + h.database + "), up to " + std::to_string(h.max_parallel) +
                          " at once");
}

void PlainPrinter::service_started(const ServiceSpec& s) {
  emit(s.name, std::string("started (") + s.runner + ", schema " + s.schema + ")");
}

void PlainPrinter::service_line(const ServiceSpec& s, const std::string& line) { emit(s.name, line); }

void PlainPrinter::service_finished(const ServiceSpec& s, const RunResult& r) {
  std::string text;
  const char* on = "";
  const char* off = color_ ? "\x1b[0m" : "";
  switch (r.outcome) {
    case Outcome::Applied:
      on = color_ ? "\x1b[32m" : "";
      text = "applied " + std::to_string(r.applied) + " migration" + (r.applied == 1 ? "" : "s");
      break;
    case Outcome::UpToDate:
      on = color_ ? "\x1b[32m" : "";
      text = "up-to-date";
      break;
    case Outcome::Failed:
      on = color_ ? "\x1b[31m" : "";
      text = "FAILED: " + r.error;
      break;
    case Outcome::Interrupted:
      on = color_ ? "\x1b[33m" : "";
      text = "interrupted" + (r.error.empty() ? "" : ": " + r.error);
      break;
    case Outcome::Skipped:
      on = color_ ? "\x1b[33m" : "";
      text = "skipped (" + r.reason + ")";
      break;
  }
  emit(s.name, std::string(on) + text + off + " in " + format_duration(r.duration));
}

void PlainPrinter::note(const std::string& text) { emit("orchestrate", text); }

}  // namespace orch
