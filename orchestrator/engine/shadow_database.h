#pragma once
// The rehearsal's throwaway database: `orchestrate_rehearsal_<run-id>` on the target's server (the
// target's user needs CREATEDB) or on [rehearsal] server / --shadow-url. Destroying the handle drops
// it (WITH (FORCE): a child still connected does not keep it) unless keep() was called. A shadow left
// behind by a rehearsal that was killed (SIGKILL, a lost machine) is dropped by the next rehearsal on
// that server: its name says when it was made, and nobody is connected to it.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/run_session.h"
#include "util/result.h"

namespace orch {

class Db;

inline constexpr const char* kShadowPrefix = "orchestrate_rehearsal_";

// "orchestrate_rehearsal_20261201t133713z_ab12" for run id "20261201T133713Z-ab12".
std::string shadow_name(const std::string& run_id);
// When a shadow of that name was made; nullopt for a name that is not one of ours.
std::optional<std::chrono::system_clock::time_point> shadow_created_at(const std::string& name);
// Which of `names` (databases, with whether anyone is connected) a rehearsal at `now` may drop:
// ours, older than `min_age`, nobody connected. Pure, for the unit test.
struct DatabaseSeen {
  std::string name;
  int connections = 0;
  bool kept = false;  // commented by `rehearse --keep`: the user's to drop, never swept
};
std::vector<std::string> stale_shadows(const std::vector<DatabaseSeen>& seen, std::chrono::system_clock::time_point now,
                                       std::chrono::seconds min_age);

class ShadowDatabase {
 public:
  // Connects to `server_url` (a database on the server that will hold the shadow), drops stale
  // shadows there (each dropped is a note), and creates this run's. Errors say what is missing
  // (CREATEDB) and where.
  static Result<std::unique_ptr<ShadowDatabase>> create(const std::string& server_url, const std::string& run_id,
                                                        const NoteFn& note);
  ~ShadowDatabase();
  ShadowDatabase(const ShadowDatabase&) = delete;
  ShadowDatabase& operator=(const ShadowDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }  // a secret
  // Not dropped at the end, and marked (COMMENT ON DATABASE) so that later rehearsals leave it alone.
  void keep();
  // Drops it now; a failure is returned (the destructor only notes it).
  Status drop();

 private:
  ShadowDatabase(std::unique_ptr<Db> admin, std::string name, std::string url, NoteFn note);
  std::unique_ptr<Db> admin_;
  std::string name_, url_;
  NoteFn note_;
  bool keep_ = false, dropped_ = false;
};

}  // namespace orch
