// The retry lines the docs show (`attempt 3 of 9, next in 742ms`, `waited 2.0s for a lock`) must be
// lines the binary can print: the delay within lock_backoff's range for that attempt, the count and the
// wait the defaults give. The README once showed `next in 2.0s` after attempt 3 (at most 1 s) and
// docs/rls.md a 30 s default wait the binary never used.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "kinds.h"
#include "manifest/manifest.h"
#include "util/backoff.h"

using namespace orch;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> doc_files() {
  const fs::path root = ORCHESTRATE_SOURCE_DIR;
  std::vector<fs::path> out{root / "README.md"};
  for (const auto& e : fs::directory_iterator(root / "docs"))
    if (e.path().extension() == ".md") out.push_back(e.path());
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "742ms" or "1.6s", as format_duration writes them below a minute.
long long millis_of(const std::string& text) {
  if (text.size() > 2 && text.compare(text.size() - 2, 2, "ms") == 0) return std::stoll(text);
  return static_cast<long long>(std::stod(text) * 1000 + 0.5);
}

// The smallest and largest delay lock_backoff gives before retry `n`, over many draws.
std::pair<long long, long long> backoff_range(int n) {
  std::mt19937 rng(12345);
  long long lo = LLONG_MAX, hi = 0;
  for (int i = 0; i < 20000; ++i) {
    long long d = lock_backoff(n, rng).count();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  return {lo, hi};
}

Manifest defaults() {
  return parse_manifest("[project]\nname = \"d\"\ndatabase = \"postgresql://h/db\"\n"
                        "[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \".\"\n",
                        "defaults.toml");
}

}  // namespace

TEST(DocExamples, RetryLinesShowADelayTheBackoffCanGiveAndTheDefaultCount) {
  const Manifest m = defaults();
  const std::regex retry(R"(attempt (\d+) of (\d+), next in ([0-9.]+m?s))");
  int seen = 0;
  for (const auto& file : doc_files()) {
    const std::string text = read(file);
    for (std::sregex_iterator it(text.begin(), text.end(), retry), end; it != end; ++it, ++seen) {
      const int attempt = std::stoi((*it)[1]);
      const long long shown = millis_of((*it)[3]);
      auto [lo, hi] = backoff_range(attempt);
      EXPECT_TRUE(shown >= lo && shown <= hi)
          << file.filename() << ": \"" << it->str() << "\": after attempt " << attempt << " the backoff waits " << lo
          << "-" << hi << " ms; show a delay in that range (orchestrator/util/backoff.cc)";
      EXPECT_EQ(std::stoi((*it)[2]), 1 + m.locks.lock_retries)
          << file.filename() << ": \"" << it->str() << "\": with the default lock_retries the count is "
          << 1 + m.locks.lock_retries;
    }
  }
  EXPECT_GE(seen, 2) << "the README and docs/manifest.md show retry lines; did the pattern change?";
}

TEST(DocExamples, LockWaitsShownAreTheDefaultLockTimeouts) {
  const Manifest m = defaults();
  ASSERT_TRUE(m.locks.lock_timeout);
  const long long project = m.locks.lock_timeout->count();
  ASSERT_EQ(m.rls.lock_timeout.count(), project) << "the RLS phase's default is the project's lock_timeout";
  const std::regex waited(R"(waited\s+([0-9.]+m?s)\s+for\s+a\s+(table\s+)?lock)");
  int seen = 0;
  for (const auto& file : doc_files()) {
    const std::string text = read(file);
    for (std::sregex_iterator it(text.begin(), text.end(), waited), end; it != end; ++it, ++seen)
      EXPECT_EQ(millis_of((*it)[1]), project)
          << file.filename() << ": \"" << it->str() << "\": with the defaults a statement waits " << project
          << " ms for a lock (LockPolicy in orchestrator/manifest/manifest.h); show that, or say which setting "
             "the example uses";
  }
  EXPECT_GE(seen, 3);
}
