#pragma once
// Who and where a run happens, as the history and the sql ledger's applied_by record it.
#include <string>

namespace orch {

// $USER, else $LOGNAME (either ignored when empty), else the name of this process's uid, else "uid N".
std::string os_user_name();
// gethostname(), or "unknown".
std::string host_name();

}  // namespace orch
