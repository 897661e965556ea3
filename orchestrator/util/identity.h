#pragma once
// Who and where a run happens, as the history and the sql ledger's applied_by record it.
#include <string>

namespace orch {

// $USER, else $LOGNAME (either ignored when empty), else the name of this process's uid, else "uid N".
std::string os_user_name();
// gethostname(), or "unknown".
std::string host_name();
// Who runs a rollout or a migration: "worker-3@pod-name" inside a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX), else "user@host:pid".
std::string worker_name();
// The name the sql ledger's applied_by records: worker_name() inside an Indexed Job, else os_user_name().
std::string applied_by_name();
// Who a history row names (its host is a column of its own, and WHO prints user@host): "worker-3"
// inside an Indexed Job, else os_user_name().
std::string history_user_name();

}  // namespace orch
