// A shared rollout under the faults of a real fleet, with real workers and real PostgreSQL: a halted
// rollout whose SIGKILLed worker held a target still ends (and --resume works); the state database
// restarting under three workers (a second server of the test's own, pg_ctl restart -m fast) kills
// none and runs nothing twice; a state database gone for longer than the reconnect window stops the
// workers cleanly (exit 1, no abort) and a later worker finishes; a worker from another release (fewer
// migration files) is refused; a stopped worker is reported at the barrier; `--events` carries each
// target's run-finished and RLS events; the history names a worker's host once.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "fleet.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

const std::string kOneWave = "[[rollout.wave]]\nname = \"all\"\ntargets = [\"*\"]\nmax_parallel = 1\nmax_failures = 0\n";
const std::string kTwoWaves =
    "[[rollout.wave]]\nname = \"first\"\ntargets = [\"t0\"]\n\n"
    "[[rollout.wave]]\nname = \"rest\"\ntargets = [\"*\"]\nmax_parallel = 2\nmax_failures = 0\n";

// Sleeps as long as the target's public.slow says (0.2 s when it holds no row).
const std::string kSlowWhereTold =
    "CREATE TABLE a (id int);\nSELECT pg_sleep(coalesce((SELECT max(s) FROM public.slow), 0.2));\n";

// t0 runs for 10 s on worker 0; t1 fails at once on worker 1 (its table exists), halting the
// rollout; then worker 0 is SIGKILLed: the halted rollout's last running target lost its worker.
void halt_with_a_dead_workers_target(Fleet& f, const std::string& run_id) {
  for (auto& t : f.targets) t->exec("CREATE TABLE public.slow (s float)");
  f.targets[0]->exec("INSERT INTO public.slow VALUES (10)");
  f.targets[1]->exec("CREATE SCHEMA app; CREATE TABLE app.a (id int)");
  const std::map<std::string, std::string> fast = {{"ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER", "2s"}};
  Orchestrate doomed({"rollout", "--run-id", run_id, "--yes"}, f.env(0, fast), f.dir.path());
  ASSERT_TRUE(doomed.wait_for_output("t0/app", 15s)) << doomed.output();
  auto failing = run_orchestrate({"rollout", "--run-id", run_id, "--yes"}, f.env(1, fast), f.dir.path());
  EXPECT_EQ(failing.code, 1) << failing.output;
  EXPECT_NE(failing.output.find("exceeded its error budget"), std::string::npos) << failing.output;
  doomed.signal(SIGKILL);
  doomed.wait();
  ASSERT_EQ(f.control.scalar("SELECT state FROM orchestrate_rollout.targets WHERE run_id = '" + run_id +
                             "' AND name = 't0'"),
            "running");  // as the killed worker left it
}

void expect_closed_as_halted(const Fleet& f, const std::string& run_id) {
  const std::string where = " FROM orchestrate_rollout.targets WHERE run_id = '" + run_id + "' AND name = 't0'";
  EXPECT_EQ(f.control.scalar("SELECT outcome FROM orchestrate_rollout.rollouts WHERE run_id = '" + run_id + "'"), "halted");
  EXPECT_EQ(f.control.scalar("SELECT state" + where), "not-reached");
  EXPECT_NE(f.control.scalar("SELECT detail" + where).find("its worker worker-0@"), std::string::npos)
      << f.control.scalar("SELECT detail" + where);
}

}  // namespace

TEST(FleetFaults, AHaltedRolloutWhoseKilledWorkerHeldATargetEndsAndResumeWorks) {
  REQUIRE_DATABASE();
  Fleet f(4, kSlowWhereTold, kOneWave);
  halt_with_a_dead_workers_target(f, "rel-h1");
  // --resume first closes what no worker can close any more, then reopens it.
  f.targets[0]->exec("DELETE FROM public.slow");
  f.targets[1]->exec("DROP SCHEMA app CASCADE");
  auto resumed = run_orchestrate({"rollout", "--resume", "rel-h1", "--yes"},
                                 f.env(2, {{"ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER", "2s"}}), f.dir.path());
  EXPECT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_EQ(f.control.scalar("SELECT outcome || ' ' || attempt FROM orchestrate_rollout.rollouts WHERE run_id = 'rel-h1'"),
            "succeeded 2");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.applied_on(i), 1) << "t" << i;
}

TEST(FleetFaults, WatchEndsAHaltedRolloutWhoseLastWorkerDied) {
  REQUIRE_DATABASE();
  Fleet f(3, kSlowWhereTold, kOneWave);
  halt_with_a_dead_workers_target(f, "rel-h2");
  Orchestrate watch({"rollout", "--watch", "rel-h2"}, f.env(5, {{"ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER", "2s"}}),
                    f.dir.path());
  ASSERT_TRUE(watch.wait_for_output("already ended: halted: wave all exceeded its error budget: 1 failed, 0 allowed; "
                                    "no further target was started",
                                    20s))
      << watch.output();
  EXPECT_EQ(watch.wait().code, 1);
  expect_closed_as_halted(f, "rel-h2");
}

