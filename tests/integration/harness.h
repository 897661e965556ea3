#pragma once
// Integration-test plumbing: a fresh database per test on the throwaway PostgreSQL that
// scripts/test.sh started, and the real orchestrate binary run as a child process.
#include <gtest/gtest.h>

#include <boost/process.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace itest {

namespace fs = std::filesystem;

// ORCHESTRATE_TEST_ADMIN_URL, or empty (tests then skip, unless ORCHESTRATE_REQUIRE_DB=1: then fail).
std::string admin_url();

#define REQUIRE_DATABASE()                                                                       \
  do {                                                                                           \
    if (::itest::admin_url().empty()) {                                                          \
      if (std::getenv("ORCHESTRATE_REQUIRE_DB")) FAIL() << "ORCHESTRATE_TEST_ADMIN_URL is not set"; \
      GTEST_SKIP() << "no test database: run scripts/test.sh";                                   \
    }                                                                                            \
  } while (0)

// A database created for one test and dropped after it.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // A URL with a user and password in it (the role exists; trust auth ignores the password).
  std::string url_with_password(const std::string& user, const std::string& password) const;
  std::unique_ptr<pqxx::connection> connect() const;
  // First column of the first row of `sql`, as text ("" for NULL or no rows).
  std::string scalar(const std::string& sql) const;
  bool table_exists(const std::string& qualified) const;
  // Statements run outside orchestrate (setup, drift), committed at once.
  void exec(const std::string& sql) const;

 private:
  std::string name_;
  std::string url_;
};

// A scratch directory, removed at the end of the test.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& relative, const std::string& text) const;

 private:
  fs::path path_;
};

struct RunResult {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// orchestrate running in the background; output goes to a file so tests can watch it grow.
class Orchestrate {
 public:
  Orchestrate(std::vector<std::string> args, std::map<std::string, std::string> env, const fs::path& cwd);
  ~Orchestrate();
  std::string output() const;
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) const;
  void signal(int sig);
  RunResult wait();
  int pid() const { return child_.id(); }

 private:
  fs::path out_;
  boost::process::child child_;
};

// A transaction the test keeps open (holding a lock, an uncommitted write) until it is released or
// goes out of scope, so orchestrate meets a busy database.
class OpenTransaction {
 public:
  explicit OpenTransaction(const TestDatabase& db) : conn_(db.connect()), tx_(std::make_unique<pqxx::work>(*conn_)) {}
  void exec(const std::string& sql) { tx_->exec(sql); }
  void release() { tx_.reset(); }

 private:
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
};

// Once `needle` shows in the output (within 15 s), waits `delay`, sends `sig` and waits for the end.
// The elapsed time is from the signal to the exit. Fails the test when the needle never shows.
struct SignalledRun {
  RunResult result;
  std::chrono::milliseconds after_signal{0};
};
SignalledRun signal_when(Orchestrate& run, const std::string& needle, std::chrono::milliseconds delay, int sig);

// Runs to completion.
RunResult run_orchestrate(std::vector<std::string> args, std::map<std::string, std::string> env, const fs::path& cwd);
// `bash -c script` to completion, with $ORCHESTRATE naming the binary under test: for pipelines
// (`"$ORCHESTRATE" up | head -2`) whose other end a test controls.
RunResult run_shell(const std::string& script, std::map<std::string, std::string> env, const fs::path& cwd);

// The direct children of `pid`, and every descendant, from /proc.
std::vector<int> children_of(int pid);
std::vector<int> descendants_of(int pid);
// Running (not gone, not a zombie).
bool alive(int pid);

fs::path source_dir();
std::string read_all(const fs::path& p);
int count_of(const std::string& haystack, const std::string& needle);

}  // namespace itest
