// `orchestrate status`: where every service stands, read-only and lock-free.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "inspect/status_inspector.h"
#include "report/formats.h"
#include "status/plain_printer.h"

namespace orch {

int run_status(const GlobalOptions& g, const StatusOptions& o) {
  auto loaded = load_for_command(g);
  if (!loaded) return exit_code::kUsage;
  std::vector<ReportTarget> reports;
  std::string error;
  if (!parse_report_targets(o.reports, reports, error)) {
    std::cerr << "error: " << error << "\n";
    return exit_code::kUsage;
  }
  StatusReport r = inspect_status(loaded->manifest, loaded->database_url, "default");
  const std::string format = o.format.empty() ? "table" : o.format;
  if (format == "json") std::cout << status_to_json(r).dump(2) << "\n";
  else if (format == "markdown") std::cout << status_to_markdown(r);
  else render_status_table(r, std::cout, want_color(1));
  if (auto err = write_reports(reports, &r, nullptr); !err.empty()) {
    std::cerr << "error: " << err << "\n";
    return exit_code::kFailed;
  }
  bool unreachable = false;
  for (const auto& s : r.services) unreachable = unreachable || s.state == service_state::kUnreachable;
  if (o.check) return r.clean() ? exit_code::kOk : exit_code::kFindings;
  return unreachable ? exit_code::kFailed : exit_code::kOk;
}

}  // namespace orch
