#include "harness.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace bp = boost::process;

namespace itest {

std::string admin_url() {
  const char* u = std::getenv("ORCHESTRATE_TEST_ADMIN_URL");
  return u ? u : "";
}

fs::path source_dir() { return ORCHESTRATE_SOURCE_DIR; }

static std::string random_suffix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", rd());
  return buf;
}

static std::string replace_dbname(const std::string& url, const std::string& db) {
  auto q = url.find('?');
  std::string base = url.substr(0, q);
  auto slash = base.rfind('/');
  return base.substr(0, slash + 1) + db + (q == std::string::npos ? "" : url.substr(q));
}

TestDatabase::TestDatabase() {
  name_ = "orch_test_" + random_suffix();
  pqxx::connection c(admin_url());
  pqxx::nontransaction tx(c);
  tx.exec("CREATE DATABASE " + c.quote_name(name_));
  url_ = replace_dbname(admin_url(), name_);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection c(admin_url());
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + c.quote_name(name_) + " WITH (FORCE)");
  } catch (...) {
  }
}

void TestDatabase::exec(const std::string& sql) const {
  auto c = connect();
  pqxx::nontransaction tx(*c);
  tx.exec(sql);
}

std::string TestDatabase::url_with_password(const std::string& user, const std::string& password) const {
  std::string u = url_;
  auto at = u.find('@');
  auto scheme = u.find("://") + 3;
  return u.substr(0, scheme) + user + ":" + password + u.substr(at);
}

std::unique_ptr<pqxx::connection> TestDatabase::connect() const { return std::make_unique<pqxx::connection>(url_); }

std::string TestDatabase::scalar(const std::string& sql) const {
  auto c = connect();
  pqxx::nontransaction tx(*c);
  auto r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].c_str();
}

bool TestDatabase::table_exists(const std::string& q) const {
  return scalar("SELECT to_regclass('" + q + "') IS NOT NULL") == "t";
}

TempDir::TempDir(const std::string& tag) {
  path_ = fs::temp_directory_path() / ("orch-it-" + tag + "-" + random_suffix());
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& rel, const std::string& text) const {
  fs::path p = path_ / rel;
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  return p;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int count_of(const std::string& h, const std::string& n) {
  int c = 0;
  for (size_t p = h.find(n); p != std::string::npos; p = h.find(n, p + n.size())) ++c;
  return c;
}

// From a map filled from environ, not `env[key]` on this_process::environment(): Boost 1.74's
// basic_environment::find over-reads the heap (boostorg/process#180), which scripts/sanitize.sh reports.
static bp::environment make_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> vars;
  for (char** e = ::environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq && eq != *e) vars.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
  }
  vars["NO_COLOR"] = "1";
  for (const auto& [k, v] : extra) {
    if (v == "<unset>") vars.erase(k);
    else vars[k] = v;
  }
  bp::environment env;
  for (const auto& [k, v] : vars) env.set(k, v);
  return env;
}

Orchestrate::Orchestrate(std::vector<std::string> args, std::map<std::string, std::string> env, const fs::path& cwd)
    : out_(fs::temp_directory_path() / ("orch-it-out-" + random_suffix() + ".log")),
      child_(bp::exe = ORCHESTRATE_BIN, bp::args = args, make_env(env), bp::start_dir = cwd.string(),
             bp::std_in < bp::null, (bp::std_out & bp::std_err) > out_.string()) {}

Orchestrate::~Orchestrate() {
  if (child_.running()) {
    child_.terminate();
  }
  std::error_code ec;
  fs::remove(out_, ec);
}

std::string Orchestrate::output() const { return read_all(out_); }

bool Orchestrate::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (output().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void Orchestrate::signal(int sig) {
  if (child_.id() > 0) ::kill(child_.id(), sig);  // never kill(0)/kill(-1)
}

RunResult Orchestrate::wait() {
  child_.wait();
  return {child_.exit_code(), output()};
}

RunResult run_orchestrate(std::vector<std::string> args, std::map<std::string, std::string> env, const fs::path& cwd) {
  Orchestrate o(std::move(args), std::move(env), cwd);
  return o.wait();
}

RunResult run_shell(const std::string& script, std::map<std::string, std::string> env, const fs::path& cwd) {
  const fs::path out = fs::temp_directory_path() / ("orch-it-sh-" + random_suffix() + ".log");
  env["ORCHESTRATE"] = ORCHESTRATE_BIN;
  bp::child c(bp::exe = "/bin/bash", bp::args = std::vector<std::string>{"-c", script}, make_env(env),
              bp::start_dir = cwd.string(), bp::std_in < bp::null, (bp::std_out & bp::std_err) > out.string());
  c.wait();
  RunResult r{c.exit_code(), read_all(out)};
  std::error_code ec;
  fs::remove(out, ec);
  return r;
}

SignalledRun signal_when(Orchestrate& run, const std::string& needle, std::chrono::milliseconds delay, int sig) {
  SignalledRun out;
  EXPECT_TRUE(run.wait_for_output(needle, std::chrono::seconds(15))) << "never printed \"" << needle << "\":\n"
                                                                     << run.output();
  std::this_thread::sleep_for(delay);
  auto t0 = std::chrono::steady_clock::now();
  run.signal(sig);
  out.result = run.wait();
  out.after_signal = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  return out;
}

// The direct children of `pid`, from /proc.
std::vector<int> children_of(int pid) {
  std::vector<int> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_all(e.path() / "stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid) out.push_back(std::stoi(name));
  }
  return out;
}

bool alive(int pid) {
  std::string stat = read_all("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
}


std::vector<int> descendants_of(int pid) {
  std::vector<int> out = children_of(pid);
  for (size_t i = 0; i < out.size(); ++i)
    for (int c : children_of(out[i])) out.push_back(c);
  return out;
}

}  // namespace itest
