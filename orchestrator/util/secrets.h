#pragma once
// Secrets (passwords in database URLs, contents of secret files) must never reach a terminal, a log
// or a report. Every place that resolves a secret registers it here, and every writer scrubs through it,
// so a child process that echoes its DATABASE_URL is caught as well.
#include <string>
#include <string_view>

namespace orch::secrets {

// Registers a value that must never be printed, and its percent-decoded form ("p%40ss" is printed by a
// child as "p@ss"). Thread-safe; empty and very short values are ignored (a one-character "password"
// would blank out half of every line).
void remember(std::string value);

// Registers every password a URL holds: its userinfo password and any password= parameter.
void remember_url(const std::string& url);

// Replaces every registered secret in `text` with "***", and the password part of any URL's userinfo.
std::string scrub(std::string_view text);

// postgresql://user:***@host:5432/db — the password replaced, everything else kept for diagnosis.
std::string redact_url(std::string_view url);

// Forgets every registered secret (tests only).
void clear_for_tests();

}  // namespace orch::secrets
