// Many workers, one rollout, through a PostgreSQL state database ([rollout] state): three workers
// started at once apply every target exactly once and agree on the outcome; a worker with another
// manifest is refused; a SIGKILLed worker's targets are taken over; the error budget is counted across
// workers and halts them all; --watch --format json reads the shared state.
#include <signal.h>

#include <nlohmann/json.hpp>

#include "fleet.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

const std::string kWaves =
    "[[rollout.wave]]\nname = \"first\"\ntargets = [\"t0\"]\n\n"
    "[[rollout.wave]]\nname = \"rest\"\ntargets = [\"*\"]\nmax_parallel = 2\nmax_failures = 0\n";

}  // namespace

TEST(SharedRollout, ThreeWorkersApplyEveryTargetExactlyOnce) {
  REQUIRE_DATABASE();
  Fleet f(8, "CREATE TABLE a (id int);\nSELECT pg_sleep(0.2);\n", kWaves);
  std::vector<std::unique_ptr<Orchestrate>> workers;
  for (int w = 0; w < 3; ++w)
    workers.push_back(std::make_unique<Orchestrate>(std::vector<std::string>{"rollout", "--run-id", "rel-1", "--yes"},
                                                    f.env(w), f.dir.path()));
  for (auto& w : workers) {
    auto r = w->wait();
    EXPECT_EQ(r.code, 0) << r.output;
  }
  for (int i = 0; i < 8; ++i) EXPECT_EQ(f.runs_on(i), 1) << "t" << i;
  EXPECT_EQ(f.control.scalar("SELECT outcome FROM orchestrate_rollout.rollouts WHERE run_id = 'rel-1'"), "succeeded");
  EXPECT_EQ(f.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE state = 'succeeded' AND runs = 1"), "8");
  // More than one worker took part, each named by its index, and the history says who.
  EXPECT_GE(std::stoi(f.control.scalar("SELECT count(DISTINCT worker) FROM orchestrate_rollout.targets")), 2);
  EXPECT_EQ(f.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE worker NOT LIKE 'worker-_@%'"), "0");
  EXPECT_NE(f.targets[0]->scalar("SELECT os_user FROM orchestrate.runs").rfind("worker-", 0), std::string::npos);
  // The first wave ended before the second began.
  EXPECT_EQ(f.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets r, orchestrate_rollout.targets t0 "
                             "WHERE t0.name = 't0' AND r.wave = 1 AND r.started_at < t0.finished_at"),
            "0");
  auto watch = run_orchestrate({"rollout", "--watch", "rel-1", "--format", "json"}, f.env(9), f.dir.path());
  ASSERT_EQ(watch.code, 0) << watch.output;
  EXPECT_EQ(nlohmann::json::parse(watch.output)["outcome"], "succeeded");
  // A worker arriving after the end reports the outcome and runs nothing.
  auto late = run_orchestrate({"rollout", "--run-id", "rel-1", "--yes"}, f.env(3), f.dir.path());
  EXPECT_EQ(late.code, 0) << late.output;
  EXPECT_NE(late.output.find("already ended: succeeded"), std::string::npos) << late.output;
  for (int i = 0; i < 8; ++i) EXPECT_EQ(f.runs_on(i), 1) << "t" << i;
}

TEST(SharedRollout, AWorkerWithAnotherManifestIsRefusedNamingTheDifference) {
  REQUIRE_DATABASE();
  Fleet f(2, "CREATE TABLE a (id int);\nSELECT pg_sleep(1);\n", kWaves);
  Orchestrate first({"rollout", "--run-id", "rel-2", "--yes"}, f.env(0), f.dir.path());
  ASSERT_TRUE(first.wait_for_output("created by worker-0@", 10s)) << first.output();
  f.dir.write("other/0001_b.sql", "SELECT 1;\n");
  f.manifest(kWaves, "\n[services.other]\nschema = \"other\"\nrunner = \"sql\"\npath = \"other\"\n");
  auto joiner = run_orchestrate({"rollout", "--run-id", "rel-2", "--yes"}, f.env(1), f.dir.path());
  EXPECT_EQ(joiner.code, 2) << joiner.output;
  EXPECT_NE(joiner.output.find("services: this worker has other:sql:other, the rollout has not"), std::string::npos)
      << joiner.output;
  EXPECT_EQ(first.wait().code, 0);
}

TEST(SharedRollout, AKilledWorkersTargetIsTakenOverAndTheBudgetHaltsEveryWorker) {
  REQUIRE_DATABASE();
  Fleet f(4, "CREATE TABLE a (id int);\nSELECT pg_sleep(2);\n",
          "[[rollout.wave]]\nname = \"all\"\ntargets = [\"*\"]\nmax_parallel = 1\n");
  Orchestrate doomed({"rollout", "--run-id", "rel-3", "--yes"}, f.env(0), f.dir.path());
  ASSERT_TRUE(doomed.wait_for_output("applying 0001_a.sql", 15s)) << doomed.output();
  Orchestrate survivor({"rollout", "--run-id", "rel-3", "--yes"}, f.env(1), f.dir.path());
  ASSERT_TRUE(survivor.wait_for_output("joined by worker-1@", 10s)) << survivor.output();
  doomed.signal(SIGKILL);
  doomed.wait();
  auto r = survivor.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(f.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE state = 'succeeded'"), "4");
  EXPECT_EQ(f.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE runs = 2"), "1");  // taken over
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.targets[i]->scalar("SELECT count(*) FROM app.orchestrate_migrations"), "1");

  // A failing target on one worker halts the other too: the budget is the rollout's, not the worker's.
  Fleet g(6, "CREATE TABLE a (id int);\nSELECT pg_sleep(0.3);\n",
          "[[rollout.wave]]\nname = \"all\"\ntargets = [\"*\"]\nmax_parallel = 1\nmax_failures = 0\n");
  g.targets[0]->exec("CREATE SCHEMA app; CREATE TABLE app.a (id int)");  // t0 fails: "a" already exists
  Orchestrate w0({"rollout", "--run-id", "rel-4", "--yes"}, g.env(0), g.dir.path()),
      w1({"rollout", "--run-id", "rel-4", "--yes"}, g.env(1), g.dir.path());
  auto r0 = w0.wait(), r1 = w1.wait();
  EXPECT_EQ(r0.code, 1) << r0.output;
  EXPECT_EQ(r1.code, 1) << r1.output;
  EXPECT_EQ(g.control.scalar("SELECT outcome FROM orchestrate_rollout.rollouts WHERE run_id = 'rel-4'"), "halted");
  EXPECT_GE(std::stoi(g.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE state = 'not-reached'")), 1);
}
