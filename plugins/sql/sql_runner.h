#pragma once
// The sql runner: applies NNNN_name.sql files natively (through the Db seam), each in its own
// transaction together with its row in <schema>.orchestrate_migrations, so a file is either applied
// and recorded or neither. Blocking database work runs on the pool; results come back on the io_context.
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runner_context.h"
#include "scheduler/runner.h"
#include "sql/sql_ledger.h"

namespace orch {

class SqlRunner : public ServiceRunner {
 public:
  explicit SqlRunner(RunnerContext ctx) : ctx_(ctx) {}
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
  void interrupt() override;

  struct Job;  // one service's run: its connection, so a timeout or interrupt can cancel its query

 private:
  RunnerContext ctx_;
  std::mutex mu_;
  std::set<std::shared_ptr<Job>> running_;
  bool interrupted_ = false;
};

}  // namespace orch
