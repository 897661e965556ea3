// Output that goes away mid-run: a closed stdout (`up | head -2`), an --events consumer that died, an
// events file on a full disk. None of them may stop the run: every service still runs, the history row
// is finished, and a lost event stream is a warning and exit 1 (docs/exit-codes.md). SIGPIPE (exit 141)
// used to end the run halfway.
#include <sys/stat.h>

#include "harness.h"

using namespace itest;

namespace {

// Three services in a chain, each pausing, so most lines are written after the reader is gone.
void write_chain(const TempDir& dir) {
  for (const char* s : {"a", "b", "c"})
    dir.write(std::string(s) + "/0001_t.sql", "SELECT pg_sleep(0.3);\nCREATE TABLE t (id int);\n");
  dir.write("services.toml", "[project]\nname = \"pipes\"\ndatabase = \"env:DATABASE_URL\"\n"
                             "[services.a]\nschema = \"a\"\nrunner = \"sql\"\npath = \"a\"\n"
                             "[services.b]\nschema = \"b\"\nrunner = \"sql\"\npath = \"b\"\ndepends_on = [\"a\"]\n"
                             "[services.c]\nschema = \"c\"\nrunner = \"sql\"\npath = \"c\"\ndepends_on = [\"b\"]\n");
}

// Every service ran and the run's history row was finished, with `outcome`.
void expect_whole_run(const TestDatabase& db, const std::string& outcome, const std::string& output) {
  for (const char* t : {"a.t", "b.t", "c.t"}) EXPECT_TRUE(db.table_exists(t)) << t << " missing\n" << output;
  EXPECT_EQ(db.scalar("SELECT string_agg(outcome, ',') FROM orchestrate.runs"), outcome) << output;
}

}  // namespace

TEST(ClosedOutput, StdoutClosedByHeadStopsThePrintingNotTheRun) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("pipe-stdout");
  write_chain(dir);
  auto r = run_shell(R"("$ORCHESTRATE" up 2>stderr.txt | head -2 >head.txt; echo "orchestrate exited ${PIPESTATUS[0]}")",
                     {{"DATABASE_URL", db.url()}}, dir.path());
  const std::string err = read_all(dir.path() / "stderr.txt");
  EXPECT_NE(r.output.find("orchestrate exited 0"), std::string::npos) << r.output << err;
  EXPECT_EQ(count_of(read_all(dir.path() / "head.txt"), "\n"), 2);
  expect_whole_run(db, "succeeded", r.output + err);
}

TEST(ClosedOutput, AnEventsConsumerThatDiesIsAWarningAndExitOneAndTheRunFinishes) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("pipe-events");
  write_chain(dir);
  auto r = run_shell(R"("$ORCHESTRATE" --events - up 2>stderr.txt | head -1 >head.txt; echo "orchestrate exited ${PIPESTATUS[0]}")",
                     {{"DATABASE_URL", db.url()}}, dir.path());
  const std::string err = read_all(dir.path() / "stderr.txt");
  EXPECT_NE(r.output.find("orchestrate exited 1"), std::string::npos) << r.output << err;
  EXPECT_NE(read_all(dir.path() / "head.txt").find("\"type\":\"run-started\""), std::string::npos);
  EXPECT_NE(err.find("warning: --events - (stdout): cannot write the event stream (Broken pipe)"), std::string::npos)
      << err;
  EXPECT_EQ(count_of(err, "cannot write the event stream"), 1) << "one warning, not one per event:\n" << err;
  EXPECT_EQ(count_of(err, "applied 1 migration"), 3) << "people's lines go on, on stderr:\n" << err;
  expect_whole_run(db, "succeeded", r.output + err);
}

TEST(ClosedOutput, AnEventsFileOnAFullDiskIsAWarningAndExitOne) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("pipe-full");
  write_chain(dir);
  auto r = run_orchestrate({"--events", "/dev/full", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("warning: --events /dev/full: cannot write the event stream (No space left on device)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("orchestrate will exit 1"), std::string::npos) << r.output;
  expect_whole_run(db, "succeeded", r.output);
}

TEST(ClosedOutput, TheEventsFileIsTheOwnersAlone) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("events-mode");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", "[project]\nname = \"mode\"\ndatabase = \"env:DATABASE_URL\"\n"
                             "[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \"s\"\n");
  ::umask(022);  // the usual umask, which would leave a plain fopen()ed file world-readable
  auto r = run_orchestrate({"--events", "events.jsonl", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "events.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << std::oct << (st.st_mode & 0777);
}
