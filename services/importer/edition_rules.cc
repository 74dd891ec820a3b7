// The edition markers among a report's labels, and the rules R1–R4 it breaks.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/cells.h"
#include "services/importer/labels.h"
#include "services/importer/table_reader.h"

namespace gongkai::importer {

EditionVotes CountEditionLabels(const Text& text, const std::vector<Token>& tokens) {
  (void)text;
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
    const int64_t rhs = sum(rule.rhs);
    if (!usable || !any || lhs == rhs || rule.lhs.empty()) continue;
    const CellSpec& at = specs[rule.lhs[0]];
    Diagnostic d;
    d.kind = Diagnostic::Kind::kRuleViolation;
    d.severity = Diagnostic::Severity::kWarning;
    d.field_path = at.field_path;
    d.message = absl::StrCat("rule ", rule.id, " (", RuleName(rule.id), ") is broken at table ",
                             at.table, " ", at.row, " / ", at.column, ": ", lhs, " vs ", rhs,
                             " (blank counted as 0)");
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace gongkai::importer
