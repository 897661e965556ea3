#pragma once
// A position in the manifest, and an error found there: every value that can be wrong keeps the place it
// came from, so the message can point at the line a person has to edit.
#include <string>

namespace orch {

struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "services.toml:12:5", or just the file when the line is unknown
};

struct ManifestError {
  SourcePos pos;
  std::string message;
  std::string hint;  // what to do about it; may be empty
};

}  // namespace orch
