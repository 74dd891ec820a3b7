// The text table: box drawing, merged cells, CJK alignment.
#include "export/text_table.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "export/export.h"
#include "export/text_width.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/export/export_test_util.h"
#include "tests/test_util.h"

namespace gongkai::exports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string TableOf(const v1::Report& report) {
  auto table = Export(report, Format::kTable);
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *table : "";
}

std::vector<std::string> Lines(absl::string_view text) { return absl::StrSplit(text, '\n'); }

// The boxes of an output: runs of lines from one starting "┌" to the next starting "└".
std::vector<std::vector<std::string>> Boxes(absl::string_view text) {
  std::vector<std::vector<std::string>> boxes;
  bool inside = false;
  for (const std::string& line : Lines(text)) {
    if (absl::StartsWith(line, "┌")) {
      boxes.emplace_back();
      inside = true;
    }
    if (inside) boxes.back().push_back(line);
    if (absl::StartsWith(line, "└")) inside = false;
  }
  return boxes;
}

// The display columns at which "│" occurs in a line.
std::vector<int> BarPositions(const std::string& line) {
  std::vector<int> positions;
  for (size_t at = line.find("│"); at != std::string::npos; at = line.find("│", at + 1)) {
    positions.push_back(DisplayWidth(line.substr(0, at)));
  }
  return positions;
}

// The trimmed cell texts of a content line.
std::vector<std::string> CellsOfLine(const std::string& line) {
  std::vector<std::string> cells = absl::StrSplit(line, "│");
  for (std::string& cell : cells) cell = std::string(absl::StripAsciiWhitespace(cell));
  return cells;
}

// The first content line of a box (not a border line) that contains `needle`.
std::string LineWith(const std::string& text, absl::string_view needle) {
  for (const std::string& line : Lines(text)) {
    if (absl::StartsWith(line, "│") && !absl::StrContains(line, "─") &&
        absl::StrContains(line, needle)) {
      return line;
    }
  }
  return "";
}

