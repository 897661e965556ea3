// Passwords that were not percent-encoded, keyword strings, libpq's quoted tokens, PGPASSWORD and the
// password file: nothing of a password (no piece of three or more characters) may be printed.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/db_url.h"
#include "util/secrets.h"

using namespace orch;
namespace fs = std::filesystem;

namespace {

// Passwords people really type, unencoded, and worse.
const std::vector<std::string> kHostile = {
    "S3cr%t:P@ss/w?rd#&x=1+Z", "Tr0ub@dor&3", "p@ss/w0rd!", "::@@//??##", "%zz%41%g", "pä$$wörd@Ωmega",
    "a&password=b@c", "end-with-at@", "@start-with-at", "semi;colon,comma)paren",
};

// The first piece (3+ characters) of `secret` that `text` holds, or "".
std::string leaked_piece(const std::string& text, const std::string& secret) {
  for (size_t len = secret.size(); len >= 3; --len)
    for (size_t i = 0; i + len <= secret.size(); ++i)
      if (text.find(secret.substr(i, len)) != std::string::npos) return secret.substr(i, len);
  return "";
}

std::string url_with(const std::string& pw) { return "postgresql://sec:" + pw + "@db.example:5432/app?sslmode=require"; }

}  // namespace

TEST(SecretsHostile, UnregisteredUrlsAreMaskedUpToTheLastAtBeforeTheHost) {
  secrets::clear_for_tests();
  for (const auto& pw : kHostile) {
    const std::string url = url_with(pw);
    EXPECT_EQ(secrets::redact_url(url), "postgresql://sec:***@db.example:5432/app?sslmode=require") << pw;
    const std::string line = "error: cannot connect to " + url + ": timeout";
    const std::string shown = secrets::redact_url(line);
    EXPECT_EQ(shown, "error: cannot connect to postgresql://sec:***@db.example:5432/app?sslmode=require: timeout")
        << pw;
    EXPECT_EQ(leaked_piece(shown, pw), "") << pw << " in " << shown;
  }
}

TEST(SecretsHostile, AJsonLineStaysJsonAndLosesThePassword) {
  secrets::clear_for_tests();
  for (const auto& pw : kHostile) {
    // The event stream scrubs whole dumped lines: the URL must end at its string's closing quote.
    nlohmann::json j = {{"database", url_with(pw)}, {"line", "mail me@example.org"}, {"n", 1}};
    const std::string out = secrets::scrub(j.dump());
    auto back = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(back.is_discarded()) << pw << ": " << out;
    EXPECT_EQ(back["database"], "postgresql://sec:***@db.example:5432/app?sslmode=require") << pw;
    EXPECT_EQ(back["line"], "mail me@example.org");
    EXPECT_EQ(leaked_piece(out, pw), "") << pw << " in " << out;
  }
}

TEST(SecretsHostile, RegisteredPasswordsAreMaskedInEveryFormAChildMayPrint) {
  for (const auto& pw : kHostile) {
    secrets::clear_for_tests();
    const std::string url = url_with(pw);
    secrets::remember_url(url);
    const std::string repaired = encode_userinfo(url);
    for (const std::string& printed : {pw, repaired, "url=" + url, "url=" + repaired}) {
      const std::string out = secrets::scrub("child: " + printed + " done");
      EXPECT_EQ(leaked_piece(out, pw), "") << pw << " printed as " << printed << " shown as " << out;
    }
  }
  secrets::clear_for_tests();
}

