// The engine's decisions, without a terminal, a database or a process: the RLS gate, the exit-code
// merge, the run-lock wait on a fake clock, the session's errors, down --cascade's order, the sql
// ledger validation, the Alembic up-to-date decision and the dry-run schedule behind `plan`.
#include <gtest/gtest.h>

#include "alembic/alembic_runner.h"
#include "db/pooler_probe.h"
#include "db/run_lock.h"
#include "engine/down_engine.h"
#include "engine/run_session.h"
#include "engine/up_engine.h"
#include "fake_db.h"
#include "scheduler/dry_run.h"
#include "sql/sql_ledger.h"
#include "status/terminal_caps.h"

using namespace orch;
using orch::testing::FakeDb;

namespace {

ServiceReport service(const std::string& name, Outcome o) {
  RunResult r;
  r.outcome = o;
  return {name, "sql", name, r};
}

RunReport report_of(std::vector<ServiceReport> s, bool interrupted = false) {
  RunReport r;
  r.services = std::move(s);
  r.interrupted = interrupted;
  return r;
}

// Time moves only when the code under test sleeps.
class FakeClock : public Clock {
 public:
  time_point now() const override { return t; }
  time_point t{};
};

ServiceSpec svc(std::string name, std::vector<std::string> deps = {}, std::string kind = "sql",
                bool exclusive = false) {
  ServiceSpec s;
  s.name = name;
  s.schema = name;
  s.depends_on = std::move(deps);
  s.runner = kind;
  s.exclusive = exclusive;
  return s;
}

}  // namespace

TEST(RlsGate, RunsOnlyAfterAWholeSuccessfulRun) {
  auto ok = report_of({service("a", Outcome::Applied), service("b", Outcome::UpToDate)});
  EXPECT_TRUE(rls_gate(true, ok, true).apply);
  EXPECT_FALSE(rls_gate(false, ok, true).apply);
  EXPECT_EQ(rls_gate(false, ok, true).skipped.state, RlsState::NotConfigured);

  auto failed = report_of({service("a", Outcome::Failed), service("b", Outcome::Skipped)});
  auto g = rls_gate(true, failed, true);
  EXPECT_FALSE(g.apply);
  EXPECT_EQ(g.skipped.state, RlsState::Skipped);
  EXPECT_EQ(g.skipped.reason, "not every service succeeded: a failed, b skipped");
  EXPECT_FALSE(g.skipped.deliberate);

  auto only = rls_gate(true, ok, false);
  EXPECT_FALSE(only.apply);
  EXPECT_TRUE(only.skipped.deliberate);

  auto interrupted = rls_gate(true, report_of({service("a", Outcome::Applied)}, true), true);
  EXPECT_FALSE(interrupted.apply);
  EXPECT_EQ(interrupted.skipped.reason, "the run was interrupted");
}

TEST(ExitCodes, InterruptedBeatsLockBusyBeatsFailed) {
  EXPECT_EQ(merge_exit_codes(0, 0), 0);
  EXPECT_EQ(merge_exit_codes(0, 1), 1);
  EXPECT_EQ(merge_exit_codes(1, 0), 1);
  EXPECT_EQ(merge_exit_codes(1, 4), 4);
  EXPECT_EQ(merge_exit_codes(4, 1), 4);
  EXPECT_EQ(merge_exit_codes(4, 130), 130);
  EXPECT_EQ(merge_exit_codes(130, 1), 130);
}

