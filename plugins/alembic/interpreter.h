#pragma once
// Which Python runs a service's Alembic, as the driver needs it.
#include <string>
#include <vector>

#include "alembic/driver_job.h"
#include "alembic/zygote.h"
#include "manifest/manifest.h"

namespace orch {

// "python3" when `command` is {"python3", "-m", "alembic"} (the driver can run it); "" for any other
// command, which then runs as it is, without the driver.
std::string driver_python_of(const std::vector<std::string>& command);

// The interpreter and the start-up variables from the service's env (PYTHONPATH with its entries made
// absolute against the service's directory, as a fresh interpreter started there would resolve them).
ZygoteKey interpreter_key(const ServiceSpec& s, const std::string& python);

// A driver job for `alembic -c <config> ARGS...` in the service's directory, with the environment every
// child gets and the service's limits. Only for a service whose command is `<python> -m alembic`.
DriverJobSpec driver_spec_for(const ServiceSpec& s, std::vector<std::string> args, const std::string& database_url,
                              const std::string& run_id);

}  // namespace orch
