#pragma once
// `check`: everything that can be checked without changing anything, in order: the runners' tools,
// each kind's files, then (with a database) reachability, privileges, the run lock, where every
// service stands and RLS coverage. Results stream to a sink as they are found.
#include <set>
#include <string>

#include "check/finding.h"
#include "manifest/manifest.h"

namespace orch {

class CheckSink {
 public:
  virtual ~CheckSink() = default;
  virtual void ok(const std::string& where, const std::string& text) = 0;
  virtual void found(Finding f) = 0;

  // One error is printed once: a refused file's error ("WHERE: MESSAGE") is also the state `inspect`
  // gives its service, which is then not printed again.
  void remember(const Finding& f) {
    if (f.severity == Severity::Error) said_.insert(f.where + ": " + f.message);
  }
  bool already_said(const std::string& text) const { return said_.count(text) > 0; }

 private:
  std::set<std::string> said_;
};

// Tools and files only: no database.
void check_offline(const Manifest& m, CheckSink& sink);
// The database side, on one connection; with `lint`, the pending SQL is linted with the catalogue's facts.
void check_database(const Manifest& m, const std::string& url, const std::string& target, CheckSink& sink, bool lint);
// The linter alone, on the text of every migration (no database).
void check_lint_offline(const Manifest& m, CheckSink& sink);

}  // namespace orch
