#pragma once
// The sql runner: applies NNNN_name.sql files natively (through the Db seam), each in its own
// transaction together with its ledger row (the kind's FileLedger: orchestrate_migrations for `sql`,
// Supabase's schema_migrations for `supabase`), so a file is either applied and recorded or neither.
// The steps come from sql_steps.h, the same `plan --sql` prints. Blocking database work runs on the
// pool; results come back on the io_context.
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runner_context.h"
#include "scheduler/runner.h"
#include "sql/sql_ledger.h"
#include "sql/sql_steps.h"

namespace orch {

struct SqlRunnerOptions {
  SqlApplyRules rules{&orchestrate_ledger(), true};
  BeforeCommit before_commit;
};

class SqlRunner : public ServiceRunner {
 public:
  using Options = SqlRunnerOptions;
  explicit SqlRunner(RunnerContext ctx, Options opt = Options()) : ctx_(ctx), opt_(std::move(opt)) {}
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
  void interrupt() override;

  struct Job;  // one service's run: its connection, so a timeout or interrupt can cancel its query

 private:
  RunnerContext ctx_;
  Options opt_;
  std::mutex mu_;
  std::set<std::shared_ptr<Job>> running_;
  bool interrupted_ = false;
};

}  // namespace orch
