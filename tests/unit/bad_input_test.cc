// Numbers that do not fit, durations past the maximum, malformed version tables, passwords in query
// parameters: each is a positioned error or a masked secret, never an abort.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kinds.h"
#include "manifest/manifest.h"
#include "sql/sql_migrations.h"
#include "rls/rls_result.h"
#include "util/backoff.h"
#include "util/duration.h"
#include "util/numbers.h"
#include "util/secrets.h"

using namespace orch;
namespace fs = std::filesystem;

TEST(WholeNumbers, CheckedNeverThrows) {
  EXPECT_EQ(parse_whole_number("0042", 0, 100, "n").value(), 42);
  auto big = parse_whole_number("99999999999999999999", 0, std::numeric_limits<long long>::max(), "the version");
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("out of range"), std::string::npos);
  EXPECT_EQ(big.error().exit_code, 2);
  EXPECT_FALSE(parse_whole_number("-1", 0, 10, "n"));
  EXPECT_FALSE(parse_whole_number("1 ", 0, 10, "n"));
  EXPECT_FALSE(parse_whole_number("", 0, 10, "n"));
  EXPECT_FALSE(parse_whole_number("11", 0, 10, "n"));
}

TEST(Duration, OverflowAndTheSevenDayCapAreErrorsNotAborts) {
  EXPECT_EQ(read_duration("7d").ok(), false);  // no day unit: say so rather than guess
  EXPECT_EQ(read_duration("168h").value(), kMaxDuration);
  for (const char* text : {"169h", "10000000h", "1h99999999999999999999m", "9999999999999h", "604800001ms"}) {
    auto d = read_duration(text);
    ASSERT_FALSE(d) << text;
    EXPECT_NE(d.error().message.find("longer than the maximum of 7 days"), std::string::npos) << d.error().message;
  }
  // The sum is checked too: each part fits, together they do not.
  EXPECT_FALSE(read_duration("100h100h"));
  EXPECT_EQ(read_duration("1h30m").value(), Millis(90 * 60 * 1000));
}

TEST(SqlFiles, AVersionPastSixtyFourBitsIsAnErrorNamingTheFile) {
  fs::path dir = fs::temp_directory_path() / ("orch-bigversion-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "0001_ok.sql") << "SELECT 1";
  std::ofstream(dir / "99999999999999999999_x.sql") << "SELECT 1";
  std::ofstream(dir / "99999999999999999999_x.down.sql") << "SELECT 1";
  SqlMigrationSet set = read_sql_migrations(dir);
  fs::remove_all(dir);
  ASSERT_EQ(set.migrations.size(), 1u);
  ASSERT_EQ(set.errors.size(), 2u);
  EXPECT_EQ(set.errors[0].find("99999999999999999999_x."), 0u) << set.errors[0];
  EXPECT_NE(set.errors[1].find("64-bit"), std::string::npos);
}

TEST(Secrets, PasswordParameterIsMaskedWithoutEatingWhatFollows) {
  secrets::clear_for_tests();
  EXPECT_EQ(secrets::redact_url("run (postgresql://u@h/db?password=hunter22), up to 4"),
            "run (postgresql://u@h/db?password=***), up to 4");
  secrets::remember_url("postgresql://u:p%40ssw0rd@h/db?sslmode=require&password=s3cr%2Ft");
  // A child prints the decoded forms; both are masked.
  EXPECT_EQ(secrets::scrub("pw p@ssw0rd and s3cr/t"), "pw *** and ***");
  secrets::clear_for_tests();
}

namespace {
std::vector<ManifestError> manifest_errors(const std::string& service_extra) {
  fs::path dir = fs::temp_directory_path() / ("orch-badinput-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "svc");
  std::ofstream(dir / "services.toml") << "[project]\nname = \"p\"\ndatabase = \"postgresql://h/db\"\n\n"
                                       << "[services.a]\nschema = \"a\"\nrunner = \"sql\"\npath = \"svc\"\n"
                                       << service_extra;
  std::vector<ManifestError> out;
  try {
    load_manifest(dir / "services.toml");
  } catch (const ManifestErrors& e) {
    out = e.errors();
  }
  fs::remove_all(dir);
  return out;
}
}  // namespace

TEST(ManifestBadInput, VersionTableMustBeNameOrSchemaDotName) {
  for (const char* vt : {".", "a.", ".b", "a.b.c", ""}) {
    auto errs = manifest_errors(std::string("version_table = \"") + vt + "\"\n");
    ASSERT_EQ(errs.size(), 1u) << vt;
    EXPECT_EQ(errs[0].pos.line, 9);
    EXPECT_NE(errs[0].message.find("must be NAME or SCHEMA.NAME"), std::string::npos);
  }
  EXPECT_TRUE(manifest_errors("version_table = \"ledger.applied\"\n").empty());
}

TEST(ManifestBadInput, TimeoutsPastSevenDaysAreErrorsAtTheirPosition) {
  for (const char* t : {"\"10000000h\"", "\"1h99999999999999999999m\"", "99999999999999", "-5", "\"0s\""}) {
    auto errs = manifest_errors(std::string("timeout = ") + t + "\n");
    ASSERT_EQ(errs.size(), 1u) << t;
    EXPECT_EQ(errs[0].pos.line, 9) << t;
    EXPECT_NE(errs[0].message.find("\"timeout\""), std::string::npos) << errs[0].message;
  }
  EXPECT_TRUE(manifest_errors("timeout = \"7d\"\n").size() == 1);
  EXPECT_TRUE(manifest_errors("timeout = \"168h\"\n").empty());
}

TEST(SecretFiles, BoundedInSizeAndTimeAndNeverQuoted) {
  auto zero = resolve_database(DatabaseRef{"file:/dev/zero", SourcePos{"services.toml", 3, 12}});
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message.find("more than 64 KiB"), std::string::npos) << zero.error().message;
  EXPECT_EQ(zero.error().where, "services.toml:3:12");

  auto environ = resolve_database(DatabaseRef{"file:/proc/self/environ", {}});
  ASSERT_FALSE(environ);
  EXPECT_NE(environ.error().message.find("the contents of /proc/self/environ"), std::string::npos);
  EXPECT_EQ(environ.error().message.find("PATH="), std::string::npos) << environ.error().message;

  fs::path fifo = fs::temp_directory_path() / ("orch-fifo-" + std::to_string(::getpid()));
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto t0 = std::chrono::steady_clock::now();
  auto nobody = resolve_database(DatabaseRef{"file:" + fifo.string(), {}});  // no writer: does not hang
  fs::remove(fifo);
  EXPECT_FALSE(nobody);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(6));
}

