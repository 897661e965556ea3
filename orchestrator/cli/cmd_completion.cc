// `orchestrate completion bash|zsh|fish`: a completion script built from the CLI definitions; the
// scripts call `completion --names services|targets` to complete names from the manifest in the
// current directory (or -f). `completion --man` prints the manual page the build installs.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli_app.h"
#include "cli/completion.h"
#include "util/exit_codes.h"
#include "kinds.h"
#include "manifest/manifest.h"
#include "targets/targets_file.h"
#include "util/text.h"

namespace orch {

namespace {

// Names only: no database, no secrets resolved; a manifest that does not load completes nothing.
int print_names(const GlobalOptions& g, const std::string& what) {
  try {
    Manifest m = load_manifest(g.file);
    if (what == "services")
      for (const auto& s : m.services) std::cout << s.name << "\n";
    if (what == "targets") {
      std::cout << "all\n";
      for (const auto& t : m.targets) std::cout << t.name << "\n";
      if (m.targets_from && !m.targets_from->file.empty()) {
        if (auto rows = parse_targets_file(read_text_file(m.targets_from->file), m.targets_from->file_text))
          for (const auto& [name, url] : *rows) std::cout << name << "\n";
      }
    }
  } catch (const std::exception&) {
    return exit_code::kUsage;
  }
  return exit_code::kOk;
}

struct CompletionOptions {
  std::string shell;   // bash | zsh | fish
  std::string names;   // --names services|targets: what the scripts complete, read from the manifest
  bool man = false;    // --man: the manual page (the build writes docs/orchestrate.1 with it)
};

int run_completion(const CLI::App& app, const GlobalOptions& g, const CompletionOptions& o) {
  if (!o.names.empty()) return print_names(g, o.names);
  CliModel model = read_cli(app);
  if (o.man) std::cout << man_page(model, ORCHESTRATE_VERSION);
  else if (o.shell == "bash") std::cout << bash_completion(model);
  else if (o.shell == "zsh") std::cout << zsh_completion(model);
  else if (o.shell == "fish") std::cout << fish_completion(model);
  else {
    std::cerr << "error: name a shell: orchestrate completion bash|zsh|fish\n";
    return exit_code::kUsage;
  }
  return exit_code::kOk;
}

}  // namespace

CommandRun define_completion(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<CompletionOptions>();
  c.add_option("shell", o->shell, "bash, zsh or fish")->check(CLI::IsMember({"bash", "zsh", "fish"}));
  c.add_option("--names", o->names, "print the manifest's services or targets, one per line")
      ->check(CLI::IsMember({"services", "targets"}));
  c.add_flag("--man", o->man, "print the manual page (troff)");
  return [o, &g = env.g, &app = env.app] { return run_completion(app, g, *o); };
}

}  // namespace orch
