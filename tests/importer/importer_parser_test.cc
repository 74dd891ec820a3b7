// The parser on what the samples do not show: pages without tables, all-blank tables, 2019
// tables in later reports, cut-off texts, negative 本年增/减, units, and hostile input.
#include <random>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/parser.h"
#include "proto/cells.h"
#include "tests/test_util.h"

namespace gongkai::importer {
namespace {

using Kind = Diagnostic::Kind;

std::string Sample(const std::string& name) {
  return testing::ReadFile(testing::TestData("samples/" + name));
}

bool Has(const ParseResult& result, Kind kind) {
  for (const Diagnostic& d : result.diagnostics) {
    if (d.kind == kind) return true;
  }
  return false;
}

// The value printed for one cell in the cells output ("" blank, "?" uncertain).
std::string CellValue(const ParseResult& result, absl::string_view field_path) {
  const v1::Report& report = result.report;
  const int index = FindCell(report.edition(), field_path);
  if (index < 0) return "<no such cell>";
  for (const std::string& path : report.uncertain_cells()) {
    if (path == field_path) return "?";
  }
  const CellSpec& cell = CellsOf(report.edition())[index];
  return FormatCellValue(cell, GetCell(report, cell));
}

constexpr char kNarrativeOnly[] =
    "某某县人民政府2021年政府信息公开工作年度报告\n"
    "本报告依据《国务院办公厅政府信息公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式"
    "〉"
    "的通知》（国办公开办函〔2021〕30号）编制。\n"
    "一、总体情况\n2021年，我县主动公开政府信息1234条，共计行政处罚3起。\n"
    "二、主动公开政府信息情况\n（表格见附件图片）\n"
    "五、存在的主要问题及改进情况\n公开质量有待提高。\n"
    "六、其他需要报告的事项\n无。\n";

TEST(ImporterParser, PrintsOnlyMetadataForAPageWithoutTables) {
  const ParseResult result = ParseReport(kNarrativeOnly);
  EXPECT_FALSE(result.has_tables);
  EXPECT_EQ(result.report.edition(), v1::EDITION_2021);
  EXPECT_EQ(result.report.key().year(), 2021);
  EXPECT_EQ(
      FormatParsedCells(result),
      "table\trow\tcolumn\tvalue\n元数据\t格式版本\tvalue\t2021\n元数据\t年度\tvalue\t2021\n");
  EXPECT_TRUE(Has(result, Kind::kNoTables));
  EXPECT_EQ(result.report.narrative().overview(),
            "2021年，我县主动公开政府信息1234条，共计行政处罚3起。");
  EXPECT_EQ(result.report.narrative().other_matters(), "无。");
}

TEST(ImporterParser, LeavesTheEditionEmptyWhenNothingTellsIt) {
  const ParseResult result =
      ParseReport("一、总体情况\n本年度工作正常。\n五、存在的主要问题及改进情况\n无。\n");
  EXPECT_FALSE(result.has_tables);
  EXPECT_EQ(result.report.edition(), v1::EDITION_UNSPECIFIED);
  EXPECT_EQ(result.report.key().year(), 0);
  EXPECT_EQ(FormatParsedCells(result),
            "table\trow\tcolumn\tvalue\n元数据\t格式版本\tvalue\t\n元数据\t年度\tvalue\t\n");
  EXPECT_TRUE(Has(result, Kind::kYearNotFound));
}

TEST(ImporterParser, ReadsAnAllBlankTableAsBlankCellsNotZeros) {
  const std::string text = absl::StrReplaceAll(
      Sample("2023_street_guanzhou-haizhu.txt"),
      {{"| 0 ", "|  "}, {"| 0\n", "|  \n"}, {"| 1 ", "|  "}, {"| 1472 ", "|  "}});
  const ParseResult result = ParseReport(text);
  EXPECT_TRUE(result.has_tables);
  EXPECT_EQ(result.report.edition(), v1::EDITION_2021);
  for (const CellSpec& cell : CellsOf(v1::EDITION_2021)) {
    EXPECT_EQ(CellValue(result, cell.field_path), "") << cell.field_path;
  }
}

TEST(ImporterParser, KeepsThe2019EditionOfTablesInA2022Report) {
  const std::string text =
      absl::StrReplaceAll(Sample("2019_town_yishi.txt"), {{"2019年", "2022年"}});
  const ParseResult result = ParseReport(text);
  EXPECT_EQ(result.report.key().year(), 2022);
  EXPECT_EQ(result.report.edition(), v1::EDITION_2019);
  EXPECT_EQ(CellValue(result, "table2_2019.item9.procurement.amount"), "93.8605");
}

TEST(ImporterParser, SaysWhereACutOffTextEnded) {
  const std::string full = Sample("2019_town_yishi.txt");
  const std::string cut = full.substr(0, full.find("（四）无法提供"));
  const ParseResult result = ParseReport(cut);
  EXPECT_TRUE(Has(result, Kind::kTruncated));
  EXPECT_EQ(CellValue(result, "table3.results.granted.natural_person"), "1");
  EXPECT_EQ(CellValue(result, "table3.carried_forward.natural_person"), "");
  EXPECT_EQ(CellValue(result, "table4.reconsideration.total"), "");
}

// A text cut inside a row label ("…6.属于四类过程性信"): the label's item number "6" is not an
// eighth value of the row before it (which then could not be read at all).
TEST(ImporterParser, ACutOffLabelKeepsItsItemNumber) {
  const std::string full = Sample("2023_street_guanzhou-haizhu.txt");
  const std::string head = full.substr(0, full.find("5.属于三类内部事务信息"));
  const std::string row5 = "5.属于三类内部事务信息 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n";
  for (const std::string cut : {"6.属于四类过程性信", "6.属于四", "6、属于"}) {
    SCOPED_TRACE(cut);
    const ParseResult result = ParseReport(head + row5 + cut);
    EXPECT_TRUE(Has(result, Kind::kTruncated));
    EXPECT_EQ(CellValue(result, "table3.results.withheld.internal_affairs.natural_person"), "1");
    EXPECT_EQ(CellValue(result, "table3.results.withheld.internal_affairs.total"), "1");
    EXPECT_EQ(CellValue(result, "table3.results.withheld.process_information.natural_person"), "");
  }
  // A bare "6." may as well end the last value ("…| 1." or "16."): nothing is taken from it,
  // and the row that cannot be read so is uncertain, not read with a digit less.
  const ParseResult bare = ParseReport(head + row5 + "6.");
  EXPECT_EQ(CellValue(bare, "table3.results.withheld.internal_affairs.natural_person"), "?");
  // The tables' last value written with a trailing point keeps all its digits.
  std::string dotted = Sample("2019_town_yishi.txt");
  ASSERT_NE(dotted.find("\t0\n\n\n五、"), std::string::npos);
  dotted.replace(dotted.find("\t0\n\n\n五、"), 3, "\t13.");
  EXPECT_EQ(CellValue(ParseReport(dotted), "table4.litigation.after_reconsideration.total"), "13");
  // The same with the row's values flattened into one run of digits.
  const ParseResult flat = ParseReport(head + "5.属于三类内部事务信息10000016.属于四类过程性信");
  EXPECT_EQ(CellValue(flat, "table3.results.withheld.internal_affairs.natural_person"), "1");
  EXPECT_EQ(CellValue(flat, "table3.results.withheld.internal_affairs.total"), "1");
}

// U+FFFD alone in a cell (what OCR writes for a number it could not read with confidence) is a
// value whose cell is uncertain: never read as blank, never guessed.
TEST(ImporterParser, AValueThatCouldNotBeReadIsUncertain) {
  std::string text = Sample("2023_street_guanzhou-haizhu.txt");
  text = absl::StrReplaceAll(text, {{"行政许可 | 0 |", "行政许可 | \xEF\xBF\xBD |"},
                                    {"5.属于三类内部事务信息 | 0 | 0 | 0 |",
                                     "5.属于三类内部事务信息 | 0 | \xEF\xBF\xBD | 0 |"}});
  const ParseResult result = ParseReport(text);
  EXPECT_EQ(CellValue(result, "table2_2021.item5.licensing.decisions"), "?");
  EXPECT_EQ(CellValue(result, "table3.results.withheld.internal_affairs.natural_person"), "0");
  EXPECT_EQ(CellValue(result, "table3.results.withheld.internal_affairs.commercial_enterprise"),
            "?");
  EXPECT_TRUE(Has(result, Kind::kUnreadableValue));
  // Flattened with other digits, the row cannot be split: all its cells are uncertain; glued
  // to digits, it makes them unreadable (never dropped: "100\uFFFD0001" is not 1,0,0,0,0,0,1).
  const std::string head = text.substr(0, text.find("5.属于三类内部事务信息"));
  for (const std::string run : {"00 \xEF\xBF\xBD 00",
                                "100\xEF\xBF\xBD"
                                "0001"}) {
    SCOPED_TRACE(run);
    const ParseResult flat =
        ParseReport(head + "5.属于三类内部事务信息 " + run + "\n6.属于四类过程性信息 | 0 |");
    EXPECT_EQ(CellValue(flat, "table3.results.withheld.internal_affairs.natural_person"), "?");
    EXPECT_EQ(CellValue(flat, "table3.results.withheld.internal_affairs.total"), "?");
  }
}

TEST(ImporterParser, ReadsANegativeChangeAndAnAmountInYuanFromTheHeader) {
  const std::string text =
      "二、主动公开政府信息情况\n"
      "第二十条第（五）项 | | | |\n"
      "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
      "行政许可 | 20 | -3 | 100 |\n"
      "第二十条第（九）项 | | |\n"
      "信息内容 | 采购项目数量 | 采购总金额（元） |\n"
      "政府集中采购 | 2 | 251000 |\n"
      "三、收到和处理政府信息公开申请情况\n";
  const ParseResult result = ParseReport(text);
  EXPECT_EQ(result.report.edition(), v1::EDITION_2019);
  EXPECT_EQ(CellValue(result, "table2_2019.item5.licensing.previous_year"), "20");
  EXPECT_EQ(CellValue(result, "table2_2019.item5.licensing.change"), "-3");
  EXPECT_EQ(CellValue(result, "table2_2019.item9.procurement.amount"), "25.1");
}

TEST(ImporterParser, MarksAnAmountWithoutAnyUnitUncertainUnlessZero) {
  const std::string text =
      "二、主动公开政府信息情况\n"
      "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
      "行政许可 | 0 | 0 | 0 |\n"
      "信息内容 | 采购项目数量 | 采购总金额 |\n"
      "政府集中采购 | 2 | 12.5 |\n";
  const ParseResult result = ParseReport(text);
  EXPECT_EQ(CellValue(result, "table2_2019.item9.procurement.amount"), "?");
  EXPECT_TRUE(Has(result, Kind::kMoneyUnitMissing));
  const ParseResult zero = ParseReport(absl::StrReplaceAll(text, {{"12.5", "0"}}));
  EXPECT_EQ(CellValue(zero, "table2_2019.item9.procurement.amount"), "0");
}

TEST(ImporterParser, ReportsTheRulesAReportBreaks) {
  const std::string text =
      absl::StrReplaceAll(Sample("2023_street_guanzhou-haizhu.txt"),
                          {{"一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
                            "一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 2 |"}});
  const ParseResult result = ParseReport(text);
  EXPECT_EQ(CellValue(result, "table3.new_requests.total"), "2");
  EXPECT_TRUE(Has(result, Kind::kRuleViolation));
}

TEST(ImporterParser, ReportsAmbiguousSplitsWithTheirAlternatives) {
  const ParseResult result = ParseReport(Sample("2021_pref_pingtan.txt"));
  bool found = false;
  for (const Diagnostic& d : result.diagnostics) {
    if (d.kind != Kind::kAmbiguousSplit) continue;
    found = true;
    EXPECT_EQ(d.field_path, "table2_2021.item1.normative_documents.issued");
    EXPECT_THAT(d.alternatives,
                ::testing::Contains("本年制发件数=69, 本年废止件数=3, 现行有效件数=665"));
    EXPECT_TRUE(absl::StrContains(FormatDiagnostic(d), "ambiguous-split"));
  }
  EXPECT_TRUE(found);
}

TEST(ImporterParser, FindsTitleYearAndNarrative) {
  const ParseResult result = ParseReport(Sample("2019_prov_shanghai-szfbgt.txt"));
  EXPECT_EQ(result.report.title(), "2019年上海市人民政府办公厅政府信息公开工作年度报告");
  EXPECT_EQ(result.report.publisher(), "上海市人民政府办公厅");
  EXPECT_EQ(result.report.publication_date(), "2020-01-31");
  EXPECT_EQ(result.report.key().year(), 2019);
  EXPECT_TRUE(
      absl::StartsWith(result.report.narrative().overview(), "2019年，上海市人民政府办公厅"));
  EXPECT_EQ(result.report.narrative().other_matters(), "无。");
  EXPECT_TRUE(result.report.key().region_code().empty());
}

TEST(ImporterRobustness, SurvivesEmptyInput) {
  const ParseResult result = ParseReport("");
  EXPECT_FALSE(result.has_tables);
  EXPECT_EQ(result.report.edition(), v1::EDITION_UNSPECIFIED);
}

TEST(ImporterRobustness, SurvivesRandomBytes) {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 300; ++round) {
    std::string bytes(rng() % 4000, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    ParseReport(bytes);
  }
}

TEST(ImporterRobustness, SurvivesRandomMixturesOfTableFragments) {
  const char* const pieces[] = {"一、",
                                "二、主动公开政府信息情况",
                                "三、收到和处理政府信息公开申请情况",
                                "四、",
                                "（七）总计",
                                "总计",
                                "规章",
                                "行政许可",
                                "本年增/减",
                                "|",
                                "\t",
                                "\n",
                                " ",
                                "0",
                                "12",
                                "-",
                                "—",
                                "/",
                                "无",
                                "3.",
                                "万元",
                                "元",
                                "<td>",
                                "</tr>",
                                "&nbsp;",
                                "\\\"",
                                "1000001",
                                "行政复议",
                                "本年新",
                                "（",
                                "）",
                                "结果维持",
                                "5.属于三类内部事务信息"};
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) text += pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
    const ParseResult result = ParseReport(text);
    FormatParsedCells(result);
    for (const Diagnostic& d : result.diagnostics) FormatDiagnostic(d);
  }
}

TEST(ImporterRobustness, SurvivesHtmlCutAtAnyPoint) {
  const std::string html = Sample("2019_prov_shanghai-szfbgt.txt");
  for (size_t cut = 0; cut < html.size(); cut += 331) {
    const ParseResult result = ParseReport(html.substr(0, cut));
    FormatParsedCells(result);
  }
}

TEST(ImporterRobustness, SurvivesLongRunsOfDigitsAndMarkup) {
  ParseReport("三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量" +
              std::string(100000, '1'));
  ParseReport(std::string(100000, '<'));
  ParseReport(std::string(50000, '&'));
  std::string headings;
  for (int i = 0; i < 20000; ++i) headings += "四、行政复议";
  ParseReport(headings);
}

// A hang here would hit ctest's timeout; speed itself is measured in bench/parse_bench.
TEST(ImporterRobustness, ParsesAHugeInput) {
  std::string huge;
  while (huge.size() < (8u << 20)) huge += Sample("2021_pref_pingtan.txt");
  const ParseResult result = ParseReport(huge);
  EXPECT_TRUE(result.has_tables);
}

}  // namespace
}  // namespace gongkai::importer
