// The xlsx export, read back by xlsx_check.py with Python's standard library only.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "export/export.h"
#include "gtest/gtest.h"
#include "tests/export/export_test_util.h"
#include "tests/test_util.h"

namespace gongkai::exports {
namespace {

std::string Quoted(const std::string& arg) {
  return absl::StrCat("'", absl::StrReplaceAll(arg, {{"'", "'\\''"}}), "'");
}

// Runs xlsx_check.py on `path` with the checks; true when all hold (failures go to stdout).
bool CheckWorkbook(const std::string& path, const std::vector<std::string>& checks) {
  std::string command = absl::StrCat("/usr/bin/python3 ", Quoted(XLSX_CHECK), " ", Quoted(path));
  for (const std::string& arg : checks) absl::StrAppend(&command, " ", Quoted(arg));
  return std::system(command.c_str()) == 0;
}

// Long by design: one list of checks over the one workbook, sheet by sheet, read back by an
// independent reader (one python run instead of one per check).
TEST(XlsxExportTest, SeedWorkbookHasTheOfficialSheetsNumbersAndMergedCells) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/seed.xlsx";
  ASSERT_TRUE(ExportXlsx(testing::SeedReport(), path).ok());
  EXPECT_TRUE(CheckWorkbook(
      path, {
                "--sheets",
                "基本信息,表二,表三,表四",
                "--meta",
                "格式版本",
                "2019",
                "--meta",
                "年度",
                "2019",
                "--meta",
                "区划代码",
                "330226104000",
                "--meta",
                "发布机关",
                "宁海县一市镇人民政府",
                "--meta",
                "金额单位",
                "万元",
                // Numbers as numbers; money in 万元.
                "--value",
                "表二",
                "政府集中采购",
                "采购总金额",
                "93.8605",
                "--value",
                "表二",
                "政府集中采购",
                "采购项目数量",
                "9",
                "--value",
                "表二",
                "行政强制",
                "本年增/减",
                "0",
                "--value",
                "表三",
                "一、本年新收政府信息公开申请数量",
                "申请人情况 > 总计",
                "2",
                "--value",
                "表三",
                "一、本年新收政府信息公开申请数量",
                "申请人情况 > 自然人",
                "2",
                "--value",
                "表三",
                "（一）予以公开",
                "自然人",
                "1",
                // Blank cells stay empty, not 0.
                "--value",
                "表三",
                "一、本年新收政府信息公开申请数量",
                "法人或其他组织 > 商业企业",
                "",
                "--value",
                "表三",
                "1.属于国家秘密",
                "其他",
                "",
                "--value",
                "表四",
                "*",
                "行政复议 > 结果维持",
                "0",
                "--value",
                "表四",
                "*",
                "行政诉讼 > 复议后起诉 > 总计",
                "0",
                // Merged cells as in the template.
                "--merge",
                "表二",
                "二、主动公开政府信息情况",
                "1",
                "4",
                "--merge",
                "表二",
                "第二十条第（一）项",
                "1",
                "4",
                "--merge",
                "表三",
                "三、收到和处理政府信息公开申请情况",
                "1",
                "10",
                "--merge",
                "表三",
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                "3",
                "3",
                "--merge",
                "表三",
                "申请人情况",
                "1",
                "7",
                "--merge",
                "表三",
                "法人或其他组织",
                "1",
                "5",
                "--merge",
                "表三",
                "自然人",
                "2",
                "1",
                "--merge",
                "表三",
                "三、本年度办理结果",
                "20",
                "1",
                "--merge",
                "表三",
                "（三）不予公开",
                "8",
                "1",
                "--merge",
                "表三",
                "一、本年新收政府信息公开申请数量",
                "1",
                "3",
                "--merge",
                "表四",
                "行政复议",
                "1",
                "5",
                "--merge",
                "表四",
                "行政诉讼",
                "1",
                "10",
                "--merge",
                "表四",
                "未经复议直接起诉",
                "1",
                "5",
                "--merge",
                "表四",
                "复议后起诉",
                "1",
                "5",
                "--merge",
                "表四",
                "结果维持",
                "2",
                "1",
            }));
}

TEST(XlsxExportTest, Edition2021WorkbookHoldsMoneyUncertainAndBlankCells) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/2021.xlsx";
  v1::Report report = testing::Report2021();
  report.mutable_table2_2019();  // Not of this edition: ignored.
  ASSERT_TRUE(ExportXlsx(report, path).ok());
  EXPECT_TRUE(CheckWorkbook(path, {
                                      "--sheets",
                                      "基本信息,表二,表三,表四",
                                      "--meta",
                                      "格式版本",
                                      "2021",
                                      "--meta",
                                      "范围",
                                      "汇总",
                                      "--value",
                                      "表二",
                                      "行政事业性收费",
                                      "本年收费金额（单位：万元）",
                                      "25.1",
                                      "--value",
                                      "表二",
                                      "规章",
                                      "本年制发件数",
                                      "2",
                                      "--value",
                                      "表二",
                                      "规章",
                                      "本年废止件数",
                                      "0",
                                      "--value",
                                      "表二",
                                      "行政规范性文件",
                                      "现行有效件数",
                                      "",
                                      "--value",
                                      "表三",
                                      "一、本年新收政府信息公开申请数量",
                                      "自然人",
                                      "3",
                                      "--value",
                                      "表三",
                                      "一、本年新收政府信息公开申请数量",
                                      "申请人情况 > 总计",
                                      "?",
                                      "--value",
                                      "表三",
                                      "3.其他",
                                      "总计",
                                      "",
                                      "--value",
                                      "表四",
                                      "*",
                                      "行政复议 > 总计",
                                      "1",
                                      "--value",
                                      "表四",
                                      "*",
                                      "行政诉讼 > 未经复议直接起诉 > 总计",
                                      "",
                                      "--merge",
                                      "表三",
                                      "（六）其他处理",
                                      "3",
                                      "1",
                                      "--merge",
                                      "表三",
                                      "三、本年度办理结果",
                                      "22",
                                      "1",
                                  }));
}

TEST(XlsxExportTest, FailsWithFailedPreconditionWhenTheFileCannotBeCreated) {
  testing::TempDir dir;
  const absl::Status status =
      ExportXlsx(testing::SeedReport(), dir.path() + "/missing/dir/report.xlsx");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

}  // namespace
}  // namespace gongkai::exports
