// The digit-run solver: unique splits, ambiguous splits ('?' exactly on the differing cells),
// impossible runs (reported, not guessed), and the rules R1–R4 used as constraints.
#include "importer/digit_solver.h"

#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gongkai::importer {
namespace {

using ::testing::ElementsAre;
using Status = RunSolution::Status;

// A table-三-like row: six applicant columns and their 总计 (R3: total = sum of the six).
SolverProblem ApplicantRow(const std::string& digits) {
  SolverProblem p;
  p.kinds.assign(7, CellKind::kCount);
  p.known.assign(7, std::nullopt);
  p.unknown.assign(7, false);
  p.rules.push_back(LinearRule{"R3", {6}, {0, 1, 2, 3, 4, 5}});
  p.runs.push_back(DigitRun{digits, {0, 1, 2, 3, 4, 5, 6}});
  return p;
}

std::vector<std::optional<int64_t>> Values(std::initializer_list<int64_t> v) {
  return std::vector<std::optional<int64_t>>(v.begin(), v.end());
}

TEST(ImporterDigitSolver, SplitsAFlattenedRowUniquelyByItsTotal) {
  const auto result = SolveRuns(ApplicantRow("640020470"));
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].status, Status::kUnique);
  EXPECT_EQ(result[0].values, Values({64, 0, 0, 2, 0, 4, 70}));
  EXPECT_THAT(result[0].uncertain, ElementsAre(false, false, false, false, false, false, false));
}

TEST(ImporterDigitSolver, RespectsABoundaryWrittenAsASpace) {
  const auto result = SolveRuns(ApplicantRow("500000 5"));
  EXPECT_EQ(result[0].status, Status::kUnique);
  EXPECT_EQ(result[0].values, Values({5, 0, 0, 0, 0, 0, 5}));
}

TEST(ImporterDigitSolver, MarksExactlyTheCellsThatDifferBetweenValidSplits) {
  // 0|10|1|10|0|21|42 and 0|10|11|0|0|21|42 both meet R3.
  const auto result = SolveRuns(ApplicantRow("01011002142"));
  EXPECT_EQ(result[0].status, Status::kAmbiguous);
  EXPECT_EQ(result[0].splits, 2);
  EXPECT_THAT(result[0].uncertain, ElementsAre(false, false, true, true, false, false, false));
  EXPECT_EQ(result[0].values[1], 10);
  EXPECT_EQ(result[0].values[2], std::nullopt);
  EXPECT_EQ(result[0].values[6], 42);
  EXPECT_EQ(result[0].alternatives.size(), 2u);
}

TEST(ImporterDigitSolver, LeavesEveryCellUncertainWhenNoRuleDecides) {
  SolverProblem p;
  p.kinds.assign(3, CellKind::kCount);
  p.known.assign(3, std::nullopt);
  p.unknown.assign(3, false);
  p.runs.push_back(DigitRun{"693665", {0, 1, 2}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kAmbiguous);
  EXPECT_EQ(result[0].splits, 10);
  EXPECT_THAT(result[0].uncertain, ElementsAre(true, true, true));
}

TEST(ImporterDigitSolver, KeepsACellThatNoValidSplitChanges) {
  // "0" cannot start a multi-digit cell, so the first cell is 0 in every split.
  SolverProblem p;
  p.kinds.assign(3, CellKind::kCount);
  p.known.assign(3, std::nullopt);
  p.unknown.assign(3, false);
  p.runs.push_back(DigitRun{"0123", {0, 1, 2}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kAmbiguous);
  EXPECT_THAT(result[0].uncertain, ElementsAre(false, true, true));
  EXPECT_EQ(result[0].values[0], 0);
}

TEST(ImporterDigitSolver, ReportsARunWithTooFewDigitsAsImpossible) {
  const auto result = SolveRuns(ApplicantRow("12"));
  EXPECT_EQ(result[0].status, Status::kImpossible);
  EXPECT_THAT(result[0].uncertain, ::testing::Each(true));
}

TEST(ImporterDigitSolver, RejectsAHugeRunWithoutSearching) {
  SolverProblem p = ApplicantRow(std::string(1000, '1'));
  p.budget = 1000;
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kImpossible);
}

TEST(ImporterDigitSolver, GivesUpRatherThanGuessWhenTheBudgetRunsOut) {
  SolverProblem p;
  p.kinds.assign(7, CellKind::kCount);
  p.known.assign(7, std::nullopt);
  p.unknown.assign(7, false);
  p.runs.push_back(DigitRun{std::string(40, '1'), {0, 1, 2, 3, 4, 5, 6}});
  p.budget = 100;
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kGaveUp);
  EXPECT_THAT(result[0].uncertain, ::testing::Each(true));
}

