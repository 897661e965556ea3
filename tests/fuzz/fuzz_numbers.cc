// libFuzzer target: the checked whole-number parser and durations never throw, never overflow, and
// whatever they accept lies within the bounds they promise. scripts/fuzz.sh builds and runs it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "util/duration.h"
#include "util/numbers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto n = orch::parse_whole_number(text, 0, std::numeric_limits<long long>::max(), "n"); n && *n < 0) std::abort();
  if (auto n = orch::parse_whole_number(text, 5, 10, "n"); n && (*n < 5 || *n > 10)) std::abort();
  if (auto d = orch::read_duration(text); d && (d->count() < 0 || *d > orch::kMaxDuration)) std::abort();
  return 0;
}
