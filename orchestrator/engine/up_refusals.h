#pragma once
// Before `up` changes anything: a selected service that status already knows will fail (tables without
// a version table, a version its files lack) refuses the whole run, exit 3, naming what to run instead.
#include <vector>

#include "report/status_report.h"
#include "util/result.h"

namespace orch {

Status refuse_doomed_services(const StatusReport& before, const std::vector<int>& selected);

}  // namespace orch
