#pragma once
// Where every service stands on one target: what `orchestrate status` prints and `--format json` emits.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "report/running_run.h"
#include "report/service_state.h"
#include "rls/rls_result.h"

namespace orch {

struct LastRunInfo {
  std::string run_id;
  std::string state;
  std::string finished_at;
};

// One branch label of an Alembic tree kept with several heads (expand/contract): where it stands.
struct BranchStatus {
  std::string label;
  std::vector<std::string> current;  // its newest applied revisions; empty when none is applied yet
  std::vector<std::string> heads;    // its heads in the files
  std::vector<std::string> pending;  // what `up` would apply on it, in order
};

struct ServiceStatus {
  std::string name;
  std::string runner;
  std::string schema;
  std::vector<std::string> current;
  // Where `up` takes the version table: the heads of the files, or of the service's target, as the rows
  // the version table will hold (the up-to-date check compares `current` with exactly these).
  std::vector<std::string> heads;
  std::string target;                   // alembic: what `up` upgrades to (heads, head, expand@head, a revision)
  std::vector<BranchStatus> branches;   // alembic: one per branch label, when the tree has any
  std::vector<std::string> pending;           // in the order they would run
  std::vector<std::string> pending_messages;  // one per pending revision ("create users")
  ServiceState state = ServiceState::Error;  // set by the kind's read_state or the inspector
  std::string detail;  // why: the unknown revision, the unreachable error, the hint
  std::string last_applied_at;
  std::optional<LastRunInfo> last_run;

  // Up to date, or a kind that cannot see its versions (untracked): nothing for `up` to do here.
  bool at_head() const;
};

struct StatusReport {
  std::string project;
  std::string target;
  std::string database;  // redacted
  std::string generated_at;
  std::vector<ServiceStatus> services;
  bool rls_configured = false;
  RlsCoverage rls;
  std::optional<RunInProgress> running;  // a run of this project on this target not finished yet

  // Every service at head (`wait --until head`); says nothing of RLS.
  bool at_head() const;
  // For `status --check`: at head, and nothing uncovered by RLS.
  bool clean() const;
};

void render_status_table(const StatusReport& r, std::ostream& out, bool color);
// "users: now at c2 (pending, 1 pending)": where `down` and `baseline` left a service.
std::string now_at_line(const ServiceStatus& s);

}  // namespace orch

namespace orch {
// Several targets: services down, targets across, each cell the service's state on that target.
void render_status_matrix(const std::vector<StatusReport>& reports, std::ostream& out, bool color);
// A fleet too wide for the matrix: per service, how many targets are in each state; the targets that
// differ from the majority, by name; RLS coverage counts.
void render_status_summary(const std::vector<StatusReport>& reports, std::ostream& out, bool color);
// The matrix when it fits in `width` columns, else the summary.
void render_status_matrix_or_summary(const std::vector<StatusReport>& reports, std::ostream& out, bool color, int width);
}  // namespace orch
