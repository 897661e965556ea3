#include "engine/cancel_hub.h"

#include <signal.h>

#include <boost/asio/post.hpp>

#include "util/interrupt.h"

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
  wake_.notify_all();
  for (auto& [h, f] : copy) f();
}

bool CancelHub::sleep_for(Millis d) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, d, [this] { return cancelled_.load(); });
  return !cancelled_;
}

Waiter CancelHub::waiter() {
  static const SteadyClock clock;
  return Waiter{clock, [this](Millis d) { return sleep_for(d); }};
}

SignalWatcher::SignalWatcher(CancelHub& hub, std::function<void(int)> on_signal)
    : hub_(hub), on_signal_(std::move(on_signal)), signals_(io_, SIGINT, SIGTERM) {
  wait_next();
  thread_ = std::thread([this] { io_.run(); });
}

// Re-arms itself through `this`, which outlives the io_context's run (the destructor joins first).
void SignalWatcher::wait_next() {
  signals_.async_wait([this](const boost::system::error_code& e, int) {
    if (e) return;
    ++count_;
    interrupt::request();  // for loops that know no hub (parsing a large SQL file)
    if (on_signal_) on_signal_(count_);
    hub_.cancel_all();
    wait_next();
  });
}

SignalWatcher::~SignalWatcher() {
  boost::asio::post(io_, [this] { signals_.cancel(); });
  thread_.join();
}

}  // namespace orch
