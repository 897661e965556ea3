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
