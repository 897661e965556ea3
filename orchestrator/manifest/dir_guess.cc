#include "manifest/dir_guess.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include "util/text.h"

namespace fs = std::filesystem;

namespace orch {

std::string closest_sibling_dir(const fs::path& missing, const std::string& as_written) {
  fs::path norm = missing.lexically_normal();
  if (!norm.has_filename()) norm = norm.parent_path();  // "svc/nope/" names "nope"
  const std::string word = norm.filename().string();
  std::error_code ec;
  std::vector<std::string> dirs;
  for (fs::directory_iterator it(norm.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code dec;
    if (it->is_directory(dec)) dirs.push_back(it->path().filename().string());
  }
  std::sort(dirs.begin(), dirs.end());  // directory order is the file system's: keep the guess stable
  const std::string guess = closest_match(word, dirs);
  if (guess.empty() || guess == word) return "";
  // Keep what the person wrote before the last part ("./svc/", an absolute prefix).
  std::string written = as_written;
  while (written.size() > 1 && written.back() == '/') written.pop_back();
  const size_t slash = written.rfind('/');
  return slash == std::string::npos ? guess : written.substr(0, slash + 1) + guess;
}

}  // namespace orch
