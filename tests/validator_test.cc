// Every validation rule: a passing case and a failing case with the exact violation.
#include "validation/validator.h"

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "validation/uscc.h"

namespace gongkai::validation {
namespace {

ValidationContext Context() {
  ValidationContext context;
  context.current_year = 2026;
  context.region_in_use = [](absl::string_view code, int, std::string*) {
    static const absl::flat_hash_set<std::string> known = {"330226104000", "330226000000"};
    return known.contains(code);
  };
  return context;
}

v1::Verdict Check(const v1::Report& report, v1::ValidationMode mode = v1::VALIDATION_MODE_STRICT) {
  return Validate(report, mode, Context());
}

std::vector<std::string> Rules(const v1::Verdict& verdict) {
  std::vector<std::string> rules;
  for (const v1::Violation& v : verdict.violations()) rules.push_back(v.rule());
  return rules;
}

const v1::Violation* Find(const v1::Verdict& verdict, absl::string_view rule) {
  for (const v1::Violation& v : verdict.violations()) {
    if (v.rule() == rule) return &v;
  }
  return nullptr;
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ValidatorTest, AcceptsTheSeedReport) {
  v1::Verdict verdict = Check(testing::SeedReport());
  EXPECT_TRUE(verdict.acceptable());
  EXPECT_THAT(Rules(verdict), IsEmpty());
}

TEST(ValidatorTest, RejectsReportWhoseNewPlusCarriedOverDiffersFromResultsPlusCarriedForward) {
  v1::Report report = testing::SeedReport();
  auto* forward = report.mutable_table3()->mutable_carried_forward();
  forward->set_natural_person(2);
  forward->set_total(2);
  v1::Verdict verdict = Check(report);
  EXPECT_FALSE(verdict.acceptable());
  ASSERT_THAT(Rules(verdict), ElementsAre("R1", "R1"));
  const v1::Violation& v = verdict.violations(0);
  EXPECT_EQ(v.rule_name(), "第一项加第二项之和，等于第三项加第四项之和");
  EXPECT_EQ(v.cells(0).field_path(), "table3.new_requests.natural_person");
  EXPECT_EQ(v.cells(0).row(), "一、本年新收政府信息公开申请数量");
  EXPECT_EQ(v.cells(0).column(), "自然人");
  EXPECT_EQ(v.cells(1).field_path(), "table3.carried_over.natural_person");
  EXPECT_EQ(v.expected(), "3");  // （七）总计 1 + 四 2
  EXPECT_EQ(v.actual(), "2");    // 一 2 + 二 blank
  EXPECT_EQ(v.severity(), v1::SEVERITY_ERROR);
}

TEST(ValidatorTest, RejectsResultsTotalThatIsNotTheSumOfTheResultItems) {
  v1::Report report = testing::SeedReport();
  auto* partial = report.mutable_table3()->mutable_results()->mutable_partially_granted();
  partial->set_natural_person(1);
  partial->set_total(1);
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("R2", "R2"));
  const v1::Violation& v = verdict.violations(0);
  EXPECT_EQ(v.cells(0).field_path(), "table3.results.total.natural_person");
  EXPECT_EQ(v.cells(0).row(), "三、本年度办理结果/（七）总计");
  EXPECT_EQ(v.expected(), "2");
  EXPECT_EQ(v.actual(), "1");
}

TEST(ValidatorTest, RejectsRowTotalThatIsNotTheSumOfTheApplicantColumns) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_new_requests()->set_total(3);
  v1::Verdict verdict = Check(report);
  const v1::Violation* v = Find(verdict, "R3");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->rule_name(), "总计等于各类申请人之和");
  EXPECT_EQ(v->cells(0).field_path(), "table3.new_requests.total");
  EXPECT_EQ(v->cells(0).table(), "三");
  EXPECT_EQ(v->cells(0).column(), "总计");
  EXPECT_EQ(v->expected(), "2");
  EXPECT_EQ(v->actual(), "3");
  // The changed total also breaks R1 in the 总计 column; nothing else.
  EXPECT_THAT(Rules(verdict), ElementsAre("R1", "R3"));
}

TEST(ValidatorTest, ABlankTotalWhosePartsAreFilledIsUncheckableNotExpectedZero) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_results()->mutable_granted()->clear_total();
  const v1::Verdict verdict = Check(report);
  EXPECT_TRUE(verdict.acceptable());
  EXPECT_EQ(Find(verdict, "R3"), nullptr);
  const v1::Violation* v = Find(verdict, "UNCHECKABLE");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->severity(), v1::SEVERITY_WARNING);
  EXPECT_EQ(v->rule_name(), "勾稽关系R3一侧全部为空，无法核对");
  ASSERT_EQ(v->cells_size(), 1);
  EXPECT_EQ(v->cells(0).field_path(), "table3.results.granted.total");
  EXPECT_EQ(v->expected(), "");
  EXPECT_EQ(v->actual(), "1");
  EXPECT_THAT(v->message(), ::testing::HasSubstr("R3 cannot be checked"));
}

