// Layout variations generated from the samples still parse to the same cells: labels broken by
// line breaks and stray spaces, brackets and quotes swapped between full and half width, blank
// cells written as —, / or 无, a heading reprinted after a page break, typos in headings.
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "importer/parser.h"
#include "importer/text.h"
#include "proto/cells.h"
#include "tests/test_util.h"

namespace gongkai::importer {
namespace {

const char* const kSamples[] = {
    "2019_town_yishi",
    "2019_prov_shanghai-szfbgt",
    "2020_town_liangcheng-weishan",
    "2021_pref_pingtan",
    "2022_dept-zone_gaoxin-shehuifazhanju",
    "2023_street_guanzhou-haizhu",
};

std::string Sample(const std::string& name) {
  return testing::ReadFile(testing::TestData("samples/" + name));
}

std::string Cells(const std::string& text) { return FormatParsedCells(ParseReport(text)); }

// Every official label of both editions (row levels and columns) without its numbering.
std::vector<std::u32string> OfficialLabels() {
  std::vector<std::u32string> labels;
  for (v1::Edition edition : {v1::EDITION_2019, v1::EDITION_2021}) {
    for (const CellSpec& cell : CellsOf(edition)) {
      std::vector<std::string> parts = absl::StrSplit(cell.row, '/');
      parts.push_back(cell.column);
      for (const std::string& part : parts) {
        std::u32string label = DecodeUtf8(part);
        for (const std::u32string mark : {U"、", U"）", U"."}) {
          const size_t at = label.find(mark);
          if (at != std::u32string::npos && at <= 3) label = label.substr(at + mark.size());
        }
        if (label.size() >= 4) labels.push_back(label);
      }
    }
  }
  return labels;
}

// Breaks every official label found in the text after its second character.
std::string BreakLabels(const std::string& text, const std::string& separator) {
  std::u32string u = DecodeUtf8(text);
  const std::u32string sep = DecodeUtf8(separator);
  for (const std::u32string& label : OfficialLabels()) {
    const std::u32string broken = label.substr(0, 2) + sep + label.substr(2);
    for (size_t at = u.find(label); at != std::u32string::npos;
         at = u.find(label, at + broken.size())) {
      u.replace(at, label.size(), broken);
    }
  }
  return EncodeUtf8(u);
}

class ImporterEverySample : public ::testing::TestWithParam<const char*> {
 protected:
  std::string Text() const { return Sample(std::string(GetParam()) + ".txt"); }
  std::string Expected() const { return Sample(std::string(GetParam()) + ".tsv"); }
};

TEST_P(ImporterEverySample, ReadsLabelsBrokenByStraySpaces) {
  EXPECT_EQ(Cells(BreakLabels(Text(), " ")), Expected());
}

TEST_P(ImporterEverySample, ReadsLabelsBrokenByLostLineBreaks) {
  // A lost <br> inside a header cell: the label continues on the next line.
  EXPECT_EQ(Cells(BreakLabels(Text(), "\n")), Expected());
}

TEST_P(ImporterEverySample, ReadsHalfWidthBracketsQuotesAndColons) {
  const std::string half = absl::StrReplaceAll(
      Text(), {{"（", "("}, {"）", ")"}, {"“", "\""}, {"”", "\""}, {"：", ":"}, {"，", ","}});
  EXPECT_EQ(Cells(half), Expected());
}

TEST_P(ImporterEverySample, ReadsFullWidthBracketsAndColons) {
  const std::string full =
      absl::StrReplaceAll(Text(), {{"(", "（"}, {")", "）"}, {":", "："}, {",", "，"}});
  EXPECT_EQ(Cells(full), Expected());
}

TEST_P(ImporterEverySample, ParsesTheSameWithWindowsLineEnds) {
  EXPECT_EQ(Cells(absl::StrReplaceAll(Text(), {{"\n", "\r\n"}})), Expected());
}

INSTANTIATE_TEST_SUITE_P(Importer, ImporterEverySample, ::testing::ValuesIn(kSamples));

class ImporterBlankMarker : public ::testing::TestWithParam<const char*> {};

TEST_P(ImporterBlankMarker, IsABlankCellInHtmlTables) {
  const std::string text = Sample("2019_prov_shanghai-szfbgt.txt");
  const std::string marked = absl::StrReplaceAll(text, {{"&nbsp;", GetParam()}});
  ASSERT_NE(marked, text);
  EXPECT_EQ(Cells(marked), Sample("2019_prov_shanghai-szfbgt.tsv"));
}

TEST_P(ImporterBlankMarker, IsABlankCellInOneCellPerLineTables) {
  const std::string text = Sample("2019_town_yishi.txt");
  const std::string marked =
      absl::StrReplaceAll(text, {{"\t\u00a0\n", std::string("\t") + GetParam() + "\n"}});
  ASSERT_NE(marked, text);
  EXPECT_EQ(Cells(marked), Sample("2019_town_yishi.tsv"));
}

TEST_P(ImporterBlankMarker, IsABlankCellInPipeTables) {
  const std::string text = Sample("2022_dept-zone_gaoxin-shehuifazhanju.txt");
  const std::string marked =
      absl::StrReplaceAll(text, {{"规章 |\n|\n|\n|", std::string("规章 |\n") + GetParam() + " |\n" +
                                                         GetParam() + " |\n" + GetParam() + " |"}});
  ASSERT_NE(marked, text);
  EXPECT_EQ(Cells(marked), Sample("2022_dept-zone_gaoxin-shehuifazhanju.tsv"));
}

INSTANTIATE_TEST_SUITE_P(Importer, ImporterBlankMarker,
                         ::testing::Values("—", "/", "无", "-", "－", "——", "／"));

TEST(ImporterVariations, IgnoresASectionHeadingReprintedAfterAPageBreak) {
  const std::string text = Sample("2023_street_guanzhou-haizhu.txt");
  const std::string repeated = absl::StrReplaceAll(
      text, {{"(三)不予公开", "\n三、收到和处理政府信息公开申请情况\n(三)不予公开"}});
  ASSERT_NE(repeated, text);
  EXPECT_EQ(Cells(repeated), Sample("2023_street_guanzhou-haizhu.tsv"));
}

TEST(ImporterVariations, IgnoresAGroupLabelReprintedAfterAPageBreak) {
  const std::string text = Sample("2019_prov_shanghai-szfbgt.txt");
  const std::string repeated = absl::StrReplaceAll(
      text, {{"<p>（四）无法提供</p>", "<p>三、本年度办理结果</p><p>（四）无法提供</p>"}});
  ASSERT_NE(repeated, text);
  EXPECT_EQ(Cells(repeated), Sample("2019_prov_shanghai-szfbgt.tsv"));
}

TEST(ImporterVariations, ReadsATypoInATableHeading) {
  const std::string text = Sample("2019_town_yishi.txt");
  const std::string typo = absl::StrReplaceAll(
      text, {{"\t行政复议\n", "\t行政法复议\n"}, {"\t结果纠正\n", "\t结构纠正\n"}});
  ASSERT_NE(typo, text);
  EXPECT_EQ(Cells(typo), Sample("2019_town_yishi.tsv"));
}

TEST(ImporterVariations, ReadsATypoInAFlattenedRowLabel) {
  const std::string text = Sample("2021_pref_pingtan.txt");
  const std::string typo =
      absl::StrReplaceAll(text, {{"本年新收政府信息公开申请数量", "本年新收政府信息公开申请数"}});
  ASSERT_NE(typo, text);
  EXPECT_EQ(Cells(typo), Sample("2021_pref_pingtan.tsv"));
}

TEST(ImporterVariations, ReadsHtmlWithoutTheJavaScriptEscapes) {
  const std::string text = Sample("2019_prov_shanghai-szfbgt.txt");
  const std::string html = absl::StrReplaceAll(text, {{"\\\"", "\""}});
  EXPECT_EQ(Cells(html), Sample("2019_prov_shanghai-szfbgt.tsv"));
}

}  // namespace
}  // namespace gongkai::importer
