#pragma once
// The alembic runner: `<command> -c <config> upgrade head` in the service's directory, after a
// pre-check that reads the heads from the revision files and the current revision from the version
// table. When they match, Python is never started.
#include <map>
#include <memory>

#include "alembic/warm_workers.h"
#include "process/process_runner.h"

namespace orch {

class AlembicRunner : public ProcessRunner {
 public:
  using ProcessRunner::ProcessRunner;
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
  void interrupt() override;
  void expect(const std::vector<const ServiceSpec*>& services) override;
  void shutdown() override;

 private:
  // `<python> -m alembic` runs on a warm worker of that python; any other command as its own process.
  void run_alembic(const RunJob& job, std::vector<std::string> alembic_args, LineFn on_line,
                   std::function<void(const ChildExit&, const std::vector<std::string>&)> on_exit);
  AlembicWorkerPool& pool_for(const std::string& python);
  std::map<std::string, std::unique_ptr<AlembicWorkerPool>> pools_;
  std::map<std::string, int> expected_;
};

}  // namespace orch
