#pragma once
// The sql runner: applies NNNN_name.sql files natively over libpqxx, each in its own transaction
// together with its row in <schema>.orchestrate_migrations, so a file is either applied and recorded
// or neither. Blocking libpq work runs on the pool; results come back on the io_context.
#include <memory>
#include <mutex>
#include <set>

#include "runner_context.h"
#include "scheduler/runner.h"

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

// The ledger's DDL, shared with status, check and down.
std::string ledger_ddl(const std::string& quoted_schema, const std::string& quoted_table);

}  // namespace orch