TEST(RunLock, WaitsOnTheClockAndNamesTheHolderEveryTenSeconds) {
  FakeDb db;
  int tries = 0;
  db.on("pg_try_advisory_lock", [&](const Params&) { return FakeDb::rows({{++tries > 60 ? "t" : "f", "4242"}}); });
  db.on("FROM pg_locks", FakeDb::rows({{"4242", "orchestrate/lock R1", "app", "10.0.0.5", "2026-11-30 10:00:00 UTC"}}));
  FakeClock clock;
  std::vector<Millis> slept;
  Waiter waiter{clock, [&](Millis d) {
                  slept.push_back(d);
                  clock.t += d;
                  return true;
                }};
  std::vector<int> holders;
  RunLock lock(db, "p");
  auto got = lock.acquire(Millis(60000), [&](const LockHolder& h) { holders.push_back(h.pid); }, waiter);
  EXPECT_EQ(got, RunLock::Result::Acquired);
  EXPECT_EQ(tries, 61);
  EXPECT_EQ(slept.size(), 60u);           // 250 ms apart
  EXPECT_EQ(holders.size(), 2u);          // at once, then after 10 s
  EXPECT_EQ(holders.front(), 4242);
  EXPECT_TRUE(lock.held());
}

TEST(RunLock, GivesUpAtTheDeadlineAndStopsWhenCancelled) {
  FakeDb db;
  db.on("pg_try_advisory_lock", FakeDb::rows({{"f", "4242"}}));
  FakeClock clock;
  Waiter patient{clock, [&](Millis d) {
                   clock.t += d;
                   return true;
                 }};
  RunLock lock(db, "p");
  EXPECT_EQ(lock.acquire(Millis(1000), [](const LockHolder&) {}, patient), RunLock::Result::Busy);
  EXPECT_GE(clock.t.time_since_epoch(), Millis(1000));
  EXPECT_LT(clock.t.time_since_epoch(), Millis(1300));

  int sleeps = 0;
  Waiter cancelled{clock, [&](Millis) { return ++sleeps < 2; }};
  EXPECT_EQ(lock.acquire(Millis(60000), [](const LockHolder&) {}, cancelled), RunLock::Result::Cancelled);
  EXPECT_EQ(sleeps, 2);
  EXPECT_FALSE(lock.held());
}

TEST(RunSession, BusyLockIsExitFourNamingTheHolderAndRecordsNothing) {
  auto db = std::make_unique<FakeDb>();
  FakeDb& fake = *db;
  fake.on("pg_try_advisory_lock", FakeDb::rows({{"f", "4242"}}));
  fake.on("FROM pg_locks", FakeDb::rows({{"77", "orchestrate/lock other", "ci", "local socket", "since"}}));
  SessionSpec spec;
  spec.project = "p";
  spec.url = "postgresql://u:secret@h/db";
  spec.lock_wait = Millis(0);
  RunSession session(std::move(db), spec, [](const std::string&) {});
  FakeClock clock;
  auto st = session.lock(Waiter{clock, [](Millis) { return true; }});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().exit_code, 4);
  EXPECT_NE(st.error().message.find("pid 77"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().where.find("secret"), std::string::npos);
  EXPECT_EQ(fake.count("orchestrate.runs"), 0);
}

TEST(RunSession, HistoryFailureIsAWarningNotAFailure) {
  auto db = std::make_unique<FakeDb>();
  db->on("to_regclass('orchestrate.", [](const Params&) -> Rows { throw DbError("permission denied for database", "42501"); });
  std::vector<std::string> notes;
  RunSession session(std::move(db), SessionSpec{}, [&](const std::string& n) { notes.push_back(n); });
  session.record_start();
  EXPECT_FALSE(session.recording());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "warning: run history not recorded: permission denied for database");
  session.record_end(RunReport{}, "succeeded");  // no second warning, no write
  EXPECT_EQ(notes.size(), 1u);
}

