// orchestrate-delay-proxy: a TCP relay that delays every chunk it forwards by a fixed one-way delay, in
// both directions, so a local PostgreSQL behaves like one 10-20 ms away (Linux's netem needs privileges
// this machine's tests do not have). A test and benchmark tool: built with the tests, never installed.
//
//   orchestrate-delay-proxy --listen 0 --upstream 127.0.0.1:5432 --delay-ms 10
//
// prints "listening on 127.0.0.1:PORT" on stdout once it accepts (port 0: the kernel picks one), then
// relays until SIGTERM/SIGINT. Each connection is two directions, each a FIFO of chunks stamped with
// when they may leave (arrival + delay) and one timer, so order is kept and nothing sleeps; the
// connect itself costs one round trip, as a TCP handshake to a distant server would. A peer's
// close reaches the other side after the delay (a half-close), a reset ends both sides at once.
#include <signal.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kMaxQueued = 4 * 1024 * 1024;  // a direction stops reading above this, until it drains

struct Options {
  unsigned short listen_port = 0;
  std::string upstream_host = "127.0.0.1";
  std::string upstream_port;
  std::chrono::microseconds delay{0};
};

class Connection;

// One direction of a connection: reads from `from`, queues, writes to `to` once each chunk is due.
struct Direction {
  tcp::socket* from;
  tcp::socket* to;
  asio::steady_timer timer;
  struct Chunk {
    Clock::time_point due;
    std::vector<char> bytes;  // empty: the sender closed (EOF), to be passed on as a half-close
  };
  std::deque<Chunk> queue;
  size_t queued = 0;
  bool writing = false, reading = false, eof = false, done = false;
  std::vector<char> buf = std::vector<char>(kChunk);
  Direction(asio::io_context& io, tcp::socket* f, tcp::socket* t) : from(f), to(t), timer(io) {}
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, tcp::socket client, const tcp::endpoint& upstream, std::chrono::microseconds delay)
      : client_(std::move(client)),
        server_(io),
        upstream_(upstream),
        delay_(delay),
        handshake_(io),
        up_(io, &client_, &server_),
        down_(io, &server_, &client_) {}

  void start() {
    auto self = shared_from_this();
    // The handshake's round trip, then the upstream connect; data the client sends meanwhile waits in
    // its socket and is read (and stamped) once the "connection" is up.
    handshake_.expires_after(2 * delay_);
    handshake_.async_wait([this, self](const boost::system::error_code& ec) {
      if (ec) return close();
      server_.async_connect(upstream_, [this, self](const boost::system::error_code& ec) {
        if (ec) return close();
        client_.set_option(tcp::no_delay(true));
        server_.set_option(tcp::no_delay(true));
        read(up_);
        read(down_);
      });
    });
  }

 private:
  void read(Direction& d) {
    if (d.reading || d.eof || closed_ || d.queued >= kMaxQueued) return;
    d.reading = true;
    auto self = shared_from_this();
    d.from->async_read_some(asio::buffer(d.buf), [this, self, &d](const boost::system::error_code& ec, size_t n) {
      d.reading = false;
      if (closed_) return;
      const auto due = Clock::now() + delay_;
      if (ec == asio::error::eof) {
        d.eof = true;
        d.queue.push_back({due, {}});
      } else if (ec) {
        return close();  // a reset or an error: both sides end now
      } else {
        d.queue.push_back({due, std::vector<char>(d.buf.begin(), d.buf.begin() + static_cast<long>(n))});
        d.queued += n;
        read(d);
      }
      write(d);
    });
  }

  void write(Direction& d) {
    if (d.writing || d.queue.empty() || closed_) return;
    d.writing = true;
    auto self = shared_from_this();
    d.timer.expires_at(d.queue.front().due);
    d.timer.async_wait([this, self, &d](const boost::system::error_code& ec) {
      if (ec || closed_) return close();
      if (d.queue.front().bytes.empty()) {  // the sender's close, passed on as ours
        boost::system::error_code ignored;
        d.to->shutdown(tcp::socket::shutdown_send, ignored);
        d.queue.pop_front();
        d.writing = false;
        d.done = true;
        if (up_.done && down_.done) close();
        return;
      }
      asio::async_write(*d.to, asio::buffer(d.queue.front().bytes),
                        [this, self, &d](const boost::system::error_code& ec, size_t n) {
                          if (ec) return close();
                          d.queued -= n;
                          d.queue.pop_front();
                          d.writing = false;
                          read(d);
                          write(d);
                        });
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    handshake_.cancel();
    up_.timer.cancel();
    down_.timer.cancel();
    client_.close(ignored);
    server_.close(ignored);
  }

  tcp::socket client_, server_;
  tcp::endpoint upstream_;
  std::chrono::microseconds delay_;
  asio::steady_timer handshake_;
  Direction up_, down_;
  bool closed_ = false;
};

void accept(asio::io_context& io, tcp::acceptor& acceptor, const tcp::endpoint& upstream,
            std::chrono::microseconds delay) {
  acceptor.async_accept([&io, &acceptor, upstream, delay](const boost::system::error_code& ec, tcp::socket s) {
    if (!ec) std::make_shared<Connection>(io, std::move(s), upstream, delay)->start();
    // Out of file descriptors (EMFILE) and the like: keep accepting; the client sees its connect fail.
    if (ec != asio::error::operation_aborted) accept(io, acceptor, upstream, delay);
  });
}

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "orchestrate-delay-proxy: " << why
            << "\nusage: orchestrate-delay-proxy --listen PORT --upstream HOST:PORT --delay-ms MS\n"
               "  adds MS (fractions allowed) to every chunk in both directions; --listen 0 picks a free port\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  bool have_upstream = false, have_delay = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(a + " needs a value");
    const std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--listen") {
      long p = std::strtol(v.c_str(), &end, 10);
      if (*end || p < 0 || p > 65535) usage("--listen " + v + ": not a port");
      o.listen_port = static_cast<unsigned short>(p);
    } else if (a == "--upstream") {
      auto colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) usage("--upstream " + v + ": want HOST:PORT");
      o.upstream_host = v.substr(0, colon);
      o.upstream_port = v.substr(colon + 1);
      have_upstream = true;
    } else if (a == "--delay-ms") {
      double ms = std::strtod(v.c_str(), &end);
      if (*end || ms < 0 || ms > 60000) usage("--delay-ms " + v + ": want 0 to 60000");
      o.delay = std::chrono::microseconds(static_cast<long long>(ms * 1000));
      have_delay = true;
    } else {
      usage("unknown option " + a);
    }
  }
  if (!have_upstream || !have_delay) usage("--upstream and --delay-ms are required");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  asio::io_context io;
  tcp::endpoint upstream;
  try {
    upstream = *tcp::resolver(io).resolve(o.upstream_host, o.upstream_port).begin();
  } catch (const std::exception& e) {
    std::cerr << "orchestrate-delay-proxy: cannot resolve " << o.upstream_host << ":" << o.upstream_port << ": "
              << e.what() << "\n";
    return 1;
  }
  tcp::acceptor acceptor(io);
  try {
    const tcp::endpoint here(asio::ip::make_address("127.0.0.1"), o.listen_port);
    acceptor.open(here.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(here);
    acceptor.listen(4096);
  } catch (const std::exception& e) {
    std::cerr << "orchestrate-delay-proxy: cannot listen on 127.0.0.1:" << o.listen_port << ": " << e.what() << "\n";
    return 1;
  }
  asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  accept(io, acceptor, upstream, o.delay);
  std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  io.run();
  return 0;
}
