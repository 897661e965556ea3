#include "engine/lock_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "db/db.h"
#include "util/catalog_sql.h"

namespace orch {

void LockRecorder::migration_applied(const ServiceSpec& s, const MigrationStep& m) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string where = m.file.empty() ? s.name + " " + m.id : s.path_text + "/" + m.file;
    // The version table's row is orchestrate's (or Alembic's) own write, not the migration's.
    std::vector<RelationLock> locks;
    for (const auto& l : m.locks)
      if (!(l.schema == s.version_schema && l.table == s.version_table)) locks.push_back(l);
    taken_.push_back({s.name, where, std::move(locks)});
  }
  inner_.migration_applied(s, m);
}

std::vector<MigrationLocks> LockRecorder::taken() const {
  std::lock_guard<std::mutex> lock(mu_);
  return taken_;
}

TableSizes read_table_sizes(Db& target) {
  TableSizes out;
  Rows rows = target.query(
      "SELECT n.nspname, c.relname, c.reltuples::float8, " + catalog::unblocked_size("pg_total_relation_size") + ", " +
          catalog::unblocked_size("pg_relation_size") + " "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg\\_%'",
      {}, TxKind::ReadOnly);
  for (const auto& r : rows)
    out[r[0].str() + "." + r[1].str()] = TableSize{std::stod(r[2].str()), r[3].as_int(), r[4].as_int()};
  return out;
}

namespace {

// The strongest first: what a reader of the report must see first.
int strength(const std::string& mode) {
  static const std::vector<std::string> order = {"AccessShareLock", "RowShareLock", "RowExclusiveLock",
                                                 "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock",
                                                 "ExclusiveLock", "AccessExclusiveLock"};
  auto it = std::find(order.begin(), order.end(), mode);
  return it == order.end() ? -1 : static_cast<int>(it - order.begin());
}

// What other sessions cannot do while the lock is held (PostgreSQL's conflict table).
std::string effect(const std::string& mode) {
  switch (strength(mode)) {
    case 0: return "blocks only ACCESS EXCLUSIVE locks (reads and writes go on)";
    case 1: return "blocks only EXCLUSIVE and ACCESS EXCLUSIVE locks (reads and writes go on)";
    case 2: return "blocks schema changes and index builds, not reads or writes";
    case 3: return "blocks schema changes, VACUUM and other index builds, not reads or writes";
    case 4:
    case 5: return "blocks writes until its transaction commits";
    case 6: return "blocks writes and SELECT ... FOR UPDATE until its transaction commits";
    case 7: return "blocks reads and writes until its transaction commits";
    default: return "";
  }
}

std::string human_rows(double n) {
  char buf[32];
  if (n >= 1e9) std::snprintf(buf, sizeof buf, "~%.1fG rows", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof buf, "~%.1fM rows", n / 1e6);
  else if (n >= 1e4) std::snprintf(buf, sizeof buf, "~%.0fk rows", n / 1e3);
  else std::snprintf(buf, sizeof buf, "~%.0f row%s", n, std::llround(n) == 1 ? "" : "s");
  return buf;
}

std::string human_bytes(long long b) {
  char buf[32];
  if (b >= (1LL << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", b / double(1LL << 30));
  else if (b >= (1LL << 20)) std::snprintf(buf, sizeof buf, "%.0f MB", b / double(1LL << 20));
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.0f kB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%lld bytes", b);
  return buf;
}

}  // namespace

std::vector<LockLine> describe_locks(const std::vector<MigrationLocks>& taken, const TableSizes& sizes,
                                     const std::string& target, const LintPolicy& lint) {
  std::vector<LockLine> out;
  for (const auto& m : taken) {
    std::vector<RelationLock> locks = m.locks;
    std::stable_sort(locks.begin(), locks.end(),
                     [](const RelationLock& a, const RelationLock& b) { return strength(a.mode) > strength(b.mode); });
    for (const auto& l : locks) {
      std::string table = l.schema + "." + l.table;
      auto it = sizes.find(table);
      LockLine line;
      line.service = m.service;
      line.migration = m.migration;
      line.relation = table;
      line.mode = l.mode;
      line.effect = effect(l.mode);
      std::string size;
      if (it == sizes.end()) {
        size = "new in this run";
        line.new_in_run = true;
      } else {
        const TableSize& t = it->second;
        size = (t.rows >= 0 ? human_rows(t.rows) : std::string(t.heap > 0 ? "rows not counted yet (never analyzed)" : "empty")) +
               ", " + human_bytes(t.bytes) + " on " + target;
        line.rows = t.rows;
        line.bytes = t.bytes;
        bool has_rows = t.rows > 0 || (t.rows < 0 && t.heap > 0);
        line.finding = l.mode == "AccessExclusiveLock" && has_rows && !lint.allows(kAccessExclusiveRule);
        line.denied = line.finding && lint.denies(kAccessExclusiveRule);
      }
      line.size = size;
      line.text = m.migration + " takes " + l.mode + " on " + table + " (" + size + "): " + line.effect;
      if (line.finding) line.text += " [" + std::string(kAccessExclusiveRule) + (line.denied ? ", denied by [lint] deny]" : "]");
      out.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace orch
