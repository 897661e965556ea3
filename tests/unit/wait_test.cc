// engine/wait_ready: what `orchestrate wait` waits for, when it says so, and how it ends, on a fake
// clock (time moves only when it sleeps) and scripted readings.
#include <gtest/gtest.h>

#include "engine/wait_ready.h"

using namespace orch;

namespace {

class FakeClock : public Clock {
 public:
  time_point now() const override { return t; }
  time_point t{};
};

ServiceStatus svc(const std::string& name, ServiceState state, int pending = 0) {
  ServiceStatus s;
  s.name = name;
  s.state = state;
  for (int i = 0; i < pending; ++i) s.pending.push_back("v" + std::to_string(i));
  return s;
}

StatusReport report(std::vector<ServiceStatus> services, const std::string& target = "default") {
  StatusReport r;
  r.target = target;
  r.services = std::move(services);
  return r;
}

struct Harness {
  FakeClock clock;
  std::vector<Millis> sleeps;
  bool interrupt_at_sleep = false;
  std::vector<std::string> said;
  std::vector<std::vector<StatusReport>> readings;  // one per read; the last repeats
  size_t reads = 0;

  WaitResult run(WaitConfig cfg) {
    Waiter w{clock, [this](Millis d) {
               sleeps.push_back(d);
               clock.t += d;
               return !interrupt_at_sleep;
             }};
    return wait_until_ready(
        [this] { return readings[std::min(reads++, readings.size() - 1)]; }, cfg, w,
        [this](const std::string& l) { said.push_back(l); });
  }
};

}  // namespace

TEST(WaitReady, ReadyAtOnceSaysOnlyReady) {
  Harness h;
  h.readings = {{report({svc("a", service_state::kUpToDate), svc("c", service_state::kUntracked)})}};
  auto r = h.run({});
  EXPECT_EQ(r.end, WaitEnd::Ready);
  EXPECT_EQ(h.said, (std::vector<std::string>{"ready after 0ms"}));
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(WaitReady, SaysEachWaitOnceAndWhatChangedUntilReady) {
  Harness h;
  auto pending = report({svc("a", service_state::kPending, 2), svc("b", service_state::kNotInitialised)});
  auto a_done = report({svc("a", service_state::kUpToDate), svc("b", service_state::kNotInitialised)});
  auto b_pending = report({svc("a", service_state::kUpToDate), svc("b", service_state::kPending, 1)});
  auto done = report({svc("a", service_state::kUpToDate), svc("b", service_state::kUpToDate)});
  h.readings = {{pending}, {pending}, {pending}, {a_done}, {a_done}, {b_pending}, {done}};
  WaitConfig cfg;
  cfg.interval = Millis(2000);
  auto r = h.run(cfg);
  EXPECT_EQ(r.end, WaitEnd::Ready);
  EXPECT_EQ(h.said, (std::vector<std::string>{"waiting for a: 2 pending", "waiting for b: not-initialised",
                                              "waiting for b: 1 pending", "ready after 12.0s"}));
  EXPECT_EQ(h.sleeps, std::vector<Millis>(6, Millis(2000)));
}

TEST(WaitReady, TimesOutAfterTheLastReadingAtTheDeadline) {
  Harness h;
  h.readings = {{report({svc("a", service_state::kPending, 1)})}};
  WaitConfig cfg;
  cfg.timeout = Millis(5000);
  cfg.interval = Millis(2000);
  auto r = h.run(cfg);
  EXPECT_EQ(r.end, WaitEnd::TimedOut);
  ASSERT_EQ(r.waiting.size(), 1u);
  EXPECT_EQ(r.waiting[0].text, "a: 1 pending");
  // 2s, 2s, then what is left (1s and the tick that passes the deadline): one more reading there.
  EXPECT_EQ(h.sleeps, (std::vector<Millis>{Millis(2000), Millis(2000), Millis(1001)}));
  EXPECT_EQ(h.reads, 4u);
  EXPECT_EQ(h.said.size(), 1u);
}

TEST(WaitReady, TimeoutZeroLooksOnce) {
  Harness h;
  h.readings = {{report({svc("a", service_state::kPending, 1)})}};
  WaitConfig cfg;
  cfg.timeout = Millis(0);
  EXPECT_EQ(h.run(cfg).end, WaitEnd::TimedOut);
  EXPECT_EQ(h.reads, 1u);
}

TEST(WaitReady, InterruptedSleepEndsTheWait) {
  Harness h;
  h.interrupt_at_sleep = true;
  h.readings = {{report({svc("a", service_state::kPending, 1)})}};
  auto r = h.run({});
  EXPECT_EQ(r.end, WaitEnd::Interrupted);
  EXPECT_EQ(h.reads, 1u);
}

TEST(WaitReady, AnUnreachableDatabaseIsOneLineWhateverItsErrorSays) {
  Harness h;
  auto down = [](const std::string& why) {
    auto s = svc("a", service_state::kUnreachable);
    s.detail = "cannot connect: " + why;
    auto t = svc("b", service_state::kUnreachable);
    t.detail = s.detail;
    return report({s, t});
  };
  h.readings = {{down("connection refused")}, {down("the database system is starting up")},
                {report({svc("a", service_state::kUpToDate), svc("b", service_state::kUpToDate)})}};
  auto r = h.run({});
  EXPECT_EQ(r.end, WaitEnd::Ready);
  ASSERT_EQ(h.said.size(), 2u);
  EXPECT_EQ(h.said[0], "waiting for the database to accept connections (cannot connect: connection refused); "
                       "trying again until the timeout");
}

TEST(WaitReady, RlsIsWaitedForOnlyWhenAsked) {
  auto r = report({svc("a", service_state::kUpToDate)});
  r.rls_configured = true;
  r.rls.checked = true;
  r.rls.schemas = {"a"};
  r.rls.tables_checked = 2;
  r.rls.uncovered = {{"a.t", "no policy"}};
  EXPECT_TRUE(not_ready({r}, WaitUntil::Head).empty());
  auto w = not_ready({r}, WaitUntil::Rls);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].text, "RLS: 1 of 2 tables in a is not protected");
}

TEST(WaitReady, SeveralTargetsAreNamed) {
  auto w = not_ready({report({svc("a", service_state::kUpToDate)}, "eu"), report({svc("a", service_state::kAhead)}, "us")},
                     WaitUntil::Head);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].text, "a: ahead/unknown on us");
}
