#pragma once
#include <string>
#include <string_view>

namespace orch {
// Lower-case hex SHA-256, the checksum the sql runner's ledger keeps for every applied file.
std::string sha256_hex(std::string_view data);
}  // namespace orch
