#pragma once
// A database the manifest names ([project] database, a target, [rollout] state), and how it becomes a
// URL: from the environment, a secret file, a command's output, or as written.
#include <string>

#include "manifest/source_pos.h"
#include "util/result.h"

namespace orch {

// Where a database URL comes from: "env:VAR", "file:/path" (contents, trimmed), "command:..." or a literal URL.
struct DatabaseRef {
  std::string spec;
  SourcePos pos;
  std::string key = "database";  // the manifest key it was read from, for messages: database, server, state
};

// Resolves a database reference to a URL normalised to postgresql://, and registers its password (and,
// for file:, the whole contents) as secrets. The error points at the reference (exit 2).
Result<std::string> resolve_database(const DatabaseRef& ref);

// postgres://, postgresql+psycopg2:// and friends become postgresql://, the form libpq and SQLAlchemy share.
std::string normalise_database_url(const std::string& url);

// The URL a child process gets as DATABASE_URL: a resolved URL with the SQLAlchemy driver suffix the user
// wrote back on it (postgresql+asyncpg://…, for an async env.py); any other URL as it is.
std::string url_for_children(const std::string& url);

}  // namespace orch