TEST(RlsSummary, MissingSchemasAreNotCountedAsTables) {
  RlsCoverage c;
  c.checked = true;
  c.schemas = {"app", "gone"};
  c.tables_checked = 2;
  c.uncovered = {{"gone.*", "schema does not exist"}, {"app.a", "no policy"}, {"app.b", "no policy"}};
  EXPECT_EQ(c.problem_summary(), "2 of 2 tables in app, gone are not protected; 1 required schema does not exist");
  c.uncovered = {{"gone.*", "schema does not exist"}};
  EXPECT_EQ(c.problem_summary(), "1 required schema does not exist");
}

TEST(LockBackoff, DoublesFrom250msCappedAt30sWithJitterInTheUpperHalf) {
  std::mt19937 rng(42);
  for (int retry = 1; retry <= 12; ++retry) {
    long long step = std::min(250LL << (retry - 1), 30000LL);
    for (int i = 0; i < 50; ++i) {
      auto d = lock_backoff(retry, rng).count();
      EXPECT_GE(d, step / 2) << retry;
      EXPECT_LE(d, step) << retry;
    }
  }
}

TEST(ManifestBadInput, LockPolicyDefaultsOverridesAndBounds) {
  fs::path dir = fs::temp_directory_path() / ("orch-locks-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "svc");
  std::ofstream(dir / "services.toml") << "[project]\nname = \"p\"\ndatabase = \"postgresql://h/db\"\n"
                                       << "lock_timeout = \"5s\"\nstatement_timeout = \"10m\"\n\n"
                                       << "[services.a]\nschema = \"a\"\nrunner = \"sql\"\npath = \"svc\"\n"
                                       << "lock_timeout = \"off\"\nlock_retries = 0\n\n"
                                       << "[services.b]\nschema = \"b\"\nrunner = \"sql\"\npath = \"svc\"\n";
  auto m = load_manifest(dir / "services.toml");
  EXPECT_FALSE(m.services[0].locks.lock_timeout.has_value());
  EXPECT_EQ(m.services[0].locks.lock_retries, 0);
  EXPECT_EQ(m.services[1].locks.lock_timeout, Millis(5000));
  EXPECT_EQ(m.services[1].locks.lock_retries, 8);
  EXPECT_EQ(m.services[1].locks.statement_timeout, Millis(600000));
  fs::remove_all(dir);
  auto errs = manifest_errors("lock_retries = 1000\n");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].message.find("\"lock_retries\" in [services.a] must be a whole number from 0 to 100"), std::string::npos);
}
