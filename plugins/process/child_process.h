#pragma once
// A child process driven from the scheduler's io_context: output streamed line by line through
// Boost.Asio pipes, exit observed asynchronously, and a process group of its own so a timeout or
// Ctrl-C can stop the tool together with everything it started.
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/duration.h"

namespace orch {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH unless it holds a '/'
  std::filesystem::path cwd;
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) this process's
  std::optional<Millis> timeout;
  Millis grace{5000};  // between SIGTERM and SIGKILL
  // When set, stderr lines go here instead of to the line callback (to keep a tool's output apart
  // from its log, as `plan --sql` must).
  std::function<void(const std::string&)> on_stderr_line;
  // Keep stdin open for write_stdin() (a worker fed jobs); otherwise the child sees end-of-file at once.
  bool stdin_pipe = false;
  // When set, the child's descriptor 3 is the write end of a pipe of its own, read line by line into
  // this callback (the Alembic driver's typed events, kept apart from anything the tool prints).
  std::function<void(const std::string&)> on_event_line;
  // Otherwise, a descriptor of ours the child gets as its descriptor 3 (the zygote's control socket);
  // -1 for none. The caller keeps ownership.
  int child_fd3 = -1;
};

struct ChildExit {
  int code = -1;             // exit status, or the signal number when killed
  bool signaled = false;
  bool timed_out = false;
  bool interrupted = false;  // stopped by terminate()
  std::string spawn_error;   // set when the process could not start at all
  // The one exit verdict: it started, ran to the end by itself and said 0.
  bool succeeded() const { return spawn_error.empty() && !signaled && code == 0 && !timed_out && !interrupted; }
};

class AsyncChild : public std::enable_shared_from_this<AsyncChild> {
 public:
  using LineFn = std::function<void(const std::string&)>;
  using ExitFn = std::function<void(const ChildExit&)>;

  // Starts the child; on_exit runs once, after the exit status is known and both pipes are drained.
  static std::shared_ptr<AsyncChild> launch(boost::asio::io_context& io, ChildSpec spec, LineFn on_line,
                                            ExitFn on_exit);

  // SIGTERM to the whole process group, SIGKILL after the grace period.
  void terminate();
  // With stdin_pipe: queue bytes for the child's stdin; close it so the child sees end-of-file.
  void write_stdin(std::string bytes);
  void close_stdin();
  int pid() const { return pid_; }
  ~AsyncChild();

 private:
  struct Impl;
  AsyncChild(boost::asio::io_context& io, ChildSpec spec, LineFn on_line, ExitFn on_exit);
  void start();
  void kill_group(int sig);
  void maybe_finish();
  void report_exit();
  void pump_stdin();

  std::unique_ptr<Impl> impl_;
  int pid_ = 0;
};

}  // namespace orch