TEST(FleetFaults, TheStateDatabaseRestartingKillsNoWorkerAndRunsNothingTwice) {
  REQUIRE_DATABASE();
  ThrowawayServer state;
  ASSERT_FALSE(state.url().empty());
  Fleet f(8, "CREATE TABLE a (id int);\nSELECT pg_sleep(1.5);\n", kTwoWaves);
  f.dir.write("app/0002_b.sql", "CREATE TABLE b (id int);\nSELECT pg_sleep(1.5);\n");
  f.control_url = state.url();
  std::vector<std::unique_ptr<Orchestrate>> workers;
  for (int w = 0; w < 3; ++w)
    workers.push_back(std::make_unique<Orchestrate>(std::vector<std::string>{"rollout", "--run-id", "rel-r", "--yes"},
                                                    f.env(w), f.dir.path()));
  // Mid-rollout: every worker holds claims on targets of the second wave (up to 6 at once).
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (std::stoi(state.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE wave = 1 AND state = 'running'")) >= 5)
        break;
    } catch (const std::exception&) {  // the schema is not there yet
    }
    std::this_thread::sleep_for(100ms);
  }
  state.restart();
  std::string outputs;
  for (auto& w : workers) {
    auto r = w->wait();
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
    outputs += r.output;
  }
  EXPECT_NE(outputs.find("reconnected to the rollout state database after"), std::string::npos) << outputs;
  EXPECT_EQ(state.scalar("SELECT outcome FROM orchestrate_rollout.rollouts WHERE run_id = 'rel-r'"), "succeeded");
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(f.applied_on(i), 2) << "t" << i;  // every migration applied once
    EXPECT_EQ(f.runs_on(i), 1) << "t" << i;     // and no target run a second time
  }
  EXPECT_EQ(state.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE runs <> 1"), "0");
}

TEST(FleetFaults, AStateDatabaseGoneLongerThanTheWindowStopsWorkersCleanlyAndALaterWorkerFinishes) {
  REQUIRE_DATABASE();
  ThrowawayServer state;
  ASSERT_FALSE(state.url().empty());
  Fleet f(3, "CREATE TABLE a (id int);\nSELECT pg_sleep(30);\n", kOneWave);
  f.control_url = state.url();
  const std::map<std::string, std::string> bounds = {{"ORCHESTRATE_ROLLOUT_RECONNECT", "3s"},
                                                     {"ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER", "2s"}};
  Orchestrate w0({"rollout", "--run-id", "rel-g", "--yes"}, f.env(0, bounds), f.dir.path()),
      w1({"rollout", "--run-id", "rel-g", "--yes"}, f.env(1, bounds), f.dir.path());
  ASSERT_TRUE(w0.wait_for_output("applying 0001_a.sql", 15s)) << w0.output();
  ASSERT_TRUE(w1.wait_for_output("applying 0001_a.sql", 15s)) << w1.output();
  state.stop();
  const auto stopped_at = std::chrono::steady_clock::now();
  for (auto* w : {&w0, &w1}) {
    auto r = w->wait();
    EXPECT_EQ(r.code, 1) << r.output;  // not 134 (SIGABRT)
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("error: the rollout state database stayed unreachable for 3.0s"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("this worker stopped"), std::string::npos) << r.output;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 20s);  // their 30 s migrations were stopped, not awaited
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f.targets[i]->scalar("SELECT to_regclass('app.a') IS NULL"), "t") << "rolled back";
  // The database is back: a worker arriving later takes the fallen claims over and finishes.
  state.start();
  f.dir.write("app/0001_a.sql", "CREATE TABLE a (id int);\n");
  auto later = run_orchestrate({"rollout", "--run-id", "rel-g", "--yes"}, f.env(2, bounds), f.dir.path());
  EXPECT_EQ(later.code, 0) << later.output;
  EXPECT_EQ(state.scalar("SELECT outcome FROM orchestrate_rollout.rollouts WHERE run_id = 'rel-g'"), "succeeded");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f.applied_on(i), 1) << "t" << i;
}

