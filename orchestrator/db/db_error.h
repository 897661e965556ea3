#pragma once
// Where a database failure stops being an exception. `Db` throws `DbError` (db/db.h); the named places
// that catch it (docs/architecture.md, "Errors") turn it into the project's Error with this, so every
// report of a database failure reads the same: the server's first line, with secrets scrubbed.
#include <exception>
#include <string>

#include "util/result.h"

namespace orch {

// "doing: <the server's first line>" at `where`, exit 1; with `doing` empty, the line alone.
Error db_error(const std::exception& e, const std::string& doing, std::string where = "", std::string hint = "");

}  // namespace orch
