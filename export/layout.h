// The official layout of tables 二, 三 and 四, derived from the schema (CellsOf) plus the few
// header groupings that only the printed template knows. The text table and the xlsx
// workbook both draw these grids, so they show the same merged cells in the same places.
//
// Shapes, as in the template of 国办公开办函〔2019〕60号 / 〔2021〕30号:
// - 二: one block per 第二十条 item (their columns differ): a band with the item's label, a
//   header row (信息内容 + the item's columns), one row per line of the item.
// - 三: one block; row labels nested over up to three columns (三、本年度办理结果 spans its
//   rows, （三）不予公开 its eight items); 申请人情况 over all columns and 法人或其他组织 over
//   商业企业…其他; the corner holds the R1 note printed in the template.
// - 四: one block of one data row; the schema's rows become column groups (行政复议;
//   行政诉讼 › 未经复议直接起诉 / 复议后起诉), each over its five columns.
#ifndef GONGKAI_EXPORT_LAYOUT_H_
#define GONGKAI_EXPORT_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gongkai/v1/report.pb.h"
#include "proto/cells.h"

namespace gongkai::exports {

// One cell of a grid as drawn: a label, or one report cell; with the rectangle it covers.
struct GridCell {
  enum class Role { kBand, kCorner, kHeader, kLabel, kValue };
  Role role = Role::kLabel;
  int row = 0;
  int col = 0;
  int row_span = 1;
  int col_span = 1;
  // Labels: the official label. Values: the cells-output text ("" blank, "?" uncertain).
  std::string text;
  // kValue only: the schema cell, and its value (nullopt when blank or uncertain).
  const CellSpec* spec = nullptr;
  std::optional<int64_t> value;
  bool uncertain = false;
};

// A rectangular block of the layout. Every position is covered by exactly one GridCell;
// `cells` lists them in row-major order of their top-left corners.
struct Grid {
  int rows = 0;
  int cols = 0;
  int label_cols = 0;  // Leading columns that hold row labels.
  std::vector<GridCell> cells;
};

// One table as printed: its official title and its blocks, top to bottom.
struct TableLayout {
  std::string table;  // "二", "三" or "四"
  std::string title;  // e.g. "二、主动公开政府信息情况"
  std::vector<Grid> blocks;
};

// Returns the report's tables in the official layout (none for EDITION_UNSPECIFIED).
std::vector<TableLayout> LayoutOf(const v1::Report& report);

// Returns the inner width (display columns, without padding) each column of `grid` needs so
// that every cell's text fits; a spanning cell widens the last column it covers.
std::vector<int> ColumnWidths(const Grid& grid);

// One row of a table in the schema (docs/CELLS.md): consecutive cells sharing table and row.
struct SchemaRow {
  std::string table;
  std::string row;         // Official label path joined by '/'.
  std::vector<int> cells;  // Indices into CellsOf(edition), in column order.
};

// Returns the rows of every table of the edition, in official order.
std::vector<SchemaRow> RowsOf(v1::Edition edition);

// Returns the label → value metadata of the report: 格式版本 and 年度 always (values may be
// empty), then 区划代码, 机关代码, 范围, 标题, 发布机关, 发布日期 when set.
std::vector<std::pair<std::string, std::string>> MetadataOf(const v1::Report& report);

// Returns the cells-output text of one cell: "" blank, "?" uncertain, else the value.
std::string CellText(const v1::Report& report, const CellSpec& spec);

// Returns whether the report lists the cell among its uncertain cells.
bool IsUncertain(const v1::Report& report, const CellSpec& spec);

}  // namespace gongkai::exports

#endif  // GONGKAI_EXPORT_LAYOUT_H_