TEST(FleetFaults, AWorkerWithFewerMigrationFilesIsRefusedNamingTheServiceAndBothHeads) {
  REQUIRE_DATABASE();
  Fleet f(2, "CREATE TABLE a (id int);\nSELECT pg_sleep(1);\n", kOneWave);
  f.dir.write("app/0002_b.sql", "CREATE TABLE b (id int);\n");
  Orchestrate current({"rollout", "--run-id", "rel-m", "--yes"}, f.env(0), f.dir.path());
  ASSERT_TRUE(current.wait_for_output("created by worker-0@", 10s)) << current.output();
  TempDir older("older-release");  // the same manifest and targets, one migration file fewer
  older.write("services.toml", read_all(f.dir.path() / "services.toml"));
  older.write("targets.txt", read_all(f.dir.path() / "targets.txt"));
  older.write("app/0001_a.sql", read_all(f.dir.path() / "app/0001_a.sql"));
  auto joiner = run_orchestrate({"rollout", "--run-id", "rel-m", "--yes"}, f.env(1), older.path());
  EXPECT_EQ(joiner.code, 2) << joiner.output;
  EXPECT_NE(joiner.output.find("service app: this worker's migrations end at 0001, the rollout's at 0002"),
            std::string::npos)
      << joiner.output;
  EXPECT_EQ(current.wait().code, 0);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(f.applied_on(i), 2) << "t" << i;
}

TEST(FleetFaults, AStoppedWorkerIsNamedByTheWorkersWaitingAtTheBarrier) {
  REQUIRE_DATABASE();
  Fleet f(3, "CREATE TABLE a (id int);\nSELECT pg_sleep(5);\n", kTwoWaves);
  const std::map<std::string, std::string> report = {{"ORCHESTRATE_ROLLOUT_STALL_REPORT", "1s"}};
  Orchestrate stalled({"rollout", "--run-id", "rel-s", "--yes"}, f.env(0, report), f.dir.path());
  ASSERT_TRUE(stalled.wait_for_output("t0/app", 15s)) << stalled.output();
  Orchestrate waiting({"rollout", "--run-id", "rel-s", "--yes"}, f.env(1, report), f.dir.path());
  ASSERT_TRUE(waiting.wait_for_output("joined by worker-1@", 10s)) << waiting.output();
  stalled.signal(SIGSTOP);  // a cut-off pod: its session (and claim) stays open
  EXPECT_TRUE(waiting.wait_for_output("rollout: wave first: waiting ", 10s)) << waiting.output();
  EXPECT_TRUE(waiting.wait_for_output("for 1 target of other workers: t0 on worker-0@", 5s)) << waiting.output();
  EXPECT_TRUE(waiting.wait_for_output("stopped or cut off?", 20s)) << waiting.output();  // 10 s without a heartbeat
  stalled.signal(SIGCONT);
  auto s = stalled.wait(), w = waiting.wait();
  EXPECT_EQ(s.code, 0) << s.output;
  EXPECT_EQ(w.code, 0) << w.output;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f.applied_on(i), 1) << "t" << i;
  // The history's WHO names the worker and its host once (worker-0@host, not worker-0@host@host).
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  auto history = run_orchestrate({"history", "--target", "t0"}, f.env(0), f.dir.path());
  EXPECT_EQ(history.code, 0) << history.output;
  EXPECT_NE(history.output.find("worker-0@" + std::string(host).substr(0, 10)), std::string::npos) << history.output;
  EXPECT_EQ(history.output.find("@" + std::string(host) + "@"), std::string::npos) << history.output;
}

TEST(FleetFaults, EventsCarryEachTargetsRunFinishedAndRlsEvents) {
  REQUIRE_DATABASE();
  Fleet f(3, "CREATE TABLE a (id int);\n", kTwoWaves);
  f.dir.write("rls/a.sql", "ALTER TABLE app.a ENABLE ROW LEVEL SECURITY;\nCREATE POLICY own ON app.a USING (true);\n");
  f.dir.write("services.toml", fleet_manifest(kTwoWaves) + "\n[rls]\nfiles = [\"rls/a.sql\"]\nrequire = [\"app\"]\n");
  auto r = run_orchestrate({"--events", "events.jsonl", "rollout", "--run-id", "rel-e", "--yes"}, f.env(0), f.dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  std::map<std::string, std::map<std::string, int>> by_target;  // target -> type -> count
  std::map<std::string, nlohmann::json> finished;
  std::ifstream in(f.dir.path() / "events.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto e = nlohmann::json::parse(line);
    ++by_target[e["target"]][e["type"]];
    if (e["type"] == "run-finished") finished[e["target"]] = e;
  }
  for (const std::string t : {"t0", "t1", "t2"}) {
    EXPECT_EQ(by_target[t]["run-started"], 1) << t;
    EXPECT_EQ(by_target[t]["rls-applied"], 1) << t;
    EXPECT_EQ(by_target[t]["rls-verified"], 1) << t;
    ASSERT_EQ(by_target[t]["run-finished"], 1) << t;
    EXPECT_EQ(finished[t]["outcome"], "succeeded") << finished[t].dump();
    EXPECT_EQ(finished[t]["run_id"], "rel-e") << finished[t].dump();
    EXPECT_EQ(finished[t]["migrations_applied"], 1) << finished[t].dump();
  }
}
