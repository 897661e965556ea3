#pragma once
// The one ServiceRunner the scheduler talks to: one runner per registered kind, each service handed to
// its kind's runner. No switch on the kind: a new kind registered in kinds.cc is served here too.
#include <map>
#include <memory>

#include "migration_kind.h"

namespace orch {

class RunnerSet : public ServiceRunner {
 public:
  explicit RunnerSet(RunnerContext ctx) {
    for (const auto* kind : migration_kinds()) runners_[kind->name()] = kind->make_runner(ctx);
  }
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override {
    runners_.at(job.service->runner)->start(job, std::move(on_line), std::move(on_done));
  }
  void interrupt() override {
    for (auto& [k, r] : runners_) r->interrupt();
  }
  void expect(const std::vector<const ServiceSpec*>& services) override {
    for (auto& [k, r] : runners_) r->expect(services);
  }
  void shutdown() override {
    for (auto& [k, r] : runners_) r->shutdown();
  }

 private:
  std::map<std::string, std::unique_ptr<ServiceRunner>> runners_;
};

}  // namespace orch