TEST(DownSteps, CascadeRevertsTheDeepestDependentsFirstAndSkipsCommandServices) {
  Manifest m;
  m.services = {svc("users"), svc("movements", {"users"}), svc("practices", {"users", "movements"}),
                svc("journal", {"users"}, "alembic"), svc("hook", {"users"}, "command"),
                svc("meals")};
  auto steps = down_steps(m, 0, true, "");
  std::vector<std::string> order;
  for (const auto& s : steps) order.push_back(m.services[s.service].name + ":" + s.to);
  EXPECT_EQ(order, (std::vector<std::string>{"practices:-1", "movements:-1", "journal:-1", "users:-1"}));

  auto to_base = down_steps(m, 1, true, "base");
  ASSERT_EQ(to_base.size(), 2u);
  EXPECT_EQ(m.services[to_base[0].service].name, "practices");
  EXPECT_EQ(to_base[0].to, "base");
  EXPECT_EQ(to_base[1].to, "base");

  auto alone = down_steps(m, 0, false, "0002");
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(alone[0].to, "0002");
}

namespace {
SqlMigrationSet files(std::vector<std::pair<long long, std::string>> versions) {
  SqlMigrationSet set;
  for (auto& [v, sum] : versions) {
    SqlMigration m;
    m.version = v;
    m.version_text = "000" + std::to_string(v);
    m.name = "m" + std::to_string(v);
    m.path = m.version_text + "_" + m.name + ".sql";
    m.checksum = sum;
    set.migrations.push_back(m);
  }
  return set;
}
}  // namespace

TEST(SqlLedger, ChecksumDriftAndOutOfOrderFilesStopTheServiceUntouched) {
  auto set = files({{1, "aaaaaaaaaaaaaaaa"}, {2, "bbbbbbbbbbbbbbbb"}, {3, "cccccccccccccccc"}});
  EXPECT_TRUE(validate_ledger("meals", set, {{1, {"m1", "aaaaaaaaaaaaaaaa"}}}).error.empty());

  auto drift = validate_ledger("meals", set, {{1, {"m1", "aaaaaaaaaaaaaaaa"}}, {2, {"m2", "0000000000000000"}}});
  EXPECT_EQ(drift.error.find("meals/0002_m2.sql was changed after it was applied"), 0u) << drift.error;

  auto gap = validate_ledger("meals", set, {{1, {"m1", "aaaaaaaaaaaaaaaa"}}, {3, {"m3", "cccccccccccccccc"}}});
  EXPECT_EQ(gap.error, "meals/0002_m2.sql is older than the newest applied version 0003 and was never applied");

  auto gone = validate_ledger("meals", files({{1, "aaaaaaaaaaaaaaaa"}}),
                              {{1, {"m1", "aaaaaaaaaaaaaaaa"}}, {7, {"old", "x"}}});
  EXPECT_TRUE(gone.error.empty());
  ASSERT_EQ(gone.warnings.size(), 1u);
  EXPECT_NE(gone.warnings[0].find("version 7 (old) is in the ledger but its file is gone"), std::string::npos);
}

TEST(SqlLedger, InlinedParametersDoNotConfuseOneWithTen) {
  EXPECT_EQ(inline_parameters("SELECT $1, $10, $2", {"'a'", "2", "3", "4", "5", "6", "7", "8", "9", "'ten'"}),
            "SELECT 'a', 'ten', 2");
}

TEST(AlembicDecision, StartsAlembicUnlessEveryFileWasReadAndTheDatabaseHoldsTheHeads) {
  Precheck p;
  p.heads = {"b", "a"};
  p.heads_known = true;
  p.current = std::vector<std::string>{"a", "b"};
  EXPECT_TRUE(alembic_at_head(p));
  p.current = std::vector<std::string>{"a"};
  EXPECT_FALSE(alembic_at_head(p));  // behind one head
  p.current = std::nullopt;
  EXPECT_FALSE(alembic_at_head(p));  // no version table yet
  p.current = std::vector<std::string>{"a", "b"};
  p.heads_known = false;
  EXPECT_FALSE(alembic_at_head(p));  // a file could not be read: Alembic decides
  p.heads_known = true;
  p.heads.clear();
  EXPECT_FALSE(alembic_at_head(p));
}

