#pragma once
// Who is in the way when a statement timed out waiting for a lock: the session holding a lock on a
// table of the given schemas, the longest-open transaction first (pg_locks and pg_stat_activity).
#include <string>
#include <vector>

namespace orch {

class Db;

struct Blocker {
  int pid = 0;       // 0: nobody holds one any more (or the catalogue cannot be read)
  std::string text;  // "a lock on meals.meals is held by pid 4242 (app@10.0.0.5, idle in transaction for 00:03:12: SELECT …)"
};
Blocker find_blocker(Db& db, const std::vector<std::string>& schemas);
// find_blocker's text, or "".
std::string describe_blocker(Db& db, const std::vector<std::string>& schemas);

}  // namespace orch
