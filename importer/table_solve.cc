// The table reader's solving step: values of flattened digit runs decided against R1–R4, and
// rows cut off by the end of the text.
#include "importer/table_reader_internal.h"

namespace gongkai::importer::table_internal {
namespace {

// The solver's problem without its runs: every cell's kind, the values read so far (unknown
// when not read or uncertain), money valued in 万元, and the edition's rules.
SolverProblem ProblemOf(const std::vector<CellSpec>& cells, const std::vector<CellRead>& reads,
                        v1::Edition edition) {
  SolverProblem problem;
  problem.kinds.reserve(cells.size());
  problem.known.resize(cells.size());
  problem.unknown.resize(cells.size());
  problem.money_units.resize(cells.size(), MoneyUnit::kWanYuan);
  for (size_t c = 0; c < cells.size(); ++c) {
    problem.kinds.push_back(cells[c].kind);
    const CellRead& read = reads[c];
    problem.unknown[c] = read.state == State::kNotRead || read.state == State::kUncertain;
    if (read.state == State::kValue) problem.known[c] = read.value;
  }
  problem.rules = RulesOf(edition);
  return problem;
}

// The valid splits of a run over `cells` of `row`, each as "column=value, …" ("row/column=value"
// when the run spans a whole table).
std::vector<std::string> DescribeAlternatives(const RowSpec& row,
                                              const std::vector<CellSpec>& specs,
                                              const std::vector<int>& cells,
                                              const RunSolution& sol) {
  std::vector<std::string> alternatives;
  for (const auto& alt : sol.alternatives) {
    std::vector<std::string> parts;
    for (size_t i = 0; i < cells.size(); ++i) {
      const CellSpec& spec = specs[cells[i]];
      parts.push_back(absl::StrCat(row.path.empty() ? spec.row + "/" : "", spec.column, "=",
                                   FormatCellValue(spec, alt[i])));
    }
    alternatives.push_back(absl::StrJoin(parts, ", "));
  }
  return alternatives;
}

}  // namespace

void Reader::Solve() {
  // A row cut off by the end of the text: read in order when the tables write their values
  // apart; a cut-off run of digits cannot be split.
  if (truncated_row_ >= 0 && !eof_slots_.empty()) {
    const RowSpec& row = rows_[truncated_row_];
    if (separated_rows_ > static_cast<int>(runs_.size())) {
      for (size_t k = 0; k < row.cells.size() && k < eof_slots_.size(); ++k) {
        ReadSingle(row.cells[k], eof_slots_[k]);
      }
    } else {
      for (int c : row.cells) Set(c, State::kUncertain);
      Diagnose(Kind::kImpossibleSplit, Severity::kWarning,
               absl::StrCat(RowName(row), ": the text ends inside its run of digits"));
    }
  }
  if (runs_.empty()) return;
  SolverProblem problem = ProblemOf(cells_, out_.cells, edition_);
  for (size_t k = 0; k < runs_.size(); ++k) {
    for (int c : runs_[k].cells) {
      if (cells_[c].kind == CellKind::kMoney) {
        problem.money_units[c] = ToMoneyUnit(MoneyUnitFor(cells_[c], run_units_[k]));
      }
    }
  }
  problem.runs = runs_;
  const std::vector<RunSolution> solutions = SolveRuns(problem);
  for (size_t k = 0; k < runs_.size(); ++k) {
    const RowSpec& row = rows_[run_rows_[k]];
    const RunSolution& sol = solutions[k];
    const std::vector<int>& cells = runs_[k].cells;
    for (size_t i = 0; i < cells.size(); ++i) {
      const int c = cells[i];
      if (sol.uncertain[i]) {
        Set(c, State::kUncertain);
      } else if (!sol.values[i].has_value()) {
        Set(c, State::kBlank);
      } else if (cells_[c].kind == CellKind::kMoney &&
                 MoneyUnitFor(cells_[c], run_units_[k]) == Unit::kNone && *sol.values[i] != 0) {
        Uncertain(c, Kind::kMoneyUnitMissing, "the amount has no unit (元 or 万元)");
      } else {
        Set(c, State::kValue, *sol.values[i]);
      }
    }
    const std::string what =
        absl::StrCat(RowName(row).empty() ? "" : RowName(row), ": \"", runs_[k].text, "\"");
    const std::vector<std::string> alternatives = DescribeAlternatives(row, cells_, cells, sol);
    const std::string path = cells_[cells.front()].field_path;
    switch (sol.status) {
      case RunSolution::Status::kUnique:
        break;
      case RunSolution::Status::kAmbiguous:
        Diagnose(Kind::kAmbiguousSplit, Severity::kWarning,
                 absl::StrCat(what, " splits into cells in ", sol.splits,
                              sol.splits >= 50'000 ? "+" : "",
                              " valid ways; the cells that "
                              "differ are '?'"),
                 path, alternatives);
        break;
      case RunSolution::Status::kImpossible:
        Diagnose(Kind::kImpossibleSplit, Severity::kError,
                 absl::StrCat(what, " cannot be split into ", cells.size(), " valid cells"), path);
        break;
      case RunSolution::Status::kGaveUp:
        Diagnose(Kind::kSplitTooLarge, Severity::kError,
                 absl::StrCat(what, " has too many possible splits to examine"), path);
        break;
    }
    if (sol.rules_dropped && sol.status != RunSolution::Status::kImpossible) {
      Diagnose(Kind::kRulesDropped, Severity::kWarning,
               absl::StrCat(what,
                            " has no split that meets the rules R1–R4; it was split by its "
                            "digits alone"),
               path);
    }
  }
}

}  // namespace gongkai::importer::table_internal
