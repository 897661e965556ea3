// The Alembic driver's events as the runner reads them, and the report's words for a failure.
#include <gtest/gtest.h>

#include "alembic/alembic_runner.h"
#include "alembic/driver_events.h"
#include "alembic/interpreter.h"

using namespace orch;

TEST(DriverEvents, EachTypeIsParsedWithItsFields) {
  auto started = parse_driver_event(R"({"type": "job-started", "pid": 4242, "fork_ms": 1.5, "protocol": 1})");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->type, DriverEvent::Type::JobStarted);
  EXPECT_EQ(started->pid, 4242);
  EXPECT_DOUBLE_EQ(*started->fork_ms, 1.5);
  auto conn = parse_driver_event(
      R"({"type": "connection", "backend_pid": 7, "lock_timeout_ms": 0, "statement_timeout_ms": 30000,
          "application_name": "orchestrate/journal", "limits_in_force": false, "set_after_connect": true})");
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn->type, DriverEvent::Type::Connection);
  EXPECT_EQ(*conn->connection.lock_timeout_ms, 0);
  EXPECT_FALSE(conn->connection.limits_in_force);
  EXPECT_TRUE(conn->connection.set_after_connect);
  auto applied = parse_driver_event(R"({"type": "revision-applied", "revision": "003", "file": "/x/003.py", "duration_ms": 12})");
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->type, DriverEvent::Type::RevisionApplied);
  EXPECT_EQ(applied->revision.revision, "003");
  EXPECT_EQ(applied->revision.duration_ms, 12);
  auto exit = parse_driver_event(R"({"type": "exit", "code": null, "signal": 9})");
  ASSERT_TRUE(exit);
  EXPECT_FALSE(exit->exit_code);
  EXPECT_EQ(exit->exit_signal, 9);
  EXPECT_FALSE(parse_driver_event("INFO  [alembic.runtime.migration] Running upgrade  -> a"));
  EXPECT_EQ(parse_driver_event(R"({"type": "something-new"})")->type, DriverEvent::Type::Unknown);
}

TEST(DriverEvents, ATracebackArrivesOneLinePerElement) {
  auto f = parse_driver_event(
      R"({"type": "failure", "exception": "ProgrammingError", "traceback": ["Traceback (most recent call last):\n", "  File \"a.py\", line 1, in <module>\n    x()\n"]})");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->failure.traceback, (std::vector<std::string>{"Traceback (most recent call last):", "  File \"a.py\", line 1, in <module>", "    x()"}));
}

namespace {

ServiceSpec journal() {
  ServiceSpec s;
  s.name = "journal";
  s.path_text = "journal";
  s.path = "/repo/journal";
  return s;
}

}  // namespace

TEST(DriverFailure, NamesTheRevisionItsFileLineAndWhatRolledBackWithIt) {
  UpgradeAttempt a;
  DriverFailure f;
  f.exception = "ProgrammingError";
  f.message = "relation \"journal.mood_tags\" does not exist";
  f.revision = "003";
  f.file = "migrations/versions/003_tags.py";
  f.line = 14;
  f.ran = {"001", "002", "003"};
  f.frames = {"File \"migrations/versions/003_tags.py\", line 14, in upgrade", "    op.execute(...)"};
  f.statement = "INSERT INTO journal.mood_tags VALUES (1)";
  a.failure = f;
  RunResult r;
  describe_driver_failure(journal(), a, r);  // before == after: one transaction, nothing stayed
  EXPECT_EQ(r.error, "journal/migrations/versions/003_tags.py:14: revision 003: ProgrammingError: relation \"journal.mood_tags\" does not exist");
  ASSERT_GE(r.details.size(), 3u);
  EXPECT_EQ(r.details[0], "statement: INSERT INTO journal.mood_tags VALUES (1)");
  EXPECT_EQ(r.details.back(), "rolled back with it: 001, 002 (one transaction: nothing of this upgrade stayed applied)");

  RunResult kept;
  kept.after = {"002"};  // transaction_per_migration: what the version table says stayed
  describe_driver_failure(journal(), a, kept);
  EXPECT_NE(kept.details.back().find("stayed applied (transaction_per_migration): 001, 002; 003 was rolled back"),
            std::string::npos) << kept.details.back();
}

TEST(DriverFailure, AMissingModuleSaysWhichInterpreterAndWhatToSet) {
  UpgradeAttempt a;
  DriverFailure f;
  f.exception = "ModuleNotFoundError";
  f.message = "No module named 'pydantic_settings'";
  f.file = "migrations/env.py";
  f.line = 9;
  f.missing_module = "pydantic_settings";
  f.python = "/usr/bin/python3";
  a.failure = f;
  RunResult r;
  describe_driver_failure(journal(), a, r);
  EXPECT_EQ(r.error, "journal/migrations/env.py:9: ModuleNotFoundError: No module named 'pydantic_settings'");
  EXPECT_NE(r.details.back().find("hint: /usr/bin/python3 cannot import 'pydantic_settings', which the project imports: set "
                                  "python = \"venv\" | \"poetry\" | PATH for journal"),
            std::string::npos) << r.details.back();
}

TEST(DriverInterpreter, PythonpathIsResolvedAgainstTheServiceAndKeysTheZygote) {
  ServiceSpec s = journal();
  s.env = {{"PYTHONPATH", "app:/opt/lib"}, {"DATABASE_URL", "x"}, {"PYTHONUNBUFFERED", "1"}};
  ZygoteKey k = interpreter_key(s, "/usr/bin/python3");
  EXPECT_EQ(k.python, "/usr/bin/python3");
  ASSERT_EQ(k.python_env.size(), 1u);
  EXPECT_EQ(k.python_env[0], (std::pair<std::string, std::string>{"PYTHONPATH", "/repo/journal/app:/opt/lib"}));
  EXPECT_EQ(driver_python_of({"/usr/bin/python3", "-m", "alembic"}), "/usr/bin/python3");
  EXPECT_EQ(driver_python_of({"poetry", "run", "alembic"}), "");
}
