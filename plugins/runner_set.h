#pragma once
// The one ServiceRunner the scheduler talks to: hands each service to the runner of its kind.
#include <memory>

#include "alembic/alembic_runner.h"
#include "command/command_runner.h"
#include "sql/sql_runner.h"

namespace orch {

class RunnerSet : public ServiceRunner {
 public:
  explicit RunnerSet(RunnerContext ctx) : alembic_(ctx), sql_(ctx), command_(ctx) {}
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override {
    switch (job.service->runner) {
      case RunnerKind::Alembic: return alembic_.start(job, std::move(on_line), std::move(on_done));
      case RunnerKind::Sql: return sql_.start(job, std::move(on_line), std::move(on_done));
      case RunnerKind::Command: return command_.start(job, std::move(on_line), std::move(on_done));
    }
  }
  void interrupt() override {
    alembic_.interrupt();
    sql_.interrupt();
    command_.interrupt();
  }
  void expect(const std::vector<const ServiceSpec*>& services) override { alembic_.expect(services); }
  void shutdown() override { alembic_.shutdown(); }

 private:
  AlembicRunner alembic_;
  SqlRunner sql_;
  CommandRunner command_;
};

}  // namespace orch
