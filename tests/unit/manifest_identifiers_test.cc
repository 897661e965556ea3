// Identifiers longer than PostgreSQL's 63 bytes are refused where they are written: PostgreSQL would cut
// them silently, and two long schemas that share their first 63 bytes would become one schema, one ledger.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kinds.h"
#include "manifest/manifest.h"

namespace fs = std::filesystem;
using namespace orch;

namespace {

const std::string k63(63, 'a');
const std::string k64 = std::string(63, 'a') + "b";
const std::string k64b = std::string(63, 'a') + "c";

std::vector<ManifestError> errors_of(const std::string& text) {
  try {
    parse_manifest(text, fs::temp_directory_path() / "services.toml");
  } catch (const ManifestErrors& e) {
    return e.errors();
  }
  return {};
}

std::string command_service(const std::string& name, const std::string& schema) {
  return "\n[services." + name + "]\nschema = \"" + schema + "\"\nrunner = \"command\"\ncommand = [\"true\"]\n";
}

const char* kHeader = "[project]\nname = \"p\"\ndatabase = \"env:ORCH_TEST_DB\"\n";

}  // namespace

TEST(ManifestIdentifiers, SchemasOver63BytesAreRefusedAtTheirPosition) {
  auto errors = errors_of(kHeader + command_service("one", k64) + command_service("two", k64b));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].pos.line, 6);
  EXPECT_EQ(errors[0].pos.column, 10);
  EXPECT_EQ(errors[0].message, "\"schema\" of service one \"" + k64 +
                                   "\" is 64 bytes; PostgreSQL keeps only the first 63, so longer names that share "
                                   "them would name one object");
  EXPECT_EQ(errors[0].hint, "shorten it to at most 63 bytes (UTF-8)");
  EXPECT_EQ(errors[1].pos.line, 11);
  // 63 bytes is PostgreSQL's limit, not past it; bytes, not characters, count (é is two).
  EXPECT_TRUE(errors_of(kHeader + command_service("one", k63)).empty());
  auto utf8 = errors_of(kHeader + command_service("one", std::string(62, 'a') + "\xc3\xa9"));
  ASSERT_EQ(utf8.size(), 1u);
  EXPECT_NE(utf8[0].message.find("is 64 bytes"), std::string::npos);
}

TEST(ManifestIdentifiers, PolicyNamesSchemasColumnsAndRolesOver63BytesAreRefused) {
  const std::string text = kHeader + command_service("one", "s") +
                           "\n[rls]\nrequire = [\"" + k64 + "\"]\nexclude = [\"s." + k64 + "\"]\n"
                           "\n[[rls.policy]]\nname = \"" + k64 + "\"\nschemas = [\"s\", \"" + k64 +
                           "\"]\nwhen_column = \"" + k64 + "\"\nroles = [\"" + k64 + "\"]\nusing = \"true\"\n";
  auto errors = errors_of(text);
  std::vector<std::string> what;
  for (const auto& e : errors) what.push_back(std::to_string(e.pos.line) + ":" + e.message.substr(0, e.message.find(" \"a")));
  EXPECT_EQ(what, (std::vector<std::string>{"11:[rls] require entry", "12:[rls] exclude entry", "15:[[rls.policy]] name",
                                            "16:schema of [[rls.policy]] " + k64,
                                            "17:\"when_column\" of [[rls.policy]] " + k64,
                                            "18:role of [[rls.policy]] " + k64}));
}

TEST(ManifestIdentifiers, VersionTablePartsOver63BytesStayRefused) {
  auto errors = errors_of(kHeader + command_service("one", "s") + "version_table = \"s." + k64 + "\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pos.line, 9);
}
