// The cells derived from the schema: counts, order, labels, rules, money, the cells format.
#include "proto/cells.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/money.h"
#include "tests/test_util.h"

namespace gongkai {
namespace {

using ::testing::ElementsAre;

TEST(CellsTest, EditionsHaveTheCellCountsOfCellsMd) {
  // 2019: table 二 22 cells, table 三 23 rows × 7, table 四 15.
  EXPECT_EQ(CellsOf(v1::EDITION_2019).size(), 22u + 161u + 15u);
  // 2021: table 二 10 cells, table 三 25 rows × 7, table 四 15.
  EXPECT_EQ(CellsOf(v1::EDITION_2021).size(), 10u + 175u + 15u);
  EXPECT_TRUE(CellsOf(v1::EDITION_UNSPECIFIED).empty());
}

TEST(CellsTest, LabelsAndPathsFollowTheSchema) {
  const auto& cells = CellsOf(v1::EDITION_2021);
  const CellSpec& first = cells.front();
  EXPECT_EQ(first.table, "二");
  EXPECT_EQ(first.row, "第二十条第（一）项/规章");
  EXPECT_EQ(first.column, "本年制发件数");
  EXPECT_EQ(first.field_path, "table2_2021.item1.rules.issued");
  const int fees = FindCell(v1::EDITION_2021, "table2_2021.item8.fees.amount");
  ASSERT_GE(fees, 0);
  EXPECT_EQ(cells[fees].column, "本年收费金额（单位：万元）");
  EXPECT_EQ(cells[fees].kind, CellKind::kMoney);
  const int other = FindCell(v1::EDITION_2021, "table3.results.other.unpaid_fees.total");
  ASSERT_GE(other, 0);
  EXPECT_EQ(cells[other].row,
            "三、本年度办理结果/（六）其他处理/2.申请人逾期未按收费通知要求缴纳费用、"
            "行政机关不再处理其政府信息公开申请");
  EXPECT_EQ(FindCell(v1::EDITION_2021, "table3.results.other_2019.total"), -1);
  EXPECT_EQ(FindCell(v1::EDITION_2019, "table3.results.other.other.total"), -1);
  const int change = FindCell(v1::EDITION_2019, "table2_2019.item5.licensing.change");
  EXPECT_EQ(CellsOf(v1::EDITION_2019)[change].kind, CellKind::kSignedCount);
  const auto& last = CellsOf(v1::EDITION_2019).back();
  EXPECT_EQ(last.table, "四");
  EXPECT_EQ(last.row, "行政诉讼/复议后起诉");
  EXPECT_EQ(last.column, "总计");
}

TEST(CellsTest, AFlagsCellLabelsComeFromItsEditionsSchemaByFieldPath) {
  v1::AnomalySet set;
  v1::Anomaly* of2019 = set.add_anomalies();
  of2019->set_edition(v1::EDITION_2019);
  of2019->add_cells()->set_field_path("table2_2019.item5.licensing.change");
  of2019->add_cells()->set_field_path("publication_date");  // not a cell: no labels
  v1::Anomaly* without = set.add_anomalies();  // stored before flags recorded their edition
  v1::CellRef* old = without->add_cells();
  old->set_field_path("table3.new_requests.total");
  old->set_table("三");
  EXPECT_FALSE(HasCellLabels(set));  // the one without an edition is left as it is
  AddCellLabels(&set);
  EXPECT_TRUE(HasCellLabels(set));
  const CellSpec& spec =
      CellsOf(v1::EDITION_2019)[FindCell(v1::EDITION_2019, "table2_2019.item5.licensing.change")];
  const v1::CellRef& change = set.anomalies(0).cells(0);
  EXPECT_EQ(change.table(), "二");
  EXPECT_EQ(change.row(), spec.row);
  EXPECT_EQ(change.column(), spec.column);
  EXPECT_EQ(set.anomalies(0).cells(1).table(), "");
  EXPECT_EQ(set.anomalies(1).cells(0).table(), "三");
  EXPECT_EQ(set.anomalies(1).cells(0).row(), "");
  // Clearing leaves the field paths, and the labels of a flag without an edition.
  ClearCellLabels(&set);
  EXPECT_FALSE(HasCellLabels(set));
  EXPECT_EQ(set.anomalies(0).cells(0).field_path(), "table2_2019.item5.licensing.change");
  EXPECT_EQ(set.anomalies(0).cells(0).row(), "");
  EXPECT_EQ(set.anomalies(1).cells(0).table(), "三");
  // One flag alone, as a listing labels them.
  v1::Anomaly one = set.anomalies(0);
  AddCellLabels(&one);
  EXPECT_EQ(one.cells(0).column(), spec.column);
}

TEST(CellsTest, ARollupsCellLabelsComeFromTheSchemaByFieldPath) {
  v1::Rollup rollup;
  rollup.add_shared()->set_field_path("table3.new_requests.total");
  rollup.add_shared()->set_field_path("no.such.cell");
  v1::EditionRollup* edition = rollup.add_editions();
  edition->set_edition(v1::EDITION_2019);
  edition->add_overflowed()->set_field_path("table2_2019.item5.licensing.change");
  EXPECT_FALSE(HasCellLabels(rollup));
  AddCellLabels(&rollup);
  EXPECT_TRUE(HasCellLabels(rollup));
  const v1::SharedCell& total = rollup.shared(0);
  EXPECT_EQ(total.table(), "三");
  EXPECT_EQ(total.row(), "一、本年新收政府信息公开申请数量");
  EXPECT_EQ(total.column(), "总计");
  EXPECT_EQ(rollup.shared(1).table(), "");  // not a cell: nothing to label it with
  const v1::OverflowedCell& change = rollup.editions(0).overflowed(0);
  const CellSpec& spec =
      CellsOf(v1::EDITION_2019)[FindCell(v1::EDITION_2019, "table2_2019.item5.licensing.change")];
  EXPECT_EQ(change.table(), "二");
  EXPECT_EQ(change.row(), spec.row);
  EXPECT_EQ(change.column(), spec.column);
  // Labelling twice changes nothing; clearing leaves only the field paths.
  v1::Rollup again = rollup;
  AddCellLabels(&again);
  EXPECT_EQ(again.SerializeAsString(), rollup.SerializeAsString());
  ClearCellLabels(&rollup);
  EXPECT_FALSE(HasCellLabels(rollup));
  EXPECT_EQ(rollup.shared(0).field_path(), "table3.new_requests.total");
  EXPECT_EQ(rollup.editions(0).overflowed(0).field_path(), "table2_2019.item5.licensing.change");
}

TEST(CellsTest, RulesCoverEveryColumnAndRow) {
  int r1 = 0, r2 = 0, r3 = 0, r4 = 0;
  for (const LinearRule& rule : RulesOf(v1::EDITION_2021)) {
    r1 += rule.id == "R1";
    r2 += rule.id == "R2";
    r3 += rule.id == "R3";
    r4 += rule.id == "R4";
  }
  EXPECT_EQ(r1, 7);  // every column of table 三
  EXPECT_EQ(r2, 7);
  EXPECT_EQ(r3, 25);  // every row of table 三 (2021)
  EXPECT_EQ(r4, 3);   // every row of table 四
}

TEST(CellsTest, RuleR2SumsEveryResultItemOfTheEdition) {
  const auto& cells = CellsOf(v1::EDITION_2021);
  for (const LinearRule& rule : RulesOf(v1::EDITION_2021)) {
    if (rule.id != "R2" || cells[rule.lhs[0]].column != "自然人") continue;
    EXPECT_EQ(cells[rule.lhs[0]].field_path, "table3.results.total.natural_person");
    // （一）,（二）, 8 × （三）, 3 × （四）, 5 × （五）, 3 × （六）.
    EXPECT_EQ(rule.rhs.size(), 1u + 1u + 8u + 3u + 5u + 3u);
  }
  for (const LinearRule& rule : RulesOf(v1::EDITION_2019)) {
    if (rule.id == "R2") {
      EXPECT_EQ(rule.rhs.size(), 1u + 1u + 8u + 3u + 5u + 1u);
    }
  }
}

TEST(CellsTest, SeedReportPrintsTheExpectedCellsByteForByte) {
  EXPECT_EQ(FormatCells(testing::SeedReport()),
            testing::ReadFile(testing::TestData("2019_town_yishi.tsv")));
}

TEST(CellsTest, UncertainCellsPrintAsQuestionMarks) {
  v1::Report report = testing::SeedReport();
  report.add_uncertain_cells("table3.new_requests.total");
  EXPECT_THAT(FormatCells(report),
              ::testing::HasSubstr("三\t一、本年新收政府信息公开申请数量\t总计\t?\n"));
}

TEST(CellsTest, SetAndGetCellKeepBlankApartFromZero) {
  v1::Report report;
  report.set_edition(v1::EDITION_2021);
  const CellSpec& cell =
      CellsOf(v1::EDITION_2021)[FindCell(v1::EDITION_2021, "table4.reconsideration.total")];
  EXPECT_EQ(GetCell(report, cell), std::nullopt);
  SetCell(&report, cell, 0);
  EXPECT_EQ(GetCell(report, cell), 0);
  SetCell(&report, cell, std::nullopt);
  EXPECT_EQ(GetCell(report, cell), std::nullopt);
}

// CellValues reads the cells of the report's own edition only: a field set that is a cell of
// the other edition alone is not one of them.
TEST(CellsTest, CellValuesReadsTheCellsOfTheReportsEdition) {
  for (v1::Edition edition : {v1::EDITION_2019, v1::EDITION_2021}) {
    const v1::Edition other = edition == v1::EDITION_2019 ? v1::EDITION_2021 : v1::EDITION_2019;
    v1::Report report;
    report.set_edition(other);
    int set_elsewhere = 0;
    for (const CellSpec& cell : CellsOf(other)) {
      if (FindCell(edition, cell.field_path) >= 0) continue;
      SetCell(&report, cell, 7);
      ++set_elsewhere;
    }
    ASSERT_GT(set_elsewhere, 0);
    report.set_edition(edition);
    const std::vector<CellSpec>& cells = CellsOf(edition);
    SetCell(&report, cells.front(), 0);
    std::vector<std::optional<int64_t>> expected(cells.size());
    expected.front() = 0;
    EXPECT_EQ(CellValues(report), expected);
  }
}

// A name of no cell of the report's edition (another edition's, or none at all) marks nothing.
TEST(CellsTest, UncertainCellsAreTheEditionsCellsNamedUncertain) {
  v1::Report report;
  report.set_edition(v1::EDITION_2021);
  const std::vector<CellSpec>& cells = CellsOf(v1::EDITION_2021);
  std::string only_2019;
  for (const CellSpec& cell : CellsOf(v1::EDITION_2019)) {
    if (FindCell(v1::EDITION_2021, cell.field_path) < 0) only_2019 = cell.field_path;
  }
  ASSERT_FALSE(only_2019.empty());
  report.add_uncertain_cells(cells[3].field_path);
  report.add_uncertain_cells(only_2019);
  report.add_uncertain_cells("table9.nothing");
  std::vector<bool> expected(cells.size(), false);
  expected[3] = true;
  EXPECT_EQ(UncertainCells(report), expected);
  report.set_edition(v1::EDITION_UNSPECIFIED);
  EXPECT_TRUE(UncertainCells(report).empty());
}

// The changes between two revisions, as the cells output prints each side: a value changed, a
// cell made uncertain, one blanked; across editions a cell of one edition only is blank in the
// other.
TEST(CellsTest, DiffCellsListsEachChangedCellAsPrinted) {
  const v1::Report before = testing::SeedReport();
  ASSERT_EQ(before.edition(), v1::EDITION_2019);
  const std::vector<CellSpec>& cells = CellsOf(v1::EDITION_2019);
  const std::vector<std::optional<int64_t>> values = CellValues(before);
  std::vector<int> filled;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].has_value()) filled.push_back(static_cast<int>(i));
  }
  ASSERT_GE(filled.size(), 3u);
  v1::Report after = before;
  SetCell(&after, cells[filled[0]], *values[filled[0]] + 5);
  after.add_uncertain_cells(cells[filled[1]].field_path);
  SetCell(&after, cells[filled[2]], std::nullopt);
  EXPECT_TRUE(DiffCells(before, before).empty());
  const std::vector<v1::CellChange> changes = DiffCells(before, after);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].field_path(), cells[filled[0]].field_path);
  EXPECT_EQ(changes[0].table(), cells[filled[0]].table);
  EXPECT_EQ(changes[0].row(), cells[filled[0]].row);
  EXPECT_EQ(changes[0].column(), cells[filled[0]].column);
  EXPECT_EQ(changes[0].before(), FormatCellValue(cells[filled[0]], values[filled[0]]));
  EXPECT_EQ(changes[0].after(), FormatCellValue(cells[filled[0]], *values[filled[0]] + 5));
  EXPECT_EQ(changes[1].field_path(), cells[filled[1]].field_path);
  EXPECT_EQ(changes[1].before(), FormatCellValue(cells[filled[1]], values[filled[1]]));
  EXPECT_EQ(changes[1].after(), "?");
  EXPECT_EQ(changes[2].field_path(), cells[filled[2]].field_path);
  EXPECT_EQ(changes[2].before(), FormatCellValue(cells[filled[2]], values[filled[2]]));
  EXPECT_EQ(changes[2].after(), "");

  // The same report filed as the 2021 edition: each filled cell of the 2019 edition only is
  // blank after it, and each the editions share is unchanged.
  v1::Report as_2021 = before;
  as_2021.set_edition(v1::EDITION_2021);
  int only_2019_filled = 0;
  for (int i : filled) only_2019_filled += FindCell(v1::EDITION_2021, cells[i].field_path) < 0;
  ASSERT_GT(only_2019_filled, 0);
  int blanked = 0;
  for (const v1::CellChange& change : DiffCells(before, as_2021)) {
    const int index = FindCell(v1::EDITION_2019, change.field_path());
    ASSERT_GE(index, 0) << change.field_path() << " is blank in both";
    EXPECT_LT(FindCell(v1::EDITION_2021, change.field_path()), 0) << change.field_path();
    EXPECT_EQ(change.before(), FormatCellValue(cells[index], values[index]));
    EXPECT_EQ(change.after(), "");
    ++blanked;
  }
  EXPECT_EQ(blanked, only_2019_filled);
}

