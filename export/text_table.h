// The official layout drawn as a text table with box-drawing characters (┌─┬┐│├┼┤└┴┘),
// merged cells drawn merged, CJK text aligned by display width.
#ifndef GONGKAI_EXPORT_TEXT_TABLE_H_
#define GONGKAI_EXPORT_TEXT_TABLE_H_

#include <string>
#include <vector>

#include "export/layout.h"
#include "gongkai/v1/report.pb.h"

namespace gongkai::exports {

// Draws one grid as a box; every line has the same display width and ends in '\n'.
std::string DrawGrid(const Grid& grid);

// The same with given inner column widths (at least ColumnWidths(grid), column by column).
std::string DrawGrid(const Grid& grid, const std::vector<int>& widths);

// The metadata lines, then each table's title followed by its box (table 二's blocks are
// stacked into one box, as in the template).
std::string FormatTextTables(const v1::Report& report);

}  // namespace gongkai::exports

#endif  // GONGKAI_EXPORT_TEXT_TABLE_H_
