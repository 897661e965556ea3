// What the command line offers, generated from its own definitions: completion scripts that complete
// commands, options, and service and target names from the manifest in the current directory; the
// manual page.
#include <cstdlib>

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
  for (const char* cmd : {"up", "status", "check", "plan", "down", "baseline", "rollout", "rls", "history"}) {
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
  EXPECT_NE(r.output.find("$ /usr/bin/python3 -m alembic -c alembic.ini upgrade head   (on a warm worker)"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("habits/.venv/bin/python -m alembic -c alembic.ini upgrade head   (on a warm worker)"),
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