TEST(ValidatorTest, BlankPartsOfAFilledSideStillCountAsZero) {
  // The seed leaves most of table 三 blank: a side with some cells filled sums its blanks as 0.
  v1::Report report = testing::SeedReport();
  auto* granted = report.mutable_table3()->mutable_results()->mutable_granted();
  granted->set_total(granted->total() + 5);
  const v1::Verdict verdict = Check(report);
  const v1::Violation* v = Find(verdict, "R3");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->actual(), absl::StrCat(granted->total()));
  EXPECT_EQ(Find(verdict, "UNCHECKABLE"), nullptr);
}

TEST(ValidatorTest, ABlankSideOfTheCornerRuleIsUncheckable) {
  // A text cut off in table 三: （七）总计 and 四、结转 blank, 一 and 二 filled (R1).
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_results()->clear_total();
  report.mutable_table3()->clear_carried_forward();
  report.mutable_table3()->mutable_results()->clear_granted();
  report.mutable_table3()->mutable_results()->clear_partially_granted();
  report.mutable_table3()->mutable_results()->clear_withheld();
  report.mutable_table3()->mutable_results()->clear_unavailable();
  report.mutable_table3()->mutable_results()->clear_not_processed();
  report.mutable_table3()->mutable_results()->clear_other_2019();
  const v1::Verdict verdict = Check(report);
  EXPECT_EQ(Find(verdict, "R1"), nullptr);
  const v1::Violation* v = Find(verdict, "UNCHECKABLE");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->rule_name(), "勾稽关系R1一侧全部为空，无法核对");
}

TEST(ValidatorTest, RejectsReviewTotalThatIsNotTheSumOfOutcomes) {
  v1::Report report = testing::SeedReport();
  report.mutable_table4()->mutable_litigation()->mutable_direct()->set_total(1);
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("R4"));
  EXPECT_EQ(verdict.violations(0).cells(0).row(), "行政诉讼/未经复议直接起诉");
  EXPECT_EQ(verdict.violations(0).cells(0).field_path(), "table4.litigation.direct.total");
  EXPECT_EQ(verdict.violations(0).expected(), "0");
  EXPECT_EQ(verdict.violations(0).actual(), "1");
}

TEST(ValidatorTest, RejectsNegativeCountButAcceptsNegativeYearlyChange) {
  v1::Report report = testing::SeedReport();
  report.mutable_table2_2019()->mutable_item5()->mutable_licensing()->set_change(-18);
  EXPECT_THAT(Rules(Check(report)), IsEmpty());
  report.mutable_table2_2019()->mutable_item1()->mutable_rules()->set_new_made(-1);
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("R10"));
  EXPECT_EQ(verdict.violations(0).cells(0).field_path(), "table2_2019.item1.rules.new_made");
  EXPECT_EQ(verdict.violations(0).cells(0).column(), "本年新制作数量");
  EXPECT_EQ(verdict.violations(0).actual(), "-1");
}

TEST(ValidatorTest, RejectsNegativeMoney) {
  v1::Report report = testing::SeedReport();
  report.mutable_table2_2019()->mutable_item9()->mutable_procurement()->set_amount(-1500000);
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("R10"));
  EXPECT_EQ(verdict.violations(0).rule_name(), "金额为非负数");
  EXPECT_EQ(verdict.violations(0).actual(), "-1.5");
}

TEST(ValidatorTest, SkipsRulesOverUncertainCells) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_new_requests()->set_total(3);
  report.add_uncertain_cells("table3.new_requests.total");
  EXPECT_THAT(Rules(Check(report)), IsEmpty());
}

TEST(ValidatorTest, RejectsYearsOutsideTheRange) {
  v1::Report report = testing::SeedReport();
  report.mutable_key()->set_year(2018);
  EXPECT_THAT(Rules(Check(report)), ElementsAre("YEAR"));
  report.mutable_key()->set_year(2027);
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("YEAR", "EDITION_FOR_YEAR"));
  EXPECT_EQ(verdict.violations(0).expected(), "2019–2026");
  EXPECT_EQ(verdict.violations(0).actual(), "2027");
}

TEST(ValidatorTest, Rejects2021EditionBefore2021) {
  v1::Report report = testing::SeedReport();
  report.clear_table2_2019();
  report.set_edition(v1::EDITION_2021);
  report.mutable_key()->set_year(2020);
  EXPECT_THAT(Rules(Check(report)), ElementsAre("EDITION"));
  report.mutable_key()->set_year(2021);
  EXPECT_THAT(Rules(Check(report)), IsEmpty());
}

