#pragma once
// The locks a rehearsal saw each migration take, told with the target's own size for each table:
// "meals/0004_idx.sql takes ShareLock on meals.meals (~1.2M rows, 380 MB on production): blocks writes
// until its transaction commits". An ACCESS EXCLUSIVE lock on a table that has rows on the target is a
// finding (rule access-exclusive-on-large-table; [lint] deny makes it an error, allow silences it).
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lint/lint_rules.h"
#include "report/rehearsal_summary.h"
#include "scheduler/status_printer.h"

namespace orch {

class Db;

struct MigrationLocks {
  std::string service;
  std::string migration;  // "meals/0004_idx.sql" or "habits 0003_add_streak"
  std::vector<RelationLock> locks;
};

// Passes every event on to the run's own printer and keeps each migration's locks.
class LockRecorder : public StatusPrinter {
 public:
  explicit LockRecorder(StatusPrinter& inner) : inner_(inner) {}
  void run_started(const RunHeader& h) override { inner_.run_started(h); }
  void service_started(const ServiceSpec& s) override { inner_.service_started(s); }
  void service_line(const ServiceSpec& s, const std::string& l) override { inner_.service_line(s, l); }
  void service_finished(const ServiceSpec& s, const RunResult& r) override { inner_.service_finished(s, r); }
  void migration_started(const ServiceSpec& s, const MigrationStep& m) override { inner_.migration_started(s, m); }
  void migration_applied(const ServiceSpec& s, const MigrationStep& m) override;
  void lock_waiting(const ServiceSpec& s, const LockWait& w) override { inner_.lock_waiting(s, w); }
  void rls_lock_waiting(const LockWait& w) override { inner_.rls_lock_waiting(w); }
  void note(const std::string& t) override { inner_.note(t); }
  void finish() override { inner_.finish(); }
  std::vector<MigrationLocks> taken() const;

 private:
  StatusPrinter& inner_;
  mutable std::mutex mu_;
  std::vector<MigrationLocks> taken_;
};

struct TableSize {
  double rows = -1;       // pg_class.reltuples; -1 when never analyzed
  long long bytes = 0;    // pg_total_relation_size
  long long heap = 0;     // pg_relation_size: > 0 means it has rows even when never analyzed
};
using TableSizes = std::map<std::string, TableSize>;  // "schema.table"

// Every table's size on the target, in one query (read on the target's read-only session).
TableSizes read_table_sizes(Db& target);

// One (migration, table, mode), with the target's size; the sentence in .text.
using LockLine = RehearsalLock;

// One line per (migration, table, mode), the strongest lock of a table first within a migration.
std::vector<LockLine> describe_locks(const std::vector<MigrationLocks>& taken, const TableSizes& sizes,
                                     const std::string& target, const LintPolicy& lint);

inline constexpr const char* kAccessExclusiveRule = "access-exclusive-on-large-table";

}  // namespace orch
