#pragma once
// Reading a secret from a file (database = "file:/run/secrets/url"): bounded in size and time, so a
// mistaken /dev/zero or a FIFO nobody writes cannot hang or eat memory, and the error never quotes the
// file's contents.
#include <chrono>
#include <string>

#include "util/result.h"

namespace orch {

constexpr size_t kMaxSecretFileBytes = 64 * 1024;

Result<std::string> read_secret_file(const std::string& path,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace orch
