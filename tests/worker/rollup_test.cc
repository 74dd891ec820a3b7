// Rollups over a real county of the registry (宁海县, 浙江省宁波市): three townships, the
// county government, a county department and a county summary, in year 2021 with one
// township still on the 2019 tables. Every expected number below is worked out by hand in
// the comments.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/worker/worker_test_util.h"
#include "worker/anomalies.h"

namespace gongkai::worker {
namespace {

using testing::Day;
using testing::Rev;

constexpr char kCounty[] = "330226000000";   // 宁海县
constexpr char kYuelong[] = "330226001000";  // 跃龙街道
constexpr char kTaoyuan[] = "330226002000";  // 桃源街道
constexpr char kYishi[] = "330226104000";    // 一市镇
constexpr char kDepartment[] = "11100000000013127D";

class RollupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = testing::NationalTree();
    model_ = std::make_unique<YearModel>(2021, tree_, &settings_);
    // A: 跃龙街道, filed 2022-01-10 (on time: townships by 31 January).
    model_->Apply(Rev({.region = kYuelong,
                       .cells = {{"table3.new_requests.natural_person", 3},
                                 {"table3.new_requests.total", 3},
                                 {"table3.results.granted.natural_person", 2},
                                 {"table3.results.granted.total", 2},
                                 {"table3.results.total.natural_person", 2},
                                 {"table3.results.total.total", 2},
                                 {"table3.carried_forward.natural_person", 1},
                                 {"table3.carried_forward.total", 1},
                                 {"table2_2021.item5.licensing.decisions", 10},
                                 {"table4.reconsideration.upheld", 0},
                                 {"table4.reconsideration.corrected", 0},
                                 {"table4.reconsideration.other", 0},
                                 {"table4.reconsideration.pending", 0},
                                 {"table4.reconsideration.total", 0}}}));
    // B: 桃源街道, published 2022-02-15 (late).
    model_->Apply(Rev({.region = kTaoyuan,
                       .cells = {{"table3.new_requests.commercial_enterprise", 4},
                                 {"table3.new_requests.total", 4},
                                 {"table3.results.granted.commercial_enterprise", 3},
                                 {"table3.results.granted.total", 3},
                                 {"table3.results.withheld.state_secret.commercial_enterprise", 1},
                                 {"table3.results.withheld.state_secret.total", 1},
                                 {"table3.results.total.commercial_enterprise", 4},
                                 {"table3.results.total.total", 4},
                                 {"table2_2021.item5.licensing.decisions", 5},
                                 {"table2_2021.item8.fees.amount", 1'500'000}},  // 1.5万元
                       .publication_date = "2022-02-15"}));
    // C: 一市镇 on the 2019 tables, filed 2022-01-20 (on time).
    model_->Apply(Rev({.region = kYishi,
                       .edition = v1::EDITION_2019,
                       .cells = {{"table3.new_requests.natural_person", 2},
                                 {"table3.new_requests.total", 2},
                                 {"table3.results.granted.natural_person", 1},
                                 {"table3.results.granted.total", 1},
                                 {"table3.results.total.natural_person", 1},
                                 {"table3.results.total.total", 1},
                                 {"table2_2019.item9.procurement.projects", 9},
                                 {"table2_2019.item9.procurement.amount", 93'860'500}},
                       .filed = Day(2022, 1, 20)}));
    // D: 宁海县 government, filed 2022-03-01 (on time: counties by 31 March).
    model_->Apply(Rev({.region = kCounty,
                       .cells = {{"table3.new_requests.natural_person", 5},
                                 {"table3.new_requests.total", 5},
                                 {"table3.results.granted.natural_person", 5},
                                 {"table3.results.granted.total", 5},
                                 {"table3.results.total.natural_person", 5},
                                 {"table3.results.total.total", 5},
                                 {"table4.reconsideration.upheld", 1},
                                 {"table4.reconsideration.corrected", 1},
                                 {"table4.reconsideration.other", 0},
                                 {"table4.reconsideration.pending", 0},
                                 {"table4.reconsideration.total", 2}},
                       .filed = Day(2022, 3, 1)}));
    // E: a county department (not counted for completeness).
    model_->Apply(Rev({.region = kCounty,
                       .cells = {{"table3.new_requests.natural_person", 1},
                                 {"table3.new_requests.total", 1},
                                 {"table3.results.unavailable.not_held.natural_person", 1},
                                 {"table3.results.unavailable.not_held.total", 1},
                                 {"table3.results.total.natural_person", 1},
                                 {"table3.results.total.total", 1},
                                 {"table2_2021.item8.fees.amount", 250'000}},  // 0.25万元
                       .body = kDepartment}));
    // F: the county's summary (汇总): never added in. It says 14 requests; the reports say 15.
    model_->Apply(Rev({.region = kCounty,
                       .cells = {{"table3.new_requests.total", 14},
                                 {"table2_2021.item5.licensing.decisions", 15}},
                       .scope = v1::SCOPE_SUMMARY,
                       .filed = Day(2022, 3, 5)}));
  }

  v1::Rollup Rollup(const std::string& code) {
    return model_->BuildRollup(tree_->Find(code), 6, Day(2022, 6, 1));
  }

  Settings settings_;
  std::shared_ptr<const RegionTree> tree_;
  std::unique_ptr<YearModel> model_;
};

// Every cell of an edition's sums: `expected` lists the filled ones (value, contributors);
// all others must be blank with no contributor.
void ExpectCells(const v1::EditionRollup& rollup,
                 const std::map<std::string, std::pair<int64_t, int>>& expected) {
  const auto& cells = CellsOf(rollup.edition());
  ASSERT_EQ(rollup.contributors_size(), static_cast<int>(cells.size()));
  int filled = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    auto it = expected.find(cells[i].field_path);
    const auto value = GetCell(rollup.sums(), cells[i]);
    if (it == expected.end()) {
      EXPECT_EQ(value, std::nullopt) << cells[i].field_path;
      EXPECT_EQ(rollup.contributors(i), 0) << cells[i].field_path;
    } else {
      ++filled;
      EXPECT_EQ(value, it->second.first) << cells[i].field_path;
      EXPECT_EQ(rollup.contributors(i), it->second.second) << cells[i].field_path;
    }
  }
  EXPECT_EQ(filled, static_cast<int>(expected.size()));
}

// The county's 2021-edition sums: A + B + D + E (C is 2019, F a summary).
const std::map<std::string, std::pair<int64_t, int>> kCounty2021 = {
    {"table3.new_requests.natural_person", {3 + 5 + 1, 3}},
    {"table3.new_requests.commercial_enterprise", {4, 1}},
    {"table3.new_requests.total", {3 + 4 + 5 + 1, 4}},
    {"table3.results.granted.natural_person", {2 + 5, 2}},
    {"table3.results.granted.commercial_enterprise", {3, 1}},
    {"table3.results.granted.total", {2 + 3 + 5, 3}},
    {"table3.results.withheld.state_secret.commercial_enterprise", {1, 1}},
    {"table3.results.withheld.state_secret.total", {1, 1}},
    {"table3.results.unavailable.not_held.natural_person", {1, 1}},
    {"table3.results.unavailable.not_held.total", {1, 1}},
    {"table3.results.total.natural_person", {2 + 5 + 1, 3}},
    {"table3.results.total.commercial_enterprise", {4, 1}},
    {"table3.results.total.total", {2 + 4 + 5 + 1, 4}},
    {"table3.carried_forward.natural_person", {1, 1}},
    {"table3.carried_forward.total", {1, 1}},
    {"table2_2021.item5.licensing.decisions", {10 + 5, 2}},
    {"table2_2021.item8.fees.amount", {1'500'000 + 250'000, 2}},
    {"table4.reconsideration.upheld", {0 + 1, 2}},
    {"table4.reconsideration.corrected", {0 + 1, 2}},
    {"table4.reconsideration.other", {0, 2}},
    {"table4.reconsideration.pending", {0, 2}},
    {"table4.reconsideration.total", {0 + 2, 2}},
};

// The county's 2019-edition sums: C alone.
const std::map<std::string, std::pair<int64_t, int>> kCounty2019 = {
    {"table3.new_requests.natural_person", {2, 1}},
    {"table3.new_requests.total", {2, 1}},
    {"table3.results.granted.natural_person", {1, 1}},
    {"table3.results.granted.total", {1, 1}},
    {"table3.results.total.natural_person", {1, 1}},
    {"table3.results.total.total", {1, 1}},
    {"table2_2019.item9.procurement.projects", {9, 1}},
    {"table2_2019.item9.procurement.amount", {93'860'500, 1}},
};

TEST_F(RollupTest, CountySumsEveryCellPerEditionAndLeavesSummariesOut) {
  const v1::Rollup rollup = Rollup(kCounty);
  EXPECT_EQ(rollup.reports(), 5);
  ASSERT_EQ(rollup.editions_size(), 2);
  EXPECT_EQ(rollup.editions(0).edition(), v1::EDITION_2019);
  EXPECT_EQ(rollup.editions(0).reports(), 1);
  EXPECT_EQ(rollup.editions(1).reports(), 4);
  ExpectCells(rollup.editions(0), kCounty2019);
  ExpectCells(rollup.editions(1), kCounty2021);
}

TEST_F(RollupTest, EveryLevelUpToTheNationHasTheCountysSums) {
  for (const char* code : {"330200000000", "330000000000", "000000000000"}) {
    const v1::Rollup rollup = Rollup(code);
    EXPECT_EQ(rollup.reports(), 5) << code;
    ASSERT_EQ(rollup.editions_size(), 2) << code;
    ExpectCells(rollup.editions(0), kCounty2019);
    ExpectCells(rollup.editions(1), kCounty2021);
  }
}

TEST_F(RollupTest, ATownshipRollupIsItsOwnReport) {
  const v1::Rollup rollup = Rollup(kTaoyuan);
  EXPECT_EQ(rollup.reports(), 1);
  ASSERT_EQ(rollup.editions_size(), 1);
  EXPECT_EQ(
      FormatCellValue(
          CellsOf(v1::EDITION_2021)[FindCell(v1::EDITION_2021, "table2_2021.item8.fees.amount")],
          GetCell(
              rollup.editions(0).sums(),
              CellsOf(
                  v1::EDITION_2021)[FindCell(v1::EDITION_2021, "table2_2021.item8.fees.amount")])),
      "1.5");
  EXPECT_EQ(
      rollup.editions(0).contributors(FindCell(v1::EDITION_2021, "table2_2021.item8.fees.amount")),
      1);
  EXPECT_EQ(Rollup(kYuelong).editions(0).reports(), 1);
  // A township keeps counts, not cell sums (its rollup adds its reports' cells up); the county
  // keeps both.
  const RegionSums* township = model_->CountsOf(tree_->Find(kTaoyuan));
  ASSERT_NE(township, nullptr);
  EXPECT_EQ(township->editions[1].reports, 1);
  EXPECT_FALSE(township->editions[1].has_cells());
  EXPECT_TRUE(model_->CountsOf(tree_->Find(kCounty))->editions[1].has_cells());
}

TEST_F(RollupTest, SharedCellsAddBothEditions) {
  const v1::Rollup rollup = Rollup(kCounty);
  std::map<std::string, std::pair<int64_t, int>> shared;
  for (const v1::SharedCell& cell : rollup.shared()) {
    shared[cell.field_path()] = {cell.sum(), cell.contributors()};
  }
  EXPECT_EQ(shared["table3.new_requests.total"], std::make_pair(int64_t{3 + 4 + 5 + 1 + 2}, 5));
  EXPECT_EQ(shared["table3.results.granted.total"], std::make_pair(int64_t{10 + 1}, 4));
  EXPECT_EQ(shared["table4.reconsideration.total"], std::make_pair(int64_t{2}, 2));
  EXPECT_FALSE(shared.contains("table3.carried_over.total"));      // blank everywhere
  EXPECT_FALSE(shared.contains("table2_2021.item8.fees.amount"));  // table 二 is not shared
  // Built as the store keeps it: the cells' labels are the schema's, put back when read.
  EXPECT_FALSE(HasCellLabels(rollup));
}

TEST_F(RollupTest, IndicatorsCarryTheirNumeratorAndDenominator) {
  const v1::Rollup rollup = Rollup(kCounty);
  std::map<std::string, v1::Indicator> by_name;
  for (const auto& indicator : rollup.indicators()) by_name[indicator.name()] = indicator;
  // 予以公开 11 of （七）总计 13 (both editions).
  EXPECT_EQ(by_name["granted_share"].numerator(), 11);
  EXPECT_EQ(by_name["granted_share"].denominator(), 13);
  EXPECT_NEAR(by_name["granted_share"].value(), 11.0 / 13, 1e-12);
  EXPECT_EQ(by_name["refused_share"].numerator(), 1);
  EXPECT_EQ(by_name["reconsideration_correction_rate"].numerator(), 1);
  EXPECT_EQ(by_name["reconsideration_correction_rate"].denominator(), 2);
  EXPECT_FALSE(by_name["litigation_correction_rate"].defined());
}

TEST_F(RollupTest, CompletenessCountsGovernmentReportsAgainstDeadlines) {
  const v1::Completeness c = Rollup(kCounty).completeness();
  const int townships = static_cast<int>(tree_->children(tree_->Find(kCounty)).size());
  EXPECT_EQ(c.expected(), 1 + townships);
  EXPECT_EQ(c.received(), 4);  // A, B, C, D; the department and the summary do not count
  EXPECT_EQ(c.on_time(), 3);
  EXPECT_EQ(c.late(), 1);  // B, published 15 February
  EXPECT_EQ(c.missing(), 1 + townships - 4);
  EXPECT_THAT(c.missing_regions(), ::testing::Not(::testing::Contains(kYishi)));
  EXPECT_THAT(c.missing_regions(), ::testing::Contains("330226003000"));
}

TEST_F(RollupTest, TheNationListsItsFirstHundredMissingRegionsInCodeOrder) {
  const v1::Completeness c = Rollup(tree_->region(tree_->root()).code).completeness();
  EXPECT_GT(c.missing(), 40000);
  ASSERT_EQ(c.missing_regions_size(), 100);
  EXPECT_TRUE(std::is_sorted(c.missing_regions().begin(), c.missing_regions().end()));
  EXPECT_EQ(c.missing_regions(0), "110000000000");  // 北京市 files no report here
}

TEST(RollupMissingRegionsTest, AUnitThatKeptACodeFromElsewhereIsListedInCodeOrderToo) {
  // 象山县's first township moved under 宁海县 with its code, as a registry change may leave a
  // unit: the walk meets it after 宁海县 itself, out of code order; the list is sorted anyway.
  const registry::YearTree& national = *testing::NationalRegistry().Tree(2023);
  const std::string moved = national.ChildrenOf("330225000000").front()->code();
  std::vector<v1::Region> regions;
  for (const v1::Region* region : national.regions()) {
    regions.push_back(*region);
    if (region->code() == moved) regions.back().set_parent_code(kCounty);
  }
  absl::StatusOr<std::shared_ptr<const RegionTree>> tree = RegionTree::Build(std::move(regions), 0);
  ASSERT_TRUE(tree.ok()) << tree.status();
  Settings settings;
  YearModel model(2021, *tree, &settings);
  const v1::Completeness c =
      model.BuildRollup((*tree)->Find(kCounty), 1, Day(2022, 6, 1)).completeness();
  ASSERT_GE(c.missing_regions_size(), 3);
  EXPECT_TRUE(std::is_sorted(c.missing_regions().begin(), c.missing_regions().end()));
  EXPECT_EQ(c.missing_regions(0), moved);
  EXPECT_THAT(c.missing_regions(), ::testing::Contains(kCounty));
}

TEST_F(RollupTest, ResubmissionReplacesTheOldContribution) {
  // A corrects its licensing decisions from 10 to 12: the county's sum goes 15 → 17.
  model_->Apply(Rev({.region = kYuelong,
                     .cells = {{"table2_2021.item5.licensing.decisions", 12}},
                     .revision = 2}));
  const v1::Rollup rollup = Rollup(kCounty);
  const auto& cells = CellsOf(v1::EDITION_2021);
  const int i = FindCell(v1::EDITION_2021, "table2_2021.item5.licensing.decisions");
  EXPECT_EQ(GetCell(rollup.editions(1).sums(), cells[i]), 17);
  // A's table 三 cells are now blank: the county's 自然人 new requests drop from 9 to 6.
  const int j = FindCell(v1::EDITION_2021, "table3.new_requests.natural_person");
  EXPECT_EQ(GetCell(rollup.editions(1).sums(), cells[j]), 5 + 1);
  EXPECT_EQ(rollup.editions(1).contributors(j), 2);
  // An older revision arriving late changes nothing.
  EXPECT_TRUE(model_->Apply(Rev({.region = kYuelong, .revision = 1})).empty());
}

TEST_F(RollupTest, AKeyWithoutAScopeIsTheBodysOwnReport) {
  // A's revision 2 comes with its scope unset (SCOPE_OWN, as ReportId reads it): it replaces
  // revision 1 rather than adding a second report, and a late revision 1 under SCOPE_OWN
  // changes nothing. The county's licensing decisions go 15 → 17, as in the test above.
  model_->Apply(Rev({.region = kYuelong,
                     .cells = {{"table2_2021.item5.licensing.decisions", 12}},
                     .revision = 2,
                     .scope = v1::SCOPE_UNSPECIFIED}));
  EXPECT_TRUE(model_->Apply(Rev({.region = kYuelong, .revision = 1})).empty());
  const v1::Rollup rollup = Rollup(kCounty);
  const int i = FindCell(v1::EDITION_2021, "table2_2021.item5.licensing.decisions");
  EXPECT_EQ(GetCell(rollup.editions(1).sums(), CellsOf(v1::EDITION_2021)[i]), 17);
  EXPECT_EQ(model_->ReportsAt(tree_->Find(kYuelong)).size(), 1u);
  v1::ReportKey own;
  own.set_region_code(kYuelong);
  own.set_year(2021);
  own.set_scope(v1::SCOPE_OWN);
  ASSERT_NE(model_->Find(own), nullptr);
  EXPECT_EQ(model_->Find(own)->revision, 2);
}

TEST_F(RollupTest, SummaryIsComparedCellByCell) {
  const v1::AnomalySet set =
      EvaluateRegion(*model_, nullptr, tree_->Find(kCounty), Day(2022, 6, 1));
  std::vector<const v1::Anomaly*> mismatches;
  for (const auto& a : set.anomalies()) {
    if (a.kind() == v1::ANOMALY_KIND_SUMMARY_MISMATCH) mismatches.push_back(&a);
  }
  // 14 (summary) vs 15 (both editions' reports); 许可 15 = 10 + 5 matches.
  ASSERT_EQ(mismatches.size(), 1u);
  EXPECT_EQ(mismatches[0]->cells(0).field_path(), "table3.new_requests.total");
  EXPECT_EQ(mismatches[0]->key().scope(), v1::SCOPE_SUMMARY);
  EXPECT_EQ(mismatches[0]->evidence(0).value(), "14");
  EXPECT_EQ(mismatches[0]->evidence(1).value(), "15");
}

// Issue 15: two valid reports with 2,000,000,000 requests each (and money of INT64_MAX
// millionths) used to roll up to −294967296 and −0.000002. Sums are exact or refused, never
// wrapped: the county's rollup leaves those cells blank and gives their exact sums.
TEST(RollupOverflowTest, SumsBeyondTheFieldsAreExactAndNeverWrapped) {
  Settings settings;
  YearModel model(2021, testing::NationalTree(), &settings);
  constexpr int64_t kMaxMoney = std::numeric_limits<int64_t>::max();
  for (const char* town : {kYuelong, kTaoyuan}) {
    model.Apply(Rev({.region = town,
                     .cells = {{"table3.new_requests.natural_person", 2'000'000'000},
                               {"table3.new_requests.total", 2'000'000'000},
                               {"table2_2021.item8.fees.amount", kMaxMoney}}}));
  }
  const v1::Rollup rollup = model.BuildRollup(model.tree().Find(kCounty), 1, absl::Now());
  ASSERT_EQ(rollup.editions_size(), 1);
  const v1::EditionRollup& edition = rollup.editions(0);
  EXPECT_FALSE(edition.sums().table3().new_requests().has_natural_person());
  EXPECT_FALSE(edition.sums().table2_2021().item8().fees().has_amount());
  std::map<std::string, std::string> exact;
  for (const v1::OverflowedCell& cell : edition.overflowed()) {
    exact[cell.field_path()] = cell.exact_sum();
  }
  EXPECT_EQ(exact["table3.new_requests.natural_person"], "4000000000");
  EXPECT_EQ(exact["table3.new_requests.total"], "4000000000");
  // 2 × 9223372036854775807 millionths of 万元 = 18446744073709.551614 万元.
  EXPECT_EQ(exact["table2_2021.item8.fees.amount"], "18446744073709.551614");
  // The shared cell (both editions) holds the count exactly: it fits int64.
  for (const v1::SharedCell& cell : rollup.shared()) {
    if (cell.field_path() == "table3.new_requests.total") {
      EXPECT_EQ(cell.sum(), 4'000'000'000);
    }
  }
  // Taking one report out again is exact too.
  model.Apply(Rev({.region = kTaoyuan, .cells = {}, .revision = 2}));
  const v1::Rollup after = model.BuildRollup(model.tree().Find(kCounty), 2, absl::Now());
  EXPECT_EQ(after.editions(0).sums().table3().new_requests().natural_person(), 2'000'000'000);
  EXPECT_EQ(after.editions(0).sums().table2_2021().item8().fees().amount(), kMaxMoney);
  EXPECT_TRUE(after.editions(0).overflowed().empty());
}

}  // namespace
}  // namespace gongkai::worker
