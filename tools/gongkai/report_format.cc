#include "tools/gongkai/report_format.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "proto/cells.h"

namespace gongkai::cli {
namespace {

// Decodes one UTF-8 code point at `i` (advancing it); invalid bytes count as one column.
uint32_t NextCodePoint(absl::string_view s, size_t* i) {
  const unsigned char c = static_cast<unsigned char>(s[*i]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  ++*i;
  for (; extra > 0 && *i < s.size(); --extra, ++*i) cp = (cp << 6) | (s[*i] & 0x3F);
  return cp;
}

bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

const char* TableTitle(absl::string_view table) {
  if (table == "二") return "二、主动公开政府信息情况";
  if (table == "三") return "三、收到和处理政府信息公开申请情况";
  return "四、政府信息公开行政复议、行政诉讼情况";
}

struct Row {
  std::vector<std::string> path;  // Row label split at '/'.
  std::vector<std::string> columns;
  std::vector<std::string> values;
};

}  // namespace

int DisplayWidth(absl::string_view text) {
  int width = 0;
  for (size_t i = 0; i < text.size();) width += IsWide(NextCodePoint(text, &i)) ? 2 : 1;
  return width;
}

std::string Pad(absl::string_view text, int width, bool right) {
  const std::string fill(std::max(0, width - DisplayWidth(text)), ' ');
  return right ? absl::StrCat(fill, text) : absl::StrCat(text, fill);
}

std::string FormatTable(const v1::Report& report) {
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  std::string out = absl::StrCat("格式版本 ", EditionLabel(report.edition()), "  年度 ",
                                 report.key().year(), "\n");
  size_t i = 0;
  while (i < cells.size()) {
    const std::string table = cells[i].table;
    // Gather this table's rows.
    std::vector<Row> rows;
    for (; i < cells.size() && cells[i].table == table; ++i) {
      if (rows.empty() || cells[i].row != absl::StrJoin(rows.back().path, "/")) {
        rows.push_back(Row{absl::StrSplit(cells[i].row, '/'), {}, {}});
      }
      bool uncertain = std::find(report.uncertain_cells().begin(), report.uncertain_cells().end(),
                                 cells[i].field_path) != report.uncertain_cells().end();
      rows.back().columns.push_back(cells[i].column);
      rows.back().values.push_back(
          uncertain ? "?" : FormatCellValue(cells[i], GetCell(report, cells[i])));
    }
    int label_width = 0;
    int value_width = 0;
    for (const Row& row : rows) {
      label_width = std::max(label_width, 2 * static_cast<int>(row.path.size() - 1) +
                                              DisplayWidth(row.path.back()));
      for (size_t c = 0; c < row.columns.size(); ++c) {
        value_width = std::max({value_width, DisplayWidth(row.columns[c]),
                                DisplayWidth(row.values[c])});
      }
    }
    absl::StrAppend(&out, "\n", TableTitle(table), "\n");
    const std::vector<std::string>* header = nullptr;
    std::vector<std::string> previous_path;
    for (const Row& row : rows) {
      if (header == nullptr || *header != row.columns) {
        header = &row.columns;
        std::string line = Pad("", label_width);
        for (const std::string& column : row.columns) {
          absl::StrAppend(&line, "  ", Pad(column, value_width, true));
        }
        absl::StrAppend(&out, line, "\n");
      }
      // Group labels that this row opens (those not shared with the previous row).
      size_t shared = 0;
      while (shared + 1 < row.path.size() && shared < previous_path.size() &&
             previous_path[shared] == row.path[shared]) {
        ++shared;
      }
      for (size_t level = shared; level + 1 < row.path.size(); ++level) {
        absl::StrAppend(&out, std::string(2 * level, ' '), row.path[level], "\n");
      }
      std::string line = Pad(absl::StrCat(std::string(2 * (row.path.size() - 1), ' '),
                                          row.path.back()),
                             label_width);
      for (const std::string& value : row.values) {
        absl::StrAppend(&line, "  ", Pad(value, value_width, true));
      }
      absl::StrAppend(&out, line, "\n");
      previous_path = row.path;
    }
  }
  return out;
}

}  // namespace gongkai::cli
