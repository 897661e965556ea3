#pragma once
// What to do about a service in a state `up` refuses (tables without a version table, a version its files
// lack): one sentence, the same in `status`, `check` and `up`'s refusal.
#include <string>

#include "report/status_report.h"

namespace orch {

// "" when the state needs nothing from a person.
std::string state_hint(const ServiceStatus& s);
// `up` cannot run the service: what status already knows will fail.
bool up_refuses(const ServiceStatus& s);

}  // namespace orch
