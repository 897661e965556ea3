#pragma once
// A printer that shows nothing: for runs whose outcome is read, not watched (plan's dry run, the
// second `up` of rehearse --roundtrip).
#include <string>

#include "scheduler/status_printer.h"

namespace orch {

class SilentPrinter : public StatusPrinter {
 public:
  void run_started(const RunHeader&) override {}
  void service_started(const ServiceSpec&) override {}
  void service_line(const ServiceSpec&, const std::string&) override {}
  void service_finished(const ServiceSpec&, const RunResult&) override {}
  void note(const std::string&) override {}
};

}  // namespace orch