TEST(DryRun, PlanShowsWhatTheRealSchedulerStartsTogether) {
  std::vector<ServiceSpec> s = {svc("users", {}, "sql", true), svc("habits", {"users"}), svc("journal", {"users"}),
                                svc("meals", {"users"}), svc("movements", {"users"}), svc("practices", {"users", "movements"})};
  std::vector<int> all = {0, 1, 2, 3, 4, 5};
  auto batches = dry_run_schedule(s, all, {4, false});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], std::vector<int>{0});
  EXPECT_EQ(batches[1], (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(batches[2], std::vector<int>{5});

  // Two at a time: the fifth starts only when one of the first ends.
  auto narrow = dry_run_schedule(s, all, {2, false});
  EXPECT_EQ(narrow[1], (std::vector<int>{1, 2}));
  EXPECT_EQ(narrow.size(), 5u);
}

TEST(TerminalCaps, DecidedFromTheEnvironmentAndTheDescriptors) {
  auto env = [](std::map<std::string, const char*> vars) {
    return [vars](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second;
    };
  };
  auto tty = [](int) { return true; };
  auto pipe = [](int) { return false; };
  auto t = TerminalCaps::detect(env({{"TERM", "xterm"}}), tty);
  EXPECT_TRUE(t.live_view());
  EXPECT_TRUE(t.color(1));
  EXPECT_FALSE(TerminalCaps::detect(env({{"TERM", "xterm"}, {"NO_COLOR", ""}}), tty).color(1));
  EXPECT_FALSE(TerminalCaps::detect(env({{"TERM", "xterm"}, {"NO_COLOR", ""}}), tty).live_view());
  EXPECT_FALSE(TerminalCaps::detect(env({{"TERM", "dumb"}}), tty).live_view());
  EXPECT_FALSE(TerminalCaps::detect(env({}), tty).live_view());
  EXPECT_TRUE(TerminalCaps::detect(env({}), tty).color(2));
  EXPECT_FALSE(TerminalCaps::detect(env({{"TERM", "xterm"}}), pipe).color(1));
  EXPECT_TRUE(TerminalCaps::detect(env({{"CLICOLOR_FORCE", "1"}}), pipe).color(1));
  EXPECT_FALSE(TerminalCaps::detect(env({{"CLICOLOR_FORCE", "0"}}), pipe).color(1));
}

TEST(RunSession, ALockThatDoesNotSurviveIntoTheNextTransactionIsAPoolerAndExitTwo) {
  auto db = std::make_unique<FakeDb>();
  FakeDb& fake = *db;
  fake.on("pg_try_advisory_lock", FakeDb::rows({{"t", "100"}}));
  // The next transaction runs in another server process, where the lock is not held.
  fake.on("SELECT pg_backend_pid(), (SELECT count(*) FROM pg_locks", FakeDb::rows({{"200", "0"}}));
  SessionSpec spec;
  spec.project = "p";
  spec.url = "postgresql://u:secret@h:6543/db";
  RunSession session(std::move(db), spec, [](const std::string&) {});
  FakeClock clock;
  auto st = session.lock(Waiter{clock, [](Millis) { return true; }});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().exit_code, 2);
  EXPECT_NE(st.error().message.find("taken by server process 100, but the next transaction ran in 200"), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().hint.find("not the transaction pooler on 6543"), std::string::npos);
  EXPECT_EQ(fake.count("pg_advisory_unlock"), 1);  // released as far as it can be
}

TEST(PoolerProbe, OverAUnixSocketNothingIsInBetweenAndNoSecondConnectionIsOpened) {
  FakeDb db;  // local_port() is nullopt, as for a Unix socket
  db.on("inet_client_port", FakeDb::rows({{"4242", nullptr}}));
  SessionProbe p = probe_session(db, "postgresql://unreachable.invalid/db", 10);
  EXPECT_EQ(p.backend_pid, 4242);
  EXPECT_FALSE(p.pooled);
  EXPECT_EQ(db.count("pg_backend_pid"), 1);  // one look, no second transaction
}
