#pragma once
// How `history` shows the runs recorded in the database: a table for people, JSON for tools.
#include <ostream>
#include <string>
#include <vector>

#include "history/history.h"

namespace orch {

void render_history_table(const std::vector<RunRow>& runs, std::ostream& out);
void render_history_json(const std::string& project, const std::vector<RunRow>& runs, std::ostream& out);

}  // namespace orch
