// The live view's frames, with a fake terminal, a fixed width and fixed times.
#include <gtest/gtest.h>

#include <sstream>

#include "dashboard/dashboard.h"
#include "status/plain_printer.h"

using namespace orch;
using namespace std::chrono_literals;

namespace {

class FakeTerminal : public Terminal {
 public:
  FakeTerminal(int w, bool c) : w_(w), c_(c) {}
  int width() const override { return w_; }
  bool color() const override { return c_; }
  void write(const std::string& b) override { out += b; }
  std::string out;

 private:
  int w_;
  bool c_;
};

const DashClock::time_point T0{};

DashRow row(std::string label, std::string state) {
  DashRow r;
  r.label = std::move(label);
  r.state = std::move(state);
  return r;
}

ServiceSpec svc(std::string name, std::vector<std::string> deps = {}) {
  ServiceSpec s;
  s.name = name;
  s.schema = name;
  s.depends_on = std::move(deps);
  return s;
}

}  // namespace

TEST(DashboardFrame, ScriptedRunAtFixedWidth) {
  DashHeader h{"orchestrate up mindmirror on default", "20261122T000000Z-0001", T0, ""};
  auto users = row("users", "applied");
  users.started = users.ended = true;
  users.started_at = T0;
  users.ended_at = T0 + 1200ms;
  users.revisions = "(none) -> c2e8a4f6b913";
  users.done = users.total = 3;
  auto habits = row("habits", "running");
  habits.started = true;
  habits.started_at = T0 + 1200ms;
  habits.revisions = "(none) -> 2a3f4c9d1cde";
  habits.done = 1;
  habits.total = 2;
  habits.last_line = "INFO  [alembic.runtime.migration] Running upgrade  -> 189b1231afd4, bootstrap habit tables";
  auto practices = row("practices", "waiting");
  practices.waiting_for = "movements";
  auto meals = row("meals", "failed");
  meals.started = meals.ended = true;
  meals.started_at = T0 + 1200ms;
  meals.ended_at = T0 + 1300ms;
  meals.reason = "meals/0002_x.sql:3: relation \"foods\" does not exist";
  meals.tail = {"3 | INSERT INTO foods VALUES (1);", "the file's transaction was rolled back"};
  auto frame = render_frame(h, {users, habits, practices, meals}, 72, T0 + 3400ms, false, 2);
  std::vector<std::string> expected = {
      "orchestrate up mindmirror on default · run 20261122T000000Z-0001 · 3.4s…",
      "✓ users      applied       1.2s     (none) -> c2e8a4f6b913  3/3",
      "⠹ habits     running       2.2s     (none) -> 2a3f4c9d1cde  1/2  INFO  …",
      "· practices  waiting for movements",
      "✗ meals      failed        100ms                            meals/0002_…",
      "    3 | INSERT INTO foods VALUES (1);",
      "    the file's transaction was rolled back",
  };
  ASSERT_EQ(frame.size(), expected.size());
  for (size_t i = 0; i < frame.size(); ++i) {
    EXPECT_EQ(frame[i], expected[i]) << "line " << i;
    EXPECT_LE(display_width(frame[i]), 72u) << frame[i];
    EXPECT_EQ(frame[i].find('\x1b'), std::string::npos);
  }
}

TEST(DashboardFrame, FitsNarrowTerminalsAndColoursOnlyWhenAsked) {
  DashHeader h{"orchestrate up a-very-long-project-name on a-very-long-target", "r", T0, "RLS phase: applying"};
  auto r = row("a-service-with-a-long-name", "running");
  r.started = true;
  r.last_line = std::string(300, 'x');
  for (int w : {20, 40, 80, 200}) {
    for (const auto& line : render_frame(h, {r}, w, T0 + 1s, true, 0)) EXPECT_LE(display_width(line), static_cast<size_t>(w));
  }
  auto colored = render_frame(h, {r}, 80, T0, true, 0);
  EXPECT_NE(colored[1].find("\x1b[36m"), std::string::npos);
}

