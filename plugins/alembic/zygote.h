#pragma once
// Zygotes: one Python per interpreter (and PYTHONPATH) that imports Alembic, SQLAlchemy and the DBAPIs
// once and then forks one process per job (the driver's `zygote` mode). Every job is as isolated as a
// fresh interpreter (its own modules, sys.path, environment, cwd) and as cheap as a warm one.
//
// Process-wide: started on first use, or ahead of time (`prestart`) so the imports overlap the run's
// prechecks, and shared by every run and rollout target of this orchestrate. Each is hosted by a thread
// of its own that lives as long as it does, since PR_SET_PDEATHSIG follows the thread that forked: a
// zygote dies with orchestrate, and its jobs (which set PDEATHSIG against the zygote) die with it.
#include <memory>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

namespace orch {

struct ZygoteKey {
  std::string python;
  // Variables that shape the interpreter at start-up (PYTHONPATH with absolute entries, PYTHONHOME,
  // ...): a zygote serves only jobs that would have started the same way.
  std::vector<std::pair<std::string, std::string>> python_env;
  bool operator<(const ZygoteKey& o) const { return std::tie(python, python_env) < std::tie(o.python, o.python_env); }
};

class Zygote {
 public:
  // The zygote for `key`, started now unless it runs already (or died: then a new one is started).
  static std::shared_ptr<Zygote> get(const ZygoteKey& key);
  // Starts it in the background; nothing waits for it.
  static void prestart(const ZygoteKey& key) { get(key); }

  // Hands one job to the zygote: its JSON and the write ends of the job's stdout, stderr and event
  // pipes (the forked job gets them; the caller closes its own copies after the call). False when the
  // zygote is gone: run the job cold. A job sent to a zygote that dies before forking it sees its
  // pipes close without a job-started event: run it cold too.
  bool send(const std::string& job_json, int out_fd, int err_fd, int events_fd);
  bool alive() const;
  int pid() const;
  // What it printed itself (not its jobs): for the log when it died.
  std::vector<std::string> last_words() const;

  ~Zygote();
  struct Impl;

 private:
  explicit Zygote(ZygoteKey key);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch
