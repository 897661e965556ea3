// What the command line offers, generated from its own definitions: completion scripts that complete
// commands, options, and service and target names from the manifest in the current directory; the
// manual page.
#include <cstdlib>
#include <sstream>

#include "harness.h"

using namespace itest;

namespace {

// Runs bash with the completion script loaded, completing `words` (the last one is being typed).
std::string complete(const fs::path& cwd, const std::string& words) {
  const fs::path bin = fs::path(ORCHESTRATE_BIN).parent_path();
  TempDir scratch("completed");
  const fs::path out = scratch.path() / "completed.txt";
  const std::string script = "cd '" + cwd.string() + "' && PATH='" + bin.string() + "':$PATH bash -c '"
                             "source <(orchestrate completion bash); COMP_WORDS=(" + words + "); "
                             "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _orchestrate; echo \"${COMPREPLY[*]}\"' > '" +
                             out.string() + "' 2>&1";
  std::system(script.c_str());
  return read_all(out);
}

}  // namespace

TEST(Completion, BashCompletesCommandsOptionsAndNamesFromTheManifest) {
  const fs::path example = source_dir() / "examples" / "rollout";  // its services.toml: six services, three targets
  auto commands = complete(example, "orchestrate ro");
  EXPECT_NE(commands.find("rollout"), std::string::npos) << commands;
  auto options = complete(example, "orchestrate rollout --re");
  EXPECT_NE(options.find("--resume"), std::string::npos) << options;
  auto services = complete(example, "orchestrate down ha");
  EXPECT_EQ(services, "habits\n");
  auto only = complete(example, "orchestrate up --only m");
  EXPECT_EQ(only, "meals movements\n");
  auto targets = complete(example, "orchestrate status --target prod");
  EXPECT_NE(targets.find("prod-eu"), std::string::npos) << targets;
}

TEST(Completion, ZshFishAndTheManualPageComeFromTheSameDefinitions) {
  TempDir dir("completion-other");
  auto zsh = run_orchestrate({"completion", "zsh"}, {}, dir.path());
  auto fish = run_orchestrate({"completion", "fish"}, {}, dir.path());
  auto man = run_orchestrate({"completion", "--man"}, {}, dir.path());
  for (const auto* r : {&zsh, &fish, &man}) EXPECT_EQ(r->code, 0) << r->output;
  for (const char* cmd : {"up", "status", "wait", "check", "plan", "down", "baseline", "rollout", "rls", "history"}) {
    EXPECT_NE(zsh.output.find(std::string("'") + cmd + ":"), std::string::npos) << cmd;
    EXPECT_NE(fish.output.find(std::string("-a ") + cmd + " "), std::string::npos) << cmd;
    EXPECT_NE(man.output.find(std::string(".SS ") + cmd), std::string::npos) << cmd;
  }
  EXPECT_NE(zsh.output.find("--run-id"), std::string::npos);  // an option added to the definitions shows up
  EXPECT_NE(fish.output.find("-l run-id"), std::string::npos);
  EXPECT_NE(man.output.find("\\-\\-run\\-id"), std::string::npos);
  auto bad = run_orchestrate({"completion", "tcsh"}, {}, dir.path());
  EXPECT_EQ(bad.code, 2);
}

TEST(PythonPerService, TwoInterpretersEachWithWarmWorkers) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("python-per-service");
  const fs::path ex = source_dir() / "examples" / "mindmirror";
  for (const char* d : {"users", "habits", "common"}) fs::copy(ex / d, dir.path() / d, fs::copy_options::recursive);
  // habits gets a virtualenv of its own (Debian's packages visible through it, as a team's venv would).
  const std::string venv = "/usr/bin/python3 -m venv --without-pip --system-site-packages '" +
                           (dir.path() / "habits" / ".venv").string() + "'";
  ASSERT_EQ(std::system(venv.c_str()), 0);
  dir.write("services.toml", "[project]\nname = \"pythons\"\ndatabase = \"env:DATABASE_URL\"\n"
                             "[runners.alembic]\npython = \"/usr/bin/python3\"\n"
                             "[services.users]\nschema = \"users\"\nrunner = \"alembic\"\npath = \"users\"\n"
                             "[services.habits]\nschema = \"habits\"\nrunner = \"alembic\"\npath = \"habits\"\n"
                             "depends_on = [\"users\"]\npython = \"venv\"\n");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("$ /usr/bin/python3 -m alembic -c alembic.ini upgrade head   (forked from a warm interpreter)"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("habits/.venv/bin/python -m alembic -c alembic.ini upgrade head   (forked from a warm interpreter)"),
            std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM habits.alembic_version"), "2a3f4c9d1cde");
  // A venv that is not there is a manifest error at the key, with the command that makes one.
  fs::remove_all(dir.path() / "habits" / ".venv");
  auto missing = run_orchestrate({"check", "--offline"}, {}, dir.path());
  EXPECT_EQ(missing.code, 2) << missing.output;
  EXPECT_NE(missing.output.find("services.toml:15:10: error: python = \"venv\" for habits:"), std::string::npos)
      << missing.output;
  EXPECT_NE(missing.output.find("python3 -m venv habits/.venv"), std::string::npos) << missing.output;
}

