#pragma once
// "did you mean" for a directory the manifest names that does not exist: the closest existing sibling.
#include <filesystem>
#include <string>

namespace orch {

// The path as written with its last part replaced by the closest existing directory next to
// `missing` ("services/journal" -> "services/journal_service"); "" when the parent does not exist or
// no sibling is close (util/text.h closest_match decides what is close).
std::string closest_sibling_dir(const std::filesystem::path& missing, const std::string& as_written);

}  // namespace orch
