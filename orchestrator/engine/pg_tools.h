#pragma once
// PostgreSQL's own tools (pg_dump, pg_restore) as rehearse runs them: from the PostgreSQL 15 binaries
// (ORCHESTRATE_PG_BIN overrides the directory), the password in PGPASSWORD rather than in argv, and
// stopped with their process group on Ctrl-C or SIGTERM through the CancelHub.
#include <string>
#include <vector>

#include "engine/cancel_hub.h"
#include "util/result.h"

namespace orch {

struct PgToolRun {
  std::vector<std::string> out;  // stdout lines
  std::vector<std::string> err;  // stderr lines, scrubbed of secrets
  Millis duration{0};
};

// The directory holding pg_dump and pg_restore.
std::string pg_bin_dir();

// Runs `tool` (a name inside pg_bin_dir()) with `args`, connecting to `url` (its password moves to
// PGPASSWORD; the URL goes in as --dbname). `extra_pgoptions` goes to the server as PGOPTIONS.
// Errors: the tool could not start (1, naming the directory), it failed (1, its last error lines),
// interrupted (130).
Result<PgToolRun> run_pg_tool(const std::string& tool, std::vector<std::string> args, const std::string& url,
                              const std::string& extra_pgoptions, CancelHub& hub);

}  // namespace orch
