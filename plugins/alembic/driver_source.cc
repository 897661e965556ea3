#include "alembic/driver_source.h"

#include <cstddef>

namespace orch {

extern const unsigned char kAlembicDriverSource[];
extern const std::size_t kAlembicDriverSize;

std::string_view alembic_driver_source() {
  return {reinterpret_cast<const char*>(kAlembicDriverSource), kAlembicDriverSize};
}

std::vector<std::string> alembic_driver_argv(const std::string& python, const std::vector<std::string>& mode_args) {
  // The source arrives on stdin; compiled under a name that marks its frames as ours in tracebacks.
  static const char* kBootstrap =
      "import sys; src = sys.stdin.buffer.read(); "
      "exec(compile(src, '<orchestrate alembic driver>', 'exec'), {'__name__': '__orchestrate_driver__'})";
  std::vector<std::string> argv = {python, "-c", kBootstrap};
  argv.insert(argv.end(), mode_args.begin(), mode_args.end());
  return argv;
}

}  // namespace orch
