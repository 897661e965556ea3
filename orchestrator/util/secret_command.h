#pragma once
// A secret from a command (database = "command:gcloud secrets versions access latest --secret=URL"), as
// teams keep their URLs in a secret manager. The command runs without a shell (split like argv, with
// '…' and "…" quoting; write `sh -c '…'` to get one), with a 30 s timeout, once per orchestrate
// invocation; its trimmed stdout is the secret.
#include <chrono>
#include <string>
#include <vector>

#include "util/result.h"

namespace orch {

// Splits like a shell would split words: blanks separate, quotes group, backslash escapes (outside '…').
// An unterminated quote is an error.
Result<std::vector<std::string>> split_command_line(const std::string& text);

// Runs argv in `cwd` ("" for here) and returns its trimmed stdout; fails with the exit code and
// stderr's last line. For tools whose answer orchestrate needs (poetry env info --executable).
Result<std::string> run_command_output(const std::vector<std::string>& argv, const std::string& cwd,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Runs it (cached by its text for this process). Fails with the exit code and stderr's last line;
// stdout, the secret, never appears in an error.
Result<std::string> run_secret_command(const std::string& command_line,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace orch