TEST(ImporterDigitSolver, SplitsByDigitsAloneWhenTheRowBreaksItsRule) {
  // 1 + 2 != 4: no split meets the rule; the digits alone still give one split.
  SolverProblem p;
  p.kinds.assign(3, CellKind::kCount);
  p.known.assign(3, std::nullopt);
  p.unknown.assign(3, false);
  p.rules.push_back(LinearRule{"R4", {2}, {0, 1}});
  p.runs.push_back(DigitRun{"124", {0, 1, 2}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kUnique);
  EXPECT_TRUE(result[0].rules_dropped);
  EXPECT_EQ(result[0].values, Values({1, 2, 4}));
}

TEST(ImporterDigitSolver, AllowsAMinusSignOnlyInASignedCell) {
  SolverProblem p;
  p.kinds = {CellKind::kCount, CellKind::kSignedCount, CellKind::kCount};
  p.known.assign(3, std::nullopt);
  p.unknown.assign(3, false);
  p.runs.push_back(DigitRun{"10-35", {0, 1, 2}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kUnique);
  EXPECT_EQ(result[0].values, Values({10, -3, 5}));
}

TEST(ImporterDigitSolver, PutsTheDecimalPointOnlyInTheMoneyCell) {
  SolverProblem p;
  p.kinds = {CellKind::kCount, CellKind::kMoney};
  p.known.assign(2, std::nullopt);
  p.unknown.assign(2, false);
  p.runs.push_back(DigitRun{"993.8605", {0, 1}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kAmbiguous);  // 9 | 93.8605 or 99 | 3.8605
  EXPECT_THAT(result[0].uncertain, ElementsAre(true, true));
}

TEST(ImporterDigitSolver, TreatsADashAsOneBlankCell) {
  SolverProblem p;
  p.kinds.assign(3, CellKind::kCount);
  p.known.assign(3, std::nullopt);
  p.unknown.assign(3, false);
  p.runs.push_back(DigitRun{"12 _", {0, 1, 2}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kUnique);
  EXPECT_EQ(result[0].values, (std::vector<std::optional<int64_t>>{1, 2, std::nullopt}));
}

TEST(ImporterDigitSolver, UsesRulesAcrossRunsToDecideEachOther) {
  // Run A "123" is 1|23 or 12|3; run B "33" is 3|3. The rule a1 == b1 leaves 12|3.
  SolverProblem p;
  p.kinds.assign(4, CellKind::kCount);
  p.known.assign(4, std::nullopt);
  p.unknown.assign(4, false);
  p.rules.push_back(LinearRule{"R1", {1}, {3}});
  p.runs.push_back(DigitRun{"123", {0, 1}});
  p.runs.push_back(DigitRun{"33", {2, 3}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kUnique);
  EXPECT_EQ(result[0].values, Values({12, 3}));
  EXPECT_EQ(result[1].values, Values({3, 3}));
}

TEST(ImporterDigitSolver, IgnoresRulesThatTouchAnUnknownCell) {
  // Cell 3 was never read: the rule cannot decide run A, which stays ambiguous.
  SolverProblem p;
  p.kinds.assign(4, CellKind::kCount);
  p.known.assign(4, std::nullopt);
  p.unknown = {false, false, false, true};
  p.rules.push_back(LinearRule{"R1", {1}, {3}});
  p.runs.push_back(DigitRun{"123", {0, 1}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kAmbiguous);
}

TEST(ImporterDigitSolver, UsesKnownCellsInTheRules) {
  SolverProblem p;
  p.kinds.assign(3, CellKind::kCount);
  p.known = {std::nullopt, std::nullopt, 3};
  p.unknown.assign(3, false);
  p.rules.push_back(LinearRule{"R1", {1}, {2}});
  p.runs.push_back(DigitRun{"123", {0, 1}});
  const auto result = SolveRuns(p);
  EXPECT_EQ(result[0].status, Status::kUnique);
  EXPECT_EQ(result[0].values, Values({12, 3}));
}

TEST(ImporterParseCellText, RejectsLeadingZerosMinusSignsAndPointsWhereTheyCannotBe) {
  EXPECT_EQ(ParseCellText("0", CellKind::kCount, MoneyUnit::kWanYuan), 0);
  EXPECT_EQ(ParseCellText("07", CellKind::kCount, MoneyUnit::kWanYuan), std::nullopt);
  EXPECT_EQ(ParseCellText("-7", CellKind::kCount, MoneyUnit::kWanYuan), std::nullopt);
  EXPECT_EQ(ParseCellText("-7", CellKind::kSignedCount, MoneyUnit::kWanYuan), -7);
  EXPECT_EQ(ParseCellText("-0", CellKind::kSignedCount, MoneyUnit::kWanYuan), std::nullopt);
  EXPECT_EQ(ParseCellText("1.5", CellKind::kCount, MoneyUnit::kWanYuan), std::nullopt);
  EXPECT_EQ(ParseCellText("99999999999", CellKind::kCount, MoneyUnit::kWanYuan), std::nullopt);
  EXPECT_EQ(ParseCellText("93.8605", CellKind::kMoney, MoneyUnit::kWanYuan), 93'860'500);
  EXPECT_EQ(ParseCellText("251000", CellKind::kMoney, MoneyUnit::kYuan), 25'100'000);
  EXPECT_EQ(ParseCellText("0.5", CellKind::kMoney, MoneyUnit::kWanYuan), 500'000);
  EXPECT_EQ(ParseCellText("05", CellKind::kMoney, MoneyUnit::kWanYuan), std::nullopt);
}

}  // namespace
}  // namespace gongkai::importer
