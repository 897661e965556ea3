#pragma once
// The whole output of every service, one file each: .orchestrate/logs/<run-id>/<service>.log. The
// terminal shows the stream as it happens; these files keep it for the post-mortem.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "scheduler/service_log.h"

namespace orch {

class RunLogs : public ServiceLog {
 public:
  RunLogs(std::filesystem::path dir);  // created on first write
  void write(const std::string& service, const std::string& line) override;
  std::filesystem::path path_for(const std::string& service) const { return dir_ / (service + ".log"); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::unique_ptr<std::ofstream>> files_;
};

// "20261122T023512Z-4f1c": sortable, unique enough across hosts, readable in a log directory listing.
std::string new_run_id();

}  // namespace orch
