// `init` on hostile folder names: what it writes must parse as TOML (quotes, backslashes, newlines in
// names), and files that are not regular files (FIFOs) must not hang the scan or the check.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "kinds.h"
#include "manifest/manifest.h"
#include "scaffold/manifest_text.h"
#include "scaffold/project_scan.h"
#include "sql/sql_migrations.h"
#include "util/text.h"

namespace fs = std::filesystem;
using namespace orch;
using namespace std::chrono_literals;

namespace {

class ScaffoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("orch-scaffold-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_);
  }
  void TearDown() override { fs::remove_all(base_); }

  // The manifest init would write for `root`, loaded back; the errors when it does not load.
  std::vector<ManifestError> render_and_load(const fs::path& root, Manifest* out = nullptr) {
    ScaffoldInput in;
    in.project = root.filename().string();
    in.services = scan_project(root);
    std::ofstream(root / "services.toml") << render_manifest(in);
    try {
      Manifest m = load_manifest(root / "services.toml");
      if (out) *out = m;
    } catch (const ManifestErrors& e) {
      return e.errors();
    }
    return {};
  }

  fs::path base_;
};

}  // namespace

TEST_F(ScaffoldTest, AProjectFolderNamedWithANewlineAndQuotesStillParses) {
  const fs::path root = base_ / "shop\n\"main\" \\ tab\there";
  fs::create_directories(root / "orders");
  std::ofstream(root / "orders" / "0001_init.sql") << "CREATE TABLE t (id int);\n";
  Manifest m;
  auto errors = render_and_load(root, &m);
  ASSERT_TRUE(errors.empty()) << errors[0].pos.str() << ": " << errors[0].message << "\n"
                              << read_text_file((root / "services.toml").string());
  EXPECT_EQ(m.project_name, "shop\n\"main\" \\ tab\there");
  ASSERT_EQ(m.services.size(), 1u);
  EXPECT_EQ(m.services[0].name, "orders");
}

TEST_F(ScaffoldTest, ServiceFoldersWithDotsQuotesAndNewlinesAreQuotedKeys) {
  const fs::path root = base_ / "repo";
  for (const char* name : {"api.v2", "we\"ird\nname"}) {
    fs::create_directories(root / name);
    std::ofstream(root / name / "0001_init.sql") << "SELECT 1;\n";
  }
  // The manifest parses: the only errors are the names orchestrate refuses, at their own lines.
  auto errors = render_and_load(root);
  ASSERT_EQ(errors.size(), 1u) << errors[0].message;
  EXPECT_EQ(errors[0].message.find("TOML syntax"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("service name \"we\"ird\nname\""), std::string::npos) << errors[0].message;
}

TEST_F(ScaffoldTest, FifosNamedLikeProjectFilesNeitherHangNorCount) {
  const fs::path root = base_ / "repo";
  fs::create_directories(root / "ghost");
  fs::create_directories(root / "orders");
  ASSERT_EQ(::mkfifo((root / "ghost" / "alembic.ini").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((root / "ghost" / "0001_x.sql").c_str(), 0600), 0);
  std::ofstream(root / "orders" / "0001_init.sql") << "SELECT 1;\n";
  ASSERT_EQ(::mkfifo((root / "orders" / "0002_pipe.sql").c_str(), 0600), 0);
  // On a detached thread, so a hang fails the test instead of stopping the suite.
  using Scan = std::pair<std::vector<FoundService>, SqlMigrationSet>;
  auto done = std::make_shared<std::promise<Scan>>();
  auto scan = done->get_future();
  std::thread([done, root] { done->set_value({scan_project(root), read_sql_migrations(root / "orders")}); }).detach();
  ASSERT_EQ(scan.wait_for(10s), std::future_status::ready) << "scan_project or read_sql_migrations hung on a FIFO";
  auto [found, set] = scan.get();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name, "orders");
  EXPECT_EQ(set.migrations.size(), 1u);
  ASSERT_EQ(set.errors.size(), 1u);  // reported, not skipped, and never opened for a blocking read
  EXPECT_EQ(set.errors[0].rfind("0002_pipe.sql: is not a regular file", 0), 0u) << set.errors[0];
  EXPECT_EQ(read_text_file((root / "ghost" / "alembic.ini").string()), "");
}
