#pragma once
// The alembic runner: `<command> -c <config> upgrade head` in the service's directory, after a
// pre-check that reads the heads from the revision files and the current revision from the version
// table. When they match, Python is never started.
#include "process/process_runner.h"

namespace orch {

class AlembicRunner : public ProcessRunner {
 public:
  using ProcessRunner::ProcessRunner;
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
};

}  // namespace orch