TEST(ValidatorTest, Accepts2019EditionInALaterYearOnlyWhenLenientAndFlagsIt) {
  v1::Report report = testing::SeedReport();
  report.mutable_key()->set_year(2022);
  v1::Verdict strict = Check(report);
  EXPECT_FALSE(strict.acceptable());
  ASSERT_THAT(Rules(strict), ElementsAre("EDITION_FOR_YEAR"));
  EXPECT_EQ(strict.violations(0).severity(), v1::SEVERITY_ERROR);
  v1::Verdict lenient = Check(report, v1::VALIDATION_MODE_LENIENT);
  EXPECT_TRUE(lenient.acceptable());
  ASSERT_THAT(Rules(lenient), ElementsAre("EDITION_FOR_YEAR"));
  EXPECT_EQ(lenient.violations(0).severity(), v1::SEVERITY_WARNING);
}

TEST(ValidatorTest, RejectsMissingEdition) {
  v1::Report report = testing::SeedReport();
  report.clear_edition();
  EXPECT_THAT(Rules(Check(report)), ElementsAre("EDITION"));
}

TEST(ValidatorTest, RejectsCellsOfTheOtherEdition) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_results()->mutable_other()->mutable_other()->set_total(0);
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("EDITION"));
  EXPECT_EQ(verdict.violations(0).cells(0).field_path(), "table3.results.other");
}

TEST(ValidatorTest, RejectsUnknownAndMalformedRegions) {
  v1::Report report = testing::SeedReport();
  report.mutable_key()->set_region_code("330226999000");
  EXPECT_THAT(Rules(Check(report)), ElementsAre("REGION"));
  report.mutable_key()->set_region_code("3302");
  EXPECT_THAT(Rules(Check(report)), ElementsAre("REGION"));
}

TEST(ValidatorTest, RejectsMissingKeyFields) {
  v1::Report report = testing::SeedReport();
  report.clear_key();
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("KEY", "KEY"));
  EXPECT_EQ(verdict.violations(0).cells(0).field_path(), "key.region_code");
  EXPECT_EQ(verdict.violations(1).cells(0).field_path(), "key.year");
}

TEST(ValidatorTest, ChecksTheBodyCode) {
  v1::Report report = testing::SeedReport();
  report.mutable_key()->set_body(testing::kBodyCode);
  EXPECT_THAT(Rules(Check(report)), IsEmpty());
  report.mutable_key()->set_body("11100000000013127E");
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("BODY"));
  EXPECT_THAT(verdict.violations(0).message(), ::testing::HasSubstr("expected D"));
}

TEST(UsccTest, ChecksLengthAlphabetAndCheckCharacter) {
  EXPECT_EQ(UsccProblem("91440300708461136T"), "");
  EXPECT_EQ(UsccProblem("11100000000013127D"), "");
  EXPECT_NE(UsccProblem("91440300708461136"), "");
  EXPECT_NE(UsccProblem("9144030070846113IT"), "");  // I is not in the alphabet
  EXPECT_NE(UsccProblem("91440300708461136A"), "");
}

TEST(ValidatorTest, RejectsMalformedPublicationDate) {
  v1::Report report = testing::SeedReport();
  report.set_publication_date("2020-01-20");
  EXPECT_THAT(Rules(Check(report)), IsEmpty());
  report.set_publication_date("2020-02-30");
  EXPECT_THAT(Rules(Check(report)), ElementsAre("DATE"));
}

TEST(ValidatorTest, RejectsOversizeText) {
  v1::Report report = testing::SeedReport();
  report.mutable_narrative()->set_problems(std::string(kMaxNarrativeBytes + 1, 'a'));
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("TEXT"));
  EXPECT_EQ(verdict.violations(0).cells(0).field_path(), "narrative.problems");
}

TEST(ValidatorTest, RejectsInvalidUtf8) {
  v1::Report report = testing::SeedReport();
  report.set_publisher("\xe4\xb8");  // a truncated three-byte sequence
  v1::Verdict verdict = Check(report);
  ASSERT_THAT(Rules(verdict), ElementsAre("UTF8"));
  EXPECT_EQ(verdict.violations(0).cells(0).field_path(), "publisher");
}

TEST(ValidatorTest, LenientModeKeepsRuleBreaksAsFlagsButNotUnstorableReports) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_new_requests()->set_total(3);
  v1::Verdict lenient = Check(report, v1::VALIDATION_MODE_LENIENT);
  EXPECT_TRUE(lenient.acceptable());
  EXPECT_THAT(Rules(lenient), ElementsAre("R1", "R3"));
  report.mutable_key()->set_region_code("330226999000");
  EXPECT_FALSE(Check(report, v1::VALIDATION_MODE_LENIENT).acceptable());
}

TEST(ValidatorTest, DescribesAViolationOnOneLine) {
  v1::Report report = testing::SeedReport();
  report.mutable_table4()->mutable_reconsideration()->set_total(1);
  const std::string line = DescribeViolation(Check(report).violations(0));
  EXPECT_EQ(line,
            "error R4 总计等于结果维持、结果纠正、其他结果、尚未审结之和: 四/行政复议/总计 "
            "(table4.reconsideration.total): expected 0, actual 1");
}

}  // namespace
}  // namespace gongkai::validation
