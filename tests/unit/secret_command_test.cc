// command: secrets against hostile commands: background children holding stdout, commands that print
// nothing, too much or several lines, and commands killed by a signal. Real processes (sh), no shell of ours.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "util/secret_command.h"

using namespace orch;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

template <typename F>
std::chrono::milliseconds timed(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

// Running and not a zombie, from /proc.
bool running(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

fs::path scratch(const std::string& tag) {
  return fs::temp_directory_path() / ("orch-seccmd-" + tag + "-" + std::to_string(::getpid()));
}

}  // namespace

TEST(SecretCommandHostile, ABackgroundChildHoldingStdoutDoesNotStretchTheRead) {
  Result<std::string> r = Error{"not run"};
  auto took = timed([&] { r = run_secret_command("sh -c 'echo postgresql://u:pw@h/db; sleep 20 &'"); });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "postgresql://u:pw@h/db");
  EXPECT_LT(took, 5s) << "the answer waited for the background child";
}

TEST(SecretCommandHostile, TheTimeoutCoversTheWholeReadAndEndsTheWholeGroup) {
  const fs::path pidfile = scratch("pid");
  fs::remove(pidfile);
  Result<std::string> r = Error{"not run"};
  auto took = timed([&] {
    r = run_secret_command("sh -c 'sleep 30 & echo $! > " + pidfile.string() + "; echo partial; sleep 30'", 500ms);
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "`sh` did not finish within 500ms");
  EXPECT_LT(took, 3s);
  std::ifstream in(pidfile);
  pid_t background = 0;
  ASSERT_TRUE(in >> background) << "the command did not write its background child's pid";
  for (int i = 0; i < 50 && running(background); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(running(background)) << "the background child " << background << " outlived the timeout";
  if (running(background)) ::kill(background, SIGKILL);
  fs::remove(pidfile);
}

TEST(SecretCommandHostile, ACommandThatPrintsNothingIsAnsweredAtOnce) {
  Result<std::string> r = Error{"not run"};
  auto took = timed([&] { r = run_secret_command("true"); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "`true` printed nothing");
  EXPECT_LT(took, 3s);
}

TEST(SecretCommandHostile, OutputIsBoundedAndMustBeOneLine) {
  Result<std::string> big = Error{"not run"};
  auto took = timed([&] { big = run_secret_command("sh -c 'head -c 31457280 /dev/zero | tr \"\\\\0\" x'"); });
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().message, "`sh` printed more than 64 KiB");
  EXPECT_LT(took, 5s);
  auto two = run_secret_command("sh -c 'echo postgresql://u:pw@h/a; echo postgresql://u:pw@h/b'");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().message, "`sh` printed 2 lines; a database URL is one line");
  EXPECT_EQ(two.error().message.find("pw"), std::string::npos);
  // Trailing white space is not a second line, and exactly 64 KiB is allowed.
  auto padded = run_secret_command("sh -c 'printf \"postgresql://u:pw@h/db\\n\\n  \\n\"'");
  ASSERT_TRUE(padded) << padded.error().message;
  EXPECT_EQ(*padded, "postgresql://u:pw@h/db");
  auto limit = run_secret_command("sh -c 'head -c 65536 /dev/zero | tr \"\\\\0\" y'");
  ASSERT_TRUE(limit) << limit.error().message;
  EXPECT_EQ(limit->size(), 65536u);
}

TEST(SecretCommandHostile, ASignalIsNamedNotReportedAsAnExitCode) {
  auto r = run_secret_command("sh -c 'ulimit -c 0; echo about to crash >&2; kill -SEGV $$'");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "`sh` was killed by SIGSEGV: about to crash");
  auto code = run_secret_command("sh -c 'exit 11'");
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error().message, "`sh` exited with code 11");
}

TEST(SecretCommandHostile, OutputCommandsRunInTheirDirectory) {
  auto here = run_command_output({"pwd"}, "/tmp");
  ASSERT_TRUE(here) << here.error().message;
  EXPECT_EQ(*here, "/tmp");
  auto missing = run_command_output({"pwd"}, "/no/such/dir/orchestrate");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/no/such/dir/orchestrate"), std::string::npos);
  EXPECT_EQ(run_command_output({"no-such-command-orchestrate"}, "").error().message,
            "command not found: no-such-command-orchestrate");
}
