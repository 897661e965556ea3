#pragma once
// Forensics on an Alembic revision graph, from the files alone: the broken chains that otherwise show
// up only when a fresh production database fails `alembic upgrade head`.
#include <filesystem>
#include <string>
#include <vector>

#include "alembic/revision_reader.h"
#include "check/finding.h"

namespace orch {

// `display_root` shortens paths in findings (relative to the manifest's directory). `target` is the
// service's explicit upgrade target ("" for head): with one, several heads are what it chose.
std::vector<Finding> check_revision_graph(const RevisionSet& set, const std::filesystem::path& display_root,
                                          const std::string& target = "");

}  // namespace orch
