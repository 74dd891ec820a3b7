// Splits runs of digits back into cells. A flattened table row ("640020470" for seven cells)
// is split in every way that gives valid cell texts (no leading zero in a multi-digit cell, a
// minus sign only in a signed cell, a decimal point only in a money cell) and satisfies the
// linear rules (R1–R4, blank = 0) together with every other run and every known cell. A cell
// that takes the same value in all valid splits is decided; any other cell is uncertain and
// must be printed as '?'. Nothing is guessed.
//
// Pure functions; thread-safe.
#ifndef GONGKAI_IMPORTER_DIGIT_SOLVER_H_
#define GONGKAI_IMPORTER_DIGIT_SOLVER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/cells.h"
#include "proto/money.h"

namespace gongkai::importer {

// One run: the text of a flattened row and the consecutive cells it fills.
struct DigitRun {
  // Digits, '.', '-'; a ' ' is a boundary the split must respect (two values written apart);
  // a '_' is one blank cell (a "—" or "/" between values).
  std::string text;
  std::vector<int> cells;  // indices into SolverProblem::kinds, in order
};

struct SolverProblem {
  std::vector<CellKind> kinds;  // every cell of the cell space
  // Cells not covered by a run: their value (nullopt: blank, counted as 0 by the rules).
  std::vector<std::optional<int64_t>> known;
  // Cells whose value is not known at all (not read, or themselves uncertain). A rule that
  // touches one is not used.
  std::vector<bool> unknown;
  std::vector<LinearRule> rules;
  std::vector<DigitRun> runs;
  // Money cells are valued in this unit (the caller decides what a unit-less amount means).
  std::vector<MoneyUnit> money_units;  // per cell; empty: all 万元
  // Search nodes allowed (split enumeration plus the joint search).
  int64_t budget = 2'000'000;
};

struct RunSolution {
  enum class Status {
    kUnique,      // exactly one valid split
    kAmbiguous,   // several; `uncertain` marks the cells that differ
    kImpossible,  // no split gives valid cells
    kGaveUp,      // too many splits to examine within the budget: every cell uncertain
  };
  Status status = Status::kImpossible;
  // The rules could not all be met together; the split was decided without the rules that
  // involve this run (rule_free) or without any rule.
  bool rules_dropped = false;
  std::vector<std::optional<int64_t>> values;  // per cell of the run (when certain)
  std::vector<bool> uncertain;                 // per cell of the run
  // Distinct valid splits, at most kMaxAlternatives, in enumeration order.
  std::vector<std::vector<std::optional<int64_t>>> alternatives;
  int64_t splits = 0;  // number of valid splits seen (capped)
};

inline constexpr int kMaxAlternatives = 8;

// Solves all runs of the problem together. The result has one entry per run.
std::vector<RunSolution> SolveRuns(const SolverProblem& problem);

// Parses one cell text of the given kind; nullopt if it is not a valid cell text
// ("007" as a count, "-3" outside 本年增/减, "1.5" as a count, money finer than 0.01 元).
std::optional<int64_t> ParseCellText(absl::string_view text, CellKind kind, MoneyUnit unit);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_DIGIT_SOLVER_H_