TEST(Dashboard, RedrawsInPlace) {
  FakeTerminal term(60, false);
  Dashboard d(term, DashHeader{"t", "r", DashClock::now(), ""}, {row("users", "queued"), row("habits", "queued")}, 0ms);
  d.draw();
  EXPECT_EQ(term.out.find("\x1b[2K"), 0u);  // first frame: no cursor movement
  EXPECT_NE(term.out.find("· users"), std::string::npos);
  term.out.clear();
  d.update("users", [](DashRow& r) { r.state = "applied"; });
  d.draw();
  EXPECT_EQ(term.out.rfind("\r\x1b[3A", 0), 0u);  // back over the three lines drawn before
  EXPECT_NE(term.out.find("✓ users"), std::string::npos);
}

TEST(Dashboard, ServicePrinterShowsWaitingProgressAndFailure) {
  FakeTerminal term(160, false);
  std::vector<ServiceSpec> specs = {svc("users"), svc("habits", {"users"})};
  Dashboard d(term, DashHeader{"t", "r", DashClock::now(), ""}, {row("users", "queued"), row("habits", "queued")}, 0ms);
  ServiceDashboardPrinter p(d, {&specs[0], &specs[1]}, {{"users", {"(none) -> b", 2}}});
  auto f = d.frame(DashClock::now());
  EXPECT_NE(f[2].find("waiting for users"), std::string::npos) << f[2];
  EXPECT_NE(f[1].find("0/2"), std::string::npos) << f[1];
  p.service_started(specs[0]);
  p.service_line(specs[0], "INFO  [alembic.runtime.migration] Running upgrade  -> a, first");
  p.migration_applied(specs[0], MigrationStep{"a", "", "", {}});
  f = d.frame(DashClock::now());
  EXPECT_NE(f[1].find("1/2"), std::string::npos) << f[1];
  EXPECT_NE(f[1].find("Running upgrade"), std::string::npos);
  RunResult ok;
  ok.outcome = Outcome::Applied;
  ok.after = {"b"};
  ok.applied = 2;
  p.service_finished(specs[0], ok);
  f = d.frame(DashClock::now());
  EXPECT_EQ(f[2].rfind("· habits  queued", 0), 0u) << f[2];
  p.service_started(specs[1]);
  RunResult bad;
  bad.outcome = Outcome::Failed;
  bad.error = "alembic: boom";
  bad.details = {"last words"};
  p.service_finished(specs[1], bad);
  f = d.frame(DashClock::now());
  EXPECT_NE(f[2].find("✗ habits"), std::string::npos);
  EXPECT_NE(f[2].find("alembic: boom"), std::string::npos);
  EXPECT_EQ(f[3], "    last words");  // the failing service's last lines stay visible
}

TEST(Dashboard, ALockTimeoutShowsWhoBlocksTheServiceUntilItMovesOn) {
  FakeTerminal term(200, false);
  std::vector<ServiceSpec> specs = {svc("meals")};
  Dashboard d(term, DashHeader{"t", "r", DashClock::now(), ""}, {row("meals", "queued")}, 0ms);
  ServiceDashboardPrinter p(d, {&specs[0]}, {{"meals", {"0001 -> 0002", 1}}});
  p.service_started(specs[0]);
  LockWait w;
  w.migration = "0002_alter.sql";
  w.blocker_pid = 4242;
  p.lock_waiting(specs[0], w);
  // A line is payload: its wording neither sets nor clears the blocker.
  p.service_line(specs[0], "applied 0002_alter.sql in 3ms (attempt 4)");
  auto f = d.frame(DashClock::now());
  EXPECT_NE(f[1].find("blocked by pid 4242"), std::string::npos) << f[1];
  p.migration_applied(specs[0], MigrationStep{"0002_alter.sql", "", "", 3ms});
  f = d.frame(DashClock::now());
  EXPECT_EQ(f[1].find("blocked by"), std::string::npos) << f[1];
}

TEST(PlainPrinter, NoEscapeCodesWithoutColour) {
  std::ostringstream out;
  PlainPrinter p(out, 8, false, "prod/");
  auto s = svc("users");
  p.service_started(s);
  p.service_line(s, "hello");
  RunResult r;
  r.outcome = Outcome::Failed;
  r.error = "x";
  p.service_finished(s, r);
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
  EXPECT_NE(out.str().find("prod/users    | hello"), std::string::npos) << out.str();
}

