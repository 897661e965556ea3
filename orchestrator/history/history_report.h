#pragma once
// How `history` shows the runs recorded in the database: a table for people, JSON for tools.
#include <ostream>
#include <string>
#include <vector>

#include "history/history.h"
#include "history/history_query.h"

namespace orch {

// What a run did, in the words of its command: "2 applied in 3 services, ...", "1 reverted", "1 baselined".
std::string run_counts(const RunRow& r);

void render_history_table(const std::vector<RunRow>& runs, std::ostream& out);
void render_history_json(const std::string& project, const std::vector<RunRow>& runs, std::ostream& out);
// `history RUN_ID`: the run, its services, then its migrations.
void render_run_detail_table(const RunDetail& d, std::ostream& out);
void render_run_detail_json(const std::string& project, const RunDetail& d, std::ostream& out);
// `history --service NAME`: its migrations across runs, newest first (with_run adds the run and who).
void render_migrations_table(const std::vector<MigrationRow>& ms, bool with_run, std::ostream& out);
void render_migrations_json(const std::string& project, const std::vector<MigrationRow>& ms, std::ostream& out);

}  // namespace orch
