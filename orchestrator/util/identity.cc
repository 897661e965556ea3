#include "util/identity.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace orch {

std::string os_user_name() {
  for (const char* var : {"USER", "LOGNAME"})
    if (const char* v = std::getenv(var); v && *v) return v;
  if (struct passwd* pw = getpwuid(getuid()); pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(getuid());
}

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || !*host) return "unknown";
  return host;
}

std::string worker_name() {
  const char* index = std::getenv("JOB_COMPLETION_INDEX");
  if (index && *index) return "worker-" + std::string(index) + "@" + host_name();
  return os_user_name() + "@" + host_name() + ":" + std::to_string(::getpid());
}

std::string applied_by_name() {
  const char* index = std::getenv("JOB_COMPLETION_INDEX");
  return index && *index ? worker_name() : os_user_name();
}

}  // namespace orch

namespace orch {

std::string history_user_name() {
  const char* index = std::getenv("JOB_COMPLETION_INDEX");
  return index && *index ? "worker-" + std::string(index) : os_user_name();
}

}  // namespace orch
