// Internal to the importer: the table reader shared by table_reader.cc (finding the tables'
// rows and reading their values) and table_solve.cc (solving digit runs, reporting gaps).
#ifndef GONGKAI_IMPORTER_TABLE_READER_INTERNAL_H_
#define GONGKAI_IMPORTER_TABLE_READER_INTERNAL_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "importer/digit_solver.h"
#include "importer/labels.h"
#include "importer/rows.h"
#include "importer/table_reader.h"
#include "proto/cells.h"

namespace gongkai::importer::table_internal {

using State = CellRead::State;
using Kind = Diagnostic::Kind;
using Severity = Diagnostic::Severity;

constexpr int kTableBits[] = {kTable2, kTable3, kTable4};
inline const char* TableName(int bit) {
  return bit == kTable2 ? "二" : bit == kTable3 ? "三" : "四";
}
inline int TableIndex(int bit) { return bit == kTable2 ? 2 : bit == kTable3 ? 3 : 4; }

inline std::string CellName(const CellSpec& cell) {
  return absl::StrCat("table ", cell.table, " ", cell.row, " / ", cell.column);
}

inline std::string RowName(const RowSpec& row) {
  return absl::StrCat("table ", row.table, " ", row.path);
}

inline MoneyUnit ToMoneyUnit(Unit unit) {
  return unit == Unit::kYuan ? MoneyUnit::kYuan : MoneyUnit::kWanYuan;
}

class Reader {
 public:
  Reader(const Text& text, const std::vector<Token>& tokens, const Sections& sections,
         v1::Edition edition, bool text_ends_in_tables)
      : text_(text),
        tokens_(tokens),
        sections_(sections),
        edition_(edition),
        cells_(CellsOf(edition)),
        rows_(RowsOf(edition)),
        text_ends_(text_ends_in_tables) {
    out_.cells.resize(cells_.size());
  }

  TableReading Read() {
    ResolveTables();
    FindRows();
    ReadUnits();
    for (int t : kTableBits) {
      for (size_t r = 0; r < rows_.size(); ++r) {
        if (rows_[r].table_bit == t && found_[r]) Reconcile(static_cast<int>(r));
      }
    }
    Solve();
    ReportGaps();
    return std::move(out_);
  }

 private:
  // Each label token's table: its own when only one table has it, else the table of the
  // section it sits in (or of the last table-specific label).
  void ResolveTables() {
    const LabelSet& labels = LabelSet::Get();
    table_of_.assign(tokens_.size(), 0);
    int context = 0, last_section = -1;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const Token& t = tokens_[i];
      int section = 0;
      for (int k = 2; k <= 4; ++k) {
        if (sections_.found(k) && t.begin >= sections_.heading[k].end &&
            t.begin < sections_.BodyEnd(k, text_.size())) {
          section = k;
        }
      }
      if (section != last_section) {
        context = section == 2 ? kTable2 : section == 3 ? kTable3 : section == 4 ? kTable4 : 0;
        last_section = section;
      }
      if (t.type != TokenType::kLabel) continue;
      int mask = 0;
      for (int id : labels.LabelsOfCore(t.core)) mask |= labels.label(id).tables;
      if (mask == kTable2 || mask == kTable3 || mask == kTable4) {
        context = mask;
        table_of_[i] = mask;
      } else if (mask & context) {
        table_of_[i] = context;
      } else {
        table_of_[i] = mask & -mask;
      }
    }
  }

  // True when the next non-separator token after i is a value.
  bool FollowedByValue(size_t i) const {
    for (size_t j = i + 1; j < tokens_.size(); ++j) {
      if (tokens_[j].type == TokenType::kSep) continue;
      return (tokens_[j].type == TokenType::kNumber && !tokens_[j].narrative) ||
             tokens_[j].type == TokenType::kMarker;
    }
    return false;
  }

  // The row of the edition that label token i starts, or -1.
  int RowOfToken(size_t i) const {
    const Token& t = tokens_[i];
    const LabelSet& labels = LabelSet::Get();
    int row = -1;
    bool other_roles = false;
    for (int id : labels.LabelsOfCore(t.core)) {
      const int target = labels.label(id).stands_for >= 0 ? labels.label(id).stands_for : id;
      const int r = RowWithLeaf(rows_, target, table_of_[i]);
      if (r >= 0) {
        row = r;
      } else {
        other_roles = true;
      }
    }
    if (row >= 0) {
      if (!other_roles) return row;
      // "总计" is a column and "（七）总计" a row: the numbering or the values decide.
      const std::u32string& expected = labels.label(rows_[row].leaf).numbering;
      if (!t.numbering.empty()) return t.numbering == expected || FollowedByValue(i) ? row : -1;
      return FollowedByValue(i) ? row : -1;
    }
    // A row label of the other edition ("规范性文件" in a 2021 table).
    return RowByContainment(rows_, t.core, table_of_[i]);
  }

