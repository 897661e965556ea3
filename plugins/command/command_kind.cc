#include "command/command_kind.h"

#include <boost/process/search_path.hpp>

#include "command/command_runner.h"
#include "util/text.h"
#include "util/exit_codes.h"

namespace orch {

std::unique_ptr<ServiceRunner> CommandKind::make_runner(RunnerContext ctx) const {
  return std::make_unique<CommandRunner>(ctx);
}

void CommandKind::read_state(const ServiceSpec&, const VersionRows&, ServiceStatus& out) const {
  out.state = service_state::kUntracked;
  out.detail = "command runner: orchestrate cannot see its versions";
}

Result<std::string> CommandKind::offline_sql(const ServiceSpec& s, const ServiceStatus&, const std::string&) const {
  return "-- command runner: orchestrate cannot show the SQL of `" + join(s.command, " ") + "`\n";
}

Status CommandKind::downgrade(const ServiceSpec& s, const std::string&, StepContext&) const {
  return Error{s.name + " uses the command runner; orchestrate cannot downgrade it", "", "", exit_code::kUsage};
}

Status CommandKind::baseline(const ServiceSpec& s, const std::string&, bool, StepContext&) const {
  return Error{s.name + " uses the command runner; orchestrate cannot record its versions", "", "", exit_code::kUsage};
}

ProbeResult CommandKind::probe(const ServiceSpec& s) const {
  ProbeResult r;
  const std::string& exe = s.command.front();
  r.ok = exe.find('/') != std::string::npos ? std::filesystem::exists(exe) : !boost::process::search_path(exe).empty();
  if (!r.ok) {
    r.error = "`" + exe + "` (the command of service " + s.name + ") was not found";
    r.hint = "install it, or give its full path in the service's command";
  }
  return r;
}

}  // namespace orch
