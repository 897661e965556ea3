#include "fleet.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

namespace itest {

std::string fleet_manifest(const std::string& waves, const std::string& extra_service) {
  return "[project]\nname = \"fleet\"\n\n[services.app]\nschema = \"app\"\nrunner = \"sql\"\npath = \"app\"\n" +
         extra_service + "\n[targets_from]\nfile = \"targets.txt\"\n\n[rollout]\nstate = \"env:CONTROL_URL\"\n\n" + waves;
}

Fleet::Fleet(int n, const std::string& migration, const std::string& waves) : control_url(control.url()) {
  std::string list;
  for (int i = 0; i < n; ++i) {
    targets.push_back(std::make_unique<TestDatabase>());
    list += "t" + std::to_string(i) + "=" + targets.back()->url() + "\n";
  }
  dir.write("targets.txt", list);
  dir.write("app/0001_a.sql", migration);
  manifest(waves);
}

void Fleet::manifest(const std::string& waves, const std::string& extra_service) const {
  dir.write("services.toml", fleet_manifest(waves, extra_service));
}

std::map<std::string, std::string> Fleet::env(int worker, std::map<std::string, std::string> extra) const {
  extra["CONTROL_URL"] = control_url;
  extra["JOB_COMPLETION_INDEX"] = std::to_string(worker);
  return extra;
}

int Fleet::runs_on(int i) const { return std::stoi(targets[i]->scalar("SELECT count(*) FROM orchestrate.runs")); }

int Fleet::applied_on(int i) const {
  return std::stoi(targets[i]->scalar("SELECT count(*) FROM app.orchestrate_migrations"));
}

namespace {

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// The value of NAME=... in the state file dev-postgres.sh writes (printf %q: plain paths stay plain).
std::string state_value(const fs::path& state, const std::string& name) {
  std::ifstream in(state);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  return "";
}

}  // namespace

ThrowawayServer::ThrowawayServer() {
  std::random_device rd;
  state_ = fs::temp_directory_path() / ("orch-it-pg-" + std::to_string(rd()) + ".env");
  url_ = run_capture("ORCHESTRATE_PG_STATE=" + state_.string() + " " + (source_dir() / "scripts/dev-postgres.sh").string() +
                     " start");
  dir_ = state_value(state_, "PG_DIR");
  port_ = state_value(state_, "PG_PORT");
  if (url_.empty() || dir_.empty()) ADD_FAILURE() << "could not start a second PostgreSQL (scripts/dev-postgres.sh start)";
}

ThrowawayServer::~ThrowawayServer() {
  std::system(("ORCHESTRATE_PG_STATE=" + state_.string() + " " + (source_dir() / "scripts/dev-postgres.sh").string() +
               " stop >/dev/null 2>&1")
                  .c_str());
}

std::string ThrowawayServer::scalar(const std::string& sql) const {
  pqxx::connection c(url_);
  pqxx::nontransaction tx(c);
  auto r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].c_str();
}

// PostgreSQL refuses to run as root; the tests may be root (CI), as dev-postgres.sh knows.
void ThrowawayServer::pg_ctl(const std::string& args) {
  std::string cmd = "/usr/lib/postgresql/15/bin/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 " + args;
  if (geteuid() == 0) cmd = "runuser -u postgres -- " + cmd;
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) ADD_FAILURE() << "failed: " << cmd;
}

void ThrowawayServer::restart() { pg_ctl("-m fast restart"); }
void ThrowawayServer::stop() { pg_ctl("-m fast stop"); }
// As dev-postgres.sh starts it (pg_ctl start, unlike restart, does not reuse postmaster.opts).
void ThrowawayServer::start() {
  pg_ctl("-o \"-p " + port_ + " -k " + dir_ + " -c listen_addresses=127.0.0.1 -c fsync=off\" start");
}

}  // namespace itest
