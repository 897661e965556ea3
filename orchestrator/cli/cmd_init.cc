// `orchestrate init [DIR]`: writes a commented services.toml for the Alembic projects and SQL folders
// found in DIR, says what it found and guessed, then checks the result.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/check_printers.h"
#include "cli/commands.h"
#include "cli/confirm.h"
#include "util/exit_codes.h"
#include <algorithm>
#include "engine/check_engine.h"
#include "kinds.h"
#include "scaffold/manifest_text.h"
#include "scaffold/rls_scaffold.h"
#include "scaffold/script_read.h"
#include "status/plain_printer.h"
#include "util/text.h"

namespace orch {

namespace {

struct InitOptions {
  std::string dir = ".";
  bool force = false;
  std::string from_script;  // the shell script it replaces: the order of services
};

// With a script: its services, in its order, are the manifest; the others become comments. depends_on
// for each consecutive pair the user confirms (never invented).
void from_script(const InitOptions& o, ScaffoldInput& in) {
  in.script_name = std::filesystem::path(o.from_script).filename().string();
  const auto run = services_run_by(read_text_file(o.from_script), in.services);
  if (run.empty()) {
    std::cout << "warning: " << in.script_name << " names none of the services found; all of them are kept\n";
    return;
  }
  std::vector<FoundService> taken;
  for (size_t i : run) taken.push_back(in.services[i]), in.script_order.push_back(in.services[i].name);
  for (size_t i = 0; i < in.services.size(); ++i)
    if (std::find(run.begin(), run.end(), i) == run.end()) {
      in.not_run.push_back(in.services[i]);
      std::cout << "found but not run by " << in.script_name << ": " << in.services[i].path << " (a comment in services.toml)\n";
    }
  in.services = taken;
  for (size_t i = 1; i < in.script_order.size(); ++i) {
    const std::string &before = in.script_order[i - 1], &after = in.script_order[i];
    if (ask_yes_no(in.script_name + " runs " + before + " before " + after + ": does " + after + " depend on " + before + "?"))
      in.depends[after].push_back(before);
  }
}

int run_init(const InitOptions& o) {
  const std::filesystem::path root = std::filesystem::weakly_canonical(std::filesystem::absolute(o.dir));
  const std::filesystem::path out = root / "services.toml";
  if (std::filesystem::exists(out) && !o.force) {
    std::cerr << "error: " << out.string() << " exists; init never overwrites it without --force\n";
    return exit_code::kUsage;
  }
  ScaffoldInput in;
  in.project = root.filename().string();
  in.services = scan_project(root, ScanOptions{poetry_on_path()});
  in.alembic_python = alembic_python();
  if (in.services.empty()) {
    std::cerr << "error: no Alembic project (alembic.ini) and no folder of numbered .sql files under " << root.string() << "\n";
    return exit_code::kUsage;
  }
  for (const auto& s : in.services) {
    std::cout << "found " << s.runner << " service " << s.name << " in " << s.path << ": schema " << s.schema
              << (s.schema_source.empty() ? " (guessed from the folder name)" : " (" + s.schema_source + ")")
              << (s.python.empty() ? "" : ", python " + s.python + " (" + s.python_source + ")") << "\n";
    for (const auto& n : s.notes) std::cout << "  " << n << "\n";
  }
  if (!o.from_script.empty()) from_script(o, in);
  auto scripts = shell_scripts(root);
  if (!o.from_script.empty() && std::find(scripts.begin(), scripts.end(), std::filesystem::weakly_canonical(std::filesystem::absolute(o.from_script))) == scripts.end())
    scripts.push_back(std::filesystem::weakly_canonical(std::filesystem::absolute(o.from_script)));
  in.rls = rls_from_scripts(scripts, root);
  if (!write_rls_files(root, in.rls.files, o.force, std::cout, std::cerr)) return exit_code::kUsage;
  std::ofstream(out) << render_manifest(in);
  std::cout << "wrote " << out.string() << "\n\nchecking it:\n";
  try {
    Manifest m = load_manifest(out);
    auto p = make_check_printer("text", want_color(1));
    check_offline(m, *p);
    check_lint_offline(m, *p);
    p->finish(false);
    return p->errors > 0 ? exit_code::kFindings : exit_code::kOk;
  } catch (const ManifestErrors& e) {
    std::cerr << e.what();
    return exit_code::kFindings;
  }
}

}  // namespace

CommandRun define_init(CLI::App& c, CommandEnv&) {
  auto o = std::make_shared<InitOptions>();
  c.add_option("dir", o->dir, "the repository (default: .)");
  c.add_flag("--force", o->force, "overwrite an existing services.toml");
  c.add_option("--from-script", o->from_script,
               "the shell script it replaces: its MIGRATIONS=(…) array or for-loop gives the order");
  return [o] { return run_init(*o); };
}

}  // namespace orch
