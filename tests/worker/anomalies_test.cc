// Each anomaly kind: one case that triggers it with the expected evidence, and a look-alike
// that must not.
#include "worker/anomalies.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/worker/worker_test_util.h"

namespace gongkai::worker {
namespace {

using testing::Day;
using testing::Rev;
using testing::RevisionSpec;

constexpr char kCounty[] = "330226000000";
constexpr char kCity[] = "330200000000";

class AnomaliesTest : public ::testing::Test {
 protected:
  AnomaliesTest()
      : tree_(testing::NationalTree()),
        model_(2021, tree_, &settings_),
        previous_(2020, tree_, &settings_) {
    for (int child : tree_->children(tree_->Find(kCounty))) {
      townships_.push_back(tree_->region(child).code);
    }
  }

  // The flags of `kind` at a region (evaluated at `now`).
  std::vector<v1::Anomaly> Flags(const std::string& code, v1::AnomalyKind kind,
                                 absl::Time now = Day(2022, 6, 1)) {
    v1::AnomalySet set = EvaluateRegion(model_, &previous_, tree_->Find(code), now);
    std::vector<v1::Anomaly> out;
    for (const auto& a : set.anomalies()) {
      if (a.kind() == kind) out.push_back(a);
    }
    return out;
  }

  std::string Evidence(const v1::Anomaly& a, const std::string& label) {
    for (const auto& e : a.evidence()) {
      if (e.label() == label) return e.value();
    }
    return "(none)";
  }

