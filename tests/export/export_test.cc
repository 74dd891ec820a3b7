// The export API: format names, cells and json, reports without tables.
#include "export/export.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/export/export_test_util.h"
#include "tests/test_util.h"

namespace gongkai::exports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ExportFormatTest, ParsesEveryFormatNameBackToItself) {
  for (Format format :
       {Format::kCells, Format::kCsv, Format::kTable, Format::kJson, Format::kXlsx}) {
    auto parsed = ParseFormat(FormatName(format));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, format);
  }
  EXPECT_TRUE(IsBinary(Format::kXlsx));
  EXPECT_FALSE(IsBinary(Format::kCsv));
}

TEST(ExportFormatTest, RejectsUnknownFormatNames) {
  EXPECT_EQ(ParseFormat("xls").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseFormat("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CellsExportTest, SeedEqualsItsTsvByteForByte) {
  auto cells = Export(testing::SeedReport(), Format::kCells);
  ASSERT_TRUE(cells.ok()) << cells.status();
  EXPECT_EQ(*cells, testing::ReadFile(testing::TestData("2019_town_yishi.tsv")));
}

TEST(JsonExportTest, IsIndentedProtoJsonThatParsesBackToTheSameReport) {
  for (const v1::Report& report : {testing::SeedReport(), testing::Report2021()}) {
    auto json = Export(report, Format::kJson);
    ASSERT_TRUE(json.ok()) << json.status();
    EXPECT_TRUE(absl::StartsWith(*json, "{\n \"key\": {\n")) << json->substr(0, 80);
    v1::Report parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &parsed).ok());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, report));
  }
}

TEST(JsonExportTest, KeepsBlankCellsAbsentAndZeroCellsPresent) {
  auto json = Export(testing::Report2021(), Format::kJson);
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr("\"repealed\": 0"));
  EXPECT_THAT(*json, Not(HasSubstr("commercialEnterprise")));
}

TEST(ExportTest, RefusesXlsxAsText) {
  EXPECT_EQ(Export(testing::SeedReport(), Format::kXlsx).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ExportTest, ReportWithoutEditionExportsItsMetadataOnly) {
  v1::Report report;
  report.mutable_key()->set_year(2020);
  auto table = Export(report, Format::kTable);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(*table, "格式版本：\n年度：2020\n");
  auto csv = Export(report, Format::kCsv, {.csv_byte_order_mark = false});
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, "table,row,value\r\n元数据,格式版本,\r\n元数据,年度,2020\r\n");
}

}  // namespace
}  // namespace gongkai::exports
