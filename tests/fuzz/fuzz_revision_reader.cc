// libFuzzer target: the Alembic revision reader takes any bytes a file may hold and either reads a
// revision or says why not; it never crashes, and a revision it reads is never empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "alembic/revision_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  orch::RevisionFile f = orch::parse_revision_source(text, "fuzz.py");
  if (f.error.empty() && f.revision.empty()) std::abort();
  return 0;
}
