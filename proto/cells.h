// The cells of the annual report, derived once from the schema's options (options.proto).
//
// Everything that needs to know the cells — validation, the cells output, rollups, the
// importer, exports — goes through this module instead of keeping its own list. All functions
// are thread-safe; the returned tables are built once and live for the process.
#ifndef GONGKAI_PROTO_CELLS_H_
#define GONGKAI_PROTO_CELLS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"
#include "gongkai/v1/review.pb.h"
#include "gongkai/v1/rollup.pb.h"
#include "google/protobuf/descriptor.h"

namespace gongkai {

enum class CellKind { kCount, kSignedCount, kMoney };

// One cell of one edition: its official address and where it lives in the Report message.
struct CellSpec {
  std::string table;  // "二", "三" or "四"
  std::string row;  // e.g. "三、本年度办理结果/（三）不予公开/1.属于国家秘密"
  std::string column;      // e.g. "自然人"
  std::string field_path;  // e.g. "table3.results.withheld.state_secret.natural_person"
  CellKind kind = CellKind::kCount;
  // The fields from Report down to the scalar cell.
  std::vector<const google::protobuf::FieldDescriptor*> fields;
};

// A linear consistency rule over the cells of one edition: sum(lhs) == sum(rhs), with blank
// cells counted as zero. Indices point into CellsOf(edition).
struct LinearRule {
  std::string id;  // "R1".."R4"
  std::vector<int> lhs;
  std::vector<int> rhs;
};

// Returns every cell of the edition in the official order of docs/CELLS.md. Empty for
// EDITION_UNSPECIFIED.
const std::vector<CellSpec>& CellsOf(v1::Edition edition);

// Returns the index in CellsOf(edition) of the cell with that field path, or -1.
int FindCell(v1::Edition edition, absl::string_view field_path);

// Returns the rules R1–R4 of the edition, one LinearRule per column or row they constrain.
// R2, R3 and R4 come from the `sum_rule` options; R1 is the rule printed in table 三's corner.
const std::vector<LinearRule>& RulesOf(v1::Edition edition);

// The official Chinese name of a rule id ("R1" -> "第一项加第二项之和，等于第三项加第四项之和").
std::string RuleName(absl::string_view rule_id);

// Reads a cell; nullopt when blank.
std::optional<int64_t> GetCell(const v1::Report& report, const CellSpec& cell);

// Calls fn(index in CellsOf(report.edition()), value) for every filled cell of the report's
// edition, in no particular order. Visits only the fields that are set, so it is much faster
// than GetCell over every cell for the sparse reports found in practice.
void ForEachFilledCell(const v1::Report& report,
                       const std::function<void(int index, int64_t value)>& fn);

// Every cell of the report's edition, indexed as CellsOf(report.edition()), nullopt when blank:
// GetCell of each, read in one walk of the fields that are set (ForEachFilledCell).
std::vector<std::optional<int64_t>> CellValues(const v1::Report& report);

// Which cells of the report's edition are uncertain ('?'), indexed as CellsOf(report.edition()):
// those its uncertain_cells names (a name of no cell of the edition is not a cell).
std::vector<bool> UncertainCells(const v1::Report& report);

// Writes a cell; nullopt blanks it. Values of count cells must fit in int32.
void SetCell(v1::Report* report, const CellSpec& cell, std::optional<int64_t> value);

// Sets every cell of the report's edition from `values` (indexed by CellsOf(edition); nullopt
// leaves the cell blank), creating only the sub-messages that hold a value. Much faster than
// SetCell for each cell when most are filled.
void SetCells(v1::Report* report, const std::vector<std::optional<int64_t>>& values);

// Returns the edition's label as printed ("2019"), or "" when unspecified.
std::string EditionLabel(v1::Edition edition);

// Returns the report in the cells format of docs/CELLS.md (header, metadata rows, every cell of the
// edition; "?" for uncertain cells), each line ending in '\n'.
std::string FormatCells(const v1::Report& report);

// Formats one cell's value as in the cells output ("" for blank).
std::string FormatCellValue(const CellSpec& cell, std::optional<int64_t> value);

// The cells whose value (as the cells output prints it, "?" when uncertain, "" when blank or
// not of the report's edition) differs between two reports, by field path: `after`'s cells in
// its edition's order, then those only `before`'s edition has.
std::vector<v1::CellChange> DiffCells(const v1::Report& before, const v1::Report& after);

// The labels of a rollup's cells (the table, row and column of its shared and overflowed cells)
// are the schema's, found by each cell's field path. The worker builds rollups without them and
// the store keeps them so, which makes a stored rollup less than half its labelled size;
// whatever serves a rollup to people puts them back with AddCellLabels.
void AddCellLabels(v1::Rollup* rollup);
// Takes the labels off (a rollup as the worker builds it and the store keeps it).
void ClearCellLabels(v1::Rollup* rollup);
// Whether any of the rollup's cells carries a label.
bool HasCellLabels(const v1::Rollup& rollup);

// Likewise the cells a flag names: the labels of its edition's cells, found by field path. The
// worker builds flags without them and the store keeps them so (a ZERO_PUBLICATION flag names
// a whole table's cells); whatever serves a flag puts them back. A flag without an edition
// (none of its cells is a report's cell, or it was stored before flags recorded one) keeps
// the labels it has.
void AddCellLabels(v1::Anomaly* anomaly);
void AddCellLabels(v1::AnomalySet* set);
void ClearCellLabels(v1::AnomalySet* set);
bool HasCellLabels(const v1::AnomalySet& set);

}  // namespace gongkai

#endif  // GONGKAI_PROTO_CELLS_H_