TEST(SecretsHostile, KeywordStringsAreMaskedWholeQuotedOrUpToWhiteSpace) {
  secrets::clear_for_tests();
  EXPECT_EQ(secrets::redact_url("host=db password=S3cr%t:P@ss/w?rd#&x=1+Z dbname=app"),
            "host=db password=*** dbname=app");
  EXPECT_EQ(secrets::redact_url("host=db password = 'it\\'s a \\\\ b' dbname=app"), "host=db password = *** dbname=app");
  EXPECT_EQ(secrets::redact_url("PGPASSWORD=Tr0ub@dor&3 psql"), "PGPASSWORD=*** psql");
  EXPECT_EQ(secrets::redact_url("password authentication failed for user \"sec\""),
            "password authentication failed for user \"sec\"");
  // Registered from a keyword string, so a child printing the bare value is caught too.
  secrets::remember_url("host=db password='a b&c@d' dbname=app");
  EXPECT_EQ(secrets::scrub("got a b&c@d"), "got ***");
  secrets::clear_for_tests();
}

TEST(SecretsHostile, LibpqQuotedTokensSharingAPieceOfAPasswordAreMasked) {
  secrets::clear_for_tests();
  secrets::remember_url("postgresql://sec:S3cr%t:P@ss/w?rd#&x=1+Z@host/db");
  EXPECT_EQ(secrets::scrub_quoted_fragments("invalid percent-encoded token: \"S3cr%t:P\""),
            "invalid percent-encoded token: \"***\"");
  EXPECT_EQ(secrets::scrub_quoted_fragments("could not translate host name \"ss\" to address, then \"w?rd#\""),
            "could not translate host name \"ss\" to address, then \"***\"");
  EXPECT_EQ(secrets::scrub_quoted_fragments("database \"app\" does not exist"), "database \"app\" does not exist");
  secrets::clear_for_tests();
}

TEST(DbUrl, UnencodedPasswordsAreEncodedAndWellFormedUrlsKept) {
  EXPECT_EQ(encode_userinfo("postgresql://sec:S3cr%t:P@ss/w?rd#&x=1+Z@host/db"),
            "postgresql://sec:S3cr%25t:P%40ss%2Fw%3Frd%23&x=1+Z@host/db");
  EXPECT_EQ(encode_userinfo("postgresql://u:Tr0ub@dor&3@h:5432/db?sslmode=require"),
            "postgresql://u:Tr0ub%40dor&3@h:5432/db?sslmode=require");
  EXPECT_EQ(encode_userinfo("postgresql://admin@srv@host/db"), "postgresql://admin%40srv@host/db");
  for (const char* fine : {"postgresql://u:p%40ss@h:5432/db?sslmode=require", "postgresql://h:5432/db?user=a@b",
                           "postgresql://u:pw@h/db?options=-c%20x%3Dy&user=me@corp", "postgresql:///db?host=/tmp",
                           "postgresql://u@h,h2:5433/db"})
    EXPECT_EQ(encode_userinfo(fine), fine);
}

TEST(SecretsHostile, PgpasswordAndThePasswordFileAreSecrets) {
  const fs::path file = fs::temp_directory_path() / ("orch-pgpass-" + std::to_string(::getpid()));
  const fs::path services = fs::temp_directory_path() / ("orch-pgservice-" + std::to_string(::getpid()));
  std::ofstream(file) << "# comment\nlocalhost:5432:*:app:F1le\\:Pa55@x\n*:*:*:*:an0ther-one\n";
  std::ofstream(services) << "[prod]\nhost=db\n  password = Serv1ce Pa55 \n";
  ::setenv("PGPASSWORD", "Env-Pa55@word", 1);
  ::setenv("PGPASSFILE", file.c_str(), 1);
  ::setenv("PGSERVICEFILE", services.c_str(), 1);
  secrets::clear_for_tests();
  EXPECT_EQ(secrets::scrub("pw=Env-Pa55@word f=F1le:Pa55@x o=an0ther-one s=Serv1ce Pa55."), "pw=*** f=*** o=*** s=***.");
  ::unsetenv("PGPASSWORD");
  ::unsetenv("PGPASSFILE");
  ::unsetenv("PGSERVICEFILE");
  fs::remove(file);
  fs::remove(services);
  secrets::clear_for_tests();
}
