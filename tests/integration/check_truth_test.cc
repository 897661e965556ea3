// `check` tells the truth (issue 20): "no findings" only when something was linted, the RLS files parsed
// as `up` parses them, the real cause of a service not linted, one error printed once, and a pointer to
// `rehearse` for what only an online run shows.
#include "harness.h"

using namespace itest;

namespace {

std::string manifest(const std::string& services, const std::string& extra = "") {
  return "[project]\nname = \"truth\"\ndatabase = \"env:DATABASE_URL\"\n\n[runners.alembic]\n"
         "command = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n" + extra + services;
}

// An Alembic service whose env.py imports the application, which this interpreter does not have.
std::string importing_service(const TempDir& dir) {
  dir.write("app/alembic.ini", "[alembic]\nscript_location = migrations\n");
  dir.write("app/migrations/env.py", "from alembic import context\nfrom models import Base\n");
  dir.write("app/migrations/versions/a1_init.py", "revision = \"a1\"\ndown_revision = None\nfrom alembic import op\n\n\n"
                                                  "def upgrade():\n    op.execute(\"CREATE TABLE app.t (id int)\")\n");
  return "\n[services.app]\nschema = \"app\"\nrunner = \"alembic\"\npath = \"app\"\n";
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(CheckTruth, NothingLintedIsNotNoFindingsAndAnImportErrorIsNamedAsOne) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("truth-import");
  dir.write("services.toml", manifest(importing_service(dir)));
  for (bool offline : {true, false}) {
    std::vector<std::string> args = {"check"};
    if (offline) args.push_back("--offline");
    auto r = run_orchestrate(args, {{"DATABASE_URL", db.url()}}, dir.path());
    EXPECT_EQ(r.code, offline ? 0 : 3) << r.output;
    EXPECT_EQ(r.output.find("no findings"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("lint: nothing was linted: 1 script(s) or service(s) not linted"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("ModuleNotFoundError: No module named 'models'"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("offline (--sql) mode"), std::string::npos) << r.output;  // not an offline-mode problem
    if (offline)
      EXPECT_NE(r.output.find("hint: an import failed (the service's interpreter lacks a module, or PYTHONPATH)"), std::string::npos)
          << r.output;
    else  // env.py's online failure is the error; "not linted" points back at it
      EXPECT_NE(r.output.find("app: not linted: its env.py fails (ModuleNotFoundError: No module named 'models', above)"),
                std::string::npos)
          << r.output;
    EXPECT_NE(r.output.find("what only an online run shows (env.py, imports, what PostgreSQL refuses, the locks taken): "
                            "orchestrate rehearse"),
              std::string::npos)
        << r.output;
  }
}

TEST(CheckTruth, RlsFilesAreParsedAndARefusedFileIsOneErrorWithoutAGapWarning) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("truth-files");
  dir.write("notes/0001_a.sql", "CREATE TABLE notes (id int);\n");
  dir.write("notes/0002_b.sql", "CREATE TABLE x (id int);\nCOMMIT;\nCREATE TABLE y (id int);\n");
  dir.write("notes/0003_c.sql", "CREATE TABLE z (id int);\n");
  dir.write("rls/policies.sql", "BEGIN;\nALTER TABLE notes.notes ENABLE ROW LEVEL SECURITY;\nCOMMIT;\n");
  dir.write("services.toml", manifest("\n[services.notes]\nschema = \"notes\"\nrunner = \"sql\"\npath = \"notes\"\n",
                                      "\n[rls]\nfiles = [\"rls/policies.sql\"]\n"));
  auto r = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("rls/policies.sql:1: BEGIN is not allowed in an RLS file"), std::string::npos) << r.output;
  EXPECT_EQ(count(r.output, "notes/0002_b.sql:2: COMMIT is not allowed in a transactional file"), 1u) << r.output;
  EXPECT_EQ(r.output.find("gap in versions"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\n2 errors, 0 warnings\n"), std::string::npos) << r.output;

  // Fixed files: the RLS file parses, and what was linted is said with its count.
  dir.write("notes/0002_b.sql", "CREATE TABLE x (id int);\n");
  dir.write("rls/policies.sql", "ALTER TABLE notes.notes ENABLE ROW LEVEL SECURITY;\n");
  r = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("rls: 1 policy file(s) parse, without transaction control"), std::string::npos) << r.output;
  // three migration files and the RLS file
  EXPECT_NE(r.output.find("lint: no findings in the SQL that would run (4 script(s) linted)"), std::string::npos) << r.output;
}
