// The JSON-lines event stream of a run with a failure, read back and checked against the run's report;
// with `--events -` stdout holds only events.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "harness.h"

using namespace itest;
using json = nlohmann::json;

namespace {

std::vector<json> read_events(const fs::path& p) {
  std::vector<json> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

void write_project(const TempDir& dir) {
  dir.write("good/0001_a.sql", "CREATE TABLE a (id int);\n");
  dir.write("good/0002_b.sql", "CREATE TABLE b (id int);\n");
  dir.write("bad/0001_x.sql", "CREATE TABLE x (id int);\nSELECT * FROM no_such_table;\n");
  dir.write("services.toml", "[project]\nname = \"events\"\ndatabase = \"env:DATABASE_URL\"\n"
                             "[services.good]\nschema = \"good\"\nrunner = \"sql\"\npath = \"good\"\n"
                             "[services.bad]\nschema = \"bad\"\nrunner = \"sql\"\npath = \"bad\"\n");
}

}  // namespace

TEST(Events, TheStreamOfAFailedRunAgreesWithItsReport) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("events");
  write_project(dir);
  auto r = run_orchestrate({"--events", "events.jsonl", "up", "--report", "json:report.json"},
                           {{"DATABASE_URL", db.url_with_password("postgres", "pw-in-url")}}, dir.path());
  ASSERT_EQ(r.code, 1) << r.output;
  auto events = read_events(dir.path() / "events.jsonl");
  auto report = json::parse(read_all(dir.path() / "report.json"));
  ASSERT_GE(events.size(), 6u);
  std::map<std::string, int> types;
  for (const auto& e : events) {
    for (const char* key : {"schema_version", "time", "run_id", "target", "type"}) EXPECT_TRUE(e.contains(key)) << e.dump();
    EXPECT_EQ(e["run_id"], report["run_id"]);
    ++types[e["type"].get<std::string>()];
  }
  EXPECT_EQ(events.front()["type"], "run-started");
  EXPECT_EQ(events.back()["type"], "run-finished");
  EXPECT_EQ(events.back()["exit_code"], 1);
  EXPECT_EQ(events.back()["outcome"], "failed");
  EXPECT_EQ(types["service-started"], 2);
  int applied = 0;
  for (const auto& s : report["services"]) {
    applied += s["applied"].get<int>();
    bool seen = false;
    for (const auto& e : events)
      if (e["type"] == "service-finished" && e["service"] == s["name"]) {
        seen = true;
        EXPECT_EQ(e["outcome"], s["state"]) << e.dump();
        EXPECT_EQ(e["applied"], s["applied"]);
      }
    EXPECT_TRUE(seen) << s.dump();
  }
  EXPECT_EQ(types["migration-applied"], applied);
  EXPECT_EQ(read_all(dir.path() / "events.jsonl").find("pw-in-url"), std::string::npos);  // secrets never
}

TEST(Events, WithADashStdoutHoldsOnlyEvents) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("events-stdout");
  write_project(dir);
  const std::string cmd = "cd '" + dir.path().string() + "' && DATABASE_URL='" + db.url() + "' " + ORCHESTRATE_BIN +
                          " --events - up >stdout.txt 2>stderr.txt";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::istringstream out(read_all(dir.path() / "stdout.txt"));
  int lines = 0;
  for (std::string line; std::getline(out, line); ++lines) EXPECT_NO_THROW(json::parse(line)) << line;
  EXPECT_GE(lines, 6);
  EXPECT_NE(read_all(dir.path() / "stderr.txt").find("SERVICE"), std::string::npos);  // the table went to stderr
}

TEST(Events, DownStreamsItsSteps) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("events-down");
  write_project(dir);
  dir.write("good/0002_b.down.sql", "DROP TABLE b;\n");
  dir.write("bad/0001_x.sql", "CREATE TABLE x (id int);\n");
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  auto r = run_orchestrate({"--events", "down.jsonl", "down", "good", "--yes"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  auto events = read_events(dir.path() / "down.jsonl");
  ASSERT_EQ(events.size(), 2u) << read_all(dir.path() / "down.jsonl");
  EXPECT_EQ(events[0]["type"], "service-finished");
  EXPECT_EQ(events[0]["service"], "good");
  EXPECT_EQ(events[0]["outcome"], "downgraded");
  EXPECT_EQ(events[1]["type"], "run-finished");
  EXPECT_EQ(events[1]["exit_code"], 0);
}
