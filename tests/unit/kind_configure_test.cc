// Each kind reads its own manifest keys (ManifestKind::configure): unknown keys are errors at the key
// with the closest known one, keys of another kind say whose they are, and each kind sets its defaults
// (command, version table, python) itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "alembic/alembic_manifest.h"
#include "command/command_manifest.h"
#include "kinds.h"
#include "manifest/manifest.h"
#include "sql/sql_manifest.h"

namespace fs = std::filesystem;
using namespace orch;

namespace {

SourcePos at(int line, int column) { return SourcePos{"services.toml", line, column}; }

ManifestAttr text(std::string key, std::string value, int line) {
  return {key, at(line, 1), ManifestValue{"a string", at(line, static_cast<int>(key.size()) + 4), value, {}}};
}

ManifestAttr list(std::string key, std::vector<std::string> values, int line) {
  ManifestValue v{"an array", at(line, static_cast<int>(key.size()) + 4), std::nullopt, {}};
  for (auto& s : values) v.items.push_back({"a string", at(line, 1), s, {}});
  return {key, at(line, 1), v};
}

class KindConfigure : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("orch-kinds-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "svc");
    std::ofstream(dir_ / "svc" / "alembic.ini") << "[alembic]\n";
    spec_.name = "users";
    spec_.pos = at(4, 11);
    spec_.schema = "users";
    spec_.path = dir_ / "svc";
    spec_.path_text = "svc";
    spec_.path_pos = at(7, 8);
    spec_.version_schema = "users";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Configures spec_ as `kind` with these service keys and [runners.KIND] keys; returns the errors.
  std::vector<ManifestError> configure(const ManifestKind& kind, std::vector<ManifestAttr> own,
                                       std::vector<ManifestAttr> shared = {}) {
    ManifestAttrs service{"[services.users]", "users", at(4, 1), std::move(own)};
    ManifestAttrs defaults{"[runners." + kind.name() + "]", "", at(1, 1), std::move(shared)};
    std::vector<ManifestError> errors;
    ManifestDiagnostics d(&errors);
    kind.check_defaults(defaults, manifest_kinds(), d);
    kind.configure(spec_, KindInput{service, defaults, dir_, manifest_kinds(), nullptr}, d);
    return errors;
  }

  fs::path dir_;
  ServiceSpec spec_;
  AlembicManifest alembic_;
  SqlManifest sql_;
  CommandManifest command_;
};

TEST_F(KindConfigure, AlembicDefaultsItsCommandAndVersionTable) {
  EXPECT_TRUE(configure(alembic_, {}).empty());
  EXPECT_EQ(spec_.command, (std::vector<std::string>{"python3", "-m", "alembic"}));
  EXPECT_EQ(spec_.config, "alembic.ini");
  EXPECT_EQ(spec_.version_schema + "." + spec_.version_table, "users.alembic_version");
  EXPECT_EQ(spec_.python, "");
}

TEST_F(KindConfigure, AnUnknownKeyIsAnErrorAtTheKeyWithTheClosestOne) {
  auto errs = configure(alembic_, {text("pyhton", "venv", 9)});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.str(), "services.toml:9:1");
  EXPECT_EQ(errs[0].message, "unknown key \"pyhton\" in [services.users]");
  EXPECT_EQ(errs[0].hint, "did you mean \"python\"?");
  // The common keys count as known: a typo of one is suggested too.
  auto common = configure(sql_, {text("dependson", "x", 10)});
  ASSERT_EQ(common.size(), 1u);
  EXPECT_EQ(common[0].hint, "did you mean \"depends_on\"?");
}

TEST_F(KindConfigure, AnotherKindsKeySaysWhoseItIs) {
  auto errs = configure(sql_, {text("target", "head", 8)});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.line, 8);
  EXPECT_EQ(errs[0].message, "\"target\" applies to alembic services only (users uses the sql runner)");
  EXPECT_EQ(errs[0].hint, "remove it from [services.users]");
  auto shared = configure(command_, {list("command", {"true"}, 8)}, {text("python", "venv", 2)});
  ASSERT_EQ(shared.size(), 1u);
  EXPECT_EQ(shared[0].message, "\"python\" in [runners.command] applies to alembic services only");
}

