#include "export/text_table.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "export/text_width.h"

namespace gongkai::exports {
namespace {

// Border characters by the arms that meet there: index = up | down << 1 | left << 2 | right << 3.
constexpr const char* kJunctions[16] = {" ", "│", "│", "│", "─", "┘", "┐", "┤",
                                        "─", "└", "┌", "├", "─", "┴", "┬", "┼"};

const char* Junction(bool up, bool down, bool left, bool right) {
  return kJunctions[up | down << 1 | left << 2 | right << 3];
}

// The arms of a border character; -1 for any other character.
int ArmsOf(absl::string_view ch) {
  for (int arms = 15; arms >= 0; --arms) {
    if (ch == kJunctions[arms]) return arms;
  }
  return -1;
}

// Splits UTF-8 text into its characters.
std::vector<absl::string_view> Characters(absl::string_view text) {
  std::vector<absl::string_view> out;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

// Joins the bottom border of one box and the top border of the box below into one line
// (└──┘ over ┌──┐ becomes ├──┤), or returns nullopt when they do not line up.
std::optional<std::string> MergeBorders(absl::string_view bottom, absl::string_view top) {
  const std::vector<absl::string_view> a = Characters(bottom);
  const std::vector<absl::string_view> b = Characters(top);
  if (a.size() != b.size()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    const int arms_a = ArmsOf(a[i]);
    const int arms_b = ArmsOf(b[i]);
    if (arms_a < 0 || arms_b < 0) return std::nullopt;
    out += kJunctions[arms_a | arms_b];
  }
  return out;
}

// Column widths for the blocks of one table, so that they stack into one box: label columns
// shared by all blocks, value columns by blocks with as many columns, and the last column of
// a narrower block stretched to the widest.
std::vector<std::vector<int>> SharedWidths(const std::vector<Grid>& blocks) {
  std::vector<std::vector<int>> widths;
  for (const Grid& block : blocks) widths.push_back(ColumnWidths(block));
  for (size_t a = 0; a < blocks.size(); ++a) {
    for (size_t b = 0; b < blocks.size(); ++b) {
      const bool same_shape = blocks[a].cols == blocks[b].cols;
      if (blocks[a].label_cols != blocks[b].label_cols) continue;
      for (int c = 0; c < blocks[a].cols && c < blocks[b].cols; ++c) {
        if (c < blocks[a].label_cols || same_shape) {
          widths[a][c] = std::max(widths[a][c], widths[b][c]);
        }
      }
    }
  }
  auto total = [](const std::vector<int>& w) {
    int sum = 1;
    for (int x : w) sum += x + 3;
    return sum;
  };
  int widest = 0;
  for (const auto& w : widths) widest = std::max(widest, total(w));
  for (auto& w : widths) {
    if (!w.empty()) w.back() += widest - total(w);
  }
  return widths;
}

Align AlignOf(GridCell::Role role) {
  switch (role) {
    case GridCell::Role::kValue:
      return Align::kRight;
    case GridCell::Role::kHeader:
    case GridCell::Role::kCorner:
      return Align::kCenter;
    default:
      return Align::kLeft;
  }
}

}  // namespace

std::string DrawGrid(const Grid& grid) { return DrawGrid(grid, ColumnWidths(grid)); }

std::string DrawGrid(const Grid& grid, const std::vector<int>& widths) {
  // owner[r][c]: index of the cell covering that position.
  std::vector<std::vector<int>> owner(grid.rows, std::vector<int>(grid.cols, -1));
  for (size_t i = 0; i < grid.cells.size(); ++i) {
    const GridCell& cell = grid.cells[i];
    for (int r = cell.row; r < cell.row + cell.row_span; ++r) {
      for (int c = cell.col; c < cell.col + cell.col_span; ++c) owner[r][c] = static_cast<int>(i);
    }
  }
  // A vertical border at column boundary x in row r; a horizontal one above row y over column c.
  auto vertical = [&](int r, int x) {
    return r >= 0 && r < grid.rows && (x == 0 || x == grid.cols || owner[r][x - 1] != owner[r][x]);
  };
  auto horizontal = [&](int y, int c) {
    return c >= 0 && c < grid.cols && (y == 0 || y == grid.rows || owner[y - 1][c] != owner[y][c]);
  };
  std::string out;
  for (int y = 0; y <= grid.rows; ++y) {
    for (int x = 0; x <= grid.cols; ++x) {
      absl::StrAppend(&out, Junction(vertical(y - 1, x), vertical(y, x), horizontal(y, x - 1),
                                     horizontal(y, x)));
      if (x == grid.cols) break;
      const int width = widths[x] + 2;
      if (horizontal(y, x)) {
        for (int i = 0; i < width; ++i) absl::StrAppend(&out, "─");
      } else {
        out.append(width, ' ');
      }
    }
    out += '\n';
    if (y == grid.rows) break;
    out += "│";
    for (int x = 0; x < grid.cols;) {
      const GridCell& cell = grid.cells[owner[y][x]];
      int inner = 3 * (cell.col_span - 1);
      for (int c = cell.col; c < cell.col + cell.col_span; ++c) inner += widths[c];
      // Text sits on the first line of a merged cell; the lines below stay empty.
      absl::StrAppend(&out, " ", Pad(y == cell.row ? cell.text : "", inner, AlignOf(cell.role)),
                      " │");
      x = cell.col + cell.col_span;
    }
    out += '\n';
  }
  return out;
}

std::string FormatTextTables(const v1::Report& report) {
  std::string out;
  for (const auto& [label, value] : MetadataOf(report)) {
    absl::StrAppend(&out, label, "：", value, "\n");
  }
  for (const TableLayout& table : LayoutOf(report)) {
    absl::StrAppend(&out, "\n", table.title, "\n");
    const std::vector<std::vector<int>> widths = SharedWidths(table.blocks);
    std::vector<std::string> lines;
    for (size_t b = 0; b < table.blocks.size(); ++b) {
      std::vector<std::string> box = absl::StrSplit(DrawGrid(table.blocks[b], widths[b]), '\n');
      box.pop_back();  // After the last '\n'.
      if (!lines.empty()) {
        if (auto merged = MergeBorders(lines.back(), box.front())) {
          lines.back() = *merged;
          box.erase(box.begin());
        }
      }
      lines.insert(lines.end(), box.begin(), box.end());
    }
    for (const std::string& line : lines) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace gongkai::exports
