// Large SQL files: parsing is linear (batches of about 1 MiB, lines counted once), a batch cut inside a
// BEGIN ATOMIC body grows instead of splitting it, errors keep their line:column, Ctrl-C stops a parse,
// and files past max_file_size (or that are not regular files) are refused with the file named.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "kinds.h"
#include "manifest/manifest.h"
#include "sql/sql_migrations.h"
#include "util/interrupt.h"
#include "util/parse_tree_json.h"
#include "util/sql_split.h"

using namespace orch;
namespace fs = std::filesystem;

namespace {

std::string inserts(int from, int n) {
  std::string s;
  for (int i = from; i < from + n; ++i)
    s += "INSERT INTO seed (id, name, note) VALUES (" + std::to_string(i) + ", 'name " + std::to_string(i) +
         "', 'a note about row " + std::to_string(i) + "');\n";
  return s;
}

int lines_in(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST(SqlLarge, ParsingIsLinearAndKeepsEveryLine) {
  const std::string script = inserts(0, 150000);  // 12 MiB; the old quadratic line count took minutes
  auto t0 = std::chrono::steady_clock::now();
  auto parsed = parse_sql(script);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 150000u);
  EXPECT_LT(took.count(), 30000) << "150,000 statements took " << took.count() << " ms";
  for (size_t i : {size_t(0), size_t(9999), size_t(77777), size_t(149999)}) {
    EXPECT_EQ((*parsed)[i].line, static_cast<int>(i) + 1);
    EXPECT_EQ((*parsed)[i].node, "InsertStmt");
  }
  auto split = split_sql(script);
  ASSERT_EQ(split.size(), 150000u);
  EXPECT_EQ(split.back().line, 150000);
}

TEST(SqlLarge, ABeginAtomicBodyAcrossABatchCutStaysOneStatement) {
  // The function starts just before the first 1 MiB cut and its body runs past it.
  std::string head = inserts(0, 12000);
  while (head.size() < (1u << 20) - 200) head += inserts(static_cast<int>(head.size()), 1);
  std::string fn = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n";
  for (int i = 0; i < 40; ++i) fn += "  SELECT " + std::to_string(i) + ";\n";
  fn += "END;\n";
  const std::string tail = inserts(900000, 3000) + "COMMIT;\n";
  const std::string script = head + fn + tail;
  auto parsed = parse_sql(script);
  ASSERT_TRUE(parsed) << parsed.error().where << ": " << parsed.error().message;
  const size_t n_head = static_cast<size_t>(lines_in(head));
  ASSERT_EQ(parsed->size(), n_head + 1 + 3000 + 1);
  const SqlStatement& f = (*parsed)[n_head];
  EXPECT_EQ(f.node, "CreateFunctionStmt");
  EXPECT_EQ(f.line, lines_in(head) + 1);
  EXPECT_FALSE(is_transaction_control(f));
  EXPECT_EQ(parsed->back().keyword, "COMMIT");
  EXPECT_TRUE(is_transaction_control(parsed->back()));
  EXPECT_EQ(parsed->back().line, lines_in(head) + lines_in(fn) + 3001);
}

TEST(SqlLarge, ASyntaxErrorInALaterBatchKeepsItsLineAndColumn) {
  const std::string script = inserts(0, 40000) + "SELECT 1;\nSELECT (2 +;\n" + inserts(50000, 100);
  auto parsed = parse_sql(script);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().where, "40002:12");
  EXPECT_EQ(parsed.error().message, "syntax error at or near \";\"");
  auto trees = parse_sql_trees(script);
  ASSERT_FALSE(trees);
  EXPECT_EQ(trees.error().where, "40002:12");
  // An unfinished statement at the very end is reported where the file ends.
  auto unfinished = parse_sql(inserts(0, 20000) + "CREATE TABLE t (id int");
  ASSERT_FALSE(unfinished);
  EXPECT_EQ(unfinished.error().where, "20001:23");
}

TEST(SqlLarge, CtrlCEndsAParseWithExitCode130) {
  interrupt::request();
  auto parsed = parse_sql(inserts(0, 30000));
  interrupt::reset_for_tests();
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().exit_code, 130);
  EXPECT_EQ(parsed.error().message, "interrupted while parsing");
  EXPECT_TRUE(parse_sql("SELECT 1;"));
}

