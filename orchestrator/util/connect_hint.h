#pragma once
// What to do about a failed connection, from libpq's message: the one place that tells a wrong
// password from a server that is not running, a host name that does not resolve, a database that does
// not exist, or a server that requires TLS. Every command that connects takes its hint from here.
#include <string>
#include <string_view>

namespace orch {

// The hint for libpq's error text (already scrubbed of secrets; only its wording is read).
std::string connect_hint(std::string_view libpq_error);

}  // namespace orch
