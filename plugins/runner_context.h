#pragma once
// What every runner gets: the scheduler's io_context (callbacks go there) and a thread pool for the
// blocking libpq calls, so a slow database never stalls the scheduler or the output streams.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

namespace orch {

struct RunnerContext {
  boost::asio::io_context& io;
  boost::asio::thread_pool& pool;
  int max_parallel = 4;  // services at once: bounds warm interpreters too
  bool record_locks = false;  // rehearse: each migration reports the table locks it held before committing
  // rehearse in a shadow on the target's own server: a migration that writes roles, databases or
  // tablespaces (shared by every database there) fails before it commits (RunResult::server_objects).
  bool guard_server_objects = false;
};

}  // namespace orch
