#include "engine/plan_files.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <regex>

#include "engine/plan_engine.h"
#include "migration_kind.h"
#include "util/exit_codes.h"
#include "util/secrets.h"
#include "util/sha256.h"
#include "util/text.h"

namespace orch {

namespace fs = std::filesystem;

namespace {

// A label as a file name part: letters, digits, '_', '-' and '.' stay; anything else becomes '_'.
std::string name_part(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  return out;
}

const std::regex kNumbered(R"(^([0-9]+)_(.+)\.sql$)");

// Supabase's version: a UTC timestamp, moved on by whole seconds.
std::string timestamp_plus(const std::string& ts, long seconds) {
  std::tm t{};
  t.tm_year = std::stoi(ts.substr(0, 4)) - 1900;
  t.tm_mon = std::stoi(ts.substr(4, 2)) - 1;
  t.tm_mday = std::stoi(ts.substr(6, 2));
  t.tm_hour = std::stoi(ts.substr(8, 2));
  t.tm_min = std::stoi(ts.substr(10, 2));
  t.tm_sec = std::stoi(ts.substr(12, 2));
  std::time_t when = timegm(&t) + seconds;
  std::tm out{};
  gmtime_r(&when, &out);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &out);
  return buf;
}

std::string header(const Manifest& m, const std::string& what) {
  return "-- orchestrate plan --sql --out: project " + m.project_name + ", " + what + "\n" +
         "-- apply after the files before it in name order: psql -v ON_ERROR_STOP=1 -f FILE \"$DATABASE_URL\"\n";
}

// Every service's pieces, level by level; the RLS phase after them, named by its SQL and by the files
// before it, so a release that adds tables gets a new RLS file that covers them.
Result<std::vector<PlannedFile>> collect(const Manifest& m, const PlanView& plan, const std::string& url, bool squash,
                                         const std::vector<std::string>& existing_sql, std::ostream& out) {
  std::vector<PlannedFile> files;
  std::vector<std::string> failed;
  for (const auto& level : plan.levels)
    for (int i : level) {
      const ServiceSpec& s = m.services[i];
      const ServiceStatus& st = plan.status.services[i];
      const MigrationKind& kind = migration_kind(s.runner);
      if (st.pending.empty() && kind.tracks_versions()) continue;
      auto pieces = kind.offline_pieces(s, st, url, squash);
      if (!pieces) {
        std::string why = secrets::scrub(pieces.error().message);
        failed.push_back(s.name + ": " + why.substr(0, why.find('\n')));
        continue;
      }
      if (pieces->empty() && !kind.tracks_versions())
        out << "not written: " << s.name << " runs `" << join(s.command, " ") << "`, whose SQL orchestrate cannot see\n";
      for (const auto& p : *pieces) {
        std::string what = "service " + s.name + " (" + s.runner + ", schema " + s.schema + "): " + p.label;
        files.push_back({s.name + "_" + name_part(p.label), s.name + " " + p.label, header(m, what) + p.sql});
      }
    }
  if (!failed.empty())
    return Error{"no SQL for " + join(failed, "; "), "plan --sql --out",
                 "`orchestrate plan --sql` prints each one's error in its block; nothing was written"};
  if (std::string rls = rls_phase_sql(m, plan); !rls.empty()) {
    std::string sql = header(m, "the RLS phase, after every service") + rls, key = sql;
    for (const auto& f : files) key += "\n" + f.identity;
    bool there = files.empty() && std::find(existing_sql.begin(), existing_sql.end(), sql) != existing_sql.end();
    if (!there) files.push_back({"rls_" + sha256_hex(key).substr(0, 12), "the RLS phase", sql});
  }
  return files;
}

}  // namespace

std::vector<std::string> plan_file_names(const std::vector<PlannedFile>& files, const std::vector<std::string>& existing,
                                         const std::string& layout) {
  std::map<std::string, std::string> by_identity;
  long long last_flat = 0;
  std::string last_stamp = "20000101000000";
  for (const auto& name : existing) {
    std::smatch mt;
    if (!std::regex_match(name, mt, kNumbered)) continue;
    by_identity.emplace(mt[2], name);
    const std::string n = mt[1];
    if (n.size() == 14 && n > last_stamp) last_stamp = n;
    if (n.size() < 14) last_flat = std::max(last_flat, std::stoll(n));
  }
  std::vector<std::string> names;
  long next = 0;
  for (const auto& f : files) {
    if (auto it = by_identity.find(f.identity); it != by_identity.end()) {
      names.push_back(it->second);
      continue;
    }
    ++next;
    char flat[32];
    std::snprintf(flat, sizeof flat, "%04lld", last_flat + next);
    names.push_back((layout == "flat" ? std::string(flat) : timestamp_plus(last_stamp, next)) + "_" + f.identity + ".sql");
  }
  return names;
}

Status write_plan_files(const Manifest& m, const PlanView& plan, const std::string& database_url,
                        const PlanFilesOptions& opts, std::ostream& out) {
  std::vector<std::string> existing, existing_sql;
  std::error_code ec;
  if (fs::exists(opts.dir, ec))
    for (const auto& e : fs::directory_iterator(opts.dir, ec)) {
      existing.push_back(e.path().filename().string());
      if (e.is_regular_file() && e.path().extension() == ".sql") existing_sql.push_back(read_text_file(e.path().string()));
    }
  auto files = collect(m, plan, database_url, opts.squash, existing_sql, out);
  if (!files) return files.error();
  std::vector<std::string> names = plan_file_names(*files, existing, opts.layout);
  // Every existing name is checked before anything is written: a refusal leaves DIR as it was.
  std::vector<bool> there(files->size(), false);
  for (size_t k = 0; k < files->size(); ++k) {
    const fs::path p = opts.dir / names[k];
    if (!fs::exists(p, ec)) continue;
    if (read_text_file(p.string()) != (*files)[k].sql)
      return Error{p.string() + " exists with other content than plan writes for " + (*files)[k].what +
                       ": it is never rewritten, and nothing was written",
                   "plan --sql --out",
                   "it was written from other migration files, or edited since; move it away (or write to another "
                   "directory) to write it anew",
                   exit_code::kUsage};
    there[k] = true;
  }
  fs::create_directories(opts.dir, ec);
  if (ec) return Error{"cannot create " + opts.dir.string() + ": " + ec.message(), "plan --sql --out"};
  size_t written = 0;
  for (size_t k = 0; k < files->size(); ++k) {
    const fs::path p = opts.dir / names[k];
    if (there[k]) {
      out << "unchanged " << p.string() << "  (" << (*files)[k].what << ": the same content is there already)\n";
      continue;
    }
    const fs::path tmp = p.string() + ".tmp";
    {
      std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
      o << (*files)[k].sql;
      if (!o.flush()) return Error{"cannot write " + tmp.string(), "plan --sql --out"};
    }
    fs::rename(tmp, p, ec);
    if (ec) return Error{"cannot write " + p.string() + ": " + ec.message(), "plan --sql --out"};
    out << "wrote " << p.string() << "  (" << (*files)[k].what << ")\n";
    ++written;
  }
  out << counted(written, "file") << " written, " << (files->size() - written) << " unchanged in " << opts.dir.string()
      << "; apply them in file-name order\n";
  return ok();
}

}  // namespace orch
