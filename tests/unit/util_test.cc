#include <gtest/gtest.h>

#include "process/failure_summary.h"
#include "util/duration.h"
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
