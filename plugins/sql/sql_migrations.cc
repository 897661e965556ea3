#include "sql/sql_migrations.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <limits>
#include <mutex>
#include <regex>
#include <unordered_map>

#include "util/numbers.h"
#include "util/sql_split.h"
#include <sstream>

#include "util/sha256.h"
#include "util/text.h"
#include "util/exit_codes.h"

namespace fs = std::filesystem;

namespace orch {

namespace {

// Why a file must not run at all, as "LINE: message", or "". A NUL byte would end the text libpq
// sends (the rest silently dropped, the whole file recorded); text that is not UTF-8 is rejected by
// the server halfway; transaction control in a transactional file would commit part of it outside
// the transaction that also records it. Parsed with PostgreSQL's grammar, so `BEGIN ATOMIC … END`
// bodies are not transaction control; text the parser refuses is left for the server to judge.
std::string refusal(const SqlMigration& mig) {
  if (auto text = check_text(mig.contents); !text)
    return text.error().where + ": this line " + text.error().message + "; save the file as UTF-8 text";
  if (mig.no_transaction) return "";
  // Statement by statement as parsed: a seed file's statements are never all held at once.
  std::string found;
  auto parsed = for_each_statement(mig.contents, false, [&](const ParsedStatement& st) {
    if (found.empty() && is_transaction_control(st))
      found = std::to_string(st.line) + ": " + st.keyword +
              " is not allowed in a transactional file: orchestrate runs the file and its ledger row in one "
              "transaction; remove it, or mark a file whose statements cannot run in a transaction with "
              "-- orchestrate:no-transaction on its first line";
  });
  // Ctrl-C while parsing: the check did not finish, so the file must not run.
  if (!parsed && parsed.error().exit_code == exit_code::kInterrupted) return " interrupted while parsing; nothing of it ran";
  if (!parsed) return "";
  return found;
}

// refusal() once per file contents in a process: `up` reads a service's files for its state, for the
// lint gate and in its runner, and parsing is what those reads cost. Keyed by the sha256 and the
// no-transaction mark (which decides what is checked); an interrupted parse is never remembered.
std::string refusal_once(const SqlMigration& mig) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::string> seen;
  const std::string key = mig.checksum + (mig.no_transaction ? "n" : "t");
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = seen.find(key); it != seen.end()) return it->second;
  }
  std::string why = refusal(mig);
  if (why.find("interrupted while parsing") == std::string::npos) {
    std::lock_guard<std::mutex> lock(mu);
    seen.emplace(key, why);
  }
  return why;
}

// "3 KiB", "4.5 MiB", "133 MiB": a size as an error shows it.
std::string size_text(size_t bytes) {
  if (bytes < (1u << 20)) return std::to_string((bytes + 1023) / 1024) + " KiB";
  std::ostringstream o;
  o.precision(bytes < (10u << 20) ? 1 : 0);
  o << std::fixed << static_cast<double>(bytes) / (1 << 20) << " MiB";
  return o.str();
}

// The whole file into `out`, or why not: opened without blocking and read only when it is a regular
// file, and refused past `limit` (a 1 GB seed file would be held, parsed and sent whole).
std::string read_bounded(const fs::path& p, size_t limit, std::string& out) {
  int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::string("cannot be read: ") + std::strerror(errno);
  struct stat st {};
  std::string why;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) why = "is not a regular file (a FIFO or a device?); migrations are files";
  else if (static_cast<unsigned long long>(st.st_size) > limit)
    why = "is " + size_text(static_cast<size_t>(st.st_size)) + ", larger than max_file_size (" + size_text(limit) +
          "); split it, or raise max_file_size in [runners.sql] ([runners.supabase] for a supabase service)";
  char buf[1 << 16];
  for (ssize_t n; why.empty() && (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) why = std::string("cannot be read: ") + std::strerror(errno);
    else if (out.size() + static_cast<size_t>(n) > limit) why = "grew past max_file_size (" + size_text(limit) + ") while read";
    else out.append(buf, static_cast<size_t>(n));
    if (out.empty() && why.empty()) out.reserve(static_cast<size_t>(st.st_size));
  }
  ::close(fd);
  if (!why.empty()) out.clear();
  return why;
}

}  // namespace

SqlMigrationSet read_sql_migrations(const fs::path& dir, size_t max_file_bytes) {
  SqlMigrationSet set;
  static const std::regex up_re(R"(^(\d+)_([^/]+?)\.sql$)");
  static const std::regex down_re(R"(^(\d+)_([^/]+?)\.down\.sql$)");
  std::map<long long, fs::path> downs;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    // Not only regular files: a FIFO or device named like a migration is reported, not skipped.
    if (!e.is_directory() && e.path().extension() == ".sql") files.push_back(e.path());
  if (ec) {
    set.errors.push_back(dir.filename().string() + ": cannot list the directory: " + ec.message());
    return set;
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::string fname = p.filename().string();
    std::smatch m;
    // The ledger's version column is a bigint: a file's number must fit in one.
    auto version_of = [&](const std::string& digits) {
      return parse_whole_number(digits, 0, std::numeric_limits<long long>::max(), "the version number");
    };
    if (std::regex_match(fname, m, down_re)) {
      auto v = version_of(m[1].str());
      if (v) downs[*v] = p;
      else set.errors.push_back(fname + ": " + v.error().message + "; versions must fit in a 64-bit bigint");
      continue;
    }
    if (!std::regex_match(fname, m, up_re)) {
      set.errors.push_back(fname + ": name does not start with a version number (expected NNNN_name.sql)");
      continue;
    }
    SqlMigration mig;
    mig.version_text = m[1].str();
    auto version = version_of(mig.version_text);
    if (!version) {
      set.errors.push_back(fname + ": " + version.error().message + "; versions must fit in a 64-bit bigint");
      continue;
    }
    mig.version = *version;
    mig.name = m[2].str();
    mig.path = p;
    if (std::string why = read_bounded(p, max_file_bytes, mig.contents); !why.empty()) {
      set.errors.push_back(fname + ": " + why);
      continue;
    }
    mig.checksum = sha256_hex(mig.contents);
    std::string first = mig.contents.substr(0, mig.contents.find('\n'));
    mig.no_transaction = trim(first) == "-- orchestrate:no-transaction";
    if (std::string why = refusal_once(mig); !why.empty()) {
      set.errors.push_back(fname + ":" + why);
      continue;
    }
    set.migrations.push_back(std::move(mig));
  }
  std::stable_sort(set.migrations.begin(), set.migrations.end(),
                   [](const auto& a, const auto& b) { return a.version < b.version; });
  for (size_t i = 1; i < set.migrations.size(); ++i)
    if (set.migrations[i].version == set.migrations[i - 1].version)
      set.errors.push_back(set.migrations[i].path.filename().string() + ": version " +
                           std::to_string(set.migrations[i].version) + " is also used by " +
                           set.migrations[i - 1].path.filename().string());
  for (auto& mig : set.migrations)
    if (auto it = downs.find(mig.version); it != downs.end()) mig.down_path = it->second;
  return set;
}

}  // namespace orch
