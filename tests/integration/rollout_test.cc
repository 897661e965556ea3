// Targets, protected targets, targets_from and staged rollouts over several real databases.
#include <nlohmann/json.hpp>

#include <regex>
#include <thread>

#include "harness.h"

using namespace itest;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The six-service example, pointed at the repository's files, plus the given targets and waves.
std::string example_with(const std::string& extra) {
  std::string text = read_all(source_dir() / "services.toml");
  std::string root = source_dir().string() + "/";
  for (size_t p = 0; (p = text.find("\"examples/", p)) != std::string::npos;) {
    text.insert(p + 1, root);
    p += root.size() + 10;
  }
  return text + "\n" + extra;
}

std::string target(const std::string& name, const std::string& url, bool prot = false) {
  return "[targets." + name + "]\ndatabase = \"" + url + "\"\n" + (prot ? "protected = true\n" : "") + "\n";
}

bool touched(const TestDatabase& db) { return db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'users'") == "1"; }

}  // namespace

TEST(Rollout, HaltsOnTheFailingWaveThenResumes) {
  REQUIRE_DATABASE();
  std::vector<std::unique_ptr<TestDatabase>> dbs;
  for (int i = 0; i < 6; ++i) dbs.push_back(std::make_unique<TestDatabase>());
  {
    auto c = dbs[2]->connect();  // wave two's second database has a conflicting table
    pqxx::nontransaction tx(*c);
    tx.exec("CREATE SCHEMA meals; CREATE TABLE meals.foods (legacy int)");
  }
  std::string extra;
  for (int i = 0; i < 6; ++i) extra += target("db" + std::to_string(i + 1), dbs[i]->url());
  extra +=
      "[[rollout.wave]]\nname = \"staging\"\ntargets = [\"db1\"]\n\n"
      "[[rollout.wave]]\nname = \"canary\"\ntargets = [\"db2\", \"db3\"]\nmax_parallel = 2\n\n"
      "[[rollout.wave]]\nname = \"rest\"\ntargets = [\"db*\"]\nmax_parallel = 3\nmax_failures = 1\n";
  TempDir dir("rollout");
  dir.write("services.toml", example_with(extra));
  auto r = run_orchestrate({"rollout"}, {}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("wave canary exceeded its error budget: 1 failed, 0 allowed"), std::string::npos) << r.output;
  // meals has a table and no ledger there: up refuses it before anything runs (what status already knows).
  EXPECT_NE(r.output.find("db3: refusing to run: meals is tables-without-version"), std::string::npos) << r.output;
  for (int i = 3; i < 6; ++i) EXPECT_FALSE(touched(*dbs[i])) << "db" << i + 1 << " of wave three was touched";
  EXPECT_TRUE(touched(*dbs[0]));
  EXPECT_EQ(count_of(r.output, "not-reached"), 3) << r.output;
  EXPECT_NE(r.output.find("wave rest: 0 succeeded, 0 failed, 3 not reached"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos);  // plain mode: not a terminal

  // The local record names the run; the canary's history has it too.
  std::string id;
  for (const auto& e : fs::directory_iterator(dir.path() / ".orchestrate" / "rollouts")) id = e.path().stem().string();
  json state = json::parse(read_all(dir.path() / ".orchestrate" / "rollouts" / (id + ".json")));
  EXPECT_EQ(state["outcome"], "halted");
  EXPECT_EQ(state["waves"][1]["targets"][1]["state"], "failed");
  EXPECT_EQ(dbs[1]->scalar("SELECT command || ':' || outcome FROM orchestrate.runs WHERE run_id = '" + id + "'"),
            "rollout:succeeded");

  {
    auto c = dbs[2]->connect();
    pqxx::nontransaction tx(*c);
    tx.exec("DROP SCHEMA meals CASCADE");
  }
  auto resumed = run_orchestrate({"rollout", "--resume", id}, {}, dir.path());
  EXPECT_EQ(resumed.code, 0) << resumed.output;
  for (const auto& db : dbs) EXPECT_TRUE(touched(*db));
  // db1 and db2 were done: skipped, not re-run.
  EXPECT_EQ(dbs[0]->scalar("SELECT count(*) FROM orchestrate.runs"), "1");
  EXPECT_EQ(dbs[5]->scalar("SELECT run_id FROM orchestrate.runs"), id + "-a2");
  EXPECT_NE(resumed.output.find("wave rest: 3 succeeded, 0 failed, 0 not reached"), std::string::npos) << resumed.output;
}

// [rehearsal] before_rollout: each target is rehearsed on a shadow copy before its `up`; a target whose
// rehearsal fails is failed, unchanged, and counts against its wave's budget.
TEST(Rollout, BeforeRolloutRehearsesEachTargetAndOneThatWouldFailIsLeftUnchanged) {
  REQUIRE_DATABASE();
  TestDatabase db1, db2, db3;
  for (auto* db : {&db1, &db3}) db->exec("CREATE TABLE public.legacy (x int)");  // db2 lacks it: its index fails
  TempDir dir("rollout-rehearse");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("s/0002_idx.sql", "CREATE INDEX legacy_x ON public.legacy (x);\n");
  dir.write("services.toml", "[project]\nname = \"rehearsed\"\n\n[rehearsal]\nbefore_rollout = true\n\n"
                             "[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \"s\"\n\n" +
                                 target("db1", db1.url()) + target("db2", db2.url()) + target("db3", db3.url()) +
                                 "[[rollout.wave]]\nname = \"first\"\ntargets = [\"db1\"]\n\n"
                                 "[[rollout.wave]]\nname = \"rest\"\ntargets = [\"db2\", \"db3\"]\nmax_failures = 1\n");
  auto r = run_orchestrate({"--no-dashboard", "--events", "events.jsonl", "rollout"}, {}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_EQ(count_of(r.output, "on a shadow copy before its wave changes it"), 3) << r.output;
  // The event stream tells the rehearsals apart and ends each run, the refused one as not started.
  const std::string events = read_all(dir.path() / "events.jsonl");
  EXPECT_EQ(count_of(events, "\"command\":\"rehearse\""), 3) << events;
  EXPECT_EQ(count_of(events, "\"type\":\"rehearsal-finished\""), 3) << events;
  EXPECT_NE(events.find("\"target\":\"db2\",\"type\":\"run-finished\",\"outcome\":\"not-started\""), std::string::npos)
      << events;
  EXPECT_NE(r.output.find("db2: rehearsal: s would fail: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("relation \"public.legacy\" does not exist"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("; the target was not changed"), std::string::npos) << r.output;
  EXPECT_TRUE(db1.table_exists("s.t"));
  EXPECT_TRUE(db3.table_exists("s.t"));
  EXPECT_FALSE(db2.table_exists("s.t"));  // not even the file that would have worked
  EXPECT_EQ(db2.scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('s', 'orchestrate')"), "0");
  std::regex shadow("orchestrate_rehearsal_[0-9a-z_]+");
  for (std::sregex_iterator it(r.output.begin(), r.output.end(), shadow), end; it != end; ++it)
    EXPECT_EQ(db1.scalar("SELECT count(*) FROM pg_database WHERE datname = '" + it->str() + "'"), "0") << it->str();
}

TEST(Targets, ProtectedTargetWithoutYesOrTerminalChangesNothing) {
  REQUIRE_DATABASE();
  TestDatabase staging, prod;
  TempDir dir("protected");
  dir.write("services.toml", example_with(target("staging", staging.url()) + target("prod", prod.url(), true)));
  auto r = run_orchestrate({"up", "--target", "all"}, {}, dir.path());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("prod is a protected target; refusing to change it without confirmation"), std::string::npos)
      << r.output;
  EXPECT_FALSE(touched(staging));  // refused before anything ran
  EXPECT_FALSE(touched(prod));
  auto ok = run_orchestrate({"up", "--target", "prod", "--yes"}, {}, dir.path());
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_TRUE(touched(prod));
  // status over several targets: a matrix, and JSON with one entry per target.
  auto st = run_orchestrate({"status", "--target", "all"}, {}, dir.path());
  EXPECT_NE(st.output.find("SERVICE    staging"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("not-initialised (3)  up-to-date"), std::string::npos) << st.output;
  auto js = run_orchestrate({"status", "--target", "all", "--format", "json"}, {}, dir.path());
  json j = json::parse(js.output);
  ASSERT_EQ(j["targets"].size(), 2u);
  EXPECT_EQ(j["targets"][1]["target"], "prod");
  EXPECT_EQ(run_orchestrate({"status", "--target", "nope"}, {}, dir.path()).code, 2);
}

TEST(Targets, FromFileAndFromQuery) {
  REQUIRE_DATABASE();
  TestDatabase control, t1, t2;
  TempDir dir("targets-from");
  dir.write("tenants.txt", "# one tenant per line\nacme=" + t1.url() + "\n" + t2.url() + "\n");
  std::string sql_only =
      "[project]\nname = \"tenants\"\n\n[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \"s\"\n\n";
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", sql_only + "[targets_from]\nfile = \"tenants.txt\"\n");
  auto r = run_orchestrate({"up", "--target", "all"}, {}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(t1.table_exists("s.t"));
  EXPECT_TRUE(t2.table_exists("s.t"));
  EXPECT_NE(r.output.find("== target acme"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("== target " + t2.name()), std::string::npos) << r.output;  // named after its database

  {
    auto c = control.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("CREATE TABLE tenants (name text, url text)");
    tx.exec_params("INSERT INTO tenants VALUES ('one', $1), ('two', $2)", t1.url(), t2.url());
  }
  dir.write("services.toml", sql_only + "[targets_from]\nquery = \"SELECT name, url FROM tenants ORDER BY name\"\n"
                                        "database = \"" + control.url() + "\"\n");
  dir.write("s/0002_u.sql", "CREATE TABLE u (id int);\n");
  auto q = run_orchestrate({"up", "--target", "t*"}, {}, dir.path());
  EXPECT_EQ(q.code, 0) << q.output;
  EXPECT_TRUE(t2.table_exists("s.u"));
  EXPECT_FALSE(t1.table_exists("s.u"));  // "t*" matched only "two"
}

TEST(Dashboard, LiveViewUnderTmuxEndsWithACleanReport) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("tmux");
  std::string session = "orch" + db.name();
  std::string cmd = "tmux new-session -d -s " + session + " -x 120 -y 40 \"cd '" + source_dir().string() +
                    "' && env -u NO_COLOR TERM=xterm-256color DATABASE_URL='" + db.url() + "' '" + ORCHESTRATE_BIN +
                    "' up > /dev/tty; echo EXIT=\\$?; sleep 60\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::string screen;
  for (int i = 0; i < 200 && screen.find("EXIT=") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    std::string cap = "tmux capture-pane -p -t " + session + " > " + (dir.path() / "screen").string();
    std::system(cap.c_str());
    screen = read_all(dir.path() / "screen");
  }
  std::system(("tmux kill-session -t " + session).c_str());
  EXPECT_NE(screen.find("EXIT=0"), std::string::npos) << screen;
  EXPECT_NE(screen.find("✓ users"), std::string::npos) << screen;     // the live rows' final frame
  EXPECT_NE(screen.find("✓ practices"), std::string::npos) << screen;
  EXPECT_NE(screen.find("6 services: 6 applied"), std::string::npos) << screen;  // then the report
  EXPECT_EQ(screen.find("⠋"), std::string::npos);  // no spinner left behind
}
