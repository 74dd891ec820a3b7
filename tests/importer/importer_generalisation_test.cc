// Reports of the kinds the samples do not show, each with its exact expected cells output
// (tests/testdata/importer/*.tsv, decided by hand from docs/CELLS.md): 2019 tables in a 2022
// report, all-blank pipe tables, HTML with rowspans and thousands separators, a one-cell-per-line
// page cut off in table 二, flattened runs from another year that break a rule, a page without
// tables; headings numbered "1、", "一." or "（一）", page-break footers, counts with their unit.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "importer/parser.h"
#include "proto/cells.h"
#include "tests/importer/importer_test_util.h"
#include "tests/test_util.h"

namespace gongkai::importer {
namespace {

using Kind = Diagnostic::Kind;

std::string Data(const std::string& name) {
  return testing::ReadFile(testing::TestData("importer/" + name));
}

bool Has(const ParseResult& result, Kind kind) {
  for (const Diagnostic& d : result.diagnostics) {
    if (d.kind == kind) return true;
  }
  return false;
}

std::string Cells(const std::string& text) { return FormatParsedCells(ParseReport(text)); }

const char* const kCases[] = {
    "2022_pipe_2019tables_arabic_headings",
    "2021_pipe_all_blank_dotted_headings",
    "2020_html_rowspan_thousands_bracket_headings",
    "2019_lines_cut_in_table2_fullwidth_headings",
    "2022_flattened_runs_rule_break",
    "2023_no_tables_numbered_headings",
    "2020_excerpt_table3_no_edition_markers",
};

class ImporterUnseenReport : public ::testing::TestWithParam<const char*> {
 protected:
  std::string Text() const { return Data(std::string(GetParam()) + ".txt"); }
  std::string Expected() const { return Data(std::string(GetParam()) + ".tsv"); }
};

TEST_P(ImporterUnseenReport, MatchesExpectedCells) {
  const std::string text = Text();
  const std::string expected = Expected();
  ASSERT_FALSE(text.empty());
  ASSERT_FALSE(expected.empty());
  const ParseResult result = ParseReport(text);
  const std::string actual = FormatParsedCells(result);
  EXPECT_TRUE(actual == expected) << LineDiff(actual, expected) << Diagnostics(result);
}

TEST_P(ImporterUnseenReport, ParsesTheSameWithUnixLineEnds) {
  const std::string text = absl::StrReplaceAll(Text(), {{"\r\n", "\n"}});
  const std::string actual = Cells(text);
  EXPECT_TRUE(actual == Expected()) << LineDiff(actual, Expected());
}

INSTANTIATE_TEST_SUITE_P(Importer, ImporterUnseenReport, ::testing::ValuesIn(kCases));

std::string Sample(const std::string& name) {
  return testing::ReadFile(testing::TestData("samples/" + name));
}

// The six headings of a sample rewritten in another numbering style are all found, and the
// cells do not change.
class ImporterHeadingStyle : public ::testing::TestWithParam<std::pair<const char*, const char*>> {
};

TEST_P(ImporterHeadingStyle, FindsEverySectionAndTheSameCells) {
  const std::string name = "2019_town_yishi";
  const std::string text = Sample(name + ".txt");
  const char* const numerals[] = {"一", "二", "三", "四", "五", "六"};
  const char* const digits[] = {"1", "2", "3", "4", "5", "6"};
  const char* const full[] = {"１", "２", "３", "４", "５", "６"};
  const char* const titles[] = {"总体情况",
                                "主动公开政府信息情况",
                                "收到和处理政府信息公开申请情况",
                                "政府信息公开行政复议、行政诉讼情况",
                                "存在的主要问题及改进情况",
                                "其他需要报告的事项"};
  const std::string style = GetParam().first;
  std::string styled = text;
  for (int k = 0; k < 6; ++k) {
    const std::string number = style == "arabic" ? digits[k]
                               : style == "full" ? full[k]
                                                 : numerals[k];
    const std::string heading = absl::StrReplaceAll(GetParam().second, {{"N", number}});
    styled =
        absl::StrReplaceAll(styled, {{std::string("\n") + numerals[k] + "、" + titles[k] + "\n",
                                      "\n" + heading + titles[k] + "\n"}});
  }
  ASSERT_NE(styled, text);
  const ParseResult result = ParseReport(styled);
  EXPECT_TRUE(FormatParsedCells(result) == Sample(name + ".tsv")) << Diagnostics(result);
  EXPECT_FALSE(Has(result, Kind::kSectionMissing)) << Diagnostics(result);
  const ParseResult original = ParseReport(text);
  EXPECT_EQ(result.report.narrative().overview(), original.report.narrative().overview());
  EXPECT_EQ(result.report.narrative().problems(), original.report.narrative().problems());
  EXPECT_EQ(result.report.narrative().other_matters(), original.report.narrative().other_matters());
}

INSTANTIATE_TEST_SUITE_P(
    Importer, ImporterHeadingStyle,
    ::testing::Values(std::make_pair("arabic", "N、"), std::make_pair("arabic", "N."),
                      std::make_pair("full", "N．"), std::make_pair("full", "N、"),
                      std::make_pair("chinese", "（N）"), std::make_pair("chinese", "(N)"),
                      std::make_pair("chinese", "N."), std::make_pair("chinese", "N．")));

TEST(ImporterGeneralisation, ReadsACountWrittenWithItsUnit) {
  std::string text = Sample("2023_street_guanzhou-haizhu.txt");
  const std::string unit = absl::StrReplaceAll(
      text,
      {{"行政处罚 | 1472 |", "行政处罚 | 1,472人次 |"},
       {"一、本年新收政府信息公开申请数量 | 1 |", "一、本年新收政府信息公开申请数量 | 1件 |"}});
  ASSERT_NE(unit, text);
  const std::string actual = Cells(unit);
  const std::string expected = Sample("2023_street_guanzhou-haizhu.tsv");
  EXPECT_TRUE(actual == expected) << LineDiff(actual, expected);
}

TEST(ImporterGeneralisation, DropsPageMarksBetweenTheRowsOfATable) {
  const std::string text = Sample("2022_dept-zone_gaoxin-shehuifazhanju.txt");
  for (const char* mark : {"第 3 页 共 5 页", "第3页/共5页", "共5页  第3页", "- 3 -", "—3—"}) {
    const std::string split = absl::StrReplaceAll(
        text, {{"行政处罚 |\n3 |", std::string("行政处罚 |\n") + mark + "\n3 |"}});
    ASSERT_NE(split, text);
    const std::string actual = Cells(split);
    const std::string expected = Sample("2022_dept-zone_gaoxin-shehuifazhanju.tsv");
    EXPECT_TRUE(actual == expected) << mark << "\n" << LineDiff(actual, expected);
  }
}

TEST(ImporterGeneralisation, KeepsAPageMarkThatIsPartOfASentence) {
  const ParseResult result =
      ParseReport("一、总体情况\n详见第3页。\n五、存在的主要问题及改进情况\n无。\n");
  EXPECT_EQ(result.report.narrative().overview(), "详见第3页。");
}

TEST(ImporterGeneralisation, TellsTheEditionFromTheNumberOfValuesInTable2) {
  // Table 二 without its header rows (lost as an image): 行政许可 with three values is the
  // 2019 table, with one value the 2021 table.
  const std::string t19 =
      "某局2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
      "行政许可 | 5 | 1 | 20 |\n行政处罚 | 2 | 0 | 9 |\n行政强制 | 0 | 0 | 0 |\n"
      "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | "
      "0 | 0 |\n"
      "五、存在的主要问题及改进情况\n无。\n";
  const ParseResult r19 = ParseReport(t19);
  EXPECT_EQ(r19.report.edition(), v1::EDITION_2019) << Diagnostics(r19);
  const std::string t21 =
      "某局2019年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
      "行政许可 | 20 |\n行政处罚 | 9 |\n行政强制 | 0 |\n"
      "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | "
      "0 | 0 |\n"
      "五、存在的主要问题及改进情况\n无。\n";
  const ParseResult r21 = ParseReport(t21);
  EXPECT_EQ(r21.report.edition(), v1::EDITION_2021) << Diagnostics(r21);
}

TEST(ImporterGeneralisation, ReadsA2020ReportWithoutEditionMarkersAs2019) {
  const ParseResult result = ParseReport(Data("2020_excerpt_table3_no_edition_markers.txt"));
  EXPECT_EQ(result.report.edition(), v1::EDITION_2019);
  EXPECT_TRUE(Has(result, Kind::kEditionUnknown));
  // The same excerpt from a 2022 report: nothing tells, the default stays 2021.
  const std::string later = absl::StrReplaceAll(Data("2020_excerpt_table3_no_edition_markers.txt"),
                                                {{"2020年", "2022年"}});
  EXPECT_EQ(ParseReport(later).report.edition(), v1::EDITION_2021);
}

TEST(ImporterGeneralisation, DoesNotTakeSubheadingsOfSectionOneForSections) {
  // "（二）依申请公开" inside section 一 is not section 二, and the template's numbering wins.
  const ParseResult result = ParseReport(
      "一、总体情况\n（一）主动公开情况。全年公开10条。\n（二）依申请公开情况。收到申请2件。\n"
      "二、主动公开政府信息情况\n表略。\n五、存在的主要问题及改进情况\n无。\n");
  EXPECT_EQ(result.report.narrative().overview(),
            "（一）主动公开情况。全年公开10条。\n（二）依申请公开情况。收到申请2件。");
}

}  // namespace
}  // namespace gongkai::importer
