// The progress writer: what reaches the database for each typed event, in at most one statement per
// event, and the truth of the last event written before stop() returns.
#include <gtest/gtest.h>

#include <mutex>

#include "fake_db.h"
#include "history/progress_writer.h"

namespace orch {
namespace {

using testing::FakeDb;

class QuietPrinter : public StatusPrinter {
 public:
  void run_started(const RunHeader&) override {}
  void service_started(const ServiceSpec&) override { ++started; }
  void service_line(const ServiceSpec&, const std::string&) override {}
  void service_finished(const ServiceSpec&, const RunResult&) override {}
  void note(const std::string& t) override { notes.push_back(t); }
  int started = 0;
  std::vector<std::string> notes;
};

ServiceSpec service(const std::string& name) {
  ServiceSpec s;
  s.name = name;
  s.schema = name;
  s.runner = "alembic";
  return s;
}

// The array parameter $n of the last write that sent a non-empty one.
std::string last_param(const FakeDb& db, size_t n) {
  for (auto it = db.log.rbegin(); it != db.log.rend(); ++it)
    if (it->sql.find("orchestrate.run_migrations") != std::string::npos && it->params.at(n - 1).value_or("{}") != "{}")
      return *it->params.at(n - 1);
  return "";
}

TEST(ProgressWriter, EachEventReachesTheDatabaseAndTheLastTruthIsWrittenBeforeStopReturns) {
  FakeDb db;
  std::mutex mu;
  ServiceSpec users = service("users"), meals = service("meals");
  QuietPrinter inner;
  ProgressWriter w(ProgressTarget{&db, &mu, "run-1", {&users, &meals}, nullptr}, inner);
  w.service_started(users);
  w.migration_started(users, {"a1", "", "versions/a1.py", Millis(0)});
  w.lock_waiting(users, LockWait{"a1", "pid 42 (psql)", 42, 1, 3, Millis(100), Millis(200)});
  w.migration_applied(users, {"a1", "", "versions/a1.py", Millis(250)});
  RunResult r;
  r.outcome = Outcome::Applied;
  r.applied = 1;
  r.after = {"a1"};
  w.service_finished(users, r);
  w.stop();
  EXPECT_EQ(inner.started, 1);  // the inner printer still sees everything
  EXPECT_TRUE(inner.notes.empty());
  EXPECT_GE(w.writes(), 1);
  EXPECT_LE(w.writes(), 6);  // at most one per event, plus the planned services
  EXPECT_EQ(last_param(db, 3), "{\"users\"}");          // the step's service
  EXPECT_EQ(last_param(db, 10), "{\"applied\"}");       // its state
  EXPECT_EQ(last_param(db, 21), "{\"a1\"}");            // the migration
  EXPECT_EQ(last_param(db, 27), "{\"applied\"}");       // its outcome
  EXPECT_EQ(last_param(db, 28), "{\"1\"}");             // the lock timeout it met
  EXPECT_EQ(last_param(db, 26), "{\"250\"}");           // its duration, as the runner measured it
  EXPECT_EQ(db.log.front().params.at(1).value_or(""), "{\"users\",\"meals\"}");  // planned, in the first write
}

TEST(ProgressWriter, AFailedWriteStopsWritingAndBecomesOneWarning) {
  FakeDb db;
  db.on("orchestrate.runs", [](const Params&) -> Rows { throw DbError("relation does not exist", "42P01"); });
  std::mutex mu;
  ServiceSpec users = service("users");
  QuietPrinter inner;
  ProgressWriter w(ProgressTarget{&db, &mu, "run-1", {&users}, nullptr}, inner);
  w.service_started(users);
  w.migration_started(users, {"a1", "", "", Millis(0)});
  w.stop();
  ASSERT_EQ(inner.notes.size(), 1u);
  EXPECT_NE(inner.notes[0].find("warning: run progress not recorded: relation does not exist"), std::string::npos);
  EXPECT_EQ(w.writes(), 0);
}

}  // namespace
}  // namespace orch