TEST(SqlLarge, FilesPastTheLimitOrNotRegularAreRefusedByName) {
  const fs::path dir = fs::temp_directory_path() / ("orch-sqllarge-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "0001_small.sql") << "SELECT 1;\n";
  std::ofstream(dir / "0002_big.sql") << "-- " + std::string(2996, 'x') + "\n";  // 3000 bytes
  ASSERT_EQ(::mkfifo((dir / "0003_pipe.sql").c_str(), 0600), 0);
  SqlMigrationSet set = read_sql_migrations(dir, 2048);
  ASSERT_EQ(set.errors.size(), 2u);
  EXPECT_EQ(set.errors[0].rfind("0002_big.sql: is 3 KiB, larger than max_file_size (2 KiB)", 0), 0u) << set.errors[0];
  EXPECT_NE(set.errors[0].find("raise max_file_size in [runners.sql]"), std::string::npos) << set.errors[0];
  EXPECT_EQ(set.errors[1].rfind("0003_pipe.sql: is not a regular file", 0), 0u) << set.errors[1];
  ASSERT_EQ(set.migrations.size(), 1u);
  EXPECT_EQ(read_sql_migrations(dir).errors.size(), 1u);  // 64 MiB by default: only the FIFO
  fs::remove_all(dir);
}

TEST(SqlLarge, MaxFileSizeIsReadFromRunnersSql) {
  const fs::path file = fs::temp_directory_path() / "services.toml";
  auto parse = [&](const std::string& size) {
    return parse_manifest("[project]\nname = \"p\"\ndatabase = \"env:X\"\n[runners.sql]\nmax_file_size = \"" + size +
                              "\"\n[services.c]\nschema = \"c\"\nrunner = \"sql\"\npath = \".\"\n",
                          file);
  };
  EXPECT_EQ(parse("256MiB").services[0].max_file_bytes, 256u << 20);
  EXPECT_EQ(parse("2048").services[0].max_file_bytes, 2048u);
  for (const char* bad : {"0", "2GiB", "64 MB", "lots"}) {
    try {
      parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ManifestErrors& e) {
      ASSERT_EQ(e.errors().size(), 1u);
      EXPECT_EQ(e.errors()[0].pos.line, 5) << bad;
      EXPECT_EQ(e.errors()[0].message, "\"max_file_size\" \"" + std::string(bad) + "\" must be a size from 1KiB to 1GiB");
    }
  }
}

TEST(SqlLarge, TheParseTreeWalkerAgreesWithAJsonParser) {
  // libpg_query's output for: SELECT 1; INSERT INTO t VALUES ('a"b}]'); CREATE TABLE x (id int)
  const std::string json =
      R"({"version":150001,"stmts":[{"stmt":{"SelectStmt":{"targetList":[{"ResTarget":{"val":{"A_Const":{"ival":)"
      R"({"ival":1},"location":7}},"location":7}}],"limitOption":"LIMIT_OPTION_DEFAULT","op":"SETOP_NONE"}},"stmt_len":8},)"
      R"({"stmt":{"InsertStmt":{"relation":{"relname":"t","inh":true,"relpersistence":"p","location":22},"selectStmt":)"
      R"({"SelectStmt":{"valuesLists":[{"List":{"items":[{"A_Const":{"sval":{"sval":"a\"b}]"},"location":32}}]}}],)"
      R"("limitOption":"LIMIT_OPTION_DEFAULT","op":"SETOP_NONE"}},"override":"OVERRIDING_NOT_SET"}},"stmt_location":9,)"
      R"("stmt_len":31},{"stmt":{"CreateStmt":{"relation":{"relname":"x","inh":true,"relpersistence":"p","location":55}}},)"
      R"("stmt_location":41}]})";
  auto walked = tree_statements(json);
  ASSERT_TRUE(walked);
  auto dom = nlohmann::json::parse(json)["stmts"];
  ASSERT_EQ(walked->size(), dom.size());
  for (size_t i = 0; i < dom.size(); ++i) {
    EXPECT_EQ((*walked)[i].location, dom[i].value("stmt_location", 0u)) << i;
    EXPECT_EQ((*walked)[i].len, dom[i].value("stmt_len", 0u)) << i;
    EXPECT_EQ(std::string((*walked)[i].node), dom[i]["stmt"].begin().key()) << i;
    EXPECT_EQ(nlohmann::json::parse((*walked)[i].tree), dom[i]["stmt"]) << i;
  }
  EXPECT_FALSE(tree_statements(R"({"version":1,"stmts":[{"stmt":{"X":{"a":"unterminated}}]})"));
  EXPECT_FALSE(tree_statements("not json"));
}
