#include "scheduler/dry_run.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "scheduler/builder.h"
#include "scheduler/silent_printer.h"

namespace orch {

void DryRunRunner::start(const RunJob& job, LineFn, DoneFn on_done) {
  int index = static_cast<int>(job.service - services_->data());
  // Everything started before the next completion belongs to one round.
  if (batch_completions_ != completions_) {
    batches_.emplace_back();
    batch_completions_ = completions_;
  }
  batches_.back().push_back(index);
  pending_.push_back(std::move(on_done));
}

bool DryRunRunner::complete_oldest() {
  if (pending_.empty()) return false;
  DoneFn done = std::move(pending_.front());
  pending_.pop_front();
  ++completions_;
  RunResult r;
  r.outcome = Outcome::Applied;
  done(r);
  return true;
}

std::vector<std::vector<int>> dry_run_schedule(const std::vector<ServiceSpec>& services,
                                               const std::vector<int>& selected, PlanOptions opts) {
  boost::asio::io_context io;
  Plan plan(services, selected, opts);
  DryRunRunner runner;
  runner.set_index(services);
  SilentPrinter printer;
  SteadyClock clock;
  Builder builder(io, services, plan, runner, printer, clock);
  bool done = false;
  builder.start([&done] { done = true; });
  // Complete the started services one at a time, oldest first, as if every one took equally long.
  while (!done) {
    io.poll();
    if (done) break;
    if (!runner.complete_oldest()) break;
    io.poll();
  }
  return runner.batches();
}

}  // namespace orch
