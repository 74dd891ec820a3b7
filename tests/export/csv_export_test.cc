// The CSV export: RFC 4180, BOM, one record per table row with official labels.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "export/csv.h"
#include "export/export.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/export/export_test_util.h"
#include "tests/test_util.h"

namespace gongkai::exports {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

// The records of a CSV without BOM; every line must end in CRLF.
std::vector<std::string> Records(const v1::Report& report) {
  auto csv = Export(report, Format::kCsv, {.csv_byte_order_mark = false});
  EXPECT_TRUE(csv.ok()) << csv.status();
  EXPECT_TRUE(absl::EndsWith(*csv, "\r\n"));
  std::vector<std::string> records = absl::StrSplit(*csv, "\r\n");
  records.pop_back();  // After the last CRLF.
  for (const std::string& record : records) EXPECT_FALSE(absl::StrContains(record, "\n"));
  return records;
}

int CountPrefixed(const std::vector<std::string>& records, const std::string& prefix) {
  int n = 0;
  for (const std::string& record : records) n += absl::StartsWith(record, prefix) ? 1 : 0;
  return n;
}

TEST(CsvExportTest, StartsWithAByteOrderMarkByDefault) {
  auto csv = Export(testing::SeedReport(), Format::kCsv);
  ASSERT_TRUE(csv.ok());
  EXPECT_TRUE(absl::StartsWith(*csv, "\xEF\xBB\xBFtable,row,value\r\n"));
  auto plain = Export(testing::SeedReport(), Format::kCsv, {.csv_byte_order_mark = false});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*csv, "\xEF\xBB\xBF" + *plain);
}

TEST(CsvExportTest, SeedHasOneRecordPerTableRowUnderHeadersOfOfficialLabels) {
  const std::vector<std::string> records = Records(testing::SeedReport());
  // Metadata: 格式版本, 年度, 区划代码, 范围, 标题, 发布机关.
  EXPECT_THAT(std::vector<std::string>(records.begin(), records.begin() + 7),
              ElementsAre("table,row,value", "元数据,格式版本,2019", "元数据,年度,2019",
                          "元数据,区划代码,330226104000", "元数据,范围,本级",
                          "元数据,标题,一市镇2019年政府信息工作年度报告",
                          "元数据,发布机关,宁海县一市镇人民政府"));
  // 2019: table 二 has 8 rows, 三 23, 四 3.
  EXPECT_EQ(CountPrefixed(records, "二,"), 8);
  EXPECT_EQ(CountPrefixed(records, "三,"), 23);
  EXPECT_EQ(CountPrefixed(records, "四,"), 3);
  // A header whenever the columns change: 二 has four column sets (（五） and （六） share one).
  EXPECT_EQ(CountPrefixed(records, "table,row,"), 1 + 4 + 1 + 1);
  EXPECT_THAT(records, Contains("table,row,采购项目数量,采购总金额"));
  EXPECT_THAT(records, Contains("二,第二十条第（九）项/政府集中采购,9,93.8605"));
  EXPECT_THAT(records, Contains("二,第二十条第（一）项/规章,0,0,0"));
  EXPECT_THAT(records,
              Contains("table,row,自然人,商业企业,科研机构,社会公益组织,法律服务机构,其他,总计"));
  EXPECT_THAT(records, Contains("三,一、本年新收政府信息公开申请数量,2,,,,,,2"));
  EXPECT_THAT(records, Contains("三,三、本年度办理结果/（三）不予公开/1.属于国家秘密,,,,,,,"));
  EXPECT_THAT(records, Contains("三,三、本年度办理结果/（六）其他处理,,,,,,,"));
  EXPECT_THAT(records, Contains("table,row,结果维持,结果纠正,其他结果,尚未审结,总计"));
  EXPECT_THAT(records, Contains("四,行政诉讼/复议后起诉,0,0,0,0,0"));
  // Sections follow each other with no blank records.
  EXPECT_THAT(records, Not(Contains("")));
}

TEST(CsvExportTest, KeepsANegativeChangeOfThe2019Edition) {
  v1::Report report = testing::SeedReport();
  report.mutable_table2_2019()->mutable_item5()->mutable_licensing()->set_change(-18);
  EXPECT_THAT(Records(report), Contains("二,第二十条第（五）项/行政许可,0,-18,0"));
}

TEST(CsvExportTest, Edition2021ShowsMoneyUncertainAndBlankCells) {
  const std::vector<std::string> records = Records(testing::Report2021());
  EXPECT_THAT(records, Contains("元数据,格式版本,2021"));
  EXPECT_THAT(records, Contains("元数据,范围,汇总"));
  EXPECT_THAT(records, Contains("table,row,本年制发件数,本年废止件数,现行有效件数"));
  EXPECT_THAT(records, Contains("二,第二十条第（一）项/规章,2,0,7"));
  EXPECT_THAT(records, Contains("二,第二十条第（一）项/行政规范性文件,,,"));
  EXPECT_THAT(records, Contains("table,row,本年收费金额（单位：万元）"));
  EXPECT_THAT(records, Contains("二,第二十条第（八）项/行政事业性收费,25.1"));
  EXPECT_THAT(records, Contains("三,一、本年新收政府信息公开申请数量,3,,,,,,?"));
  EXPECT_THAT(records, Contains("三,三、本年度办理结果/（六）其他处理/3.其他,,,,,,,"));
  EXPECT_EQ(CountPrefixed(records, "二,"), 6);
  EXPECT_EQ(CountPrefixed(records, "三,"), 25);
  EXPECT_THAT(records, Contains("四,行政复议,1,,,,1"));
}

TEST(CsvExportTest, QuotesFieldsThatHoldCommasQuotesOrLineBreaks) {
  EXPECT_EQ(CsvRecord({"a", "b,c", "say \"hi\"", "two\nlines", ""}),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",");
  v1::Report report = testing::Report2021();
  report.set_title("报告,\"2021\"");
  EXPECT_THAT(Records(report), Contains("元数据,标题,\"报告,\"\"2021\"\"\""));
}

}  // namespace
}  // namespace gongkai::exports
