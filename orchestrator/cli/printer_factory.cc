#include "cli/printer_factory.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "dashboard/dashboard.h"
#include "report/status_report.h"
#include "status/plain_printer.h"
#include "status/terminal_caps.h"
#include "util/text.h"

namespace orch {

bool use_dashboard(const GlobalOptions& g) { return !g.no_dashboard && TerminalCaps::current().live_view(); }

bool want_color_stdout(const GlobalOptions&) { return want_color(1); }

namespace {

// Owns the terminal and the model behind a ServiceDashboardPrinter.
class OwningDashboardPrinter : public StatusPrinter {
 public:
  OwningDashboardPrinter(std::unique_ptr<Terminal> term, DashHeader header, std::vector<DashRow> rows,
                         const std::vector<const ServiceSpec*>& services,
                         std::map<std::string, std::pair<std::string, int>> pending)
      : term_(std::move(term)),
        dash_(*term_, std::move(header), std::move(rows), std::chrono::milliseconds(100)),
        inner_(dash_, services, std::move(pending)) {}
  void run_started(const RunHeader& h) override { inner_.run_started(h); }
  void service_started(const ServiceSpec& s) override { inner_.service_started(s); }
  void service_line(const ServiceSpec& s, const std::string& l) override { inner_.service_line(s, l); }
  void service_finished(const ServiceSpec& s, const RunResult& r) override { inner_.service_finished(s, r); }
  void migration_applied(const ServiceSpec& s, const MigrationStep& m) override { inner_.migration_applied(s, m); }
  void lock_waiting(const ServiceSpec& s, const LockWait& w) override { inner_.lock_waiting(s, w); }
  void note(const std::string& t) override { inner_.note(t); }
  void finish() override { dash_.finish(); }

 private:
  std::unique_ptr<Terminal> term_;
  Dashboard dash_;
  ServiceDashboardPrinter inner_;
};

}  // namespace

namespace {

std::unique_ptr<StatusPrinter> people_printer(const GlobalOptions& g, const Manifest& m, const std::vector<int>& selected,
                                              const std::string& target, const std::string& run_id,
                                              const StatusReport* before) {
  if (!use_dashboard(g)) {
    size_t width = 11;
    for (int i : selected) width = std::max(width, m.services[i].name.size());
    return std::make_unique<PlainPrinter>(std::cout, width, want_color(1));
  }
  DashHeader h;
  h.title = "orchestrate up " + m.project_name + " on " + target;
  h.run_id = run_id;
  h.started_at = DashClock::now();
  std::vector<DashRow> rows;
  std::vector<const ServiceSpec*> services;
  std::map<std::string, std::pair<std::string, int>> pending;
  for (int i : selected) {
    DashRow r;
    r.label = m.services[i].name;
    r.state = "queued";
    rows.push_back(r);
    services.push_back(&m.services[i]);
    if (before) {
      const ServiceStatus& s = before->services[i];
      if (s.state == service_state::kUntracked) continue;
      std::string cur = format_revisions(s.current);
      std::string head = format_revisions(s.heads);
      pending[s.name] = {cur == head ? cur : cur + " -> " + head, static_cast<int>(s.pending.size())};
    }
  }
  return std::make_unique<OwningDashboardPrinter>(std::make_unique<StdoutTerminal>(want_color(1)), h, rows, services,
                                                  pending);
}

}  // namespace

// The printer for people, and the event stream beside it when --events asked for one.
std::unique_ptr<StatusPrinter> make_printer(const GlobalOptions& g, const Manifest& m, const std::vector<int>& selected,
                                            const std::string& target, const std::string& run_id,
                                            const StatusReport* before) {
  auto printer = people_printer(g, m, selected, target, run_id, before);
  if (!g.stream) return printer;
  return std::make_unique<EventPrinter>(std::move(printer), g.stream);
}

void finish_printer(StatusPrinter& p) { p.finish(); }

}  // namespace orch
