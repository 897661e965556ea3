#include <gtest/gtest.h>

#include "process/failure_summary.h"
#include "manifest/manifest.h"
#include "util/duration.h"
#include "util/secret_command.h"
#include "util/secrets.h"
#include "util/sql_split.h"
#include "util/text.h"

using namespace orch;

TEST(Duration, ParsesWhatPeopleWrite) {
  EXPECT_EQ(parse_duration("60s")->count(), 60000);
  EXPECT_EQ(parse_duration("10m")->count(), 600000);
  EXPECT_EQ(parse_duration("1h30m")->count(), 5400000);
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("5")->count(), 5000);
  EXPECT_FALSE(parse_duration("5 minutes"));
  EXPECT_FALSE(parse_duration("1h30"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_EQ(format_duration(Millis(850)), "850ms");
  EXPECT_EQ(format_duration(Millis(4200)), "4.2s");
  EXPECT_EQ(format_duration(Millis(187000)), "3m07s");
}

TEST(Secrets, UrlPasswordsAndRegisteredSecretsAreScrubbed) {
  secrets::clear_for_tests();
  EXPECT_EQ(secrets::redact_url("postgresql://app:hunter2@db:5432/prod"), "postgresql://app:***@db:5432/prod");
  EXPECT_EQ(secrets::redact_url("postgresql://app@db/prod"), "postgresql://app@db/prod");
  EXPECT_EQ(secrets::redact_url("host=db password=hunter2 user=x"), "host=db password=*** user=x");
  secrets::remember("s3cr3t-value");
  EXPECT_EQ(secrets::scrub("echo s3cr3t-value twice s3cr3t-value"), "echo *** twice ***");
  EXPECT_EQ(secrets::scrub("url postgres://u:pw@h/d in a log"), "url postgres://u:***@h/d in a log");
  secrets::clear_for_tests();
}

TEST(SqlSplit, QuotesCommentsAndDollarBodies) {
  auto st = split_sql(
      "-- header; not a statement\nCREATE TABLE a (x text DEFAULT ';');\n"
      "/* block; comment */ INSERT INTO a VALUES ('it''s; fine');\n"
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;\n"
      "\nCOMMIT;\nSELECT \"we;ird\" FROM a");
  ASSERT_EQ(st.size(), 5u);
  EXPECT_EQ(st[0].line, 2);
  EXPECT_EQ(st[0].keyword, "CREATE");
  EXPECT_EQ(st[1].line, 3);
  EXPECT_EQ(st[1].keyword, "INSERT");
  EXPECT_EQ(st[2].line, 4);
  EXPECT_NE(st[2].text.find("RETURN 1; END"), std::string::npos);
  EXPECT_TRUE(is_transaction_control(st[3]));
  EXPECT_EQ(st[3].line, 6);
  EXPECT_FALSE(is_transaction_control(st[4]));
  EXPECT_EQ(st[4].text, "SELECT \"we;ird\" FROM a");
}

TEST(FailureSummary, AlembicFailedLine) {
  ChildExit e;
  e.code = 255;
  auto s = summarize_failure({"INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.",
                              "FAILED: Can't locate revision identified by '189b1231afd4'"},
                             e, "python3 -m alembic");
  EXPECT_EQ(s.error, "alembic: Can't locate revision identified by '189b1231afd4' (exit code 255)");
}

TEST(FailureSummary, TracebackEndsInTheException) {
  ChildExit e;
  e.code = 1;
  auto s = summarize_failure({"Traceback (most recent call last):", "  File \"/x.py\", line 3, in <module>",
                              "    op.execute('x')",
                              "sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedTable) relation \"nope\" does not exist",
                              "LINE 1: INSERT INTO nope VALUES (1)", "                    ^",
                              "[SQL: INSERT INTO nope VALUES (1)]",
                              "(Background on this error at: https://sqlalche.me/e/14/f405)"},
                             e, "python3 -m alembic");
  EXPECT_NE(s.error.find("sqlalchemy.exc.ProgrammingError"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("(exit code 1)"), std::string::npos);
  ASSERT_FALSE(s.details.empty());
  EXPECT_EQ(s.details.back(), "[SQL: INSERT INTO nope VALUES (1)]");
}

// Ctrl-C while Alembic ran a migration: its output was only INFO lines, which the summary skips as
// noise; the report must show them, not claim there was no output (issue 22).
TEST(FailureSummary, AnInterruptedToolWithOnlyNoiseShowsItsLastLinesNotNoOutput) {
  ChildExit e;
  e.interrupted = true;
  e.signaled = true;
  auto s = summarize_failure({"INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.",
                              "INFO  [alembic.runtime.migration] Will assume transactional DDL.",
                              "INFO  [alembic.runtime.migration] Running upgrade  -> a1, create journal", ""},
                             e, "python3 -m alembic");
  EXPECT_EQ(s.error, "last output: INFO  [alembic.runtime.migration] Running upgrade  -> a1, create journal "
                     "(stopped by interrupt)");
  ASSERT_EQ(s.details.size(), 3u);
  EXPECT_EQ(s.details.front(), "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.");
  auto none = summarize_failure({"", "  "}, e, "python3 -m alembic");
  EXPECT_EQ(none.error, "no output (stopped by interrupt)");
  EXPECT_TRUE(none.details.empty());
}

TEST(FailureSummary, MissingAlembicModuleSaysWhatToInstall) {
  ChildExit e;
  e.code = 1;
  auto s = summarize_failure({"/root/.pyenv/versions/3.11/bin/python3: No module named alembic"}, e, "python3 -m alembic");
  EXPECT_NE(s.error.find("cannot import alembic"), std::string::npos);
  EXPECT_NE(s.details.at(0).find("python3-alembic"), std::string::npos);
}

TEST(Text, ClosestMatchAndElide) {
  EXPECT_EQ(closest_match("dependson", {"depends_on", "schema"}), "depends_on");
  EXPECT_EQ(closest_match("zzzzzz", {"depends_on", "schema"}), "");
  EXPECT_EQ(elide("abcdef", 4), "abc\xE2\x80\xA6");
  EXPECT_EQ(elide("abc", 4), "abc");
}

TEST(SecretCommand, SplitsLikeAShellWithoutOne) {
  auto w = split_command_line("gcloud secrets versions access latest --secret=DATABASE_URL");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->size(), 6u);
  auto q = split_command_line(R"(sh -c 'echo "a b"; exit 0' "x \"y\"" z\ w)");
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (std::vector<std::string>{"sh", "-c", "echo \"a b\"; exit 0", "x \"y\"", "z w"}));
  EXPECT_FALSE(split_command_line("vault kv get 'secret"));
  EXPECT_FALSE(split_command_line("   "));
}

