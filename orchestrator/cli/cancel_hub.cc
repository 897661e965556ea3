#include "cli/cancel_hub.h"

#include <signal.h>

#include <boost/asio/post.hpp>

namespace orch {

int CancelHub::add(std::function<void()> cancel) {
  std::unique_lock<std::mutex> lock(mu_);
  int h = next_++;
  if (cancelled_) {
    lock.unlock();
    cancel();
    return h;
  }
  cancellers_[h] = std::move(cancel);
  return h;
}

void CancelHub::remove(int handle) {
  std::lock_guard<std::mutex> lock(mu_);
  cancellers_.erase(handle);
}

void CancelHub::cancel_all() {
  std::map<int, std::function<void()>> copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    copy = cancellers_;
  }
  for (auto& [h, f] : copy) f();
}

SignalWatcher::SignalWatcher(CancelHub& hub, std::function<void(int)> on_signal) : signals_(io_, SIGINT, SIGTERM) {
  std::function<void(const boost::system::error_code&, int)> handler;
  auto h = std::make_shared<std::function<void(const boost::system::error_code&, int)>>();
  *h = [this, &hub, on_signal, h](const boost::system::error_code& e, int) {
    if (e) return;
    ++count_;
    if (on_signal) on_signal(count_);
    hub.cancel_all();
    signals_.async_wait(*h);
  };
  signals_.async_wait(*h);
  thread_ = std::thread([this] { io_.run(); });
}

SignalWatcher::~SignalWatcher() {
  boost::asio::post(io_, [this] { signals_.cancel(); });
  thread_.join();
}

}  // namespace orch