TEST(CellsTest, SetCellsWritesEveryFilledCellAndOnlyThose) {
  for (v1::Edition edition : {v1::EDITION_2019, v1::EDITION_2021}) {
    const std::vector<CellSpec>& cells = CellsOf(edition);
    std::vector<std::optional<int64_t>> values(cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i % 3 == 2) continue;  // every third cell blank
      switch (cells[i].kind) {
        case CellKind::kSignedCount:
          values[i] = -static_cast<int64_t>(i) - 1;
          break;
        case CellKind::kMoney:
          values[i] = std::numeric_limits<int64_t>::max() - static_cast<int64_t>(i);
          break;
        case CellKind::kCount:
          values[i] = i % 3 == 0 ? 0 : std::numeric_limits<int32_t>::max() - static_cast<int>(i);
      }
    }
    v1::Report report;
    report.set_edition(edition);
    SetCells(&report, values);
    for (size_t i = 0; i < cells.size(); ++i) {
      EXPECT_EQ(GetCell(report, cells[i]), values[i]) << cells[i].field_path;
    }
    EXPECT_EQ(CellValues(report), values);  // all of them in one walk
    // The same as one cell at a time through reflection.
    v1::Report one_by_one;
    one_by_one.set_edition(edition);
    for (size_t i = 0; i < cells.size(); ++i) {
      if (values[i].has_value()) SetCell(&one_by_one, cells[i], values[i]);
    }
    EXPECT_EQ(FormatCells(report), FormatCells(one_by_one));
    EXPECT_EQ(report.ByteSizeLong(), one_by_one.ByteSizeLong());
  }
}

