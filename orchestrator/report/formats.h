#pragma once
// Machine- and review-friendly renderings of status and run reports: JSON (stable key order, documented
// in docs/status-json.md), Markdown (a pull-request comment), JUnit XML (CI test views: one testcase per
// service plus one for RLS).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "report/run_report.h"
#include "report/status_report.h"

#include "util/clock_text.h"  // iso8601_now, used by every report

#include "util/result.h"

namespace orch {

nlohmann::ordered_json status_to_json(const StatusReport& r);
// Several targets' status in one document: each target's as status_to_json, and whether all are clean.
nlohmann::ordered_json statuses_to_json(const std::vector<StatusReport>& rs);
nlohmann::ordered_json run_to_json(const RunReport& r);
std::string status_to_markdown(const StatusReport& r);
std::string run_to_markdown(const RunReport& r);
std::string status_to_junit(const StatusReport& r);
std::string run_to_junit(const RunReport& r);

// "--report FORMAT:PATH"
struct ReportTarget {
  std::string format;  // json | markdown | junit
  std::string path;
};
// Parses every --report value (FORMAT:PATH); the first bad one is the error (exit 2).
Result<std::vector<ReportTarget>> parse_report_targets(const std::vector<std::string>& specs);
// Writes each; the first that could not be written is the error.
Status write_reports(const std::vector<ReportTarget>& targets, const StatusReport* status, const RunReport* run);


}  // namespace orch
