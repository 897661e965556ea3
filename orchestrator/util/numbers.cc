#include "util/numbers.h"
#include "util/exit_codes.h"

#include <charconv>

namespace orch {

Result<long long> parse_whole_number(std::string_view text, long long min, long long max, const std::string& what) {
  auto show = [&] { return "\"" + std::string(text.substr(0, 40)) + (text.size() > 40 ? "…" : "") + "\""; };
  if (text.empty()) return Error{what + " is empty, where a whole number belongs", "", "", exit_code::kUsage};
  for (char c : text)
    if (c < '0' || c > '9') return Error{what + " " + show() + " is not a whole number", "", "", exit_code::kUsage};
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range || v > max || v < min)
    return Error{what + " " + show() + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")",
                 "", "", exit_code::kUsage};
  if (ec != std::errc() || end != text.data() + text.size())
    return Error{what + " " + show() + " is not a whole number", "", "", exit_code::kUsage};
  return v;
}

}  // namespace orch
