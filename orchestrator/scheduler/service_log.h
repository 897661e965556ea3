#pragma once
// Where the Builder writes each service's whole output, line by line (status/run_logs.h keeps it in one
// file per service): an interface, so the scheduler knows no files.
#include <string>

namespace orch {

class ServiceLog {
 public:
  virtual ~ServiceLog() = default;
  virtual void write(const std::string& service, const std::string& line) = 0;
};

}  // namespace orch
