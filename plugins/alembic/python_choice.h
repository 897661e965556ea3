#pragma once
// python = "PATH" | "venv" | "poetry", on a service or in [runners.alembic]: the interpreter Alembic
// runs in (`<python> -m alembic`), each with warm workers of its own.
#include <map>
#include <string>

#include "manifest/manifest.h"

namespace orch {

// The interpreter `choice` names for service `s` (whose path is set): "venv" is <path>/.venv/bin/python,
// "poetry" asks `poetry env info --executable` in the service's folder (once per folder: `memo`), a
// path is relative to the manifest's directory `dir`. It must exist; otherwise an error at `pos`.
// "" when it is an error (reported).
std::string resolve_python(const ServiceSpec& s, const std::string& choice, const SourcePos& pos,
                           const std::filesystem::path& dir, std::map<std::string, std::string>* memo,
                           ManifestDiagnostics& errors);

}  // namespace orch