  void FindRows() {
    found_.assign(rows_.size(), false);
    occurrence_.assign(rows_.size(), -1);
    values_.resize(rows_.size());
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i].type != TokenType::kLabel) continue;
      const int r = RowOfToken(i);
      if (r < 0) {
        if (table_of_[i] == kTable4) table4_headers_.push_back(static_cast<int>(i));
        continue;
      }
      if (tokens_[i].fuzzy) {
        Diagnose(Kind::kLabelCorrected, Severity::kInfo,
                 absl::StrCat("read \"", text_.Slice(tokens_[i].begin, tokens_[i].end),
                              "\" as the row label ", rows_[r].path));
      }
      RowValues values = CollectSlots(text_, tokens_, i, text_ends_);
      if (found_[r]) {
        if (values_[r].Count() > 0 && values.Count() > 0) {
          Diagnose(Kind::kDuplicateRow, Severity::kWarning,
                   absl::StrCat(RowName(rows_[r]),
                                " is printed twice with values; the first "
                                "is used"));
        }
        if (values_[r].Count() > 0 || values.Count() == 0) continue;
      }
      found_[r] = true;
      occurrence_[r] = static_cast<int>(i);
      values_[r] = std::move(values);
    }
    // Table 四 is printed with its row labels in the header and the fifteen values in one
    // line after it: read those values as one row of all its cells.
    bool any_values = false;
    for (size_t r = 0; r < rows_.size(); ++r) {
      if (rows_[r].table_bit == kTable4 && found_[r] && values_[r].Count() > 0) any_values = true;
    }
    if (!any_values && !table4_headers_.empty()) {
      RowValues best;
      int best_token = -1;
      for (int i : table4_headers_) {
        RowValues v = CollectSlots(text_, tokens_, i, text_ends_);
        if (v.Count() > best.Count()) {
          best = std::move(v);
          best_token = i;
        }
      }
      if (best.Count() > 0) {
        RowSpec whole = WholeTable(rows_, kTable4);
        whole_table4_ = static_cast<int>(rows_.size());
        rows_.push_back(whole);
        found_.push_back(true);
        occurrence_.push_back(best_token);
        values_.push_back(std::move(best));
        for (size_t r = 0; r + 1 < rows_.size(); ++r) {
          if (rows_[r].table_bit == kTable4) covered_by_whole_.push_back(static_cast<int>(r));
        }
      }
    }
  }

  // Units written in the money columns' headers, or anywhere in table 二 ("单位：元").
  void ReadUnits() {
    const LabelSet& labels = LabelSet::Get();
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const Token& t = tokens_[i];
      if (t.type == TokenType::kText && table_unit_ == Unit::kNone &&
          text_.norm.substr(t.begin, t.end - t.begin).find(U"单位") != std::u32string::npos) {
        table_unit_ = UnitIn(text_, t.begin, t.end);
      }
      if (t.type != TokenType::kLabel) continue;
      for (int id : labels.LabelsOfCore(t.core)) {
        for (const CellSpec& cell : cells_) {
          if (cell.kind != CellKind::kMoney || labels.IdOf(cell.column) != id) continue;
          int end = t.end;
          if (i + 1 < tokens_.size() && tokens_[i + 1].type == TokenType::kText &&
              tokens_[i + 1].begin == t.end) {
            end = tokens_[i + 1].end;
          }
          const Unit unit = UnitIn(text_, t.begin, end);
          if (unit != Unit::kNone) column_unit_[cell.column] = unit;
        }
      }
    }
  }

  Unit MoneyUnitFor(const CellSpec& cell, Unit written) const {
    if (written != Unit::kNone) return written;
    auto it = column_unit_.find(cell.column);
    if (it != column_unit_.end()) return it->second;
    return table_unit_;
  }

  void Set(int cell, State state, int64_t value = 0) {
    out_.cells[cell].state = state;
    out_.cells[cell].value = value;
  }

  // Decides one cell from one value written alone.
  void ReadSingle(int cell, const Slot& slot) {
    const CellSpec& spec = cells_[cell];
    if (slot.empty || slot.run == "_") {
      Set(cell, State::kBlank);
      return;
    }
    if (slot.run.find('?') != std::string::npos) {
      Uncertain(cell, Kind::kUnreadableValue, "the value could not be read with certainty");
      return;
    }
    if (spec.kind == CellKind::kMoney) {
      const Unit unit = MoneyUnitFor(spec, slot.unit);
      auto value = ParseCellText(slot.run, CellKind::kMoney, ToMoneyUnit(unit));
      if (!value.has_value()) {
        Uncertain(cell, Kind::kUnreadableValue,
                  absl::StrCat("\"", slot.run, "\" is not an amount"));
      } else if (unit == Unit::kNone && *value != 0) {
        Uncertain(cell, Kind::kMoneyUnitMissing,
                  absl::StrCat("the amount \"", slot.run, "\" has no unit (元 or 万元)"));
      } else {
        Set(cell, State::kValue, *value);
      }
      return;
    }
    std::string digits = slot.run;
    const bool negative = !digits.empty() && digits[0] == '-';
    if (negative) digits.erase(0, 1);
    const size_t nonzero = digits.find_first_not_of('0');
    digits = nonzero == std::string::npos ? "0" : digits.substr(nonzero);
    auto value = ParseCellText(digits, CellKind::kCount, MoneyUnit::kWanYuan);
    if (!value.has_value()) {
      Uncertain(cell, Kind::kUnreadableValue, absl::StrCat("\"", slot.run, "\" is not a count"));
      return;
    }
    if (negative && *value != 0) {
      if (spec.kind != CellKind::kSignedCount) {
        Diagnose(Kind::kNegativeCount, Severity::kWarning,
                 absl::StrCat(CellName(spec), " is negative (", slot.run, ")"), spec.field_path);
      }
      Set(cell, State::kValue, -*value);
      return;
    }
    Set(cell, State::kValue, *value);
  }

  void Uncertain(int cell, Kind kind, const std::string& why) {
    Set(cell, State::kUncertain);
    Diagnose(kind, Severity::kWarning, absl::StrCat(CellName(cells_[cell]), ": ", why),
             cells_[cell].field_path);
  }

  void Reconcile(int r) {
    const RowSpec& row = rows_[r];
    const RowValues& rv = values_[r];
    const size_t n = row.cells.size();
    std::vector<Slot> vals;
    for (const Slot& s : rv.slots) {
      if (!s.empty) vals.push_back(s);
    }
    if (vals.empty()) {
      for (int c : row.cells) Set(c, State::kBlank);
      // Blank cells written as empty cells between separators: a table written apart.
      if (n > 1 && rv.slots.size() + 1 >= n) ++separated_rows_;
      if (rv.at_eof) truncated_row_ = r;
      return;
    }
    if (vals.size() > n) {
      while (vals.size() > n && vals.back().run == "_") vals.pop_back();
    }
    if (vals.size() == n) {
      for (size_t k = 0; k < n; ++k) ReadSingle(row.cells[k], vals[k]);
      if (n > 1) ++separated_rows_;
      if (rv.at_eof) truncated_row_ = r;
      return;
    }
    if (vals.size() > n) {
      for (int c : row.cells) Set(c, State::kUncertain);
      Diagnose(Kind::kValueCountMismatch, Severity::kWarning,
               absl::StrCat(RowName(row), " has ", vals.size(), " values for ", n, " cells"));
      return;
    }
    // Fewer values than cells: blank cells written as nothing between separators …
    std::vector<Slot> all = rv.slots;
    while (all.size() > n && all.back().empty) all.pop_back();
    if (all.size() == n) {
      for (size_t k = 0; k < n; ++k) ReadSingle(row.cells[k], all[k]);
      if (n > 1) ++separated_rows_;
      if (rv.at_eof) truncated_row_ = r;
      return;
    }
    // … or the text ends in this row …
    if (rv.at_eof) {
      truncated_row_ = r;
      eof_slots_ = all;
      return;  // decided in Solve(), once the layout of the other rows is known
    }
    // … or the row is flattened into runs of digits (which a value that could not be read
    // leaves unknown).
    for (const Slot& s : vals) {
      if (s.run.find('?') == std::string::npos) continue;
      for (int c : row.cells) Set(c, State::kUncertain);
      Diagnose(Kind::kUnreadableValue, Severity::kWarning,
               absl::StrCat(RowName(row), ": a value could not be read with certainty"));
      return;
    }
    DigitRun run;
    std::vector<std::string> parts;
    for (const Slot& s : vals) parts.push_back(s.run);
    run.text = absl::StrJoin(parts, " ");
    run.cells = row.cells;
    Unit unit = Unit::kNone;
    for (const Slot& s : vals) {
      if (s.unit != Unit::kNone) unit = s.unit;
    }
    run_rows_.push_back(r);
    run_units_.push_back(unit);
    runs_.push_back(std::move(run));
  }

  void Solve();
  void ReportGaps();

  void Diagnose(Kind kind, Severity severity, std::string message, std::string path = "",
                std::vector<std::string> alternatives = {}) {
    out_.diagnostics.push_back(
        Diagnostic{kind, severity, std::move(message), std::move(path), std::move(alternatives)});
  }

  const Text& text_;
  const std::vector<Token>& tokens_;
  const Sections& sections_;
  const v1::Edition edition_;
  const std::vector<CellSpec>& cells_;
  std::vector<RowSpec> rows_;
  const bool text_ends_;
  TableReading out_;

  std::vector<int> table_of_;
  std::vector<bool> found_;
  std::vector<int> occurrence_;
  std::vector<RowValues> values_;
  std::vector<int> table4_headers_;
  int whole_table4_ = -1;
  std::vector<int> covered_by_whole_;
  absl::flat_hash_map<std::string, Unit> column_unit_;
  Unit table_unit_ = Unit::kNone;
  int separated_rows_ = 0;
  int truncated_row_ = -1;
  std::vector<Slot> eof_slots_;
  std::vector<int> run_rows_;
  std::vector<Unit> run_units_;
  std::vector<DigitRun> runs_;
};

}  // namespace gongkai::importer::table_internal

#endif  // GONGKAI_IMPORTER_TABLE_READER_INTERNAL_H_
