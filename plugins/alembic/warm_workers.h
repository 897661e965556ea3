#pragma once
// Warm Alembic workers. On a small machine `up` is CPU-bound by Python start-up: importing Alembic and
// SQLAlchemy costs about 0.25 s of CPU per process, more than most migrations. A worker imports them
// once, then runs `alembic -c <config> upgrade head` in-process for one service after another, each in
// the service's directory with the service's environment, and forgets the modules each job imported
// (two services may both have a package called `app`). Used only when the command is
// `<python> -m alembic`; anything else is started as its own process.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "process/child_process.h"
#include "process/child_tracker.h"

namespace orch {

struct WorkerJob {
  std::vector<std::string> args;  // alembic's arguments: -c alembic.ini upgrade head
  std::filesystem::path cwd;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<Millis> timeout;
  std::function<void(const std::string&)> on_line;
  std::function<void(const ChildExit&, const std::vector<std::string>& tail)> on_exit;
};

class AlembicWorkerPool {
 public:
  // At most `max_workers` Pythons at once; `expected` jobs may come, so spares are started warm only
  // while they may still be used.
  AlembicWorkerPool(boost::asio::io_context& io, std::string python, int max_workers);
  ~AlembicWorkerPool();
  void expect(int jobs) { expected_ = jobs; }
  void submit(WorkerJob job);
  void interrupt();  // running and queued jobs end as interrupted; every worker is killed
  void shutdown();   // idle workers exit (end of input); call when no job will come

  // The Python side, for tests and `plan` to show.
  static const char* worker_source();

 private:
  struct Worker;
  void spawn();
  void dispatch();
  void on_line(const std::shared_ptr<Worker>& w, const std::string& line);
  void finish_job(const std::shared_ptr<Worker>& w, ChildExit exit);

  boost::asio::io_context& io_;
  std::string python_;
  int max_;
  int expected_ = 0;
  int submitted_ = 0;
  bool stopping_ = false;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::deque<WorkerJob> queue_;
};

// "python3" when `command` is {"python3", "-m", "alembic"}; empty otherwise.
std::string warm_python_of(const std::vector<std::string>& command);

}  // namespace orch