#include <boost/asio/io_context.hpp>

#include <map>

#include "scheduler/builder.h"

namespace {

// Finishes jobs when the test says so, as in builder_test.
class ScriptedRunner : public ServiceRunner {
 public:
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override {
    lines[job.service->name] = on_line;
    events[job.service->name] = job.events;
    done[job.service->name] = std::move(on_done);
  }
  void interrupt() override {}
  void say(const std::string& s, const std::string& l) { lines.at(s)(l); }
  void applied(const std::string& s, const std::string& id) { events.at(s)->migration_applied(MigrationStep{id, "", "", {}}); }
  std::map<std::string, RunEvents*> events;
  void finish(const std::string& s, RunResult r) {
    auto d = std::move(done.at(s));
    done.erase(s);
    d(std::move(r));
  }
  std::map<std::string, LineFn> lines;
  std::map<std::string, DoneFn> done;
};

}  // namespace

TEST(Dashboard, FramesOfAScriptedRunThroughTheBuilder) {
  std::vector<ServiceSpec> specs = {svc("users"), svc("habits", {"users"}), svc("meals", {"users"})};
  FakeTerminal term(90, false);
  std::vector<DashRow> rows = {row("users", "queued"), row("habits", "queued"), row("meals", "queued")};
  Dashboard d(term, DashHeader{"orchestrate up demo on default", "r1", DashClock::now(), ""}, rows, 0ms);
  ServiceDashboardPrinter printer(d, {&specs[0], &specs[1], &specs[2]},
                                  {{"users", {"(none) -> u2", 2}}, {"habits", {"(none) -> h1", 1}}, {"meals", {"(none) -> 0001", 1}}});
  boost::asio::io_context io;
  ScriptedRunner runner;
  Plan plan(specs, {0, 1, 2}, {4, false});
  SteadyClock clock;
  Builder b(io, specs, plan, runner, printer, clock);
  b.start(nullptr);
  io.poll();
  auto f = d.frame(DashClock::now());
  EXPECT_NE(f[0].find("1 running, 0 done, 0 failed, 2 waiting"), std::string::npos) << f[0];
  EXPECT_NE(f[2].find("waiting for users"), std::string::npos) << f[2];
  runner.say("users", "INFO  [alembic.runtime.migration] Running upgrade  -> u1, create users");
  f = d.frame(DashClock::now());
  EXPECT_NE(f[1].find("0/2"), std::string::npos) << "a line is payload, not progress: " << f[1];
  runner.applied("users", "u1");
  f = d.frame(DashClock::now());
  EXPECT_NE(f[1].find("1/2"), std::string::npos) << f[1];
  RunResult ok;
  ok.outcome = Outcome::Applied;
  ok.after = {"u2"};
  ok.applied = 2;
  runner.finish("users", ok);
  io.restart();
  io.poll();
  f = d.frame(DashClock::now());
  EXPECT_NE(f[1].find("✓ users"), std::string::npos);
  EXPECT_NE(f[1].find("(none) -> u2"), std::string::npos) << f[1];
  EXPECT_NE(f[2].find("running"), std::string::npos) << f[2];
  EXPECT_NE(f[3].find("running"), std::string::npos) << f[3];
  RunResult bad;
  bad.outcome = Outcome::Failed;
  bad.error = "meals/0001_x.sql:2: syntax error";
  bad.details = {"2 | CREAT TABLE x ();"};
  runner.finish("meals", bad);
  RunResult ok2;
  ok2.outcome = Outcome::Applied;
  ok2.after = {"h1"};
  ok2.applied = 1;
  runner.finish("habits", ok2);
  io.restart();
  io.poll();
  f = d.frame(DashClock::now());
  ASSERT_EQ(f.size(), 5u);
  EXPECT_NE(f[0].find("0 running, 2 done, 1 failed, 0 waiting"), std::string::npos) << f[0];
  EXPECT_NE(f[3].find("✗ meals"), std::string::npos);
  EXPECT_NE(f[3].find("meals/0001_x.sql:2: syntax error"), std::string::npos) << f[3];
  EXPECT_EQ(f[4], "    2 | CREAT TABLE x ();");
  for (const auto& l : f) EXPECT_LE(display_width(l), 90u);
}