TEST(Init, AScratchTreeOfFourServicesBecomesACheckedManifest) {
  TempDir dir("init");
  const fs::path ex = source_dir() / "examples" / "mindmirror";
  fs::copy(ex / "users", dir.path() / "users_service", fs::copy_options::recursive);
  fs::copy(ex / "habits", dir.path() / "habits", fs::copy_options::recursive);
  fs::copy(ex / "meals", dir.path() / "meals", fs::copy_options::recursive);
  fs::copy(ex / "common", dir.path() / "common", fs::copy_options::recursive);
  // A fourth: an Alembic project whose env.py names its schema literally, with its own virtualenv.
  fs::copy(ex / "journal", dir.path() / "diary", fs::copy_options::recursive);
  const fs::path env_py = dir.path() / "diary" / "migrations" / "env.py";
  std::string env = read_all(env_py);
  dir.write("diary/migrations/env.py", "# context.configure(version_table_schema=\"journal\")\n" + env);
  const std::string venv = "/usr/bin/python3 -m venv --without-pip --system-site-packages '" +
                           (dir.path() / "diary" / ".venv").string() + "'";
  ASSERT_EQ(std::system(venv.c_str()), 0);
  dir.write("03-run-migrations.sh", "#!/bin/bash\nMIGRATIONS=(\n  users_service\n  habits\n  diary\n  meals\n)\n"
                                    "for m in \"${MIGRATIONS[@]}\"; do (cd $m && alembic upgrade head); done\n");
  auto r = run_orchestrate({"init", "--from-script", "03-run-migrations.sh"}, {}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  const std::string toml = read_all(dir.path() / "services.toml");
  EXPECT_NE(toml.find("[services.users_service]\nrunner = \"alembic\"\npath = \"users_service\"\nconfig = \"alembic.ini\"\n"
                      "schema = \"users\"   # check this"),
            std::string::npos) << toml;
  EXPECT_NE(toml.find("[services.diary]"), std::string::npos);
  EXPECT_NE(toml.find("schema = \"journal\"   # from version_table_schema in env.py"), std::string::npos) << toml;
  EXPECT_NE(toml.find("python = \"venv\"   # found diary/.venv/bin/python"), std::string::npos) << toml;
  EXPECT_NE(toml.find("[services.meals]\nrunner = \"sql\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("ran them in: users_service, habits, diary, meals"), std::string::npos) << toml;
  EXPECT_EQ(toml.find("depends_on = [\""), std::string::npos) << "depends_on invented without confirmation";
  EXPECT_NE(r.output.find("found alembic service diary in diary: schema journal (version_table_schema in env.py), "
                          "python venv"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("0 errors"), std::string::npos) << r.output;  // it checked what it wrote
  // Never over an existing file without --force.
  auto again = run_orchestrate({"init"}, {}, dir.path());
  EXPECT_EQ(again.code, 2) << again.output;
  EXPECT_NE(again.output.find("init never overwrites it without --force"), std::string::npos);
  EXPECT_EQ(read_all(dir.path() / "services.toml"), toml);
  EXPECT_EQ(run_orchestrate({"init", "--force"}, {}, dir.path()).code, 0);
}

TEST(Version, TheFlagPrintsWhatTheCommandPrints) {
  TempDir dir("version");
  auto flag = run_orchestrate({"--version"}, {}, dir.path());
  auto command = run_orchestrate({"version"}, {}, dir.path());
  EXPECT_EQ(flag.code, 0) << flag.output;
  EXPECT_EQ(command.code, 0) << command.output;
  EXPECT_EQ(flag.output.rfind("orchestrate ", 0), 0u) << flag.output;
  EXPECT_EQ(flag.output, command.output);
}

// docs/environment.md says `orchestrate --help` prints the same list: every variable of its table must
// be in the help's footer.
TEST(Help, NamesEveryEnvironmentVariableThatDocsEnvironmentLists) {
  TempDir dir("help-env");
  auto help = run_orchestrate({"--help"}, {}, dir.path());
  ASSERT_EQ(help.code, 0) << help.output;
  const std::string doc = read_all(source_dir() / "docs" / "environment.md");
  int rows = 0;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;  // table rows whose first cell names variables in backticks
    const std::string first = line.substr(0, line.find(" |", 2));
    for (size_t open = first.find('`'); open != std::string::npos; open = first.find('`', open + 1)) {
      size_t close = first.find('`', open + 1);
      std::string name = first.substr(open + 1, close - open - 1);
      open = close;
      name = name.substr(0, name.find('='));
      if (name.empty() || name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != std::string::npos) continue;
      ++rows;
      EXPECT_NE(help.output.find(name), std::string::npos)
          << "docs/environment.md lists " << name << " but `orchestrate --help` does not (orchestrator/cli/cli_app.cc)";
    }
  }
  EXPECT_GE(rows, 8) << "read no variables from docs/environment.md's table";
}
