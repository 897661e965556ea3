#include "util/interrupt.h"

#include <atomic>

namespace orch::interrupt {
namespace {
std::atomic<bool> flag{false};
}

void request() { flag = true; }
bool requested() { return flag.load(std::memory_order_relaxed); }
void reset_for_tests() { flag = false; }

}  // namespace orch::interrupt