TEST(SecretCommand, StdoutIsTheSecretAndFailuresSayTheCodeAndStderrNotTheSecret) {
  auto ok = run_secret_command("sh -c 'printf \"  postgresql://app:s3cret@db/x \\n\"'");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, "postgresql://app:s3cret@db/x");
  auto bad = run_secret_command("sh -c 'echo postgresql://app:leak@db/x; echo first >&2; echo permission denied >&2; exit 3'");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "`sh` exited with code 3: permission denied");
  EXPECT_EQ(bad.error().message.find("leak"), std::string::npos);
  auto slow = run_secret_command("sleep 5", std::chrono::milliseconds(200));
  ASSERT_FALSE(slow);
  EXPECT_NE(slow.error().message.find("did not finish within"), std::string::npos);
  EXPECT_FALSE(run_secret_command("no-such-command-orchestrate"));
}

TEST(SecretCommand, ADatabaseFromACommandIsMaskedEverywhere) {
  DatabaseRef ref{"command:sh -c 'echo postgresql://app:hunter2@db.internal/product'", SourcePos{"services.toml", 3, 12}};
  auto url = resolve_database(ref);
  ASSERT_TRUE(url) << url.error().message;
  // What the command printed is a secret as a whole, as a file:'s contents are; its password on its own too.
  EXPECT_EQ(secrets::scrub("connecting to " + *url), "connecting to ***");
  EXPECT_EQ(secrets::scrub("password hunter2"), "password ***");
  auto failing = resolve_database({"command:sh -c 'echo no access >&2; exit 7'", SourcePos{"services.toml", 3, 12}});
  ASSERT_FALSE(failing);
  EXPECT_EQ(failing.error().where, "services.toml:3:12");
  EXPECT_EQ(failing.error().exit_code, 2);
  EXPECT_NE(failing.error().message.find("exited with code 7: no access"), std::string::npos);
}
