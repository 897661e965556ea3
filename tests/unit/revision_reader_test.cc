// The C++ reader of Alembic revision files, on the shapes real projects write.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "alembic/alembic_ini.h"
#include "alembic/revision_reader.h"

using namespace orch;
namespace fs = std::filesystem;

TEST(RevisionReader, PlainStringsAndNone) {
  auto f = parse_revision_source(
      "\"\"\"create users\n\nRevision ID: abc\n\"\"\"\nfrom alembic import op\n\nrevision = 'abc'\n"
      "down_revision = None\nbranch_labels = None\ndepends_on = None\n",
      "abc_create_users.py");
  EXPECT_TRUE(f.error.empty()) << f.error;
  EXPECT_EQ(f.revision, "abc");
  EXPECT_EQ(f.revision_line, 7);
  EXPECT_TRUE(f.down_revisions.empty());
  EXPECT_EQ(f.message, "create users");
}

TEST(RevisionReader, TypeAnnotationsAndUnionTypes) {
  auto f = parse_revision_source(
      "from typing import Sequence, Union\n"
      "revision: str = \"def\"\n"
      "down_revision: Union[str, None] = \"abc\"\n"
      "branch_labels: Union[str, Sequence[str], None] = None\n"
      "depends_on: Union[str, Sequence[str], None] = None\n",
      "x.py");
  EXPECT_TRUE(f.error.empty()) << f.error;
  EXPECT_EQ(f.revision, "def");
  EXPECT_EQ(f.down_revisions, std::vector<std::string>{"abc"});
  EXPECT_EQ(f.down_revision_line, 3);
}

TEST(RevisionReader, MergeTuplesAcrossLinesWithComments) {
  auto f = parse_revision_source(
      "# a merge\nrevision = 'm1'  # the merge point\ndown_revision = (\n    'a1',  # left\n    \"b2\",\n)\n"
      "depends_on = ('x9',)\n",
      "m1.py");
  EXPECT_TRUE(f.error.empty()) << f.error;
  EXPECT_EQ(f.revision, "m1");
  EXPECT_EQ(f.down_revisions, (std::vector<std::string>{"a1", "b2"}));
  EXPECT_EQ(f.depends_on, std::vector<std::string>{"x9"});
}

TEST(RevisionReader, WindowsLineEndsAndIndentedNamesIgnored) {
  auto f = parse_revision_source(
      "revision = 'w1'\r\ndown_revision = 'w0'\r\n\r\ndef upgrade():\r\n    revision = 'not-me'\r\n", "w.py");
  EXPECT_TRUE(f.error.empty()) << f.error;
  EXPECT_EQ(f.revision, "w1");
  EXPECT_EQ(f.down_revisions, std::vector<std::string>{"w0"});
}

TEST(RevisionReader, ComputedValuesAreNotGuessed) {
  auto f = parse_revision_source("revision = make_id()\ndown_revision = None\n", "c.py");
  EXPECT_FALSE(f.error.empty());
  auto g = parse_revision_source("down_revision = None\n", "g.py");
  EXPECT_NE(g.error.find("no module-level `revision"), std::string::npos);
}

TEST(RevisionSet, HeadsPendingAndUnknownCurrent) {
  std::vector<RevisionFile> files;
  auto add = [&](std::string rev, std::vector<std::string> down) {
    RevisionFile f;
    f.path = rev + ".py";
    f.revision = rev;
    f.down_revisions = std::move(down);
    files.push_back(f);
  };
  add("a", {});
  add("b", {"a"});
  add("c", {"a"});  // branch
  add("m", {"b", "c"});  // merge
  add("z", {"m"});
  auto set = RevisionSet::from_files(files);
  EXPECT_EQ(set.heads(), std::vector<std::string>{"z"});
  // Alembic's own order (checked with Alembic 1.8): it walks down from z and takes c's side of the merge
  // before b's, since a (still needed by c) waits for both.
  EXPECT_EQ(*set.pending({}), (std::vector<std::string>{"a", "c", "b", "m", "z"}));
  EXPECT_EQ(*set.pending({"b"}), (std::vector<std::string>{"c", "m", "z"}));
  EXPECT_TRUE(set.pending({"z"})->empty());
  EXPECT_FALSE(set.pending({"squashed-away"}).has_value());
}

TEST(RevisionSet, SeveralHeads) {
  std::vector<RevisionFile> files(3);
  files[0].revision = "a";
  files[0].path = "a.py";
  files[1].revision = "b";
  files[1].path = "b.py";
  files[1].down_revisions = {"a"};
  files[2].revision = "c";
  files[2].path = "c.py";
  files[2].down_revisions = {"a"};
  auto set = RevisionSet::from_files(files);
  EXPECT_EQ(set.heads(), (std::vector<std::string>{"b", "c"}));
}

