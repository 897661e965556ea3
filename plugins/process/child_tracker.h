#pragma once
// Children of one runner that are still running, so interrupt() can reach all of them.
#include <memory>
#include <vector>

#include "process/child_process.h"

namespace orch {

class ChildTracker {
 public:
  std::shared_ptr<AsyncChild> launch(boost::asio::io_context& io, ChildSpec spec, AsyncChild::LineFn on_line,
                                     AsyncChild::ExitFn on_exit) {
    auto c = AsyncChild::launch(io, std::move(spec), std::move(on_line), std::move(on_exit));
    children_.push_back(c);
    return c;
  }
  void terminate_all() {
    for (auto& w : children_)
      if (auto c = w.lock()) c->terminate();
  }

 private:
  std::vector<std::weak_ptr<AsyncChild>> children_;
};

// The last lines of a tool's output, kept for the report when it fails.
class OutputTail {
 public:
  explicit OutputTail(size_t keep = 60) : keep_(keep) {}
  void add(const std::string& line) {
    lines_.push_back(line);
    if (lines_.size() > keep_) lines_.erase(lines_.begin());
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  size_t keep_;
  std::vector<std::string> lines_;
};

}  // namespace orch
