#include "cli/session_open.h"

#include <iostream>

#include "util/exit_codes.h"
#include "engine/cancel_hub.h"

namespace orch {

void print_error(const Error& e) {
  std::cerr << "error: " << e.text() << "\n";
  if (!e.hint.empty()) std::cerr << "  hint: " << e.hint << "\n";
}

Result<Millis> flag_duration(const std::string& flag, const std::string& value) {
  auto d = read_duration(value);
  if (!d) {
    Error e{flag + ": " + d.error().message, "", "at most 7 days", exit_code::kUsage};
    print_error(e);
    return e;
  }
  return d;
}

Result<std::unique_ptr<RunSession>> open_session(const LoadedManifest& l, const std::string& run_id,
                                                 const std::string& command, const std::string& lock_wait,
                                                 StatusPrinter& printer) {
  auto wait = flag_duration("--lock-wait", lock_wait);
  if (!wait) return wait.error();
  const Manifest& m = l.manifest;
  SessionSpec spec{l.database_url, m.project_name, l.target_name, run_id, command, m.checksum, *wait};
  CancelHub hub;  // Ctrl-C while waiting for the lock: stop at once, record nothing
  SignalWatcher watcher(hub, nullptr);
  auto session = RunSession::open(spec, [&](const std::string& note) { printer.note(note); }, hub.waiter());
  if (!session) print_error(session.error());
  return session;
}

}  // namespace orch
