#include "cli/session_open.h"

#include <iostream>

#include "cli/exit_codes.h"
#include "engine/cancel_hub.h"

namespace orch {

void print_error(const Error& e) {
  std::cerr << "error: " << e.text() << "\n";
  if (!e.hint.empty()) std::cerr << "  hint: " << e.hint << "\n";
}

Result<std::unique_ptr<RunSession>> open_session(const LoadedManifest& l, const std::string& run_id,
                                                 const std::string& command, const std::string& lock_wait,
                                                 StatusPrinter& printer) {
  auto wait = parse_duration(lock_wait);
  if (!wait) {
    Error e{"--lock-wait \"" + lock_wait + "\" is not a duration (use e.g. 30s, 5m)", "", "", exit_code::kUsage};
    print_error(e);
    return e;
  }
  const Manifest& m = l.manifest;
  SessionSpec spec{l.database_url, m.project_name, l.target_name, run_id, command, m.checksum, *wait};
  CancelHub hub;  // Ctrl-C while waiting for the lock: stop at once, record nothing
  SignalWatcher watcher(hub, nullptr);
  auto session = RunSession::open(spec, [&](const std::string& note) { printer.note(note); }, hub.waiter());
  if (!session) print_error(session.error());
  return session;
}

}  // namespace orch
