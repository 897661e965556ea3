#include "util/connect_hint.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace orch {

namespace {

bool has(const std::string& lower, const char* part) { return lower.find(part) != std::string::npos; }

}  // namespace

std::string connect_hint(std::string_view error) {
  std::string e(error);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (has(e, "password authentication failed") || has(e, "no password supplied") || has(e, "authentication failed"))
    return "authentication failed: check the user and password of the database URL (or the secret it comes from); "
           "PostgreSQL itself is running and reachable";
  if (has(e, "server does not support ssl"))
    return "the server does not offer TLS but the URL requires it: use sslmode=prefer, or enable ssl on the server";
  if (has(e, "ssl off") || has(e, "ssl connection is required") || has(e, "ssl required") || has(e, "sslmode"))
    return "the server requires TLS: add sslmode=require to the database URL (?sslmode=require)";
  if (has(e, "no pg_hba.conf entry"))
    return "the server refuses this user, database or client address (pg_hba.conf): connect as an allowed user, "
           "from an allowed host, or ask its administrator";
  if (has(e, "database \"") && has(e, "does not exist"))
    return "the server is up but has no such database: create it (createdb NAME) or fix the database name in the URL";
  if (has(e, "role \"") && has(e, "does not exist"))
    return "the server is up but has no such user: fix the user in the database URL, or create the role";
  if (has(e, "could not translate host name") || has(e, "name or service not known") ||
      has(e, "temporary failure in name resolution") || has(e, "nodename nor servname"))
    return "the host name does not resolve: check the host in the database URL (a typo, or a name only known "
           "inside a cluster or VPN)";
  if (has(e, "connection refused"))
    return "nothing listens at that host and port: is PostgreSQL running there, and is the port in the database URL right?";
  if (has(e, "timeout expired") || has(e, "timed out"))
    return "no answer in time: a firewall drops the connection, or the host or port is wrong";
  if (has(e, "too many connections") || has(e, "remaining connection slots"))
    return "the server has no connection slot left: close idle sessions, or connect through a session-mode pooler";
  if (has(e, "no such file or directory") && has(e, "socket"))
    return "no server on that Unix socket: is PostgreSQL running here, or give a host in the database URL";
  return "is PostgreSQL running, and is the database URL right?";
}

}  // namespace orch
