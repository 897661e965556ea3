#pragma once
// The one reading of an enum's words: every value of `all` whose to_string(value) is `word`. Each enum
// keeps one table (its to_string switch and its kAll array); parsing never has a second.
#include <cstddef>
#include <optional>
#include <string_view>

namespace orch {

template <class Enum, std::size_t N>
std::optional<Enum> enum_from_word(std::string_view word, const Enum (&all)[N]) {
  for (Enum e : all)
    if (word == to_string(e)) return e;
  return std::nullopt;
}

}  // namespace orch
