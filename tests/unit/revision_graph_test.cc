// The revision graph as Alembic sees it: branch labels, heads with and without depends_on, the order
// `pending` applies revisions in, and the version rows an upgrade leaves. The order and the rows are
// compared with Alembic 1.8 itself (Debian's /usr/bin/python3, on SQLite) on trees written here; a few
// are also written down, checked by hand, so the test means something without Python.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "alembic/revision_reader.h"
#include "util/text.h"

using namespace orch;
namespace fs = std::filesystem;

namespace {

struct Rev {
  std::string id;
  std::vector<std::string> down;
  std::vector<std::string> deps;
  std::vector<std::string> labels;
};

std::string py_tuple(const std::vector<std::string>& v) {
  if (v.empty()) return "None";
  std::string s = "(";
  for (const auto& x : v) s += "'" + x + "', ";
  return s + ")";
}

// An Alembic project in a fresh directory: env.py on SQLite, one file per revision (named so the
// directory order differs from the id order), upgrade() doing nothing.
class Tree {
 public:
  Tree(const std::string& tag, const std::vector<Rev>& revs) {
    dir_ = fs::temp_directory_path() / ("orch-graph-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "versions");
    std::ofstream(dir_ / "env.py") << "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine\n"
                                      "applied = []\n"
                                      "def record(ctx, step, heads, run_args):\n"
                                      "    applied.append(step.up_revision_id)\n"
                                      "engine = create_engine(os.environ['TREE_DB'])\n"
                                      "with engine.connect() as conn:\n"
                                      "    context.configure(connection=conn, on_version_apply=record)\n"
                                      "    with context.begin_transaction():\n"
                                      "        context.run_migrations()\n"
                                      "with open(os.environ['TREE_APPLIED'], 'a') as f:\n"
                                      "    f.write(','.join(applied) + '\\n')\n";
    int n = 0;
    for (const auto& r : revs) {
      // A prefix that is neither the id order nor its reverse.
      std::string name = std::to_string((n++ * 7) % 11) + "_" + r.id + ".py";
      std::ofstream(dir_ / "versions" / name) << "\"\"\"" << r.id << "\"\"\"\nrevision = '" << r.id
                                              << "'\ndown_revision = " << py_tuple(r.down)
                                              << "\nbranch_labels = " << py_tuple(r.labels)
                                              << "\ndepends_on = " << py_tuple(r.deps)
                                              << "\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n";
    }
    set_ = RevisionSet::read_dir(dir_ / "versions");
  }
  ~Tree() { fs::remove_all(dir_); }
  const RevisionSet& set() const { return set_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  RevisionSet set_;
};

struct AlembicAnswer {
  std::vector<std::string> order;  // what `alembic upgrade TARGET` applied, in order
  std::vector<std::string> rows;   // the version table afterwards, sorted
  std::string error;
};

bool have_alembic() { return std::system("/usr/bin/python3 -c 'import alembic, sqlalchemy' >/dev/null 2>&1") == 0; }

#define REQUIRE_ALEMBIC()                                                                              \
  do {                                                                                                 \
    if (!have_alembic()) {                                                                             \
      if (std::getenv("ORCHESTRATE_REQUIRE_DB")) FAIL() << "/usr/bin/python3 cannot import alembic";   \
      GTEST_SKIP() << "no Alembic in /usr/bin/python3 (apt-get install python3-alembic)";              \
    }                                                                                                  \
  } while (0)

// Stamps `current` on a fresh SQLite database, runs `alembic upgrade target`, reads the version table.
AlembicAnswer ask_alembic(const Tree& t, const std::vector<std::string>& current, const std::string& target) {
  const fs::path db = t.dir() / "tree.db", applied = t.dir() / "applied.txt", out = t.dir() / "rows.txt";
  fs::remove(db);
  fs::remove(applied);
  const fs::path script = t.dir() / "ask.py";
  std::ofstream(script) << "import sys, sqlite3\nfrom alembic.config import Config\nfrom alembic import command\n"
                           "cfg = Config()\ncfg.set_main_option('script_location', sys.argv[1])\n"
                           "current = [c for c in sys.argv[3].split(',') if c]\n"
                           "if current:\n    command.stamp(cfg, current)\n"
                           "open(sys.argv[4], 'w').close()\n"
                           "command.upgrade(cfg, sys.argv[2])\n"
                           "rows = sorted(r[0] for r in sqlite3.connect(sys.argv[5]).execute('SELECT version_num FROM alembic_version'))\n"
                           "open(sys.argv[6], 'w').write(','.join(rows) + '\\n')\n";
  std::string cmd = "cd '" + t.dir().string() + "' && TREE_DB='sqlite:///" + db.string() + "' TREE_APPLIED='" +
                    applied.string() + "' PYTHONHASHSEED=0 /usr/bin/python3 '" + script.string() + "' '" + t.dir().string() +
                    "' '" + target + "' '" + join(current, ",") + "' '" + applied.string() + "' '" + db.string() + "' '" +
                    out.string() + "' >'" + (t.dir() / "log.txt").string() + "' 2>&1";
  AlembicAnswer a;
  if (std::system(cmd.c_str()) != 0) {
    a.error = read_text_file((t.dir() / "log.txt").string());
    return a;
  }
  // The stamp's own env.py run appended an empty line first; the upgrade's line is the last.
  auto lines = split(trim(read_text_file(applied.string())), '\n');
  std::string order_line = lines.empty() ? "" : trim(lines.back());
  for (const auto& r : split(order_line, ',')) if (!r.empty()) a.order.push_back(r);
  for (const auto& r : split(trim(read_text_file(out.string())), ',')) if (!r.empty()) a.rows.push_back(r);
  return a;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The OpenStack shape: a root, an expand branch and a contract branch, contract revisions depending on
// expand ones.
const std::vector<Rev> kExpandContract = {
    {"r0", {}, {}, {}},
    {"e1", {"r0"}, {}, {"expand"}},
    {"e2", {"e1"}, {}, {}},
    {"e3", {"e2"}, {}, {}},
    {"c1", {"r0"}, {"e1"}, {"contract"}},
    {"c2", {"c1"}, {"e3"}, {}},
};

// A merge, a dependency on another root, and a revision depending on a branch label.
const std::vector<Rev> kMergesAndRoots = {
    {"a1", {}, {}, {}},          {"b1", {"a1"}, {}, {}},       {"b2", {"a1"}, {}, {}},
    {"m1", {"b1", "b2"}, {}, {}}, {"x1", {}, {}, {"extra"}},   {"x2", {"x1"}, {"b2"}, {}},
    {"d1", {"m1"}, {"x2"}, {}},  {"y1", {}, {"extra"}, {}},    {"y2", {"y1"}, {}, {}},
};

// Five independent lines: only the load order (the directory's) decides which Alembic applies first.
const std::vector<Rev> kIndependentLines = {
    {"k1", {}, {}, {}}, {"k1b", {"k1"}, {}, {}}, {"l1", {}, {}, {}}, {"l1b", {"l1"}, {}, {}},
    {"m1", {}, {}, {}}, {"m1b", {"m1"}, {}, {}}, {"n1", {}, {}, {}}, {"n1b", {"n1"}, {}, {}},
    {"o1", {}, {}, {}}, {"o1b", {"o1"}, {"k1"}, {}},
};

}  // namespace

TEST(RevisionGraph, LabelsCoverTheirBranchWhereverTheySit) {
  Tree t("labels", {{"r0", {}, {}, {}}, {"e1", {"r0"}, {}, {}}, {"e2", {"e1"}, {}, {"expand"}},  // on the head
                    {"c1", {"r0"}, {}, {"contract"}}, {"c2", {"c1"}, {}, {}}});             // on the first
  const auto& s = t.set();
  EXPECT_EQ(s.labels_of("e1"), std::vector<std::string>{"expand"});
  EXPECT_EQ(s.labels_of("e2"), std::vector<std::string>{"expand"});
  EXPECT_EQ(s.labels_of("c2"), std::vector<std::string>{"contract"});
  EXPECT_TRUE(s.labels_of("r0").empty()) << "the branch point belongs to neither branch";
  EXPECT_EQ(s.branch_labels(), (std::vector<std::string>{"contract", "expand"}));
  EXPECT_EQ(*s.lineage_heads("expand"), std::vector<std::string>{"e2"});
  EXPECT_EQ(*s.lineage_heads("contract"), std::vector<std::string>{"c2"});
  EXPECT_EQ(sorted(*s.lineage_heads("r0")), (std::vector<std::string>{"c2", "e2"}));
  EXPECT_FALSE(s.lineage_heads("nope").has_value());
}

TEST(RevisionGraph, ADependedOnHeadIsAHeadButNotARealOne) {
  Tree t("real", {{"r0", {}, {}, {}}, {"e1", {"r0"}, {}, {"expand"}}, {"c1", {"r0"}, {"e1"}, {"contract"}}});
  EXPECT_EQ(sorted(t.set().heads()), (std::vector<std::string>{"c1", "e1"}));
  EXPECT_EQ(t.set().real_heads(), std::vector<std::string>{"c1"});
  // Alembic folds the dependency's row into the dependent's: one row after `upgrade heads`.
  EXPECT_EQ(t.set().rows_after({}, *t.set().pending({})), std::vector<std::string>{"c1"});
}

// Written down by hand: nothing runs before what it names in down_revision or depends_on.
TEST(RevisionGraph, PendingPutsDependenciesFirst) {
  Tree t("order", kExpandContract);
  const auto& s = t.set();
  auto all = *s.pending({});
  auto pos = [&](const std::string& r) { return std::find(all.begin(), all.end(), r) - all.begin(); };
  ASSERT_EQ(all.size(), 6u) << join(all, ",");
  EXPECT_LT(pos("r0"), pos("e1"));
  EXPECT_LT(pos("e1"), pos("c1"));  // depends_on
  EXPECT_LT(pos("e3"), pos("c2"));  // depends_on
  EXPECT_LT(pos("c1"), pos("c2"));
  EXPECT_EQ(*s.pending_to({}, *s.lineage_heads("expand")), (std::vector<std::string>{"r0", "e1", "e2", "e3"}));
  // contract@head needs e3 through c2's depends_on; Alembic walks c2's needs c1 first, so e2, e3 come out
  // first once reversed (the same order Alembic gives in OrderAndRowsMatchAlembicItself).
  EXPECT_EQ(*s.pending_to({"e1"}, *s.lineage_heads("contract")), (std::vector<std::string>{"e2", "e3", "c1", "c2"}));
  EXPECT_EQ(s.rows_after({"e1"}, {"c1"}), std::vector<std::string>{"c1"}) << "c1 joins e1's row";
  EXPECT_EQ(sorted(s.rows_after({"e2", "c1"}, {"e3", "c2"})), std::vector<std::string>{"c2"});
}

TEST(RevisionGraph, OrderAndRowsMatchAlembicItself) {
  REQUIRE_ALEMBIC();
  struct Case {
    const std::vector<Rev>* tree;
    std::vector<std::string> current;
    std::string target;
    std::string branch;  // resolve "<branch>@head" through lineage_heads; "" for heads
  };
  const std::vector<Case> cases = {
      {&kExpandContract, {}, "heads", ""},
      {&kExpandContract, {"e1"}, "heads", ""},
      {&kExpandContract, {"e2", "c1"}, "heads", ""},
      {&kExpandContract, {}, "expand@head", "expand"},
      {&kExpandContract, {"e1"}, "contract@head", "contract"},
      {&kMergesAndRoots, {}, "heads", ""},
      {&kMergesAndRoots, {"b1"}, "heads", ""},
      {&kMergesAndRoots, {"m1", "x1"}, "heads", ""},
      {&kMergesAndRoots, {}, "extra@head", "extra"},
      {&kIndependentLines, {}, "heads", ""},
      {&kIndependentLines, {"l1", "n1"}, "heads", ""},
  };
  int n = 0;
  for (const auto& c : cases) {
    Tree t("alembic" + std::to_string(n++), *c.tree);
    const std::string what = c.target + " from {" + join(c.current, ",") + "}";
    AlembicAnswer a = ask_alembic(t, c.current, c.target);
    ASSERT_TRUE(a.error.empty()) << what << ": Alembic failed:\n" << a.error;
    std::vector<std::string> targets = c.branch.empty() ? t.set().real_heads() : *t.set().lineage_heads(c.branch);
    auto ours = t.set().pending_to(c.current, targets);
    ASSERT_TRUE(ours.has_value()) << what;
    EXPECT_EQ(join(*ours, ","), join(a.order, ",")) << what << ": our order differs from Alembic's";
    EXPECT_EQ(join(sorted(t.set().rows_after(c.current, *ours)), ","), join(a.rows, ","))
        << what << ": our version rows differ from Alembic's";
  }
}
