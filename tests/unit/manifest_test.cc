// Manifest errors must name file:line:column and say how to fix.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kinds.h"
#include "manifest/manifest.h"
#include "manifest/missing_dirs.h"

namespace fs = std::filesystem;
using namespace orch;

namespace {

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("orch-manifest-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "svc" / "a");
    fs::create_directories(dir_ / "svc" / "b");
    std::ofstream(dir_ / "svc" / "a" / "alembic.ini") << "[alembic]\nscript_location = %(here)s/m\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text) {
    fs::path p = dir_ / "services.toml";
    std::ofstream(p) << text;
    return p;
  }

  // Loads and returns the errors (fails the test when loading succeeds).
  std::vector<ManifestError> errors_of(const std::string& text) {
    try {
      load_manifest(write(text));
    } catch (const ManifestErrors& e) {
      return e.errors();
    }
    ADD_FAILURE() << "manifest was accepted";
    return {};
  }

  fs::path dir_;
};

const char* kHeader = R"([project]
name = "p"
database = "env:ORCH_TEST_DB"
)";

}  // namespace

TEST_F(ManifestTest, ValidManifestKeepsFileOrderAndDefaults) {
  auto m = load_manifest(write(std::string(kHeader) + R"(
[services.zeta]
schema = "z"
runner = "sql"
path = "svc/b"

[services.alpha]
schema = "a"
runner = "alembic"
path = "svc/a"
depends_on = ["zeta"]
timeout = "90s"
env = { X = "1" }
)"));
  ASSERT_EQ(m.services.size(), 2u);
  EXPECT_EQ(m.services[0].name, "zeta");  // file order, not alphabetical
  EXPECT_EQ(m.services[1].name, "alpha");
  EXPECT_EQ(m.services[1].command, (std::vector<std::string>{"python3", "-m", "alembic"}));
  EXPECT_EQ(m.services[1].version_table, "alembic_version");
  EXPECT_EQ(m.services[0].version_table, "orchestrate_migrations");
  EXPECT_EQ(m.services[1].timeout->count(), 90000);
  EXPECT_EQ(m.services[1].env.at(0).first, "X");
  EXPECT_EQ(m.services[1].path, (dir_ / "svc" / "a").lexically_normal());
  EXPECT_EQ(m.checksum.size(), 64u);
}

TEST_F(ManifestTest, TomlSyntaxErrorHasPosition) {
  auto errs = errors_of("[project]\nname = \"p\"\ndatabase = \n");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.line, 3);
  EXPECT_GT(errs[0].pos.column, 0);
  EXPECT_NE(errs[0].message.find("TOML syntax"), std::string::npos);
  EXPECT_NE(errs[0].pos.str().find("services.toml:3:"), std::string::npos);
}

// Found by fuzzing (tests/fuzz/fuzz_manifest.cc): a table header cut short. toml++ 3.3 has a debug
// assertion on this path (marzer/tomlplusplus#301); the library we link returns a positioned error.
TEST_F(ManifestTest, ATableHeaderCutShortIsASyntaxErrorNotACrash) {
  auto errs = errors_of("[\n[a]\n");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.line, 1);
  EXPECT_NE(errs[0].message.find("TOML syntax"), std::string::npos) << errs[0].message;
}

TEST_F(ManifestTest, UnknownLintRuleIsAnErrorWithTheClosestRule) {
  auto errs = errors_of(std::string(kHeader) + "\n[lint]\ndeny = [\"ban-drop-tables\"]\n");
  auto it = std::find_if(errs.begin(), errs.end(), [](const ManifestError& e) {
    return e.message == "unknown lint rule \"ban-drop-tables\" in [lint] deny";
  });
  ASSERT_NE(it, errs.end());
  EXPECT_EQ(it->pos.line, 6);
  EXPECT_EQ(it->hint, "did you mean \"ban-drop-table\"?");
}