int Occurrences(absl::string_view text, absl::string_view needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != absl::string_view::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(TableExportTest, DrawsMergedCellsWithTheRightJunctions) {
  Grid grid;
  grid.rows = 3;
  grid.cols = 3;
  grid.label_cols = 1;
  auto add = [&grid](GridCell::Role role, int row, int col, int rows, int cols, std::string text) {
    GridCell cell;
    cell.role = role;
    cell.row = row;
    cell.col = col;
    cell.row_span = rows;
    cell.col_span = cols;
    cell.text = std::move(text);
    grid.cells.push_back(std::move(cell));
  };
  add(GridCell::Role::kCorner, 0, 0, 2, 1, "");
  add(GridCell::Role::kHeader, 0, 1, 1, 2, "AB");
  add(GridCell::Role::kHeader, 1, 1, 1, 1, "A");
  add(GridCell::Role::kHeader, 1, 2, 1, 1, "B");
  add(GridCell::Role::kLabel, 2, 0, 1, 1, "x");
  add(GridCell::Role::kValue, 2, 1, 1, 1, "1");
  add(GridCell::Role::kValue, 2, 2, 1, 1, "22");
  EXPECT_EQ(DrawGrid(grid),
            "┌───┬────────┐\n"
            "│   │   AB   │\n"
            "│   ├───┬────┤\n"
            "│   │ A │ B  │\n"
            "├───┼───┼────┤\n"
            "│ x │ 1 │ 22 │\n"
            "└───┴───┴────┘\n");
}

TEST(TableExportTest, PrintsEachTableUnderItsOfficialTitle) {
  const std::string table = TableOf(testing::SeedReport());
  EXPECT_TRUE(absl::StartsWith(table, "格式版本：2019\n年度：2019\n"));
  const std::vector<std::string> lines = Lines(table);
  EXPECT_THAT(lines, ::testing::Contains("二、主动公开政府信息情况"));
  EXPECT_THAT(lines, ::testing::Contains("三、收到和处理政府信息公开申请情况"));
  EXPECT_THAT(lines, ::testing::Contains("四、政府信息公开行政复议、行政诉讼情况"));
  for (const char* box : {"┌", "─", "┬", "┐", "│", "├", "┼", "┤", "└", "┴", "┘"}) {
    EXPECT_THAT(table, HasSubstr(box));
  }
  // One box per table: table 二's 第二十条 items are stacked into one.
  EXPECT_EQ(Boxes(table).size(), 3u);
  EXPECT_THAT(table, HasSubstr("┤\n│ 第二十条第（五）项"));
}

TEST(TableExportTest, EveryLineOfABoxHasTheSameDisplayWidth) {
  for (const v1::Report& report : {testing::SeedReport(), testing::Report2021()}) {
    for (const auto& box : Boxes(TableOf(report))) {
      ASSERT_GE(box.size(), 3u);
      for (const std::string& line : box) {
        EXPECT_EQ(DisplayWidth(line), DisplayWidth(box.front())) << line;
      }
    }
  }
}

TEST(TableExportTest, AlignsTheValueColumnsOfEveryRowOfTable3) {
  const auto boxes = Boxes(TableOf(testing::SeedReport()));
  const std::vector<std::string>& table3 = boxes[1];
  const std::string first_row = LineWith(absl::StrJoin(table3, "\n"), "一、本年新收");
  ASSERT_FALSE(first_row.empty());
  const std::vector<int> expected = BarPositions(first_row);
  ASSERT_EQ(expected.size(), 9u);  // Left edge, label, 7 values.
  const std::vector<int> values(expected.end() - 8, expected.end());
  int rows = 0;
  bool body = false;
  for (const std::string& line : table3) {
    body = body || line == first_row;
    if (!body || !absl::StartsWith(line, "│") || absl::StrContains(line, "─")) continue;
    const std::vector<int> bars = BarPositions(line);
    ASSERT_GE(bars.size(), 8u);
    EXPECT_EQ(std::vector<int>(bars.end() - 8, bars.end()), values) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 23);
}

TEST(TableExportTest, MergesRowGroupsAndHeaderGroupsAsTheTemplate) {
  const std::string table = TableOf(testing::SeedReport());
  EXPECT_EQ(Occurrences(table, "三、本年度办理结果"), 1);
  EXPECT_EQ(Occurrences(table, "（三）不予公开"), 1);
  EXPECT_EQ(Occurrences(table, "第二十条第（一）项"), 1);
  EXPECT_EQ(Occurrences(table, "申请人情况"), 1);
  EXPECT_EQ(Occurrences(table, "法人或其他组织"), 1);
  EXPECT_THAT(table, HasSubstr("本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和"));
  // The group label shares its line with its first item.
  EXPECT_THAT(
      CellsOfLine(LineWith(table, "（三）不予公开")),
      ElementsAre("", "", "（三）不予公开", "1.属于国家秘密", "", "", "", "", "", "", "", ""));
  // Table 四 as printed: one data row under 行政复议 and 行政诉讼 › 未经复议直接起诉 / 复议后起诉.
  const std::string groups = LineWith(table, "未经复议直接起诉");
  EXPECT_THAT(groups, HasSubstr("复议后起诉"));
  EXPECT_THAT(LineWith(table, "行政复议"), HasSubstr("行政诉讼"));
}

TEST(TableExportTest, ShowsValuesUncertainCellsAsQuestionMarksAndBlankCellsEmpty) {
  const std::string table = TableOf(testing::Report2021());
  EXPECT_THAT(
      CellsOfLine(LineWith(table, "一、本年新收")),
      ElementsAre("", "一、本年新收政府信息公开申请数量", "3", "", "", "", "", "", "?", ""));
  EXPECT_THAT(CellsOfLine(LineWith(table, "行政事业性收费")),
              ElementsAre("", "行政事业性收费", "25.1", ""));
  v1::Report seed = testing::SeedReport();
  seed.mutable_table2_2019()->mutable_item5()->mutable_licensing()->set_change(-18);
  EXPECT_THAT(CellsOfLine(LineWith(TableOf(seed), "行政许可")),
              ElementsAre("", "行政许可", "0", "-18", "0", ""));
}

}  // namespace
}  // namespace gongkai::exports
