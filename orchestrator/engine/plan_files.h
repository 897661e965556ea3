#pragma once
// `plan --sql --out DIR`: the pending SQL as migration files a runner that sorts by file name applies in
// an order respecting the services' dependencies (level by level, then manifest order, each service's
// revisions in order, the RLS phase last). The names never come from the clock, and a file once written is
// never rewritten: the same inputs give the same files, and a second run writes nothing new.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "report/plan_report.h"
#include "util/result.h"

namespace orch {

struct PlanFilesOptions {
  std::filesystem::path dir;
  std::string layout = "supabase";  // supabase: <YYYYMMDDHHMMSS>_<name>.sql; flat: <NNNN>_<name>.sql
  bool squash = false;              // one file per pending range instead of per revision
};

// One file to be: what it holds and what identifies it across runs ("<service>_<revision>").
struct PlannedFile {
  std::string identity;
  std::string what;  // "users 5a1c0e2b7d01", shown when it is written
  std::string sql;
};

// The names for `files`, in order: a file whose identity DIR already holds keeps that file's name; a new
// one is numbered after every file DIR holds (flat: the next 4-digit number; supabase: one second after
// the latest timestamp, 2000-01-01 00:00:00 when there is none). `existing` are DIR's file names.
std::vector<std::string> plan_file_names(const std::vector<PlannedFile>& files, const std::vector<std::string>& existing,
                                         const std::string& layout);

// Collects every service's pieces (kind.offline_pieces) and the RLS phase, names them, refuses (exit 2,
// nothing written) when a name DIR holds has other content, else writes the new files and says on `out`
// what it wrote and what it left as it was. Fails (exit 1, nothing written) when a service's SQL cannot be
// produced.
Status write_plan_files(const Manifest& m, const PlanView& plan, const std::string& database_url,
                        const PlanFilesOptions& opts, std::ostream& out);

}  // namespace orch