TEST(MoneyTest, FormatsWanYuanWithTrailingZerosTrimmed) {
  EXPECT_EQ(FormatWanYuan(93860500), "93.8605");
  EXPECT_EQ(FormatWanYuan(25100000), "25.1");
  EXPECT_EQ(FormatWanYuan(0), "0");
  EXPECT_EQ(FormatWanYuan(24252311082), "24252.311082");
  EXPECT_EQ(FormatWanYuan(-1500000), "-1.5");
}

TEST(MoneyTest, ParsesWanYuanAndYuanExactly) {
  EXPECT_EQ(*ParseMoney("93.8605", MoneyUnit::kWanYuan), 93860500);
  EXPECT_EQ(*ParseMoney("251000", MoneyUnit::kYuan), 25100000);  // 251000元 = 25.1万元
  EXPECT_EQ(*ParseMoney("0.01", MoneyUnit::kYuan), 1);
  EXPECT_EQ(*ParseMoney("24252.311082", MoneyUnit::kWanYuan), 24252311082);
  EXPECT_EQ(*ParseMoney("1.50", MoneyUnit::kYuan), 150);
  EXPECT_FALSE(ParseMoney("0.001", MoneyUnit::kYuan).ok());
  EXPECT_FALSE(ParseMoney("1.2.3", MoneyUnit::kWanYuan).ok());
  EXPECT_FALSE(ParseMoney("", MoneyUnit::kWanYuan).ok());
  EXPECT_FALSE(ParseMoney("99999999999999999999", MoneyUnit::kWanYuan).ok());
}

TEST(MoneyTest, RefusesAnAmountOneMillionthPastTheRangeInsteadOfWrapping) {
  // Issue 15: this was read as −9223372036854.775808.
  EXPECT_EQ(ParseMoney("9223372036854.775808", MoneyUnit::kWanYuan).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseMoney("9223372036854.775807", MoneyUnit::kWanYuan),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*ParseMoney("-9223372036854.775807", MoneyUnit::kWanYuan),
            -std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(ParseMoney("92233720368547758.08", MoneyUnit::kYuan).ok());
}

}  // namespace
}  // namespace gongkai
