#pragma once
// Splits a byte stream into lines (a trailing '\r' dropped); a last line without '\n' is flushed at
// end-of-file. Shared by every reader of a child's pipes.
#include <cstddef>
#include <string>

namespace orch {

struct LineSplitter {
  std::string pending;
  template <class F>
  void feed(const char* data, size_t n, F&& emit) {
    for (size_t i = 0; i < n; ++i) {
      char c = data[i];
      if (c == '\n') {
        if (!pending.empty() && pending.back() == '\r') pending.pop_back();
        emit(pending);
        pending.clear();
      } else {
        pending += c;
      }
    }
  }
  template <class F>
  void flush(F&& emit) {
    if (!pending.empty()) emit(pending);
    pending.clear();
  }
};

}  // namespace orch