TEST_F(KindConfigure, AlembicConfigMustExistInThePath) {
  auto errs = configure(alembic_, {text("config", "other.ini", 9)});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.str(), "services.toml:9:10");
  EXPECT_EQ(errs[0].message, "alembic config \"other.ini\" not found in svc");
  fs::remove(dir_ / "svc" / "alembic.ini");
  spec_.config = "alembic.ini";
  auto missing = configure(alembic_, {});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].pos.str(), spec_.path_pos.str()) << "without config, the error is at path";
}

TEST_F(KindConfigure, PythonComesFromTheServiceElseTheRunnersTable) {
  EXPECT_TRUE(configure(alembic_, {}, {text("python", "/usr/bin/python3", 2)}).empty());
  EXPECT_EQ(spec_.python, "/usr/bin/python3");
  EXPECT_EQ(spec_.command, (std::vector<std::string>{"/usr/bin/python3", "-m", "alembic"}));

  // The service's own wins; a venv that is not there is an error at the service's key.
  auto errs = configure(alembic_, {text("python", "venv", 9)}, {text("python", "/usr/bin/python3", 2)});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.str(), "services.toml:9:10");
  EXPECT_EQ(errs[0].message.rfind("python = \"venv\" for users: ", 0), 0u) << errs[0].message;
  EXPECT_EQ(errs[0].hint, "create it: python3 -m venv svc/.venv");

  // A command of its own is run as written: python does not replace it.
  spec_.python.clear();
  EXPECT_TRUE(configure(alembic_, {list("command", {"alembic"}, 9)}, {text("python", "/usr/bin/python3", 2)}).empty());
  EXPECT_EQ(spec_.command, std::vector<std::string>{"alembic"});
  EXPECT_EQ(spec_.python, "");
}

TEST_F(KindConfigure, AlembicTargetIsCheckedForItsForm) {
  auto errs = configure(alembic_, {text("target", "expand@heads", 9)});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].message.find("names a branch but not its head"), std::string::npos) << errs[0].message;
  EXPECT_EQ(errs[0].hint, "write \"expand@head\"");
  EXPECT_TRUE(configure(alembic_, {text("target", "expand@head", 9)}).empty());
  EXPECT_EQ(spec_.target, "expand@head");
  EXPECT_EQ(spec_.target_pos.line, 9);
}

TEST_F(KindConfigure, SqlHasItsLedgerAndTheRunnersFileSize) {
  EXPECT_TRUE(configure(sql_, {}, {text("max_file_size", "2KiB", 2)}).empty());
  EXPECT_EQ(spec_.version_table, "orchestrate_migrations");
  EXPECT_EQ(spec_.max_file_bytes, 2048u);
  auto errs = configure(sql_, {}, {text("max_file_size", "2TiB", 2), text("max_filesize", "1MiB", 3)});
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].message, "unknown key \"max_filesize\" in [runners.sql]");
  EXPECT_EQ(errs[0].hint, "did you mean \"max_file_size\"?");
  EXPECT_EQ(errs[1].message, "\"max_file_size\" \"2TiB\" must be a size from 1KiB to 1GiB");
  EXPECT_EQ(errs[1].pos.line, 2);
}

TEST_F(KindConfigure, AVersionTableTheServiceNamedIsKept) {
  spec_.version_schema = "audit";
  spec_.version_table = "ledger";
  EXPECT_TRUE(configure(sql_, {}).empty());
  EXPECT_EQ(spec_.version_schema + "." + spec_.version_table, "audit.ledger");
}

TEST_F(KindConfigure, CommandNeedsACommandOfItsOwnOrTheRunnersTables) {
  EXPECT_FALSE(command_.needs_path());
  auto errs = configure(command_, {});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].pos.str(), "services.toml:4:11");
  EXPECT_EQ(errs[0].message, "service users uses the command runner but has no command");
  EXPECT_TRUE(configure(command_, {}, {list("command", {"make", "migrate"}, 2)}).empty());
  EXPECT_EQ(spec_.command, (std::vector<std::string>{"make", "migrate"}));
}

// The registry finds a kind by its runner name, and every registered kind has a manifest half.
TEST(KindRegistry, KindsAreLookedUpByTheirRunnerName) {
  std::vector<std::string> names;
  for (const auto* k : manifest_kinds()) names.push_back(k->name());
  EXPECT_EQ(names, (std::vector<std::string>{"alembic", "sql", "command", "supabase"}));
}

}  // namespace
