#pragma once
// The Alembic driver's Python source (plugins/alembic/driver/orchestrate_alembic_driver.py), carried
// in the binary, and the command line that runs it: the interpreter reads the source from its stdin,
// so nothing is written to disk and `ps` shows a short line.
#include <string>
#include <string_view>
#include <vector>

namespace orch {

std::string_view alembic_driver_source();

// {python, "-c", <bootstrap>, mode, args...}: mode is "zygote" or "job".
std::vector<std::string> alembic_driver_argv(const std::string& python, const std::vector<std::string>& mode_args);

}  // namespace orch
