#pragma once
// Ctrl-C for a run that may span several targets, each on its own thread and io_context: one watcher
// thread turns SIGINT/SIGTERM into a call to every registered canceller, and wakes every wait
// (run lock, retry backoff) at once.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "db/run_lock.h"
#include "util/duration.h"

namespace orch {

class CancelHub {
 public:
  // Registers a canceller; runs it at once when the hub was already cancelled. Returns a handle.
  int add(std::function<void()> cancel);
  void remove(int handle);
  void cancel_all();
  bool cancelled() const { return cancelled_; }
  // Sleeps for `d`, or less when cancelled meanwhile. False when cancelled.
  bool sleep_for(Millis d);
  // A Waiter for RunLock and retries: the steady clock, and sleeps that end on Ctrl-C.
  Waiter waiter();

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<int, std::function<void()>> cancellers_;
  int next_ = 0;
  std::atomic<bool> cancelled_{false};
};

// Watches SIGINT and SIGTERM on a thread of its own for as long as it lives.
class SignalWatcher {
 public:
  SignalWatcher(CancelHub& hub, std::function<void(int count)> on_signal);
  ~SignalWatcher();

 private:
  void wait_next();
  CancelHub& hub_;
  std::function<void(int)> on_signal_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  std::thread thread_;
  int count_ = 0;
};

}  // namespace orch
