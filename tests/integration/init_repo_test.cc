// `init` then `check` then `up` on a repository shaped like the six-service monorepo whose
// 03-run-migrations.sh and 04-apply-rls-policies.sh orchestrate replaces: Poetry services on a machine
// without poetry, an env.py that imports the application, a SQL folder the script never ran (its files
// create schema waitlist, refer to auth.users, one wraps itself in BEGIN/COMMIT), and an RLS script that
// hands psql a heredoc inside BEGIN/COMMIT.
#include <gtest/gtest.h>

#include "harness.h"

namespace fs = std::filesystem;
using namespace itest;

namespace {

void monorepo(TempDir& dir) {
  const fs::path ex = source_dir() / "examples" / "mindmirror";
  fs::copy(ex / "users", dir.path() / "users_service", fs::copy_options::recursive);
  fs::copy(ex / "habits", dir.path() / "habits_service", fs::copy_options::recursive);
  fs::copy(ex / "common", dir.path() / "common", fs::copy_options::recursive);
  for (const char* s : {"users_service", "habits_service"})
    dir.write(std::string(s) + "/pyproject.toml", "[tool.poetry]\nname = \"" + std::string(s) + "\"\n");
  // habits' env.py imports the application first, as the real ones import their settings and models.
  dir.write("habits_service/habits_service/__init__.py", "");
  dir.write("habits_service/habits_service/app/__init__.py", "");
  dir.write("habits_service/habits_service/app/config.py", "import os\nDATABASE_URL = os.environ.get('DATABASE_URL')\n");
  const fs::path env_py = dir.path() / "habits_service" / "migrations" / "env.py";
  dir.write("habits_service/migrations/env.py", "from habits_service.app import config  # the application\n" + read_all(env_py));
  dir.write("web/sql/001_waitlist.sql", "CREATE SCHEMA IF NOT EXISTS waitlist;\n"
                                        "CREATE TABLE waitlist.signups (id uuid PRIMARY KEY, user_id uuid REFERENCES auth.users (id));\n");
  dir.write("web/sql/002_referrals.sql", "BEGIN;\nALTER TABLE waitlist.signups ADD COLUMN referrer text;\nCOMMIT;\n");
  dir.write("infra/03-run-migrations.sh", "#!/bin/bash\nset -e\nfor svc in users_service habits_service; do\n"
                                          "  (cd \"$ROOT/$svc\" && poetry run alembic upgrade head)\ndone\n");
  dir.write("infra/04-apply-rls-policies.sh",
            "#!/bin/bash\nset -euo pipefail\npsql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 <<'SQL'\nBEGIN;\n"
            "ALTER TABLE users.users ENABLE ROW LEVEL SECURITY;\n"
            "DROP POLICY IF EXISTS users_self ON users.users;\n"
            "CREATE POLICY users_self ON users.users USING (id = auth.uid());\nCOMMIT;\nSQL\n");
}

}  // namespace

TEST(InitRepo, TheScriptsServicesTheirNotesAndTheRlsScriptBecomeACheckedManifest) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("init-repo");
  monorepo(dir);
  // No poetry on this PATH: init must not write python = "poetry". Debian's python3 imports Alembic.
  const std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"}, {"DATABASE_URL", db.url()}};
  auto r = run_orchestrate({"init", "--from-script", "infra/03-run-migrations.sh"}, env, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string toml = read_all(dir.path() / "services.toml");
  EXPECT_EQ(toml.find("\npython = \"poetry\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("# check this: the repository runs this service with Poetry (habits_service/pyproject.toml with"),
            std::string::npos) << toml;
  EXPECT_NE(toml.find("# env.py imports the application (habits_service, orchestrate_env): the interpreter needs this\n"
                      "# service's dependencies installed, not only Alembic"),
            std::string::npos) << toml;
  EXPECT_NE(toml.find("ran them in: users_service, habits_service"), std::string::npos) << toml;
  // The SQL folder the script never ran: a comment, with the schema its files create.
  EXPECT_NE(toml.find("# Found but not run by 03-run-migrations.sh; uncomment to let orchestrate run it:\n"
                      "# [services.waitlist]\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("# # 002_referrals.sql wraps itself in BEGIN at line 1, COMMIT at line 3"), std::string::npos) << toml;
  EXPECT_NE(r.output.find("found but not run by 03-run-migrations.sh: web/sql"), std::string::npos) << r.output;
  // The RLS script's heredoc: rls/, without BEGIN/COMMIT, in [rls] files, with require over both schemas.
  EXPECT_NE(toml.find("[rls]\nfiles = [\"rls/04-apply-rls-policies.sql\"]\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("require = [\"users\", \"habits\"]"), std::string::npos) << toml;
  const std::string rls = read_all(dir.path() / "rls" / "04-apply-rls-policies.sql");
  EXPECT_EQ(rls.find("\nBEGIN;"), std::string::npos) << rls;
  EXPECT_EQ(rls.find("\nCOMMIT;"), std::string::npos) << rls;
  EXPECT_NE(rls.find("CREATE POLICY users_self ON users.users"), std::string::npos) << rls;

  // What the user confirms after reading "depends_on below holds only what was confirmed".
  std::string edited = toml;
  const size_t habits = edited.find("[services.habits_service]");
  ASSERT_NE(habits, std::string::npos);
  edited.replace(edited.find("depends_on = []", habits), 15, "depends_on = [\"users_service\"]");
  dir.write("services.toml", edited);
  auto check = run_orchestrate({"check"}, env, dir.path());
  EXPECT_EQ(check.code, 0) << check.output;
  // And it runs: both services migrate, the RLS file applies, and require finds what the old script left open.
  auto up = run_orchestrate({"--no-dashboard", "up"}, env, dir.path());
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_EQ(db.scalar("SELECT relrowsecurity::text FROM pg_class WHERE oid = 'users.users'::regclass"), "true");
  EXPECT_NE(up.output.find("RLS verification FAILED: 4 of 5 tables in users, habits are not protected"), std::string::npos)
      << up.output;
  EXPECT_NE(up.output.find("habits.habit_events: RLS not enabled, no policy"), std::string::npos) << up.output;
}
