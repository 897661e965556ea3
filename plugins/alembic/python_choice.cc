#include "alembic/python_choice.h"

#include "util/secret_command.h"

namespace fs = std::filesystem;

namespace orch {

namespace {

// poetry's interpreter for `folder`, or "!" + why not; asked once per folder and load.
std::string poetry_python(const std::string& folder, std::map<std::string, std::string>* memo) {
  const std::string key = "alembic.poetry:" + folder;
  if (memo)
    if (auto found = memo->find(key); found != memo->end()) return found->second;
  auto r = run_command_output({"poetry", "env", "info", "--executable"}, folder);
  std::string answer = r ? *r : "!" + r.error().message;
  if (memo) (*memo)[key] = answer;
  return answer;
}

}  // namespace

std::string resolve_python(const ServiceSpec& s, const std::string& choice, const SourcePos& pos, const fs::path& dir,
                           std::map<std::string, std::string>* memo, ManifestDiagnostics& errors) {
  std::string exe;
  if (choice == "venv") {
    exe = (s.path / ".venv" / "bin" / "python").string();
  } else if (choice == "poetry") {
    exe = poetry_python(s.path.string(), memo);
    if (exe.rfind("!", 0) == 0) {
      errors.error(pos, "python = \"poetry\" for " + s.name + ": " + exe.substr(1),
                   "run `poetry install` in " + s.path_text + ", or name the interpreter's path");
      return "";
    }
  } else {
    exe = fs::path(choice).is_absolute() ? choice : (dir / choice).string();
  }
  std::error_code ec;
  if (!fs::exists(exe, ec)) {
    errors.error(pos, "python = \"" + choice + "\" for " + s.name + ": " + exe + " does not exist",
                 choice == "venv" ? "create it: python3 -m venv " + s.path_text + "/.venv" : "");
    return "";
  }
  return exe;
}

}  // namespace orch
