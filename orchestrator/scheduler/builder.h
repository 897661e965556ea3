#pragma once
// Drives a Plan to completion (ninja's Builder): starts what is ready through the ServiceRunner, feeds
// results back, and reports every event to the StatusPrinter. Everything happens on one io_context
// thread, so the Plan needs no locks and runners must never block it.
#include <boost/asio/io_context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "util/clock.h"
#include "scheduler/plan.h"
#include "scheduler/runner.h"
#include "scheduler/service_log.h"
#include "scheduler/status_printer.h"
#include "util/result.h"

namespace orch {

class Builder {
 public:
  Builder(boost::asio::io_context& io, const std::vector<ServiceSpec>& services, Plan& plan,
          ServiceRunner& runner, StatusPrinter& status, const Clock& clock);

  void set_logs(ServiceLog* logs) { logs_ = logs; }
  // Every job gets these; the per-service timeout comes from the manifest. `before` (optional) holds
  // one status per service, indexed like `services`, each outliving the run: handed to the runner
  // as it is (RunJob::before), never read here.
  void set_job_template(std::string database_url, std::string run_id, std::vector<const ServiceStatus*> before = {});

  // Asked before each batch of services starts, with their indexes: ok() lets them start; an Error says
  // why nothing more may start (the run lost its lock), and the run stops starting, as on Ctrl-C.
  void set_start_gate(std::function<Status(const std::vector<int>&)> gate) { gate_ = std::move(gate); }
  // ok() unless the gate stopped the run: then why.
  const Status& gate_refusal() const { return gate_refusal_; }

  // Starts the ready services; `on_done` runs once everything has finished or been skipped.
  void start(std::function<void()> on_done);

  // Ctrl-C: start nothing new, ask the runner to stop what is running.
  void interrupt();
  bool interrupted() const { return interrupted_; }

  // One result per selected service, once done: ran, skipped, or interrupted.
  RunResult result(int i) const;

 private:
  void start_ready();
  void finish_if_done();

  boost::asio::io_context& io_;
  const std::vector<ServiceSpec>& services_;
  Plan& plan_;
  ServiceRunner& runner_;
  StatusPrinter& status_;
  const Clock& clock_;
  ServiceLog* logs_ = nullptr;
  std::string database_url_;
  std::string run_id_;
  std::vector<const ServiceStatus*> before_;
  std::map<int, RunResult> results_;
  std::map<int, Clock::time_point> started_at_;
  std::map<int, std::unique_ptr<RunEvents>> events_;  // one per started job, to the printer and the log
  std::function<void()> on_done_;
  std::function<Status(const std::vector<int>&)> gate_;
  Status gate_refusal_ = ok();
  bool interrupted_ = false;
  bool finished_ = false;
};

}  // namespace orch
