#include "process/failure_summary.h"

#include <regex>

#include "util/duration.h"
#include "util/text.h"

namespace orch {

static bool meaningful(const std::string& l) {
  std::string t = trim(l);
  if (t.empty()) return false;
  if (starts_with(t, "Traceback (most recent call last)")) return false;
  if (starts_with(l, "  File \"") || starts_with(l, "    ")) return false;  // traceback frames and their source
  if (starts_with(t, "(Background on this error at")) return false;
  if (starts_with(t, "INFO  [alembic")) return false;
  if (t.find_first_not_of("^~ ") == std::string::npos) return false;  // caret markers
  return true;
}

FailureSummary summarize_failure(const std::vector<std::string>& output, const ChildExit& exit,
                                 const std::string& command_text) {
  FailureSummary s;
  if (!exit.spawn_error.empty()) {
    s.error = "cannot start `" + command_text + "`: " + exit.spawn_error;
    s.details.push_back("install the tool, or set `command` for this service or its runner in the manifest");
    return s;
  }
  for (const auto& l : output) {
    if (l.find("No module named alembic") != std::string::npos || l.find("No module named 'alembic'") != std::string::npos) {
      s.error = "`" + command_text + "` cannot import alembic";
      s.details.push_back("install Debian's python3-alembic (apt-get install python3-alembic python3-psycopg2), or set");
      s.details.push_back("[runners.alembic] command = [\"/usr/bin/python3\", \"-m\", \"alembic\"] to a Python that has it");
      return s;
    }
  }
  std::vector<std::string> keep;
  for (const auto& l : output)
    if (meaningful(l)) keep.push_back(trim(l));

  // Alembic's own errors: "FAILED: Can't locate revision identified by '189b1231afd4'" (exit 255).
  for (auto it = output.rbegin(); it != output.rend(); ++it) {
    std::string t = trim(*it);
    if (starts_with(t, "FAILED:")) {
      s.error = "alembic: " + trim(t.substr(7));
      break;
    }
  }
  // A Python exception: the last "module.Error: message" line.
  static const std::regex exc(R"(^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure|Warning))(: (.*))?$)");
  if (s.error.empty()) {
    for (auto it = keep.rbegin(); it != keep.rend(); ++it) {
      std::smatch m;
      if (std::regex_match(*it, m, exc)) {
        s.error = *it;
        break;
      }
    }
  }
  if (s.error.empty() && !keep.empty()) s.error = keep.back();
  // Only noise by the rules above (Alembic's INFO lines, say, when Ctrl-C came mid-migration): still
  // output, and its last lines say how far the tool got. "no output" is said only when there was none.
  if (keep.empty())
    for (const auto& l : output)
      if (!trim(l).empty()) keep.push_back(trim(l));
  if (s.error.empty() && !keep.empty()) s.error = "last output: " + keep.back();
  if (s.error.empty()) s.error = "no output";
  std::string how;
  if (exit.timed_out) how = "timed out; the process group was killed";
  else if (exit.interrupted) how = "stopped by interrupt";
  else if (exit.signaled) how = "killed by signal " + std::to_string(exit.code);
  else how = "exit code " + std::to_string(exit.code);
  s.error = elide(s.error, 300) + " (" + how + ")";

  size_t from = keep.size() > 6 ? keep.size() - 6 : 0;
  for (size_t i = from; i < keep.size(); ++i) s.details.push_back(elide(keep[i], 240));
  return s;
}

}  // namespace orch
