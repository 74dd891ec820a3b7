// The edition markers among a report's labels, and the rules R1–R4 it breaks.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "importer/labels.h"
#include "importer/rows.h"
#include "importer/table_reader.h"
#include "proto/cells.h"

namespace gongkai::importer {

namespace {

// The number of cells of table 二 rows whose leaf is `label` in `edition`.
int Table2Cells(v1::Edition edition, const std::string& label) {
  int n = 0;
  for (const CellSpec& cell : CellsOf(edition)) {
    if (cell.table != "二") continue;
    const size_t slash = cell.row.rfind('/');
    const std::string leaf = slash == std::string::npos ? cell.row : cell.row.substr(slash + 1);
    n += leaf == label;
  }
  return n;
}

// Votes from the number of values written after a table 二 row label that both editions have
// with different numbers of cells.
void CountShapes(const Text& text, const std::vector<Token>& tokens, size_t i,
                 EditionVotes* votes) {
  const LabelSet& labels = LabelSet::Get();
  for (int id : labels.LabelsOfCore(tokens[i].core)) {
    const LabelInfo& info = labels.label(id);
    if (!info.row_part || !(info.tables & kTable2) || info.editions != (kEd2019 | kEd2021)) {
      continue;
    }
    const int n19 = Table2Cells(v1::EDITION_2019, info.canonical);
    const int n21 = Table2Cells(v1::EDITION_2021, info.canonical);
    if (n19 == 0 || n21 == 0 || n19 == n21) continue;
    const RowValues values = CollectSlots(text, tokens, i, false);
    const int count = values.Count();
    if (count == 0) return;
    int digits = 0;
    for (const Slot& slot : values.slots) {
      for (char c : slot.run) digits += c >= '0' && c <= '9';
    }
    // Values written apart, one per cell; or a single value too short to hold the other
    // edition's cells run together, with no room left for blank cells.
    const int slots = static_cast<int>(values.slots.size());
    if (count == n19 && n19 > 1) ++votes->shape2019;
    if (count == n21 && n21 > 1) ++votes->shape2021;
    if (count == 1 && n21 == 1 && slots < n19 && digits < n19) ++votes->shape2021;
    if (count == 1 && n19 == 1 && slots < n21 && digits < n21) ++votes->shape2019;
    return;
  }
}

}  // namespace

EditionVotes CountEditionLabels(const Text& text, const std::vector<Token>& tokens) {
  const LabelSet& labels = LabelSet::Get();
  const int other_2019 = labels.IdOf("（六）其他处理");
  EditionVotes votes;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.type != TokenType::kLabel) continue;
    int editions = 0, tables = 0;
    bool other_processing = false;
    for (int id : labels.LabelsOfCore(t.core)) {
      const LabelInfo& info = labels.label(id);
      editions |= info.editions;
      tables |= info.tables;
      other_processing |= id == other_2019;
    }
    if (tables != 0) ++votes.table_labels;
    if (editions == kEd2019) ++votes.edition2019;
    if (editions == kEd2021) ++votes.edition2021;
    if (tables & kTable2) CountShapes(text, tokens, i, &votes);
    // "（六）其他处理" with its own values is the 2019 row; in 2021 it only heads three rows.
    if (other_processing) {
      for (size_t j = i + 1; j < tokens.size(); ++j) {
        if (tokens[j].type == TokenType::kSep) continue;
        if ((tokens[j].type == TokenType::kNumber && !tokens[j].narrative) ||
            tokens[j].type == TokenType::kMarker) {
          ++votes.edition2019;
        }
        break;
      }
    }
  }
  return votes;
}

std::vector<Diagnostic> CheckRules(const v1::Report& report, const std::vector<CellRead>& cells) {
  std::vector<Diagnostic> out;
  const std::vector<CellSpec>& specs = CellsOf(report.edition());
  if (cells.size() != specs.size()) return out;
  for (const LinearRule& rule : RulesOf(report.edition())) {
    bool usable = true, any = false;
    auto sum = [&](const std::vector<int>& side) {
      any = false;
      int64_t total = 0;
      for (int c : side) {
        if (c < 0 || c >= static_cast<int>(cells.size())) {
          usable = false;
          continue;
        }
        const CellRead& read = cells[c];
        if (read.state == CellRead::State::kUncertain || read.state == CellRead::State::kNotRead) {
          usable = false;
        }
        if (read.state == CellRead::State::kValue) {
          total += read.value;
          any = true;
        }
      }
      return total;
    };
    const int64_t lhs = sum(rule.lhs);
    const bool lhs_filled = any;
    const int64_t rhs = sum(rule.rhs);
    const bool rhs_filled = any;
    if (!usable || (!lhs_filled && !rhs_filled) || lhs == rhs || rule.lhs.empty()) continue;
    const CellSpec& at = specs[rule.lhs[0]];
    Diagnostic d;
    d.severity = Diagnostic::Severity::kWarning;
    d.field_path = at.field_path;
    if (!lhs_filled || !rhs_filled) {
      // A whole side blank (a column left empty, a text cut off): not a broken rule.
      d.kind = Diagnostic::Kind::kRuleUncheckable;
      d.message =
          absl::StrCat("rule ", rule.id, " (", RuleName(rule.id), ") cannot be checked at table ",
                       at.table, " ", at.row, " / ", at.column,
                       ": one side is wholly blank, the other sums to ", lhs_filled ? lhs : rhs);
    } else {
      d.kind = Diagnostic::Kind::kRuleViolation;
      d.message = absl::StrCat("rule ", rule.id, " (", RuleName(rule.id), ") is broken at table ",
                               at.table, " ", at.row, " / ", at.column, ": ", lhs, " vs ", rhs,
                               " (blank counted as 0)");
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace gongkai::importer
