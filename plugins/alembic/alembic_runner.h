#pragma once
// The alembic runner: `<command> -c <config> upgrade head` in the service's directory, after a
// pre-check that reads the heads from the revision files and the current revision from the version
// table. When they match, Python is never started.
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <random>
#include <set>
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
  void upgrade_attempt(const RunJob& job, RunResult r, std::vector<std::string> heads, std::string cmd_text, int attempt,
                       LineFn on_line, DoneFn on_done);
  void retry_after_lock_timeout(const RunJob& job, RunResult r, std::vector<std::string> heads, std::string cmd_text,
                                int attempt, LineFn on_line, DoneFn on_done);
  void finish_upgrade(const RunJob& job, RunResult r, const std::vector<std::string>& heads, const std::string& cmd_text,
                      const ChildExit& e, const std::vector<std::string>& tail, int attempt, const DoneFn& on_done);
  // `<python> -m alembic` runs on a warm worker of that python; any other command as its own process.
  void run_alembic(const RunJob& job, std::vector<std::string> alembic_args, LineFn on_line,
                   std::function<void(const ChildExit&, const std::vector<std::string>&)> on_exit);
  AlembicWorkerPool& pool_for(const std::string& python);
  std::map<std::string, std::unique_ptr<AlembicWorkerPool>> pools_;
  std::map<std::string, int> expected_;
  std::set<std::shared_ptr<boost::asio::steady_timer>> timers_;  // backoffs between lock-timeout attempts
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace orch
