// A failed connection says what to do for its cause (libpq's own wording, as PostgreSQL 15's libpq
// prints it), and `status` prints that error once, not once per service and again for RLS.
#include <gtest/gtest.h>

#include <sstream>

#include "report/status_report.h"
#include "util/connect_hint.h"
#include "util/text.h"

using namespace orch;

namespace {

int count_of(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(ConnectHint, EachCauseGetsItsOwnHint) {
  EXPECT_EQ(connect_hint("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication "
                         "failed for user \"app\"").rfind("authentication failed: check the user and password", 0), 0u);
  EXPECT_EQ(connect_hint("connection to server at \"127.0.0.1\", port 5999 failed: Connection refused\n\tIs the server "
                         "running on that host and accepting TCP/IP connections?").rfind("nothing listens at that host and port", 0), 0u);
  EXPECT_EQ(connect_hint("could not translate host name \"db.internl\" to address: Name or service not known")
                .rfind("the host name does not resolve", 0), 0u);
  EXPECT_EQ(connect_hint("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"prodcut\" does not exist")
                .rfind("the server is up but has no such database", 0), 0u);
  EXPECT_EQ(connect_hint("connection to server at \"10.0.0.5\", port 5432 failed: FATAL:  no pg_hba.conf entry for host "
                         "\"10.0.0.9\", user \"app\", database \"app\", SSL off").rfind("the server requires TLS: add sslmode=require", 0), 0u);
  EXPECT_EQ(connect_hint("connection to server at \"127.0.0.1\", port 5432 failed: server does not support SSL, but SSL was required")
                .rfind("the server does not offer TLS", 0), 0u);
  EXPECT_EQ(connect_hint("something else entirely"), "is PostgreSQL running, and is the database URL right?");
}

TEST(ConnectHint, StatusPrintsOneConnectionErrorOnce) {
  StatusReport r;
  r.project = "p";
  r.target = "default";
  r.database = "postgresql://app@db:5432/app";
  r.rls_configured = true;
  const std::string err = "cannot connect: connection to server at \"db\", port 5432 failed: FATAL:  password "
                          "authentication failed for user \"app\"";
  for (const char* name : {"users", "habits", "meals"}) {
    ServiceStatus s;
    s.name = name;
    s.runner = "alembic";
    s.schema = name;
    s.state = service_state::kUnreachable;
    s.detail = err;
    r.services.push_back(s);
  }
  r.rls.error = err;
  std::ostringstream out;
  render_status_table(r, out, false);
  EXPECT_EQ(count_of(out.str(), "password authentication failed"), 1) << out.str();
  EXPECT_NE(out.str().find("  hint: authentication failed: check the user and password"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("RLS: not verified (no connection)"), std::string::npos) << out.str();
  // One service broken for its own reason, the others fine: each says its own.
  r.services[1].state = ServiceState::Error;
  r.services[1].detail = "permission denied for schema habits";
  std::ostringstream mixed;
  render_status_table(r, mixed, false);
  EXPECT_NE(mixed.str().find("habits: permission denied for schema habits"), std::string::npos) << mixed.str();
  EXPECT_EQ(mixed.str().find("hint: authentication failed"), std::string::npos) << mixed.str();
}

TEST(DidYouMean, AServiceNamedByPartOfItsNameIsSuggested) {
  const std::vector<std::string> services = {"users_service", "journal_service", "habits_service", "meals"};
  EXPECT_EQ(closest_match("journal", services), "journal_service");  // depends_on, --only
  EXPECT_EQ(closest_match("jurnal_service", services), "journal_service");  // a typo still wins
  EXPECT_EQ(closest_match("service", services), "");  // a part of several: no guess
  EXPECT_EQ(closest_match("xyz", services), "");
}
