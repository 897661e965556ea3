#pragma once
// How down, baseline and rls open their run's session: parse --lock-wait, wait for the lock (Ctrl-C
// ends the wait with 130), and print why not. `up` and `rollout` go through UpEngine instead.
#include <memory>
#include <string>

#include "cli/manifest_loading.h"
#include "engine/run_session.h"
#include "scheduler/status_printer.h"
#include "util/result.h"

namespace orch {

// On failure the message is already printed; the Error's exit_code is the command's.
Result<std::unique_ptr<RunSession>> open_session(const LoadedManifest& l, const std::string& run_id,
                                                 const std::string& command, const std::string& lock_wait,
                                                 StatusPrinter& printer);

// "error: …" and "  hint: …" on stderr.
void print_error(const Error& e);

// A duration flag's value (--lock-wait, --interval); on failure the message names the flag and is
// printed, and the Error's exit code is 2.
Result<Millis> flag_duration(const std::string& flag, const std::string& value);

}  // namespace orch
