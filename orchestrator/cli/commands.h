#pragma once
// Each subcommand is a function from parsed options to an exit code (docs/exit-codes.md).
#include <memory>
#include <string>
#include <vector>

#include "util/duration.h"

#include "status/event_stream.h"

namespace orch {

struct GlobalOptions {
  std::string file = "services.toml";
  std::vector<std::string> targets;
  bool no_dashboard = false;
  std::string events;                    // --events PATH or -: the JSON-lines stream (docs/events.md)
  std::shared_ptr<EventStream> stream;   // opened by main() before anything prints
};

struct UpOptions {
  int jobs = 0;  // 0: the manifest's max_parallel, else 4
  std::vector<std::string> only;
  bool fail_fast = false;
  std::string lock_wait = "60s";
  std::vector<std::string> reports;  // FORMAT:PATH
  bool yes = false;                  // protected targets without a prompt
  bool rehearse = false;             // rehearse every target first; start only when every rehearsal passes
};

struct RehearseOptions {
  UpOptions up;            // -j, --only, --fail-fast, --lock-wait, --report as `up` takes them
  std::string shadow_url;  // another server for the shadow database
  bool keep = false;       // leave the shadow database and print its URL
  bool roundtrip = false;  // then downgrade the new revisions and upgrade again, comparing schemas
};

struct StatusOptions {
  std::string format;  // table | json | markdown; empty: table
  bool check = false;
  std::vector<std::string> reports;
  bool watch = false;
  std::string interval = "2s";
  int jobs = 16;  // targets read at once (one connection each)
};

struct RlsOptions {
  bool verify_only = false;
  std::string lock_wait = "60s";
  std::vector<std::string> reports;
};

struct HistoryOptions {
  int limit = 20;
  std::string format = "table";
  std::string run_id;   // one run's services and migrations
  std::string service;  // one service's migrations across runs
  bool failed = false;
  std::string since;    // a duration ("2h", "7d") or a date/time
};

struct CheckOptions {
  bool strict = false;
  bool offline = false;  // files and runners only, no database
  bool lint = true;      // --no-lint skips the migration linter
  std::string format = "text";
};

struct PlanOptionsCli {
  bool sql = false;
  std::string format = "text";
  int jobs = 0;
};

struct DownOptions {
  std::string service;
  std::string to;  // empty: one step; "base"; a revision
  bool cascade = false;
  bool yes = false;
  std::string lock_wait = "60s";
};

struct BaselineOptions {
  std::string service;
  std::string to;
  bool force = false;
  bool yes = false;
  std::string lock_wait = "60s";
};

struct RolloutOptions {
  std::string resume;  // a run id
  std::string run_id;  // --run-id: create or join this rollout (every worker runs the same command)
  std::string watch;   // --watch ID: follow a shared rollout from the state database
  std::string format = "text";
  bool pause = false;
  bool yes = false;
  int jobs = 0;
  std::string lock_wait = "60s";
};

struct InitOptions {
  std::string dir = ".";
  bool force = false;
  std::string from_script;  // the shell script it replaces: the order of services
};

struct CompletionOptions {
  std::string shell;   // bash | zsh | fish
  std::string names;   // --names services|targets: what the scripts complete, read from the manifest
  bool man = false;    // --man: the manual page (the build writes docs/orchestrate.1 with it)
};

int run_rollout(const GlobalOptions& g, const RolloutOptions& o);
int run_init(const GlobalOptions& g, const InitOptions& o);
int run_rollout_watch(const GlobalOptions& g, const RolloutOptions& o);
int run_down(const GlobalOptions& g, const DownOptions& o);
int run_baseline(const GlobalOptions& g, const BaselineOptions& o);
int run_plan(const GlobalOptions& g, const PlanOptionsCli& o);
int run_check(const GlobalOptions& g, const CheckOptions& o);
int run_up(const GlobalOptions& g, const UpOptions& o);
int run_rehearse(const GlobalOptions& g, const RehearseOptions& o);
struct LoadedManifest;
// The rehearsal of `targets` (rehearse, and up --rehearse before it starts): the worst exit code.
int rehearse_targets(const GlobalOptions& g, const LoadedManifest& l, const std::vector<int>& selected,
                     const RehearseOptions& o);
int run_status(const GlobalOptions& g, const StatusOptions& o);
int run_rls(const GlobalOptions& g, const RlsOptions& o);
int run_history(const GlobalOptions& g, const HistoryOptions& o);

}  // namespace orch