TEST(AlembicIni, ScriptLocationAndVersionLocations) {
  fs::path dir = fs::temp_directory_path() / ("orch-ini-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "alembic.ini") << "[alembic]\nscript_location = %(here)s/migrations\n[other]\nscript_location = no\n";
  auto dirs = versions_dirs_from_ini(dir / "alembic.ini", dir);
  ASSERT_TRUE(dirs);
  EXPECT_EQ(dirs->at(0), dir / "migrations" / "versions");
  std::ofstream(dir / "b.ini") << "[alembic]\nscript_location = alembic\nversion_locations = %(here)s/v1 %(here)s/v2\n";
  dirs = versions_dirs_from_ini(dir / "b.ini", dir);
  ASSERT_TRUE(dirs);
  EXPECT_EQ(dirs->size(), 2u);
  std::ofstream(dir / "c.ini") << "[alembic]\nscript_location = myapp:migrations\n";
  EXPECT_FALSE(versions_dirs_from_ini(dir / "c.ini", dir));  // a package reference: ask Alembic
  fs::remove_all(dir);
}

// The shapes public trees use (findings F10, F19), each as Alembic 1.8's ScriptDirectory.from_config
// reads it; tests/integration/alembic_ini_test.cc asks the real Alembic the same.
TEST(AlembicIni, SeparatorsContinuationLinesAndTheWorkingDirectory) {
  fs::path dir = fs::temp_directory_path() / ("orch-ini2-" + std::to_string(::getpid()));
  fs::create_directories(dir / "svc");
  const fs::path cwd = dir;  // Alembic runs here; the ini sits in svc/
  auto at = [&](const std::string& text) {
    std::ofstream(dir / "svc" / "alembic.ini") << text;
    return version_locations_from_ini(dir / "svc" / "alembic.ini", cwd);
  };
  auto os_sep = at("[alembic]\nscript_location = %(here)s/m\nversion_path_separator = os\n"
                   "version_locations = %(here)s/v:%(here)s/liberty/expand:%(here)s/liberty/contract\n");
  EXPECT_EQ(os_sep.why_not, "");
  EXPECT_EQ(os_sep.dirs, (std::vector<fs::path>{dir / "svc/v", dir / "svc/liberty/expand", dir / "svc/liberty/contract"}));
  auto lines = at("[alembic]\nscript_location = m\npath_separator = newline\nversion_locations =\n    a/v1\n    a/v2\n");
  EXPECT_EQ(lines.dirs, (std::vector<fs::path>{cwd / "a/v1", cwd / "a/v2"}));
  auto relative = at("[ALEMBIC]\n[alembic]\nScript_Location: svc/migrations\n");  // `:` and any case, as configparser
  EXPECT_EQ(relative.dirs, (std::vector<fs::path>{cwd / "svc/migrations/versions"}));  // the cwd's, not the ini's
  auto walk = at("[alembic]\nscript_location = %(here)s/m\nrecursive_version_locations = true\n");
  EXPECT_TRUE(walk.recursive);
  EXPECT_NE(at("[alembic]\nscript_location = m\nversion_path_separator = |\nversion_locations = a|b\n").why_not, "");
  EXPECT_NE(at("[alembic]\nscript_location = %(root)s/m\n").why_not, "");  // another interpolation: ask Alembic
  fs::remove_all(dir);
}

TEST(AlembicIni, RecursiveLocationsReadTheSubdirectories) {
  fs::path dir = fs::temp_directory_path() / ("orch-ini3-" + std::to_string(::getpid()));
  fs::create_directories(dir / "m/versions/2026");
  std::ofstream(dir / "m/versions/a.py") << "revision = 'a'\ndown_revision = None\n";
  std::ofstream(dir / "m/versions/2026/b.py") << "revision = 'b'\ndown_revision = 'a'\n";
  std::ofstream(dir / "alembic.ini") << "[alembic]\nscript_location = %(here)s/m\n";
  EXPECT_EQ(read_revision_set(dir / "alembic.ini", dir)->heads(), (std::vector<std::string>{"a"}));
  std::ofstream(dir / "alembic.ini") << "[alembic]\nscript_location = %(here)s/m\nrecursive_version_locations = true\n";
  EXPECT_EQ(read_revision_set(dir / "alembic.ini", dir)->heads(), (std::vector<std::string>{"b"}));
  fs::remove_all(dir);
}

// Shapes Alembic rejects or reads differently must not pass `check` (issue: adversarial pass).
TEST(RevisionReader, RevisionMustBeAPlainStringNotATuple) {
  auto f = parse_revision_source("revision = ('001',)\ndown_revision = None\n", "001_x.py");
  EXPECT_NE(f.error.find("line 1: `revision` is not a plain string"), std::string::npos) << f.error;
  EXPECT_EQ(f.error_line, 1);
  auto none = parse_revision_source("revision = None\ndown_revision = None\n", "x.py");
  EXPECT_FALSE(none.error.empty());
}

TEST(RevisionReader, ModuleLevelStringConstantsAreResolved) {
  auto f = parse_revision_source(
      "REV = 'c0ffee'\nPARENT = \"beef01\"\nrevision = REV\ndown_revision = PARENT\ndepends_on = None\n", "c0ffee_x.py");
  EXPECT_TRUE(f.error.empty()) << f.error;
  EXPECT_EQ(f.revision, "c0ffee");
  EXPECT_EQ(f.revision_line, 3);
  EXPECT_EQ(f.down_revisions, std::vector<std::string>{"beef01"});
  // A constant that is itself computed is still not guessed.
  auto computed = parse_revision_source("REV = make_id()\nrevision = REV\ndown_revision = None\n", "x.py");
  EXPECT_FALSE(computed.error.empty());
}

TEST(RevisionReader, ASecondRevisionAssignmentIsAnErrorAtIt) {
  auto f = parse_revision_source("revision = 'aaa'\ndown_revision = None\n\nrevision = 'bbb'\n", "aaa_x.py");
  EXPECT_EQ(f.error_line, 4);
  EXPECT_NE(f.error.find("assigned a second time (first at line 1)"), std::string::npos) << f.error;
}
