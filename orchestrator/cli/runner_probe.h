#pragma once
// Can a runner's command be started (and, for Alembic, import alembic)? Asked by `check` before any
// database is touched, so a missing python3-alembic is found before 2 a.m., not at it.
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace orch {

struct ProbeResult {
  bool ok = false;
  std::string version;  // what the tool printed ("alembic 1.8.1")
  std::string error;    // one line
  std::string hint;
};

ProbeResult probe_runner(const ServiceSpec& s);

// Runs argv in cwd to completion (at most `timeout`), collecting its output lines. Exit code, or -1.
int run_tool(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
             const std::vector<std::pair<std::string, std::string>>& env, Millis timeout,
             std::vector<std::string>& output, std::string& spawn_error);

// The same with stderr kept apart from stdout when `err` is given.
int run_tool_split(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                   const std::vector<std::pair<std::string, std::string>>& env, Millis timeout,
                   std::vector<std::string>& out, std::vector<std::string>* err, std::string& spawn_error);

}  // namespace orch
