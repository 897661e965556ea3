#pragma once
// The alembic runner: `<command> -c <config> upgrade head` in the service's directory, after a
// pre-check that reads the heads from the revision files and the current revision from the version
// table. When they match, Python is never started.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alembic/warm_workers.h"
#include "process/process_runner.h"

namespace orch {

// What the runner knows before deciding whether Alembic must start.
struct Precheck {
  std::optional<std::vector<std::string>> current;  // nullopt: no version table yet
  std::vector<std::string> heads;
  bool heads_known = false;  // every revision file was read
  std::string why_spawn;     // for the log: why Alembic had to start
  std::string db_error;      // the database could not be read at all
};

// True when Alembic need not start: the files were all read and the database holds exactly the heads.
bool alembic_at_head(const Precheck& p);

class AlembicRunner : public ProcessRunner {
 public:
  using ProcessRunner::ProcessRunner;
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
  void interrupt() override;
  void expect(const std::vector<const ServiceSpec*>& services) override;
  void shutdown() override;

 private:
  void start_with(const RunJob& job, const Precheck& p, LineFn on_line, DoneFn on_done);
  // `<python> -m alembic` runs on a warm worker of that python; any other command as its own process.
  void run_alembic(const RunJob& job, std::vector<std::string> alembic_args, LineFn on_line,
                   std::function<void(const ChildExit&, const std::vector<std::string>&)> on_exit);
  AlembicWorkerPool& pool_for(const std::string& python);
  std::map<std::string, std::unique_ptr<AlembicWorkerPool>> pools_;
  std::map<std::string, int> expected_;
};

}  // namespace orch
