#include "db/db_error.h"

#include "db/database.h"
#include "util/exit_codes.h"
#include "util/secrets.h"

namespace orch {

Error db_error(const std::exception& e, const std::string& doing, std::string where, std::string hint) {
  const std::string line = secrets::scrub(first_error_line(e.what()));
  return Error{doing.empty() ? line : doing + ": " + line, std::move(where), std::move(hint), exit_code::kFailed};
}

}  // namespace orch
