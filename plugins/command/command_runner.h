#pragma once
// The command runner: any tool (sqitch, flyway, a script) run as `command` in the service's directory,
// with the same environment, streaming, timeout and interrupt handling as Alembic. Exit 0 is success.
// orchestrate cannot see its revisions, so the report shows none.
#include "process/process_runner.h"

namespace orch {

class CommandRunner : public ProcessRunner {
 public:
  using ProcessRunner::ProcessRunner;
};

}  // namespace orch