TEST_F(ManifestTest, UnknownKeySuggestsTheKnownOne) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.a]
schema = "a"
runner = "sql"
path = "svc/b"
dependson = []
)");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.line, 9);
  EXPECT_EQ(errs[0].pos.column, 1);
  EXPECT_NE(errs[0].message.find("unknown key \"dependson\" in [services.a]"), std::string::npos);
  EXPECT_EQ(errs[0].hint, "did you mean \"depends_on\"?");
}

TEST_F(ManifestTest, WrongTypeNamesBoth) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.a]
schema = 5
runner = "sql"
path = "svc/b"
)");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.line, 6);
  EXPECT_EQ(errs[0].pos.column, 10);
  EXPECT_NE(errs[0].message.find("must be a string, not an integer"), std::string::npos);
}

// [runners.KIND] command is every such service's default; a service's own command wins.
TEST_F(ManifestTest, RunnerDefaultsApplyToTheirServices) {
  auto m = load_manifest(write(std::string(kHeader) + R"(
[runners.alembic]
command = ["/opt/venv/bin/python", "-m", "alembic"]

[services.a]
schema = "a"
runner = "alembic"
path = "svc/a"

[services.own]
schema = "own"
runner = "alembic"
path = "svc/a"
command = ["alembic"]
)"));
  ASSERT_EQ(m.services.size(), 2u);
  EXPECT_EQ(m.services[0].command, (std::vector<std::string>{"/opt/venv/bin/python", "-m", "alembic"}));
  EXPECT_EQ(m.services[1].command, std::vector<std::string>{"alembic"});
  ASSERT_TRUE(m.graph);
}

TEST_F(ManifestTest, UnknownRunner) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.a]
schema = "a"
runner = "alembik"
path = "svc/a"
)");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.line, 7);
  EXPECT_NE(errs[0].message.find("unknown runner \"alembik\""), std::string::npos);
  EXPECT_EQ(errs[0].hint, "did you mean \"alembic\"?");
}

// A misspelt runner on a SQL folder (no alembic.ini) must not also get alembic's "config not found".
TEST_F(ManifestTest, UnknownRunnerGivesExactlyOneError) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.b]
schema = "b"
runner = "sqll"
path = "svc/b"
)");
  ASSERT_EQ(errs.size(), 1u) << errs.back().message;
  EXPECT_NE(errs[0].message.find("unknown runner \"sqll\""), std::string::npos);
  EXPECT_EQ(errs[0].hint, "did you mean \"sql\"?");
}

TEST_F(ManifestTest, UnknownDependencyPointsAtTheEntry) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.users]
schema = "u"
runner = "sql"
path = "svc/b"

[services.habits]
schema = "h"
runner = "sql"
path = "svc/b"
depends_on = ["user"]
)");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.line, 14);
  EXPECT_EQ(errs[0].pos.column, 15);
  EXPECT_NE(errs[0].message.find("depends on \"user\", which is not a service"), std::string::npos);
  EXPECT_EQ(errs[0].hint, "did you mean \"users\"?");
}

TEST_F(ManifestTest, CycleIsPrinted) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.a]
schema = "a"
runner = "sql"
path = "svc/b"
depends_on = ["b"]

[services.b]
schema = "b"
runner = "sql"
path = "svc/b"
depends_on = ["a"]
)");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].message.find("dependency cycle: a -> b -> a"), std::string::npos) << errs[0].message;
  EXPECT_EQ(errs[0].pos.line, 9);
}

TEST_F(ManifestTest, MissingPathAndAllErrorsAtOnce) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.a]
schema = "a"
runner = "sql"
path = "svc/nope"

[services.b]
schema = "b"
runner = "alembic"
path = "svc/b"
)");
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].pos.line, 8);
  EXPECT_NE(errs[0].message.find("path \"svc/nope\" of service a is not a directory"), std::string::npos);
  EXPECT_NE(errs[1].message.find("alembic config \"alembic.ini\" not found in svc/b"), std::string::npos);
}

