// Behind Debian's real PgBouncer: in transaction mode session state does not survive a transaction,
// so `up` refuses before taking the lock (and leaves no advisory lock behind) and `check` says so; in
// session mode `up` works, and two concurrent runs never both apply.
#include <unistd.h>

#include <random>
#include <regex>
#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;
namespace bp = boost::process;

namespace {

int free_port() {
  for (int i = 0; i < 200; ++i) {
    int port = 41000 + static_cast<int>(std::random_device{}() % 20000);
    try {
      pqxx::connection probe("postgresql://127.0.0.1:" + std::to_string(port) + "/x?connect_timeout=1");
    } catch (const pqxx::broken_connection& e) {
      if (std::string(e.what()).find("refused") != std::string::npos) return port;
    }
  }
  return 0;
}

// PgBouncer in front of the test server, in the foreground of a child process (as postgres when we
// are root: it refuses to run as root), stopped with the test.
class PgBouncer {
 public:
  PgBouncer(const std::string& mode, const TempDir& dir) {
    std::smatch m;
    const std::string admin = admin_url();
    std::regex_search(admin, m, std::regex(R"(@([^:/]+):(\d+)/)"));
    port_ = free_port();
    fs::permissions(dir.path(), fs::perms::all);
    const fs::path ini = dir.write(mode + ".ini",
        "[databases]\n* = host=" + m[1].str() + " port=" + m[2].str() + " user=postgres\n"
        "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " + std::to_string(port_) + "\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = " + mode + "\ndefault_pool_size = 4\nmax_client_conn = 200\n"
        "ignore_startup_parameters = extra_float_digits,options\nlogfile = " + (dir.path() / (mode + ".log")).string() + "\n");
    fs::permissions(ini, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    std::vector<std::string> argv = {"/usr/sbin/pgbouncer", ini.string()};
    if (geteuid() == 0) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    child_ = bp::child(argv, bp::std_out > bp::null, bp::std_err > bp::null);
    for (int i = 0; i < 100; ++i) {  // until it accepts connections
      try {
        pqxx::connection c(url("postgres"));
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(50ms);
      }
    }
    ADD_FAILURE() << "pgbouncer did not start; log: " << read_all(dir.path() / (mode + ".log"));
  }
  ~PgBouncer() {
    if (child_.running()) ::kill(child_.id(), SIGTERM);  // runuser passes it on
    child_.wait();
  }
  std::string url(const std::string& db) const { return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db; }

 private:
  int port_ = 0;
  bp::child child_;
};

std::string project(const std::string& name) {
  return "[project]\nname = \"" + name + "\"\ndatabase = \"env:DATABASE_URL\"\n\n[services.s]\nschema = \"s\"\n"
         "runner = \"sql\"\npath = \"s\"\n";
}

}  // namespace

TEST(Pooler, TransactionModeIsRefusedBeforeTheLockIsTaken) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("pooler-tx");
  PgBouncer bouncer("transaction", dir);
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", project("pooled"));
  auto up = run_orchestrate({"up"}, {{"DATABASE_URL", bouncer.url(db.name())}}, dir.path());
  EXPECT_EQ(up.code, 2) << up.output;
  EXPECT_NE(up.output.find("transaction-mode pooler"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("Supabase: the direct connection on port 5432, not the transaction pooler on 6543"),
            std::string::npos) << up.output;
  EXPECT_FALSE(db.table_exists("s.t"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('s', 'orchestrate')"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                      "WHERE l.locktype = 'advisory' AND d.datname = current_database()"),
            "0");  // pg_locks is the cluster's: other tests' runs hold theirs
  auto check = run_orchestrate({"check"}, {{"DATABASE_URL", bouncer.url(db.name())}}, dir.path());
  EXPECT_EQ(check.code, 3) << check.output;
  EXPECT_NE(check.output.find("transaction-mode pooler"), std::string::npos) << check.output;
}

TEST(Pooler, SessionModeWorksAndTwoConcurrentRunsNeverBothApply) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("pooler-session");
  PgBouncer bouncer("session", dir);
  // Not idempotent: a second application would fail on the existing table.
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\nSELECT pg_sleep(0.5);\n");
  dir.write("s/0002_u.sql", "CREATE TABLE u (id int);\n");
  dir.write("services.toml", project("session"));
  const std::map<std::string, std::string> env = {{"DATABASE_URL", bouncer.url(db.name())}};
  Orchestrate a({"up"}, env, dir.path()), b({"up"}, env, dir.path());
  auto ra = a.wait(), rb = b.wait();
  EXPECT_TRUE(ra.code == 0 || ra.code == 4) << ra.output;
  EXPECT_TRUE(rb.code == 0 || rb.code == 4) << rb.output;
  EXPECT_TRUE(ra.code == 0 || rb.code == 0) << ra.output << rb.output;
  EXPECT_EQ(ra.output.find("already exists"), std::string::npos) << ra.output;
  EXPECT_EQ(rb.output.find("already exists"), std::string::npos) << rb.output;
  EXPECT_EQ(count_of(ra.output + rb.output, "applied 0001_t.sql"), 1) << ra.output << rb.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM s.orchestrate_migrations"), "2");
}