  Settings settings_;
  std::shared_ptr<const RegionTree> tree_;
  YearModel model_;
  YearModel previous_;
  std::vector<std::string> townships_;
};

const std::map<std::string, int64_t> kAllZero2021 = {
    {"table2_2021.item1.rules.issued", 0},
    {"table2_2021.item1.rules.repealed", 0},
    {"table2_2021.item1.rules.in_force", 0},
    {"table2_2021.item1.normative_documents.issued", 0},
    {"table2_2021.item1.normative_documents.repealed", 0},
    {"table2_2021.item1.normative_documents.in_force", 0},
    {"table2_2021.item5.licensing.decisions", 0},
    {"table2_2021.item6.penalty.decisions", 0},
    {"table2_2021.item6.enforcement.decisions", 0},
    {"table2_2021.item8.fees.amount", 0}};

// ZERO_PUBLICATION reads table 二 from a bit mask of each report's first cells
// (ReportEntry::nonzero_first_cells): the table's cells come first in every edition and fit.
TEST(AnomaliesSchemaTest, TableTwoIsFirstAndFitsTheMaskInEveryEdition) {
  for (v1::Edition edition : {v1::EDITION_2019, v1::EDITION_2021}) {
    const auto& cells = CellsOf(edition);
    size_t first_others = 0;
    while (first_others < cells.size() && cells[first_others].table == "二") ++first_others;
    EXPECT_GT(first_others, 0u) << edition;
    EXPECT_LE(first_others, static_cast<size_t>(kFirstCellsTracked)) << edition;
    for (size_t i = first_others; i < cells.size(); ++i) {
      EXPECT_NE(cells[i].table, "二") << edition << " " << cells[i].field_path;
    }
  }
}

TEST_F(AnomaliesTest, ZeroPublicationFlagsAnAllZeroTableWhenSiblingsPublished) {
  model_.Apply(Rev({.region = townships_[0], .cells = kAllZero2021}));
  for (int i = 1; i <= 3; ++i) {
    model_.Apply(
        Rev({.region = townships_[i], .cells = {{"table2_2021.item5.licensing.decisions", 4}}}));
  }
  const auto flags = Flags(townships_[0], v1::ANOMALY_KIND_ZERO_PUBLICATION);
  ASSERT_EQ(flags.size(), 1u);                                // the whole table, not each sub-table
  EXPECT_EQ(flags[0].severity(), v1::ANOMALY_SEVERITY_HIGH);  // 3 of 3 siblings published
  EXPECT_EQ(Evidence(flags[0], "同级单位数"), "3");
  EXPECT_EQ(Evidence(flags[0], "同级有数据单位数"), "3");
  EXPECT_THAT(flags[0].explanation(), ::testing::HasSubstr("（表二）"));
  // A township's 规章 are not counted: 7 cells of table 二 (2021) remain.
  EXPECT_EQ(flags[0].cells_size(), 7);
}

TEST_F(AnomaliesTest, ZeroRulesAreNoAnomalyForATownshipButCountForACity) {
  // 规章 all zero, 行政规范性文件 zero too, but a (bogus) value in 规章: the township's
  // 第二十条第（一）项 is judged on 行政规范性文件 alone, the city's on both rows.
  std::map<std::string, int64_t> cells = kAllZero2021;
  cells["table2_2021.item1.rules.in_force"] = 3;
  cells["table2_2021.item5.licensing.decisions"] = 7;
  model_.Apply(Rev({.region = townships_[0], .cells = cells}));
  model_.Apply(Rev({.region = kCity, .cells = cells}));
  const auto township = Flags(townships_[0], v1::ANOMALY_KIND_ZERO_PUBLICATION);
  const auto city = Flags(kCity, v1::ANOMALY_KIND_ZERO_PUBLICATION);
  auto has = [](const std::vector<v1::Anomaly>& flags, const std::string& label) {
    for (const auto& a : flags) {
      if (a.explanation().find(label) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(township, "第二十条第（一）项"));
  EXPECT_FALSE(has(city, "第二十条第（一）项"));
  EXPECT_FALSE(has(township, "第二十条第（五）项"));  // 7 licensing decisions
  // Look-alike: a township with 行政规范性文件 issued and zero 规章 has no flag for （一）.
  cells["table2_2021.item1.rules.in_force"] = 0;
  cells["table2_2021.item1.normative_documents.issued"] = 1;
  model_.Apply(Rev({.region = townships_[1], .cells = cells}));
  EXPECT_FALSE(has(Flags(townships_[1], v1::ANOMALY_KIND_ZERO_PUBLICATION), "第二十条第（一）项"));
}

TEST_F(AnomaliesTest, RuleViolationFlagsStoredRuleBreaksOnly) {
  model_.Apply(Rev({.region = townships_[0], .violation_rules = {"R3"}}));
  model_.Apply(Rev({.region = townships_[1], .violation_rules = {"EDITION_FOR_YEAR"}}));
  const auto flags = Flags(townships_[0], v1::ANOMALY_KIND_RULE_VIOLATION);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(Evidence(flags[0], "规则"), "R3");
  EXPECT_EQ(flags[0].cells(0).field_path(), "table3.new_requests.total");
  EXPECT_TRUE(Flags(townships_[1], v1::ANOMALY_KIND_RULE_VIOLATION).empty());
}

TEST_F(AnomaliesTest, CarryoverMismatchComparesWithLastYearsCarriedForward) {
  previous_.Apply(Rev({.region = townships_[0],
                       .year = 2020,
                       .edition = v1::EDITION_2019,
                       .cells = {{"table3.carried_forward.natural_person", 3},
                                 {"table3.carried_forward.total", 3}}}));
  model_.Apply(Rev(
      {.region = townships_[0],
       .cells = {{"table3.carried_over.natural_person", 2}, {"table3.carried_over.total", 2}}}));
  const auto flags = Flags(townships_[0], v1::ANOMALY_KIND_CARRYOVER_MISMATCH);
  ASSERT_EQ(flags.size(), 2u);  // 自然人 and 总计
  EXPECT_EQ(flags[0].cells(0).field_path(), "table3.carried_over.natural_person");
  EXPECT_EQ(Evidence(flags[0], "应为"), "3");
  EXPECT_EQ(Evidence(flags[0], "实为"), "2");
  // Look-alike: carried over exactly what was carried forward.
  previous_.Apply(Rev({.region = townships_[1],
                       .year = 2020,
                       .edition = v1::EDITION_2019,
                       .cells = {{"table3.carried_forward.total", 3}}}));
  model_.Apply(Rev({.region = townships_[1], .cells = {{"table3.carried_over.total", 3}}}));
  EXPECT_TRUE(Flags(townships_[1], v1::ANOMALY_KIND_CARRYOVER_MISMATCH).empty());
}

TEST_F(AnomaliesTest, CarryoverMismatchChecksRulesInForceAcrossYears) {
  YearModel y2022(2022, tree_, &settings_);
  model_.Apply(Rev({.region = kCity, .cells = {{"table2_2021.item1.rules.in_force", 10}}}));
  y2022.Apply(Rev({.region = kCity,
                   .year = 2022,
                   .cells = {{"table2_2021.item1.rules.issued", 2},
                             {"table2_2021.item1.rules.repealed", 1},
                             {"table2_2021.item1.rules.in_force", 12}}}));
  auto carryover = [&] {
    std::vector<v1::Anomaly> out;
    const v1::AnomalySet set = EvaluateRegion(y2022, &model_, tree_->Find(kCity), Day(2023, 6, 1));
    for (const auto& a : set.anomalies()) {
      if (a.kind() == v1::ANOMALY_KIND_CARRYOVER_MISMATCH) out.push_back(a);
    }
    return out;
  };
  ASSERT_EQ(carryover().size(), 1u);
  EXPECT_EQ(Evidence(carryover()[0], "规则"), "R5");
  EXPECT_EQ(Evidence(carryover()[0], "应为"), "11");  // 10 + 2 − 1
  y2022.Apply(Rev({.region = kCity,
                   .year = 2022,
                   .cells = {{"table2_2021.item1.rules.issued", 2},
                             {"table2_2021.item1.rules.repealed", 1},
                             {"table2_2021.item1.rules.in_force", 11}},
                   .revision = 2}));
  EXPECT_TRUE(carryover().empty());
}

TEST_F(AnomaliesTest, MissingReportOnlyAfterTheDeadlineOfTheLevel) {
  const std::string township = townships_[0];
  EXPECT_TRUE(Flags(township, v1::ANOMALY_KIND_MISSING_REPORT, Day(2022, 1, 31)).empty());
  const auto flags = Flags(township, v1::ANOMALY_KIND_MISSING_REPORT, Day(2022, 2, 1));
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].key().region_code(), township);
  EXPECT_EQ(Evidence(flags[0], "截止日期"), "2022-01-31");
  EXPECT_EQ(Evidence(flags[0], "逾期天数"), "1");
  // The county's deadline is 31 March.
  EXPECT_TRUE(Flags(kCounty, v1::ANOMALY_KIND_MISSING_REPORT, Day(2022, 2, 1)).empty());
  EXPECT_EQ(Flags(kCounty, v1::ANOMALY_KIND_MISSING_REPORT, Day(2022, 4, 1)).size(), 1u);
  // Look-alike: a department's report does not count as the region's own report.
  model_.Apply(Rev({.region = kCounty, .body = "11100000000013127D"}));
  EXPECT_EQ(Flags(kCounty, v1::ANOMALY_KIND_MISSING_REPORT, Day(2022, 4, 1)).size(), 1u);
  model_.Apply(Rev({.region = kCounty}));
  EXPECT_TRUE(Flags(kCounty, v1::ANOMALY_KIND_MISSING_REPORT, Day(2022, 4, 1)).empty());
}

TEST_F(AnomaliesTest, LateReportComparesTheFilingDayWithTheDeadline) {
  model_.Apply(Rev({.region = townships_[0], .filed = Day(2022, 2, 3)}));
  model_.Apply(Rev({.region = townships_[1], .filed = Day(2022, 1, 31)}));
  model_.Apply(Rev({.region = townships_[2],
                    .filed = Day(2022, 5, 1),
                    .publication_date = "2022-01-20"}));  // published on time, entered later
  const auto flags = Flags(townships_[0], v1::ANOMALY_KIND_LATE_REPORT);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(Evidence(flags[0], "逾期天数"), "3");
  EXPECT_TRUE(Flags(townships_[1], v1::ANOMALY_KIND_LATE_REPORT).empty());
  EXPECT_TRUE(Flags(townships_[2], v1::ANOMALY_KIND_LATE_REPORT).empty());
}

TEST_F(AnomaliesTest, PeerOutlierUsesRobustStatisticsAmongSiblings) {
  const int64_t requests[] = {0, 1, 2, 0, 1, 3, 2, 1, 0, 2, 200};
  for (int i = 0; i < 11; ++i) {
    model_.Apply(
        Rev({.region = townships_[i], .cells = {{"table3.new_requests.total", requests[i]}}}));
  }
  const auto flags = Flags(townships_[10], v1::ANOMALY_KIND_PEER_OUTLIER);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(Evidence(flags[0], "本年新收申请数量"), "200");
  EXPECT_EQ(Evidence(flags[0], "同级中位数"), "1");
  EXPECT_EQ(Evidence(flags[0], "同级单位数"), "11");
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(Flags(townships_[i], v1::ANOMALY_KIND_PEER_OUTLIER).empty());
}

TEST_F(AnomaliesTest, PeerOutlierIgnoresSmallCountsAmongZeros) {
  // Zero-inflated: ten townships with no request and one with 3. A plain z-score would flag
  // it (z ≈ 3.2 with n = 11); the difference from the median is too small to matter.
  for (int i = 0; i < 11; ++i) {
    model_.Apply(
        Rev({.region = townships_[i], .cells = {{"table3.new_requests.total", i == 10 ? 3 : 0}}}));
  }
  EXPECT_TRUE(Flags(townships_[10], v1::ANOMALY_KIND_PEER_OUTLIER).empty());
}

TEST_F(AnomaliesTest, PeerOutlierNeedsEnoughPeers) {
  const int64_t requests[] = {0, 1, 2, 500};
  for (int i = 0; i < 4; ++i) {
    model_.Apply(
        Rev({.region = townships_[i], .cells = {{"table3.new_requests.total", requests[i]}}}));
  }
  EXPECT_TRUE(Flags(townships_[3], v1::ANOMALY_KIND_PEER_OUTLIER).empty());
}

TEST_F(AnomaliesTest, YearOverYearSwingNeedsBothRatioAndAbsoluteChange) {
  auto year_pair = [&](int i, int64_t before, int64_t now) {
    previous_.Apply(Rev({.region = townships_[i],
                         .year = 2020,
                         .edition = v1::EDITION_2019,
                         .cells = {{"table3.new_requests.total", before}}}));
    model_.Apply(Rev({.region = townships_[i], .cells = {{"table3.new_requests.total", now}}}));
  };
  year_pair(0, 10, 200);  // ×18, +190: flagged
  year_pair(1, 10, 40);   // ×3.7: not enough
  year_pair(2, 0, 20);    // ×21 but only +20: not enough
  const auto flags = Flags(townships_[0], v1::ANOMALY_KIND_YEAR_OVER_YEAR_SWING);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(Evidence(flags[0], "本年"), "200");
  EXPECT_EQ(Evidence(flags[0], "上一年度"), "10");
  EXPECT_TRUE(Flags(townships_[1], v1::ANOMALY_KIND_YEAR_OVER_YEAR_SWING).empty());
  EXPECT_TRUE(Flags(townships_[2], v1::ANOMALY_KIND_YEAR_OVER_YEAR_SWING).empty());
}

TEST_F(AnomaliesTest, YearOverYearSwingSharedByThePeersIsNotFlagged) {
  // Every township grows ×20 (a county-wide campaign): no single one is anomalous.
  for (int i = 0; i < 10; ++i) {
    previous_.Apply(Rev({.region = townships_[i],
                         .year = 2020,
                         .edition = v1::EDITION_2019,
                         .cells = {{"table3.new_requests.total", 10}}}));
    model_.Apply(Rev({.region = townships_[i], .cells = {{"table3.new_requests.total", 200 + i}}}));
  }
  EXPECT_TRUE(Flags(townships_[0], v1::ANOMALY_KIND_YEAR_OVER_YEAR_SWING).empty());
}

TEST_F(AnomaliesTest, SummaryMismatchIsSilentWhenTheSummaryAgrees) {
  model_.Apply(Rev({.region = townships_[0], .cells = {{"table3.new_requests.total", 3}}}));
  model_.Apply(Rev({.region = kCounty, .cells = {{"table3.new_requests.total", 4}}}));
  model_.Apply(Rev({.region = kCounty,
                    .cells = {{"table3.new_requests.total", 7}},
                    .scope = v1::SCOPE_SUMMARY}));
  EXPECT_TRUE(Flags(kCounty, v1::ANOMALY_KIND_SUMMARY_MISMATCH).empty());
  model_.Apply(Rev({.region = kCounty,
                    .cells = {{"table3.new_requests.total", 8}},
                    .revision = 2,
                    .scope = v1::SCOPE_SUMMARY}));
  ASSERT_EQ(Flags(kCounty, v1::ANOMALY_KIND_SUMMARY_MISMATCH).size(), 1u);
}

constexpr char kProblems[] =
    "一是政务公开工作人员业务水平有待提高，对新条例的理解不够深入；二是公开内容不够丰富，"
    "部分信息更新不够及时。下一步，我镇将加强业务培训，完善信息发布审核机制，提高公开质量。";

TEST_F(AnomaliesTest, CopiedNarrativeAgainstLastYearAndSiblings) {
  previous_.Apply(Rev(
      {.region = townships_[0], .year = 2020, .edition = v1::EDITION_2019, .problems = kProblems}));
  model_.Apply(Rev({.region = townships_[0], .problems = kProblems}));
  const auto flags = Flags(townships_[0], v1::ANOMALY_KIND_COPIED_NARRATIVE);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(Evidence(flags[0], "相似度"), "1.000");
  EXPECT_THAT(flags[0].explanation(), ::testing::HasSubstr("本单位上一年度报告"));
  EXPECT_TRUE(flags[0].explanation_without_peers().empty());  // its own report: no peer
  // A sibling with the same text is flagged against the first township.
  model_.Apply(Rev({.region = townships_[1], .problems = kProblems}));
  const auto sibling = Flags(townships_[1], v1::ANOMALY_KIND_COPIED_NARRATIVE);
  ASSERT_EQ(sibling.size(), 1u);
  // What names the other township is marked as drawn from a peer (issue 15: a reader who
  // cannot see it must not learn its code).
  for (const v1::Evidence& e : sibling[0].evidence()) {
    EXPECT_EQ(e.about_peers(), e.label() == "对比报告") << e.label();
  }
  EXPECT_THAT(sibling[0].explanation_without_peers(), ::testing::HasSubstr("同级单位的报告"));
  EXPECT_THAT(sibling[0].explanation_without_peers(),
              ::testing::Not(::testing::HasSubstr(townships_[0])));
  // The similarities are remembered (YearModel::NarrativeSimilarity), but by the entries'
  // serials: once the sibling rewrites its section 五, the pair is compared anew.
  EXPECT_DOUBLE_EQ(model_.NarrativeSimilarity(*model_.Find(Rev({.region = townships_[0]}).key()),
                                              *model_.Find(Rev({.region = townships_[1]}).key())),
                   1.0);
  model_.Apply(Rev({.region = townships_[1],
                    .revision = 2,
                    .problems = "主要问题是网站栏目设置不够合理，依申请公开办理流程有待规范。"
                                "今后将优化栏目设置，严格按照条例规定的期限答复申请人。"}));
  EXPECT_TRUE(Flags(townships_[1], v1::ANOMALY_KIND_COPIED_NARRATIVE).empty());
  const auto first = Flags(townships_[0], v1::ANOMALY_KIND_COPIED_NARRATIVE);
  ASSERT_EQ(first.size(), 1u);  // against its own report of last year only
  EXPECT_THAT(first[0].explanation(), ::testing::HasSubstr("本单位上一年度报告"));
}

TEST_F(AnomaliesTest, CopiedNarrativeIgnoresDifferentAndShortTexts) {
  model_.Apply(Rev({.region = townships_[0], .problems = kProblems}));
  model_.Apply(
      Rev({.region = townships_[1],
           .problems = "主要问题是网站栏目设置不够合理，依申请公开办理流程有待规范。"
                       "今后将优化栏目设置，严格按照条例规定的期限答复申请人，并加强档案管理。"}));
  // Two short texts alike: too short to say anything copied.
  model_.Apply(
      Rev({.region = townships_[2], .problems = "网站栏目设置不够合理，办理流程有待规范。"}));
  model_.Apply(
      Rev({.region = townships_[3], .problems = "网站栏目设置不够合理，办理流程有待规范。"}));
  EXPECT_TRUE(Flags(townships_[1], v1::ANOMALY_KIND_COPIED_NARRATIVE).empty());
  EXPECT_TRUE(Flags(townships_[3], v1::ANOMALY_KIND_COPIED_NARRATIVE).empty());
  // A text too short to compare keeps its length, and no shingles (the model's memory).
  const ReportEntry* short_text = model_.Find(Rev({.region = townships_[3]}).key());
  ASSERT_NE(short_text, nullptr);
  EXPECT_EQ(short_text->problem_chars(), 18);  // (punctuation is not counted)
  EXPECT_EQ(short_text->problem_shingles.size(), 0u);
  const ReportEntry* long_text = model_.Find(Rev({.region = townships_[0]}).key());
  ASSERT_NE(long_text, nullptr);
  EXPECT_GT(long_text->problem_shingles.size(), 0u);
}

TEST_F(AnomaliesTest, CopiedNarrativeComparesTextsOfExactlyTheMinimumLength) {
  // 50 characters (settings_.narrative_min_chars), and the same less its last.
  const std::string fifty =
      "政务公开工作存在的主要问题是信息发布不够及时政策解读形式比较单一依申请公开答复质量有待提高基"
      "层标准化";
  ASSERT_EQ(settings_.narrative_min_chars, 50);
  const std::string forty_nine = fifty.substr(0, fifty.size() - 3);  // (3 bytes a character)
  model_.Apply(Rev({.region = townships_[0], .problems = fifty}));
  model_.Apply(Rev({.region = townships_[1], .problems = fifty}));
  model_.Apply(Rev({.region = townships_[2], .problems = forty_nine}));
  model_.Apply(Rev({.region = townships_[3], .problems = forty_nine}));
  EXPECT_EQ(model_.Find(Rev({.region = townships_[0]}).key())->problem_chars(), 50);
  EXPECT_EQ(Flags(townships_[1], v1::ANOMALY_KIND_COPIED_NARRATIVE).size(), 1u);
  EXPECT_EQ(model_.Find(Rev({.region = townships_[3]}).key())->problem_chars(), 49);
  EXPECT_TRUE(Flags(townships_[3], v1::ANOMALY_KIND_COPIED_NARRATIVE).empty());
}

TEST_F(AnomaliesTest, NarrativeTableMismatchComparesTheStatedCount) {
  model_.Apply(Rev({.region = townships_[0],
                    .cells = {{"table3.new_requests.total", 3}},
                    .overview = "2021年，我镇共收到政府信息公开申请12件，均已按时答复。"}));
  model_.Apply(Rev({.region = townships_[1],
                    .cells = {{"table3.new_requests.total", 12}},
                    .overview = "2021年，我镇共收到政府信息公开申请12件，均已按时答复。"}));
  model_.Apply(Rev({.region = townships_[2],
                    .cells = {{"table3.new_requests.total", 3}},
                    .overview = "自2021年1月起收到的申请均在规定期限内办结。"}));
  const auto flags = Flags(townships_[0], v1::ANOMALY_KIND_NARRATIVE_TABLE_MISMATCH);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(Evidence(flags[0], "正文所述件数"), "12");
  EXPECT_TRUE(Flags(townships_[1], v1::ANOMALY_KIND_NARRATIVE_TABLE_MISMATCH).empty());
  EXPECT_TRUE(Flags(townships_[2], v1::ANOMALY_KIND_NARRATIVE_TABLE_MISMATCH).empty());
}

TEST(AffectedRegionsTest, AreTheRegionItsSiblingsAndItsAncestors) {
  const auto tree = testing::NationalTree();
  const int township = tree->Find("330226104000");
  const auto affected = AffectedRegions(*tree, township);
  const int siblings = static_cast<int>(tree->children(tree->Find(kCounty)).size());
  EXPECT_EQ(affected.size(),
            static_cast<size_t>(siblings + 4));  // + county, city, province, nation
}

}  // namespace
}  // namespace gongkai::worker

