// orchestrate-delay-proxy (tests/tools/delay_proxy.cc), the latency bench/fleet.sh measures under: a
// query through it pays the round trip, large results arrive whole and in order, many connections at
// once pass and close on both sides; and a shared rollout of three workers through it, over 30
// targets 10 ms away, applies every target exactly once with its waves in order.
#include <boost/process.hpp>

#include <future>
#include <regex>
#include <thread>

#include "fleet.h"

using namespace itest;
using namespace std::chrono_literals;
namespace bp = boost::process;

namespace {

// The proxy, running for the test's scope, in front of the test PostgreSQL.
class DelayProxy {
 public:
  explicit DelayProxy(int delay_ms) {
    std::smatch m;
    const std::string admin = admin_url();
    if (!std::regex_search(admin, m, std::regex("@([^:/]+):([0-9]+)/"))) ADD_FAILURE() << "no host:port in " << admin;
    upstream_ = m[1].str() + ":" + m[2].str();
    child_ = bp::child(DELAY_PROXY_BIN, "--listen", "0", "--upstream", upstream_, "--delay-ms", std::to_string(delay_ms),
                       bp::std_out > out_);
    std::string line;
    std::getline(out_, line);
    if (!std::regex_search(line, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")))
      ADD_FAILURE() << "the proxy said: " << line;
    else
      port_ = m[1].str();
  }
  ~DelayProxy() {
    if (child_.running()) child_.terminate();
  }
  // The same URL, through the proxy.
  std::string via(const std::string& url) const { return std::regex_replace(url, std::regex("@" + upstream_ + "/"), "@127.0.0.1:" + port_ + "/"); }

 private:
  bp::ipstream out_;
  bp::child child_;
  std::string upstream_, port_;
};

long long ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(DelayProxy, AQueryPaysTheRoundTripAndLargeResultsArriveWholeAndInOrder) {
  REQUIRE_DATABASE();
  TestDatabase db;
  DelayProxy proxy(50);
  const std::string url = proxy.via(db.url());
  ASSERT_NE(url, db.url());
  auto start = std::chrono::steady_clock::now();
  pqxx::connection c(url);
  EXPECT_GE(ms_since(start), 200) << "a connect is a handshake and at least one exchange: two round trips";
  pqxx::nontransaction tx(c);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(tx.exec("SELECT 1")[0][0].as<int>(), 1);
  const long long took = ms_since(start);
  EXPECT_GE(took, 100) << "SELECT 1 through a 50 ms proxy";
  EXPECT_LT(took, 1000);
  // About 8 MB, many chunks each way: every byte arrives, in order (the md5 of what was sent).
  auto r = tx.exec("SELECT string_agg(md5(i::text), '' ORDER BY i), md5(string_agg(md5(i::text), '' ORDER BY i)) "
                   "FROM generate_series(1, 250000) i");
  const std::string text = r[0][0].c_str();
  EXPECT_EQ(text.size(), 250000u * 32);
  EXPECT_EQ(tx.exec("SELECT md5(" + tx.quote(text) + ")")[0][0].as<std::string>(), r[0][1].as<std::string>());
}

TEST(DelayProxy, ManyConnectionsAtOncePassAndCloseOnBothSides) {
  REQUIRE_DATABASE();
  TestDatabase db;
  DelayProxy proxy(20);
  const std::string url = proxy.via(db.url()) + "?application_name=through-the-proxy";
  std::vector<std::future<int>> each;
  for (int i = 0; i < 60; ++i)
    each.push_back(std::async(std::launch::async, [&url, i] {
      pqxx::connection c(url);
      pqxx::nontransaction tx(c);
      return tx.exec("SELECT " + std::to_string(i) + " FROM pg_sleep(0.2)")[0][0].as<int>();
    }));
  for (int i = 0; i < 60; ++i) EXPECT_EQ(each[i].get(), i);
  // The clients closed: the proxy passed each close on, so the server's sessions end too.
  // (Counted by name: the checks' own sessions, each still ending as the next one asks, are not theirs.)
  const std::string count = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.name() +
                            "' AND application_name = 'through-the-proxy'";
  std::string left;
  for (int i = 0; i < 50 && (left = db.scalar(count)) != "0"; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(left, "0");
}

TEST(DelayProxy, ThreeWorkersThroughItApplyThirtyTargetsExactlyOnceWaveByWave) {
  REQUIRE_DATABASE();
  const std::string waves =
      "[[rollout.wave]]\nname = \"canary\"\ntargets = [\"t0\"]\n\n"
      "[[rollout.wave]]\nname = \"early\"\ntargets = [\"t1\", \"t2\", \"t3\", \"t4\"]\nmax_parallel = 2\n\n"
      "[[rollout.wave]]\nname = \"rest\"\ntargets = [\"*\"]\nmax_parallel = 4\n";
  Fleet f(30, "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", waves);
  DelayProxy proxy(10);
  std::string list;
  for (size_t i = 0; i < f.targets.size(); ++i) list += "t" + std::to_string(i) + "=" + proxy.via(f.targets[i]->url()) + "\n";
  f.dir.write("targets.txt", list);
  f.control_url = proxy.via(f.control.url());
  std::vector<std::unique_ptr<Orchestrate>> workers;
  for (int w = 0; w < 3; ++w)
    workers.push_back(std::make_unique<Orchestrate>(std::vector<std::string>{"rollout", "--run-id", "slow-1", "--yes"},
                                                    f.env(w), f.dir.path()));
  for (auto& w : workers) {
    auto r = w->wait();
    EXPECT_EQ(r.code, 0) << r.output;
  }
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(f.runs_on(i), 1) << "t" << i;
    EXPECT_EQ(f.applied_on(i), 1) << "t" << i;
  }
  EXPECT_EQ(f.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets WHERE state = 'succeeded' AND runs = 1"), "30");
  EXPECT_EQ(f.control.scalar("SELECT outcome FROM orchestrate_rollout.rollouts WHERE run_id = 'slow-1'"), "succeeded");
  EXPECT_GE(std::stoi(f.control.scalar("SELECT count(DISTINCT worker) FROM orchestrate_rollout.targets")), 2);
  // No target of a wave started before every target of the wave before it had finished.
  EXPECT_EQ(f.control.scalar("SELECT count(*) FROM orchestrate_rollout.targets later, orchestrate_rollout.targets earlier "
                             "WHERE later.run_id = 'slow-1' AND earlier.run_id = 'slow-1' AND later.wave > earlier.wave "
                             "AND later.started_at < earlier.finished_at"),
            "0");
  EXPECT_EQ(f.control.scalar("SELECT string_agg(wave::text || ':' || n::text, ' ' ORDER BY wave) FROM "
                             "(SELECT wave, count(*) AS n FROM orchestrate_rollout.targets GROUP BY wave) w"),
            "0:1 1:4 2:25");
}
