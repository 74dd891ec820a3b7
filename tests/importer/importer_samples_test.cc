// Every published sample with an expected cells output parses to exactly that output.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "importer/parser.h"
#include "proto/cells.h"
#include "tests/importer/importer_test_util.h"
#include "tests/test_util.h"

namespace gongkai::importer {
namespace {

std::string Sample(const std::string& name) {
  return testing::ReadFile(testing::TestData("samples/" + name));
}

void ExpectCells(const std::string& name) {
  const std::string text = Sample(name + ".txt");
  const std::string expected = Sample(name + ".tsv");
  ASSERT_FALSE(text.empty()) << name;
  ASSERT_FALSE(expected.empty()) << name;
  const ParseResult result = ParseReport(text);
  const std::string actual = FormatParsedCells(result);
  EXPECT_TRUE(actual == expected) << LineDiff(actual, expected) << Diagnostics(result);
  EXPECT_TRUE(FormatCells(result.report) == expected);
}

TEST(ImporterSamples, YishiOneCellPerLineMatchesExpectedCells) { ExpectCells("2019_town_yishi"); }
TEST(ImporterSamples, ShanghaiHtmlInJavaScriptMatchesExpectedCells) {
  ExpectCells("2019_prov_shanghai-szfbgt");
}
TEST(ImporterSamples, LiangchengPipeRowsCutOffMatchesExpectedCells) {
  ExpectCells("2020_town_liangcheng-weishan");
}
TEST(ImporterSamples, PingtanFlattenedDigitRunsMatchesExpectedCells) {
  ExpectCells("2021_pref_pingtan");
}
TEST(ImporterSamples, GaoxinBlankCellsAnd2019RowNameMatchesExpectedCells) {
  ExpectCells("2022_dept-zone_gaoxin-shehuifazhanju");
}
TEST(ImporterSamples, GuanzhouPipeRowsCutOffMatchesExpectedCells) {
  ExpectCells("2023_street_guanzhou-haizhu");
}

}  // namespace
}  // namespace gongkai::importer