namespace gongkai::worker {
namespace {

TEST(SettingsTest, ParsesDeadlinesPerLevel) {
  Settings settings;
  ASSERT_TRUE(ParseDeadlines("township=02-20,county=04-30", &settings).ok());
  EXPECT_EQ(settings.township_deadline.month, 2);
  EXPECT_EQ(settings.township_deadline.day, 20);
  EXPECT_EQ(settings.county_and_above_deadline.month, 4);
  EXPECT_EQ(settings.department_deadline.month, 1);  // unchanged
  EXPECT_FALSE(ParseDeadlines("township=02-30", &settings).ok());
  EXPECT_FALSE(ParseDeadlines("village=01-31", &settings).ok());
  EXPECT_FALSE(ParseDeadlines("county", &settings).ok());
}

TEST(SettingsTest, AConfiguredDeadlineMovesMissingAndLate) {
  Settings settings;
  ASSERT_TRUE(ParseDeadlines("township=02-20", &settings).ok());
  const auto tree = testing::NationalTree();
  YearModel model(2021, tree, &settings);
  model.Apply(testing::Rev({.region = "330226001000", .filed = testing::Day(2022, 2, 10)}));
  const auto set =
      EvaluateRegion(model, nullptr, tree->Find("330226001000"), testing::Day(2022, 6, 1));
  for (const auto& a : set.anomalies()) EXPECT_NE(a.kind(), v1::ANOMALY_KIND_LATE_REPORT);
  const auto missing =
      EvaluateRegion(model, nullptr, tree->Find("330226002000"), testing::Day(2022, 2, 15));
  for (const auto& a : missing.anomalies()) EXPECT_NE(a.kind(), v1::ANOMALY_KIND_MISSING_REPORT);
}

}  // namespace
}  // namespace gongkai::worker
