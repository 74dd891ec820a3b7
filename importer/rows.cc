#include "importer/rows.h"

#include <string_view>

#include "absl/strings/str_split.h"
#include "importer/labels.h"
#include "proto/cells.h"

namespace gongkai::importer {
namespace {

int CjkCount(const Text& text, const Token& t) {
  int n = 0;
  for (int i = t.begin; i < t.end; ++i) n += IsCjk(text.norm[i]);
  return n;
}

// Text that ends a row: a sentence, not a header fragment or a parenthetical.
bool IsBarrier(const Text& text, const Token& t) {
  int first = t.begin;
  while (first < t.end && text.norm[first] == ' ') ++first;
  if (first < t.end && text.norm[first] == '(') return false;
  return CjkCount(text, t) >= 6;
}

}  // namespace

std::vector<RowSpec> RowsOf(v1::Edition edition) {
  std::vector<RowSpec> rows;
  const LabelSet& labels = LabelSet::Get();
  const std::vector<CellSpec>& cells = CellsOf(edition);
  for (size_t i = 0; i < cells.size(); ++i) {
    if (rows.empty() || rows.back().path != cells[i].row || rows.back().table != cells[i].table) {
      RowSpec row;
      row.table = cells[i].table;
      row.table_bit = TableBit(cells[i].table);
      row.path = cells[i].row;
      const std::vector<absl::string_view> parts = absl::StrSplit(cells[i].row, '/');
      row.leaf = labels.IdOf(parts.back());
      rows.push_back(std::move(row));
    }
    rows.back().cells.push_back(static_cast<int>(i));
  }
  return rows;
}

int RowWithLeaf(const std::vector<RowSpec>& rows, int label, int table_bit) {
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].leaf != label || rows[r].path.empty()) continue;
    if (table_bit == 0 || rows[r].table_bit == table_bit) return static_cast<int>(r);
  }
  return -1;
}

int RowByContainment(const std::vector<RowSpec>& rows, int core, int table_bit) {
  const LabelSet& labels = LabelSet::Get();
  bool row_label = false;
  for (int id : labels.LabelsOfCore(core)) row_label |= labels.label(id).row_part;
  if (!row_label || labels.CoreLength(core) < 4) return -1;
  const std::u32string& key = labels.CoreKey(core);
  int match = -1;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].path.empty() || rows[r].leaf < 0) continue;
    if (table_bit != 0 && rows[r].table_bit != table_bit) continue;
    const std::vector<int>& leaf_cores = labels.label(rows[r].leaf).cores;
    if (leaf_cores.empty()) continue;
    const std::u32string& leaf_key = labels.CoreKey(leaf_cores[0]);
    if (leaf_key.size() < 4 || leaf_key == key) continue;
    if (leaf_key.find(key) != std::u32string::npos || key.find(leaf_key) != std::u32string::npos) {
      if (match >= 0) return -1;
      match = static_cast<int>(r);
    }
  }
  return match;
}

RowSpec WholeTable(const std::vector<RowSpec>& rows, int table_bit) {
  RowSpec whole;
  whole.table_bit = table_bit;
  for (const RowSpec& row : rows) {
    if (row.table_bit != table_bit || row.path.empty()) continue;
    whole.table = row.table;
    whole.cells.insert(whole.cells.end(), row.cells.begin(), row.cells.end());
  }
  return whole;
}

int RowValues::Count() const {
  int n = 0;
  for (const Slot& s : slots) n += !s.empty;
  return n;
}

RowValues CollectSlots(const Text& text, const std::vector<Token>& tokens, size_t label_index,
                       bool text_ends) {
  RowValues out;
  out.end = label_index < tokens.size() ? tokens[label_index].end : 0;
  Slot current;
  bool has_current = false;
  bool first = true;  // the label's own cell: nothing after it inside the cell is a blank
  size_t i = label_index + 1;
  for (; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.type == TokenType::kSep) {
      if (has_current) {
        out.slots.push_back(current);
      } else if (!first) {
        out.slots.push_back(Slot{true});
      }
      for (int k = 1; k < t.weight; ++k) out.slots.push_back(Slot{true});
      current = Slot();
      has_current = false;
      first = false;
      continue;
    }
    if (t.type == TokenType::kNumber && !t.narrative) {
      current.run += t.number;
      if (t.unit != Unit::kNone) current.unit = t.unit;
      has_current = true;
      out.end = t.end;
      continue;
    }
    if (t.type == TokenType::kMarker) {
      current.run += '_';
      has_current = true;
      out.end = t.end;
      continue;
    }
    if (t.type == TokenType::kText && !IsBarrier(text, t)) continue;
    break;  // a label, a heading, a sentence or a number inside one
  }
  if (has_current) out.slots.push_back(current);
  out.at_eof = text_ends && i >= tokens.size();
  return out;
}

}  // namespace gongkai::importer
