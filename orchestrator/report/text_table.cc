#include "report/text_table.h"

#include <algorithm>

namespace orch {

void write_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows, const CellColor& color) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    for (size_t c = 0; c < row.size(); ++c) {
      const char* on = color ? color(r, c, row[c]) : "";
      out << on << row[c] << (*on ? "\x1b[0m" : "");
      if (c + 1 < row.size()) out << std::string(width[c] - row[c].size() + 2, ' ');
    }
    out << '\n';
  }
}

}  // namespace orch
