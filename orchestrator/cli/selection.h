#pragma once
// Choosing what a command acts on, shared by the commands: services by name (with a "did you mean"
// when a name is wrong) and report files per target.
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "report/formats.h"

namespace orch {

// The index of service `name`, or -1 after printing what was meant (`context` says where the name came
// from, such as "--only").
int service_index_or_explain(const Manifest& m, const std::string& name, const std::string& context);

// --only: the named services and everything they depend on; every service when `only` is empty.
// nullopt after printing an error.
std::optional<std::vector<int>> select_services(const Manifest& m, const std::vector<std::string>& only);

// With several targets, report files get the target's name before their extension.
std::vector<ReportTarget> reports_for_target(const std::vector<ReportTarget>& in, const std::string& target, bool several);

}  // namespace orch
