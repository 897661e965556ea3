#include "alembic/driver_events.h"

#include <nlohmann/json.hpp>

namespace orch {

namespace {

using json = nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long num(const json& j, const char* key, long fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<long>() : fallback;
}

std::optional<long> opt_num(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<long>();
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

DriverRevision revision_of(const json& j) {
  DriverRevision r;
  r.revision = str(j, "revision");
  r.down_revisions = strings(j, "down_revisions");
  r.file = str(j, "file");
  r.message = str(j, "message");
  r.duration_ms = num(j, "duration_ms");
  r.lock_timeout_ms = opt_num(j, "lock_timeout_ms");
  r.limits_set = j.value("limits_set", false);
  r.limits_error = str(j, "limits_error");
  if (auto it = j.find("locks"); it != j.end() && it->is_array())
    for (const auto& l : *it)
      if (l.is_array() && l.size() == 3 && l[0].is_string() && l[1].is_string() && l[2].is_string())
        r.locks.push_back({l[0].get<std::string>(), l[1].get<std::string>(), l[2].get<std::string>()});
  return r;
}

DriverFailure failure_of(const json& j) {
  DriverFailure f;
  f.exception = str(j, "exception");
  f.message = str(j, "message");
  f.sqlstate = str(j, "sqlstate");
  f.revision = str(j, "revision");
  f.file = str(j, "file");
  f.line = static_cast<int>(num(j, "line"));
  f.ran = strings(j, "ran");
  f.transaction_per_migration = j.value("transaction_per_migration", false);
  f.frames = strings(j, "frames");
  // format_exception's entries hold several lines each: one line per element for the log.
  for (const auto& chunk : strings(j, "traceback")) {
    size_t start = 0;
    while (start < chunk.size()) {
      size_t end = chunk.find('\n', start);
      if (end == std::string::npos) end = chunk.size();
      f.traceback.push_back(chunk.substr(start, end - start));
      start = end + 1;
    }
  }
  f.statement = str(j, "statement");
  f.statement_position = static_cast<int>(num(j, "statement_position"));
  f.missing_module = str(j, "missing_module");
  f.python = str(j, "python");
  f.hint = str(j, "hint");
  return f;
}

DriverConnection connection_of(const json& j) {
  DriverConnection c;
  c.backend_pid = static_cast<int>(num(j, "backend_pid"));
  c.lock_timeout_ms = opt_num(j, "lock_timeout_ms");
  c.statement_timeout_ms = opt_num(j, "statement_timeout_ms");
  c.application_name = str(j, "application_name");
  c.limits_in_force = j.value("limits_in_force", false);
  c.set_after_connect = j.value("set_after_connect", false);
  c.error = str(j, "error");
  return c;
}

}  // namespace

std::optional<DriverEvent> parse_driver_event(const std::string& line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  DriverEvent e;
  const std::string type = str(j, "type");
  if (type == "job-started") {
    e.type = DriverEvent::Type::JobStarted;
    e.pid = static_cast<int>(num(j, "pid"));
    if (auto it = j.find("fork_ms"); it != j.end() && it->is_number()) e.fork_ms = it->get<double>();
  } else if (type == "connection") {
    e.type = DriverEvent::Type::Connection;
    e.connection = connection_of(j);
  } else if (type == "revision-started") {
    e.type = DriverEvent::Type::RevisionStarted;
    e.revision = revision_of(j);
  } else if (type == "revision-applied" || type == "revision-reverted") {
    e.type = type == "revision-applied" ? DriverEvent::Type::RevisionApplied : DriverEvent::Type::RevisionReverted;
    e.revision = revision_of(j);
  } else if (type == "lock-timeout") {
    e.type = DriverEvent::Type::LockTimeout;
    e.statement = str(j, "statement");
    e.revision.revision = str(j, "revision");
  } else if (type == "failure") {
    e.type = DriverEvent::Type::Failure;
    e.failure = failure_of(j);
  } else if (type == "exit") {
    e.type = DriverEvent::Type::Exit;
    if (auto it = j.find("code"); it != j.end() && it->is_number()) e.exit_code = it->get<int>();
    e.exit_signal = static_cast<int>(num(j, "signal"));
  }
  return e;
}

}  // namespace orch
