// libFuzzer target: a targets file (name=URL or a bare URL per line, # comments) parses or is refused
// with its line; what it accepts has a name and a URL. The glob matcher terminates on any pattern.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "targets/targets_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = orch::parse_targets_file(text, "targets.txt");
  if (parsed) {
    for (const auto& [name, url] : *parsed)
      if (name.empty() || url.find("://") == std::string::npos) std::abort();
  } else if (parsed.error().where.rfind("targets.txt:", 0) != 0) {
    std::abort();
  }
  const size_t half = text.size() / 2;
  if (orch::glob_match(text.substr(0, half), text.substr(half)) && half == 0 && !text.empty() &&
      text.find_first_not_of('*') != std::string::npos)
    std::abort();  // an empty pattern matches only the empty name
  return 0;
}
