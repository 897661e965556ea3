#pragma once
// A fleet for shared-rollout tests: n target databases, a manifest whose app service applies
// `migration` on each, [rollout] state in a control database, and (for the fault tests) a PostgreSQL
// server of the test's own that it can restart or stop under the workers.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace itest {

std::string fleet_manifest(const std::string& waves, const std::string& extra_service = "");

struct Fleet {
  TestDatabase control;
  std::string control_url;  // control.url() unless a test points the workers elsewhere
  std::vector<std::unique_ptr<TestDatabase>> targets;
  TempDir dir{"shared-rollout"};

  Fleet(int n, const std::string& migration, const std::string& waves);
  void manifest(const std::string& waves, const std::string& extra_service = "") const;
  // A worker's environment: the control URL, its JOB_COMPLETION_INDEX, and any extra variables.
  std::map<std::string, std::string> env(int worker, std::map<std::string, std::string> extra = {}) const;
  // How many runs each target's history holds: exactly once means one.
  int runs_on(int i) const;
  // How many migrations app's ledger holds on target i.
  int applied_on(int i) const;
};

// A throwaway PostgreSQL 15 of the test's own (scripts/dev-postgres.sh with a state file of its own),
// stopped and deleted at the end.
class ThrowawayServer {
 public:
  ThrowawayServer();
  ~ThrowawayServer();
  const std::string& url() const { return url_; }
  std::string scalar(const std::string& sql) const;
  // pg_ctl restart -m fast: every session is ended, the server comes back on the same port.
  void restart();
  void stop();
  void start();

 private:
  void pg_ctl(const std::string& args);
  fs::path state_;
  std::string dir_, port_, url_;
};

}  // namespace itest
