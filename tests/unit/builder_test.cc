// The Builder with a fake runner and a fake clock: no database, no processes, exact timings.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <map>

#include "scheduler/builder.h"

using namespace orch;

namespace {

class FakeClock : public Clock {
 public:
  time_point now() const override { return t_; }
  void advance(Millis d) { t_ += d; }

 private:
  time_point t_{};
};

// Starts nothing real: the test finishes jobs by name, in any order it likes.
class FakeRunner : public ServiceRunner {
 public:
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override {
    started.push_back(job.service->name);
    on_line("hello from " + job.service->name);
    pending[job.service->name] = std::move(on_done);
    max_running = std::max(max_running, pending.size());
  }
  void interrupt() override {
    interrupts++;
    auto p = std::move(pending);
    pending.clear();
    for (auto& [name, done] : p) {
      RunResult r;
      r.outcome = Outcome::Interrupted;
      done(r);
    }
  }
  void finish(const std::string& name, Outcome o, int applied = 1) {
    auto done = std::move(pending.at(name));
    pending.erase(name);
    RunResult r;
    r.outcome = o;
    r.applied = applied;
    if (o == Outcome::Failed) r.error = name + " broke";
    done(r);
  }
  std::vector<std::string> started;
  std::map<std::string, DoneFn> pending;
  size_t max_running = 0;
  int interrupts = 0;
};

class RecordingStatus : public StatusPrinter {
 public:
  void run_started(const RunHeader&) override {}
  void service_started(const ServiceSpec& s) override { events.push_back("start " + s.name); }
  void service_line(const ServiceSpec& s, const std::string& l) override { events.push_back(s.name + ": " + l); }
  void service_finished(const ServiceSpec& s, const RunResult& r) override {
    events.push_back(std::string("end ") + s.name + " " + to_string(r.outcome));
  }
  void note(const std::string& t) override { events.push_back("note " + t); }
  std::vector<std::string> events;
};

ServiceSpec svc(std::string name, std::vector<std::string> deps = {}) {
  ServiceSpec s;
  s.name = name;
  s.schema = name;
  s.depends_on = std::move(deps);
  return s;
}

struct Harness {
  std::vector<ServiceSpec> services;
  boost::asio::io_context io;
  FakeRunner runner;
  RecordingStatus status;
  FakeClock clock;
  std::unique_ptr<Plan> plan;
  std::unique_ptr<Builder> builder;
  bool done = false;

  Harness(std::vector<ServiceSpec> s, PlanOptions o) : services(std::move(s)) {
    std::vector<int> sel;
    for (size_t i = 0; i < services.size(); ++i) sel.push_back(static_cast<int>(i));
    plan = std::make_unique<Plan>(services, sel, o);
    builder = std::make_unique<Builder>(io, services, *plan, runner, status, clock);
    builder->start([this] { done = true; });
    io.poll();
  }
  void step() {
    io.restart();
    io.poll();
  }
};

}  // namespace

TEST(Builder, RunsTheDagAndMeasuresWithTheClock) {
  Harness h({svc("users"), svc("habits", {"users"}), svc("meals", {"users"})}, {4, false});
  EXPECT_EQ(h.runner.started, std::vector<std::string>{"users"});
  h.clock.advance(Millis(1500));
  h.runner.finish("users", Outcome::Applied, 3);
  h.step();
  EXPECT_EQ(h.runner.started, (std::vector<std::string>{"users", "habits", "meals"}));
  EXPECT_EQ(h.runner.max_running, 2u);
  h.clock.advance(Millis(200));
  h.runner.finish("meals", Outcome::UpToDate, 0);
  h.runner.finish("habits", Outcome::Applied);
  h.step();
  EXPECT_TRUE(h.done);
  EXPECT_EQ(h.builder->result(0).duration, Millis(1500));
  EXPECT_EQ(h.builder->result(0).applied, 3);
  EXPECT_EQ(h.builder->result(2).duration, Millis(200));
  EXPECT_EQ(h.builder->result(2).outcome, Outcome::UpToDate);
  EXPECT_EQ(h.status.events.at(0), "start users");
  EXPECT_EQ(h.status.events.at(1), "users: hello from users");
}

TEST(Builder, FailureSkipsDependentsAndOthersFinish) {
  Harness h({svc("users"), svc("movements", {"users"}), svc("practices", {"movements"}), svc("journal", {"users"})},
            {4, false});
  h.runner.finish("users", Outcome::Applied);
  h.step();
  h.runner.finish("movements", Outcome::Failed);
  h.step();
  EXPECT_FALSE(h.done);  // journal still running
  h.runner.finish("journal", Outcome::Applied);
  h.step();
  EXPECT_TRUE(h.done);
  EXPECT_EQ(h.builder->result(1).outcome, Outcome::Failed);
  EXPECT_EQ(h.builder->result(2).outcome, Outcome::Skipped);
  EXPECT_EQ(h.builder->result(2).reason, "needs movements");
  EXPECT_EQ(h.builder->result(3).outcome, Outcome::Applied);
  EXPECT_EQ(std::count(h.runner.started.begin(), h.runner.started.end(), "practices"), 0);
}

TEST(Builder, JobsCapHoldsUnderLoad) {
  std::vector<ServiceSpec> s;
  for (int i = 0; i < 10; ++i) s.push_back(svc("s" + std::to_string(i)));
  Harness h(s, {3, false});
  while (!h.runner.pending.empty()) {
    h.runner.finish(h.runner.pending.begin()->first, Outcome::Applied);
    h.step();
  }
  EXPECT_TRUE(h.done);
  EXPECT_EQ(h.runner.started.size(), 10u);
  EXPECT_EQ(h.runner.max_running, 3u);
}

TEST(Builder, InterruptStopsStartingAndStopsRunning) {
  Harness h({svc("users"), svc("habits", {"users"}), svc("meals", {"users"}), svc("later", {"habits"})}, {4, false});
  h.runner.finish("users", Outcome::Applied);
  h.step();
  h.builder->interrupt();
  h.step();
  EXPECT_TRUE(h.done);
  EXPECT_TRUE(h.builder->interrupted());
  EXPECT_EQ(h.runner.interrupts, 1);
  EXPECT_EQ(h.builder->result(1).outcome, Outcome::Interrupted);
  EXPECT_EQ(h.builder->result(2).outcome, Outcome::Interrupted);
  EXPECT_EQ(h.builder->result(3).outcome, Outcome::Skipped);
  EXPECT_EQ(h.builder->result(3).reason, "interrupted");
  EXPECT_EQ(h.runner.started.size(), 3u);
}

TEST(Builder, FailFastLetsRunningFinish) {
  Harness h({svc("a"), svc("b"), svc("c")}, {2, true});
  h.runner.finish("a", Outcome::Failed);
  h.step();
  EXPECT_FALSE(h.done);
  EXPECT_EQ(h.runner.started.size(), 2u);  // c never starts
  h.runner.finish("b", Outcome::Applied);
  h.step();
  EXPECT_TRUE(h.done);
  EXPECT_EQ(h.builder->result(2).reason, "fail-fast: a failed");
}
