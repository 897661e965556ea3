// `orchestrate wait`: the real binary on a real PostgreSQL, as a Kubernetes init container uses it:
// ready at once, a timeout, Ctrl-C, and an `up` finishing while it waits. Never takes the run lock.
#include <signal.h>

#include <thread>

#include "db/run_lock.h"
#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

std::string manifest(const std::string& project, const std::string& extra = "") {
  return "[project]\nname = \"" + project + "\"\ndatabase = \"env:DATABASE_URL\"\n\n"
         "[services.a]\nschema = \"a\"\nrunner = \"sql\"\npath = \"a\"\n\n"
         "[services.b]\nschema = \"b\"\nrunner = \"sql\"\npath = \"b\"\ndepends_on = [\"a\"]\n" + extra;
}

const char* kRls = R"(
[rls]
require = ["a"]

[[rls.policy]]
name = "owner"
schemas = ["a"]
using = "true"
)";

void write_project(const TempDir& dir, const std::string& project, const std::string& extra = "") {
  dir.write("a/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("b/0001_u.sql", "CREATE TABLE u (id int);\n");
  dir.write("services.toml", manifest(project, extra));
}

}  // namespace

TEST(Wait, ReadyAtOnceExits0) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("wait-ready");
  write_project(dir, "waitready");
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  // The run lock held by someone else does not matter: wait never takes it.
  auto holder = db.connect();
  pqxx::nontransaction h(*holder);
  h.exec_params("SELECT pg_advisory_lock($1, $2)", orch::RunLock::class_key(), orch::RunLock::object_key("waitready"));
  auto r = run_orchestrate({"wait", "--timeout", "5s"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("ready after"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("waiting for"), std::string::npos) << r.output;
}

TEST(Wait, TimesOutWithExit5NamingWhatIsPendingOnce) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("wait-timeout");
  write_project(dir, "waittimeout");
  auto r = run_orchestrate({"wait", "--timeout", "1500ms", "--interval", "200ms"}, {{"DATABASE_URL", db.url()}},
                           dir.path());
  EXPECT_EQ(r.code, 5) << r.output;
  // Several readings, one line each for a and b: once a change, not once a poll.
  EXPECT_EQ(count_of(r.output, "\nwaiting for a: not-initialised\n") + r.output.rfind("waiting for a: not-initialised\n", 0) + 1, 1)
      << r.output;
  EXPECT_EQ(count_of(r.output, "waiting for b: not-initialised\n"), 1) << r.output;
  EXPECT_NE(r.output.find("error: not ready after"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(--timeout 1500ms): still waiting for a: not-initialised"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("a.t"));  // read-only
}

TEST(Wait, UntilRlsWaitsForProtectionAfterHead) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("wait-rls");
  write_project(dir, "waitrls");
  dir.write("services.toml", manifest("waitrls"));  // up without RLS first: at head, not protected
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  dir.write("services.toml", manifest("waitrls", kRls));
  EXPECT_EQ(run_orchestrate({"wait", "--timeout", "0"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  auto r = run_orchestrate({"wait", "--until", "rls", "--timeout", "0"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 5) << r.output;
  EXPECT_NE(r.output.find("waiting for RLS: 1 of 1 table"), std::string::npos) << r.output;
  ASSERT_EQ(run_orchestrate({"rls"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  r = run_orchestrate({"wait", "--until", "rls", "--timeout", "0"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
}

TEST(Wait, CtrlCExits130) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("wait-sigint");
  write_project(dir, "waitint");
  Orchestrate run({"wait", "--timeout", "60s"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto [r, took] = signal_when(run, "waiting for b", 300ms, SIGINT);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_NE(r.output.find("interrupted after"), std::string::npos) << r.output;
}

TEST(Wait, ExitsZeroWhenAnUpFinishesWhileItWaits) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("wait-up");
  write_project(dir, "waitup");
  Orchestrate waiting({"wait", "--timeout", "60s", "--interval", "200ms"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(waiting.wait_for_output("waiting for b", 15s)) << waiting.output();
  auto up = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(up.code, 0) << up.output;
  auto r = waiting.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("ready after"), std::string::npos) << r.output;
  EXPECT_EQ(count_of(r.output, "waiting for b: not-initialised\n"), 1) << r.output;
}

TEST(Wait, RetriesAnUnreachableDatabaseWithOneLineUntilTheTimeout) {
  REQUIRE_DATABASE();
  TempDir dir("wait-down");
  write_project(dir, "waitdown");
  // A port nothing listens on: what an init container sees before PostgreSQL is up.
  auto r = run_orchestrate({"wait", "--timeout", "1500ms", "--interval", "200ms"},
                           {{"DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:1/none"}}, dir.path());
  EXPECT_EQ(r.code, 5) << r.output;
  EXPECT_EQ(count_of(r.output, "; trying again until the timeout"), 1) << r.output;
  EXPECT_EQ(r.output.find("pw@"), std::string::npos) << r.output;
}
