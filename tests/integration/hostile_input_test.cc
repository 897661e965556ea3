// Hostile inputs through the real binary: passwords nobody percent-encoded, in every command and error
// path (no piece of three or more characters may show in stdout, stderr, logs, reports or events),
// PGPASSWORD echoed by a child, and Ctrl-C while a large SQL file is parsed.
#include <signal.h>

#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

// Passwords as people paste them into URLs. Their three-character pieces do not occur in orchestrate's
// own output, so any piece found is a leak.
const std::vector<std::string> kHostile = {"S3cr%t:P@ss/w?rd#&x=1+Z", "Tr0ub@dor&3", "Qz9@/@?K%7q#j"};
const std::string kEnvPassword = "Pq7=Ev!k@W/z";  // PGPASSWORD, printed by a child

std::string leaked_piece(const std::string& text, const std::string& secret) {
  for (size_t len = secret.size(); len >= 3; --len)
    for (size_t i = 0; i + len <= secret.size(); ++i)
      if (text.find(secret.substr(i, len)) != std::string::npos) return secret.substr(i, len);
  return "";
}

// Everything a run leaves for people to read: its output, and every file under the project
// (.orchestrate logs, the event stream, reports).
std::string everything_written(const RunResult& r, const TempDir& dir) {
  std::string all = r.output;
  for (const auto& e : fs::recursive_directory_iterator(dir.path()))
    if (e.is_regular_file() && e.path().filename() != "services.toml") all += "\n" + read_all(e.path());
  return all;
}

void create_role(const TestDatabase& db, const std::string& password) {
  auto c = db.connect();
  pqxx::nontransaction tx(*c);
  tx.exec("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orch_hostile_user') THEN "
          "CREATE ROLE orch_hostile_user LOGIN SUPERUSER; END IF; END $$");
  tx.exec("ALTER ROLE orch_hostile_user PASSWORD " + tx.quote(password));
}

void write_project(const TempDir& dir) {
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", "[project]\nname = \"hostile\"\ndatabase = \"env:DATABASE_URL\"\n"
                             "[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \"s\"\n"
                             "[services.echo]\nschema = \"echo\"\nrunner = \"command\"\n"
                             "command = [\"sh\", \"-c\", \"echo url=$DATABASE_URL; echo env=$PGPASSWORD\"]\n");
}

}  // namespace

TEST(HostileSecrets, UnencodedPasswordsConnectAndNoPieceOfThemIsEverShown) {
  REQUIRE_DATABASE();
  for (const auto& pw : kHostile) {
    TestDatabase db;
    TempDir dir("hostile");
    create_role(db, pw);
    write_project(dir);
    const std::string url = db.url_with_password("orch_hostile_user", pw);  // not percent-encoded
    const std::map<std::string, std::string> env = {{"DATABASE_URL", url}, {"PGPASSWORD", kEnvPassword}};
    auto up = run_orchestrate({"--no-dashboard", "--events", "events.jsonl", "up", "--report", "json:report.json",
                               "--report", "markdown:report.md"},
                              env, dir.path());
    EXPECT_EQ(up.code, 0) << pw << "\n" << up.output;
    EXPECT_TRUE(db.table_exists("s.t")) << pw << ": the URL was not read as meant";
    EXPECT_NE(up.output.find("url=postgresql://orch_hostile_user:***@"), std::string::npos) << up.output;
    EXPECT_NE(up.output.find("env=***"), std::string::npos) << up.output;
    std::vector<std::pair<std::string, RunResult>> runs = {{"up", up}};
    for (auto args : std::vector<std::vector<std::string>>{{"status"}, {"plan"}, {"plan", "--sql"}, {"check"}, {"history"}})
      runs.emplace_back(args[0], run_orchestrate(args, env, dir.path()));
    EXPECT_EQ(runs[1].second.code, 0) << runs[1].second.output;  // status: up to date
    // Error paths: a server that refuses the connection, and a keyword string where a URL belongs.
    const std::string refused = "postgresql://orch_hostile_user:" + pw + "@127.0.0.1:1/nowhere";
    for (auto args : std::vector<std::vector<std::string>>{{"status"}, {"plan"}, {"check"}, {"history"}, {"up"}}) {
      auto r = run_orchestrate(args, {{"DATABASE_URL", refused}, {"PGPASSWORD", kEnvPassword}}, dir.path());
      EXPECT_NE(r.code, 0) << r.output;
      runs.emplace_back(args[0] + " (refused)", r);
    }
    auto keyword = run_orchestrate({"status"}, {{"DATABASE_URL", "host=127.0.0.1 password=" + pw + " dbname=x"}}, dir.path());
    EXPECT_EQ(keyword.code, 2) << keyword.output;
    runs.emplace_back("status (keyword string)", keyword);
    for (const auto& [what, r] : runs) {
      const std::string all = everything_written(r, dir);
      EXPECT_EQ(leaked_piece(all, pw), "") << what << " showed a piece of " << pw << ":\n" << all;
      EXPECT_EQ(leaked_piece(all, kEnvPassword), "") << what << " showed a piece of PGPASSWORD:\n" << all;
    }
  }
}

TEST(HostileInput, CtrlCWhileALargeSqlFileIsParsedExits130AndChangesNothing) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("bigparse");
  // About 60 MB: parsing it takes seconds even when linear; the old code would have taken hours.
  std::string seed;
  seed.reserve(62 << 20);
  for (int i = 0; seed.size() < (60u << 20); ++i)
    seed += "INSERT INTO seed (id, name, note) VALUES (" + std::to_string(i) + ", 'name', 'a note about this row');\n";
  dir.write("seed/0001_seed.sql", "CREATE TABLE seed (id int, name text, note text);\n" + seed);
  seed.clear();
  dir.write("services.toml", "[project]\nname = \"bigparse\"\ndatabase = \"env:DATABASE_URL\"\n"
                             "[services.seed]\nschema = \"seed\"\nrunner = \"sql\"\npath = \"seed\"\n");
  Orchestrate run({"--no-dashboard", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  std::this_thread::sleep_for(1500ms);  // on the run's session, reading and parsing the file
  auto t0 = std::chrono::steady_clock::now();
  run.signal(SIGINT);
  auto r = run.wait();
  auto after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_LT(after, 5s) << "Ctrl-C was honoured only after " << after.count() << " ms:\n" << r.output;
  EXPECT_NE(r.output.find("interrupted while reading the migrations; nothing was changed"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("seed.seed"));
  EXPECT_FALSE(db.table_exists("seed.orchestrate_migrations"));
}