// A `path` one edit or one part away from a directory that exists: the error says which (issue 22).
TEST_F(ManifestTest, MissingPathSuggestsTheClosestSiblingDirectory) {
  fs::create_directories(dir_ / "svc" / "journal_service");
  auto errs = errors_of(std::string(kHeader) + R"(
[services.j]
schema = "j"
runner = "sql"
path = "svc/journal"

[services.k]
schema = "k"
runner = "sql"
path = "./svc/journal_servce/"

[services.l]
schema = "l"
runner = "sql"
path = "svc/zzzzzzzz"
)");
  ASSERT_EQ(errs.size(), 3u);
  EXPECT_EQ(errs[0].pos.line, 8);
  EXPECT_EQ(errs[0].pos.column, 8);
  EXPECT_EQ(errs[0].hint, "did you mean \"svc/journal_service\"? (paths are relative to the manifest's directory)");
  EXPECT_EQ(errs[1].hint, "did you mean \"./svc/journal_service\"? (paths are relative to the manifest's directory)");
  EXPECT_EQ(errs[2].hint, "paths are relative to the manifest's directory; create it or correct the path");
}

// `status` loads tolerantly: the service whose directory is gone carries the same error, the others load.
TEST_F(ManifestTest, ATolerantLoadKeepsAMissingDirectoryOnItsService) {
  const std::string text = std::string(kHeader) + R"(
[services.a]
schema = "a"
runner = "sql"
path = "svc/gone"

[services.b]
schema = "b"
runner = "sql"
path = "svc/b"
)";
  MissingDirs missing;
  Manifest m = load_manifest_keeping_missing_dirs(write(text), manifest_kinds(), missing);
  ASSERT_EQ(m.services.size(), 2u);
  ASSERT_EQ(missing.size(), 1u);
  ASSERT_EQ(missing.count("a"), 1u);
  EXPECT_EQ(missing["a"].pos.line, 8);
  EXPECT_NE(missing["a"].message.find("path \"svc/gone\" of service a is not a directory"), std::string::npos);
  EXPECT_EQ(errors_of(text).size(), 1u);  // every other command still refuses it
}

TEST_F(ManifestTest, UnsetEnvVariableAndUnreadableFile) {
  auto m = load_manifest(write(std::string(kHeader) + "\n[services.a]\nschema = \"a\"\nrunner = \"sql\"\npath = \"svc/b\"\n"));
  ::unsetenv("ORCH_TEST_DB");
  auto unset = resolve_database(m.database);
  ASSERT_FALSE(unset) << "unset variable accepted";
  EXPECT_EQ(unset.error().where, m.file.string() + ":3:12");
  EXPECT_EQ(unset.error().exit_code, 2);
  EXPECT_NE(unset.error().message.find("environment variable ORCH_TEST_DB is not set"), std::string::npos);
  DatabaseRef ref{"file:" + (dir_ / "missing-secret").string(), SourcePos{"services.toml", 3, 12}};
  auto unreadable = resolve_database(ref);
  ASSERT_FALSE(unreadable) << "unreadable file accepted";
  EXPECT_NE(unreadable.error().message.find("database URL file: cannot read"), std::string::npos) << unreadable.error().message;
  std::ofstream(dir_ / "secret") << "postgres://u:pw-in-file@h/db\n";
  DatabaseRef ok{"file:" + (dir_ / "secret").string(), {}};
  EXPECT_EQ(resolve_database(ok).value(), "postgresql://u:pw-in-file@h/db");
}

TEST(DatabaseUrl, NormalisesDriverSchemes) {
  EXPECT_EQ(normalise_database_url("postgres://a@b/c"), "postgresql://a@b/c");
  EXPECT_EQ(normalise_database_url("postgresql+asyncpg://a@b/c"), "postgresql://a@b/c");
  EXPECT_EQ(normalise_database_url("postgresql://a@b/c"), "postgresql://a@b/c");
}

