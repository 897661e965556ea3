#pragma once
// `plan` as ninja's `-n`: the real Builder drives the real Plan through a runner that runs nothing and
// reports success at once, so what `plan` shows is what `up` would schedule (exclusive services,
// shared schemas, max_parallel), not a separate wave computation.
#include <deque>
#include <vector>

#include "manifest/manifest.h"
#include "scheduler/plan.h"
#include "scheduler/runner.h"

namespace orch {

class DryRunRunner : public ServiceRunner {
 public:
  // Records each start in the batch of the Builder's current round (rounds end when a service ends).
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
  void interrupt() override {}
  // The services started together, round by round, as indexes into the services.
  const std::vector<std::vector<int>>& batches() const { return batches_; }
  void set_index(const std::vector<ServiceSpec>& services) { services_ = &services; }
  // Reports the oldest started service as applied; false when none is running.
  bool complete_oldest();

 private:
  const std::vector<ServiceSpec>* services_ = nullptr;
  std::vector<std::vector<int>> batches_;
  int completions_ = 0;
  int batch_completions_ = -1;
  std::deque<DoneFn> pending_;
};

// Runs the Builder over `selected` with a DryRunRunner; returns the batches in start order.
std::vector<std::vector<int>> dry_run_schedule(const std::vector<ServiceSpec>& services,
                                               const std::vector<int>& selected, PlanOptions opts);

}  // namespace orch
