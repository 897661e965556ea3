#pragma once
// A secret from a command (database = "command:gcloud secrets versions access latest --secret=URL"), as
// teams keep their URLs in a secret manager. The command runs without a shell (split like argv, with
// '…' and "…" quoting; write `sh -c '…'` to get one), once per orchestrate invocation, in a process
// group of its own. The timeout (30 s) covers the whole read: a background child that keeps stdout
// open cannot stretch it, and at the deadline the whole group is killed. Its trimmed stdout is the
// secret: at most 64 KiB and one line.
#include <chrono>
#include <string>
#include <vector>

#include "util/result.h"

namespace orch {

constexpr size_t kMaxCommandOutputBytes = 64 * 1024;

// Splits like a shell would split words: blanks separate, quotes group, backslash escapes (outside '…').
// An unterminated quote is an error.
Result<std::vector<std::string>> split_command_line(const std::string& text);

// Runs argv in `cwd` ("" for here) and returns its trimmed stdout (at most 64 KiB); fails with the exit
// code or the signal, and stderr's last line. For tools whose answer orchestrate needs (poetry env info
// --executable).
Result<std::string> run_command_output(const std::vector<std::string>& argv, const std::string& cwd,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Runs it (cached by its text for this process). Fails with the exit code or signal and stderr's last
// line, when it prints nothing, more than 64 KiB or more than one line; stdout, the secret, never
// appears in an error.
Result<std::string> run_secret_command(const std::string& command_line,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace orch