TEST_F(ManifestTest, RlsSectionAndPolicies) {
  std::ofstream(dir_ / "p.sql") << "SELECT 1;\n";
  auto m = load_manifest(write(std::string(kHeader) + R"(
[services.a]
schema = "a"
runner = "sql"
path = "svc/b"
rls = ["p.sql"]

[rls]
files = ["p.sql"]
require = ["a"]
exclude = ["a.open"]
force = true

[[rls.policy]]
name = "owner"
schemas = ["a"]
when_column = "user_id"
command = "select"
roles = ["authenticated"]
using = "user_id = 1"
)"));
  EXPECT_EQ(m.rls.files.size(), 1u);
  EXPECT_TRUE(m.rls.force);
  ASSERT_EQ(m.rls.policies.size(), 1u);
  EXPECT_EQ(m.rls.policies[0].command, "SELECT");
  EXPECT_EQ(m.services[0].rls.size(), 1u);
}

TEST_F(ManifestTest, RlsErrorsArePositioned) {
  auto errs = errors_of(std::string(kHeader) + R"(
[services.a]
schema = "a"
runner = "sql"
path = "svc/b"

[rls]
files = ["missing.sql"]
exclude = ["no_schema_here"]

[[rls.policy]]
name = "p"
schemas = ["a"]
command = "SELECT"
with_check = "true"
)");
  ASSERT_EQ(errs.size(), 3u);
  EXPECT_EQ(errs[0].pos.line, 11);
  EXPECT_NE(errs[0].message.find("RLS file \"missing.sql\" not found"), std::string::npos);
  EXPECT_NE(errs[1].message.find("must be schema.table"), std::string::npos);
  EXPECT_NE(errs[2].message.find("a SELECT policy takes only using"), std::string::npos);
}

TEST_F(ManifestTest, AlembicTargetIsKeptWithItsPosition) {
  auto m = load_manifest(write(std::string(kHeader) + R"(
[services.alpha]
schema = "a"
runner = "alembic"
path = "svc/a"
target = "expand@head"
)"));
  EXPECT_EQ(m.services[0].target, "expand@head");
  EXPECT_EQ(m.services[0].target_pos.line, 9);
  EXPECT_EQ(m.services[0].target_pos.column, 10);
  auto d = load_manifest(write(std::string(kHeader) + "\n[services.alpha]\nschema = \"a\"\nrunner = \"alembic\"\npath = \"svc/a\"\n"));
  EXPECT_EQ(d.services[0].target, "") << "the default is decided from the revision files";
}

TEST_F(ManifestTest, TargetMustBeOneRevisionOfAnAlembicService) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a:b", "is not one revision"},
      {"", "is not one revision"},
      {"+1", "is not something up can upgrade to"},
      {"base", "is not something up can upgrade to"},
      {"expand@heads", "names a branch but not its head"},
      {"@head", "names a branch but not its head"},
  };
  for (const auto& [value, message] : cases) {
    auto errs = errors_of(std::string(kHeader) + "\n[services.alpha]\nschema = \"a\"\nrunner = \"alembic\"\npath = \"svc/a\"\n"
                                                 "target = \"" + value + "\"\n");
    ASSERT_EQ(errs.size(), 1u) << value;
    EXPECT_NE(errs[0].message.find(message), std::string::npos) << value << ": " << errs[0].message;
    EXPECT_EQ(errs[0].pos.line, 9) << value;
    EXPECT_FALSE(errs[0].hint.empty()) << value;
  }
  auto sql = errors_of(std::string(kHeader) + "\n[services.b]\nschema = \"b\"\nrunner = \"sql\"\npath = \"svc/b\"\ntarget = \"head\"\n");
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_NE(sql[0].message.find("\"target\" applies to alembic services only"), std::string::npos) << sql[0].message;
}
