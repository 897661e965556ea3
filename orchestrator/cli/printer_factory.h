#pragma once
// How progress is shown: the live dashboard on a terminal, plain timestamped lines otherwise (CI,
// pipes, TERM=dumb, NO_COLOR, --no-dashboard).
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "manifest/manifest.h"
#include "report/status_report.h"
#include "scheduler/status_printer.h"

namespace orch {

bool use_dashboard(const GlobalOptions& g);
bool want_color_stdout(const GlobalOptions& g);

// `before`, when given, lets the dashboard show current -> head and done/total per service.
std::unique_ptr<StatusPrinter> make_printer(const GlobalOptions& g, const Manifest& m, const std::vector<int>& selected,
                                            const std::string& target, const std::string& run_id,
                                            const StatusReport* before);
void finish_printer(StatusPrinter& p);

}  // namespace orch
