// plan --sql renders what `up` executes: the policies through render_policy itself (role keywords,
// quoted names, literal percent signs), and a sql service's files with their ledger rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rls/policy_render.h"
#include "sql/sql_kind.h"

using namespace orch;
namespace fs = std::filesystem;

TEST(PlanSql, PoliciesAreRenderPolicysOwnStatementsAsFormatStrings) {
  Manifest m;
  ServiceSpec s;
  s.name = "notes";
  s.version_schema = "notes";
  s.version_table = "orchestrate_migrations";
  m.services = {s};
  PolicySpec p;
  p.name = "Owner Access";
  p.schemas = {"notes"};
  p.when_column = "user_id";
  p.roles = {"current_user", "Session_User", "Auditor"};
  p.using_expr = "body LIKE '%public%'";
  m.rls.policies = {p};
  m.rls.force = true;
  std::string block = render_policies_do_block(m);
  EXPECT_NE(block.find("EXECUTE format('ALTER TABLE %1$I.%2$I ENABLE ROW LEVEL SECURITY', t.nspname, t.relname);"),
            std::string::npos)
      << block;
  EXPECT_NE(block.find("'ALTER TABLE %1$I.%2$I FORCE ROW LEVEL SECURITY'"), std::string::npos);
  EXPECT_NE(block.find("'DROP POLICY IF EXISTS \"Owner Access\" ON %1$I.%2$I'"), std::string::npos);
  // Role keywords stay keywords; other roles are quoted names; '%' survives format() as '%%'.
  EXPECT_NE(block.find("TO CURRENT_USER, SESSION_USER, \"Auditor\" USING (body LIKE ''%%public%%'')"), std::string::npos)
      << block;
  EXPECT_NE(block.find("'notes.orchestrate_migrations'"), std::string::npos);  // bookkeeping tables are skipped
  EXPECT_NE(block.find("a.attname = 'user_id'"), std::string::npos);

  // The same statements up executes for one table, with the placeholders filled in.
  auto up = render_policy(p, "notes", "notes", true, [](const std::string& x) { return "\"" + x + "\""; });
  ASSERT_EQ(up.size(), 4u);
  EXPECT_EQ(up[3], "CREATE POLICY \"Owner Access\" ON \"notes\".\"notes\" AS PERMISSIVE FOR ALL TO CURRENT_USER, "
                   "SESSION_USER, \"Auditor\" USING (body LIKE '%public%')");
}

TEST(PlanSql, SqlServiceScriptDoesWhatTheRunnerDoes) {
  fs::path dir = fs::temp_directory_path() / ("orch-plansql-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "0001_create.sql") << "CREATE TABLE meals (id int)";
  std::ofstream(dir / "0002_index.sql") << "-- orchestrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON meals (id);\n";
  ServiceSpec s;
  s.name = "meals";
  s.schema = "meals";
  s.path = dir;
  s.path_text = "meals";
  s.version_schema = "meals";
  s.version_table = "orchestrate_migrations";
  ServiceStatus st;
  st.pending = {"0001", "0002"};
  auto sql = SqlKind().offline_sql(s, st, "");
  fs::remove_all(dir);
  ASSERT_TRUE(sql);
  const std::string& o = *sql;
  EXPECT_NE(o.find("CREATE TABLE IF NOT EXISTS \"meals\".\"orchestrate_migrations\""), std::string::npos);
  EXPECT_NE(o.find("-- meals/0001_create.sql\nBEGIN;\nSET LOCAL search_path TO \"meals\", public;\nCREATE TABLE meals (id int)\n;\n"
                   "INSERT INTO \"meals\".\"orchestrate_migrations\" (version, name, checksum, duration_ms, applied_by) "
                   "VALUES ('1', 'create', '"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("-- meals/0002_index.sql\nSET search_path TO \"meals\", public;\n"), std::string::npos) << o;
  EXPECT_NE(o.find("RESET search_path;\n"), std::string::npos);
  EXPECT_EQ(o.find("BEGIN", o.find("0002_index")), std::string::npos);  // no transaction around CONCURRENTLY
}
