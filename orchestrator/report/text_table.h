#pragma once
// Column-aligned text tables, the one layout every report on a terminal uses: each column as wide as
// its widest cell plus two spaces, the last column unpadded, an optional colour per cell.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace orch {

// Returns the escape code to put before a cell ("" for none); row 0 is the header.
using CellColor = std::function<const char*(size_t row, size_t col, const std::string& cell)>;

// `rows[0]` is the header. A reset code follows every coloured cell.
void write_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows, const CellColor& color = nullptr);

}  // namespace orch
