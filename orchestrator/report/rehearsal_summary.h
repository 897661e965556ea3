#pragma once
// What a rehearsal adds to the run report of the `up` it ran in the shadow: the verdict, the copy's and
// the run's times, each migration's locks with the target's own sizes, what did not roundtrip, and what
// a rehearsal cannot see. Filled by engine/rehearse_engine; written by report/rehearsal_formats.
#include <string>
#include <vector>

#include "util/duration.h"

namespace orch {

// One (migration, table, mode) the rehearsal saw in pg_locks just before the migration committed.
struct RehearsalLock {
  std::string service;
  std::string migration;  // "meals/0004_idx.sql" or "habits 0003_add_streak"
  std::string relation;   // "meals.meals"
  std::string mode;       // pg_locks.mode: "AccessExclusiveLock"
  std::string effect;     // what other sessions cannot do meanwhile
  double rows = -1;       // the target's reltuples; -1 never analyzed or new
  long long bytes = -1;   // the target's pg_total_relation_size; -1 when new in this run
  bool new_in_run = false;  // the table did not exist on the target
  std::string size;       // "~50k rows, 3 MB on default", or "new in this run"
  std::string text;       // the sentence printed: "... takes ... on ... (~50k rows, 3 MB on default): ..."
  bool finding = false;   // ACCESS EXCLUSIVE on a table with rows (and the rule is not allowed)
  bool denied = false;    // ... and [lint] deny names the rule
};

struct RehearsalRoundtrip {
  std::string service;
  std::string what;               // which revisions, what went wrong
  std::vector<std::string> diff;  // "- line" gone, "+ line" left over
  bool server_objects = false;    // the step would have changed the target server's roles: not rehearsed
};

struct RehearsalSummary {
  bool would_succeed = false;  // exit 0: `up` would succeed and nothing denied
  int exit_code = 0;
  std::string shadow;          // the shadow database's name
  Millis dump{0}, restore{0}, run{0};
  std::vector<RehearsalLock> locks;
  bool roundtripped = false;  // --roundtrip ran (after a run that would succeed)
  std::vector<RehearsalRoundtrip> roundtrip;
  std::vector<std::string> missing_data;  // [rehearsal] data tables the target lacks
};

// What no rehearsal can show, in the words every format uses.
inline const std::vector<std::string>& not_seen_by_a_rehearsal() {
  static const std::vector<std::string> kNotSeen = {
      "failures that depend on the target's rows (a unique index over duplicates, SET NOT NULL over nulls) unless "
      "[rehearsal] data names those tables",
      "durations on the target: the shadow's tables are empty",
      "lock waits behind the target's own sessions",
  };
  return kNotSeen;
}

}  // namespace orch
