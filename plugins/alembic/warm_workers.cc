#include "alembic/warm_workers.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "util/text.h"

namespace orch {

namespace {

const char* kMark = "\x1eorchestrate-job-done ";

// Runs jobs from stdin, one JSON object per line: {"cwd", "env", "argv"}. After each, a marker line
// with the exit code on stdout and on stderr, so both streams are known to be complete.
const char* kWorkerPy = R"PY(
import json, os, sys, traceback
sys.argv = ["alembic"]
import alembic.config, alembic.command, alembic.runtime.migration, alembic.script
import sqlalchemy, sqlalchemy.dialects.postgresql
try:
    import psycopg2
except ImportError:
    pass
MARK = "\x1eorchestrate-job-done"
base_env = dict(os.environ)
base_path = list(sys.path)
base_modules = set(sys.modules)
for line in sys.stdin:
    job = json.loads(line)
    os.environ.clear()
    os.environ.update(base_env)
    os.environ.update(job["env"])
    code = 0
    try:
        os.chdir(job["cwd"])
        sys.path[:] = [job["cwd"]] + base_path
        alembic.config.main(argv=job["argv"], prog="alembic")
    except SystemExit as e:
        c = e.code
        if c is None:
            code = 0
        elif isinstance(c, int):
            code = c & 0xFF
        else:
            print(c, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    for name in [n for n in sys.modules if n not in base_modules]:
        del sys.modules[name]
    sys.path[:] = base_path
    sys.stdout.flush()
    sys.stderr.flush()
    print("%s %d" % (MARK, code), flush=True)
    print("%s %d" % (MARK, code), file=sys.stderr, flush=True)
)PY";

}  // namespace

const char* AlembicWorkerPool::worker_source() { return kWorkerPy; }

std::string warm_python_of(const std::vector<std::string>& command) {
  if (const char* off = std::getenv("ORCHESTRATE_ALEMBIC_WARM"); off && std::string(off) == "0") return "";
  if (command.size() == 3 && command[1] == "-m" && command[2] == "alembic") return command[0];
  return "";
}

struct AlembicWorkerPool::Worker {
  std::shared_ptr<AsyncChild> child;
  std::optional<WorkerJob> job;
  OutputTail tail;
  int marks = 0;
  int code = 0;
  bool dead = false;
  std::unique_ptr<boost::asio::steady_timer> timer;
  bool timed_out = false;
};

AlembicWorkerPool::AlembicWorkerPool(boost::asio::io_context& io, std::string python, int max_workers)
    : io_(io), python_(std::move(python)), max_(std::max(1, max_workers)) {}

AlembicWorkerPool::~AlembicWorkerPool() {
  for (auto& w : workers_)
    if (w->child) w->child->close_stdin();
}

void AlembicWorkerPool::spawn() {
  auto w = std::make_shared<Worker>();
  ChildSpec spec;
  spec.argv = {python_, "-c", kWorkerPy};
  spec.cwd = std::filesystem::current_path();
  spec.env = {{"PYTHONUNBUFFERED", "1"}};
  spec.stdin_pipe = true;
  std::weak_ptr<Worker> weak = w;
  w->child = AsyncChild::launch(
      io_, spec,
      [this, weak](const std::string& l) {
        if (auto s = weak.lock()) on_line(s, l);
      },
      [this, weak](const ChildExit& e) {
        auto s = weak.lock();
        if (!s) return;
        s->dead = true;
        if (s->job) {
          ChildExit x = e;
          x.timed_out = x.timed_out || s->timed_out;
          if (x.timed_out) x.interrupted = false;  // our own timeout: a failure, not an interrupt
          if (x.succeeded()) {
            x.code = 1;  // it died without finishing the job: never report success
          }
          finish_job(s, x);
        }
        workers_.erase(std::remove(workers_.begin(), workers_.end(), s), workers_.end());
        dispatch();
      });
  workers_.push_back(w);
}

void AlembicWorkerPool::submit(WorkerJob job) {
  ++submitted_;
  queue_.push_back(std::move(job));
  dispatch();
}

void AlembicWorkerPool::dispatch() {
  if (stopping_) return;
  // Queued jobs go to idle workers, starting new ones up to the cap.
  while (!queue_.empty()) {
    std::shared_ptr<Worker> idle;
    for (auto& w : workers_)
      if (!w->job && !w->dead) idle = w;
    if (!idle) {
      if (static_cast<int>(workers_.size()) >= max_) return;
      spawn();
      continue;
    }
    idle->job = std::move(queue_.front());
    queue_.pop_front();
    idle->tail = OutputTail();
    idle->marks = 0;
    idle->timed_out = false;
    nlohmann::json j;
    j["cwd"] = idle->job->cwd.string();
    nlohmann::json env = nlohmann::json::object();
    for (const auto& [k, v] : idle->job->env) env[k] = v;
    j["env"] = env;
    j["argv"] = idle->job->args;
    idle->child->write_stdin(j.dump() + "\n");
    if (idle->job->timeout) {
      idle->timer = std::make_unique<boost::asio::steady_timer>(io_, *idle->job->timeout);
      std::weak_ptr<Worker> weak = idle;
      idle->timer->async_wait([weak](const boost::system::error_code& e) {
        auto s = weak.lock();
        if (e || !s || !s->job) return;
        s->timed_out = true;
        s->child->terminate();
      });
    }
  }
  // A spare warms up while more jobs may still come.
  bool have_idle = false;
  for (auto& w : workers_) have_idle = have_idle || (!w->job && !w->dead);
  if (!have_idle && static_cast<int>(workers_.size()) < max_ && submitted_ < expected_) spawn();
}

void AlembicWorkerPool::on_line(const std::shared_ptr<Worker>& w, const std::string& line) {
  if (starts_with(line, kMark)) {
    w->code = std::atoi(line.c_str() + std::string(kMark).size());
    if (++w->marks == 2 && w->job) {
      ChildExit e;
      e.code = w->code;
      finish_job(w, e);
      dispatch();
    }
    return;
  }
  if (!w->job) return;  // output between jobs (a warning at import): nobody's
  w->tail.add(line);
  w->job->on_line(line);
}

void AlembicWorkerPool::finish_job(const std::shared_ptr<Worker>& w, ChildExit exit) {
  WorkerJob job = std::move(*w->job);
  w->job.reset();
  if (w->timer) w->timer->cancel();
  if (stopping_) exit.interrupted = true;
  job.on_exit(exit, w->tail.lines());
}

void AlembicWorkerPool::interrupt() {
  stopping_ = true;
  for (auto& j : queue_) {
    ChildExit e;
    e.interrupted = true;
    e.code = 1;
    j.on_exit(e, {});
  }
  queue_.clear();
  for (auto& w : workers_) w->child->terminate();
}

void AlembicWorkerPool::shutdown() {
  for (auto& w : workers_)
    if (!w->job) w->child->close_stdin();
  expected_ = 0;
}

}  // namespace orch
