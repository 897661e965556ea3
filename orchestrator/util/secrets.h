#pragma once
// Secrets (passwords in database URLs, contents of secret files) must never reach a terminal, a log
// or a report. Every place that resolves a secret registers it here, and every writer scrubs through it,
// so a child process that echoes its DATABASE_URL is caught as well.
#include <string>
#include <string_view>

namespace orch::secrets {

// Registers a value that must never be printed, with its percent-decoded form ("p%40ss" is printed by a
// child as "p@ss") and its percent-encoded form (what a repaired URL holds). Thread-safe; empty and very
// short values are ignored (a one-character "password" would blank out half of every line).
void remember(std::string value);

// Registers every password a connection string holds: a URL's userinfo password (up to the last '@'
// before the host, as db_url.h reads it) and any password= parameter, or a keyword string's
// password=VALUE ('quoted' or up to white space).
void remember_url(const std::string& url);

// Registers the passwords libpq may use without their being in a URL: PGPASSWORD, every password in
// the password file libpq reads (PGPASSFILE, else ~/.pgpass) and every password= of the connection
// service file (PGSERVICEFILE, else ~/.pg_service.conf). scrub() does this once by itself; call it
// again after the environment changed (tests).
void remember_libpq_environment();

// Replaces every registered secret in `text` with "***", then masks what looks like a password
// anywhere: a URL's userinfo password, password= in a URL's query (up to '&'), and a keyword string's
// password=VALUE (quoted, or up to white space or an unescaped '"', so a JSON line stays JSON).
std::string scrub(std::string_view text);

// postgresql://user:***@host:5432/db — the password replaced, everything else kept for diagnosis.
// Works on prose too (every URL and password= in it), as scrub()'s second half.
std::string redact_url(std::string_view url);

// For libpq's connection errors, which quote pieces of what they could not parse
// (invalid percent-encoded token: "S3cr%t:P"): scrub(), and every "…"-quoted span that shares three or
// more characters in a row with a registered secret becomes "***".
std::string scrub_quoted_fragments(std::string_view text);

// Forgets every registered secret (tests only); the next scrub() reads libpq's environment again.
void clear_for_tests();

}  // namespace orch::secrets
