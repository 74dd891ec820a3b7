#include "importer/table_reader.h"

#include "importer/table_reader_internal.h"

namespace gongkai::importer {
namespace table_internal {

void Reader::ReportGaps() {
  const size_t official = whole_table4_ >= 0 ? static_cast<size_t>(whole_table4_) : rows_.size();
  std::vector<bool> reached(official, false);
  for (size_t r = 0; r < official; ++r) reached[r] = found_[r];
  for (int r : covered_by_whole_) reached[r] = true;
  // Where the text ends, the rows after the last one read were never reached.
  size_t not_reached_from = official;
  if (text_ends_) {
    int last = truncated_row_;
    if (last == whole_table4_ && last >= 0) last = static_cast<int>(official) - 1;
    if (last < 0) {
      for (size_t r = 0; r < official; ++r) {
        if (reached[r]) last = static_cast<int>(r);
      }
    }
    not_reached_from = static_cast<size_t>(last + 1);
    int blank = 0;
    for (size_t r = not_reached_from; r < official; ++r) {
      if (!reached[r]) blank += static_cast<int>(rows_[r].cells.size());
    }
    // The table of the last label read: the text may end in a later table's header.
    int last_table = 0;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i].type == TokenType::kLabel && table_of_[i] != 0) last_table = table_of_[i];
    }
    std::string where;
    if (last >= 0 && (last_table == 0 || last_table == rows_[last].table_bit)) {
      where = absl::StrCat("at the row ", rows_[last].path, " of table ", rows_[last].table);
    } else if (last_table != 0) {
      where = absl::StrCat("in the header of table ", TableName(last_table));
    } else {
      where = "before the tables";
    }
    if (blank > 0) {
      Diagnose(
          Kind::kTruncated, Severity::kWarning,
          absl::StrCat("the text ends ", where, "; the ", blank, " cells not reached are blank"));
    }
  }
  for (int t : kTableBits) {
    std::vector<std::string> missing;
    for (size_t r = 0; r < std::min(not_reached_from, official); ++r) {
      if (rows_[r].table_bit == t && !reached[r]) missing.push_back(rows_[r].path);
    }
    if (missing.empty()) continue;
    Diagnose(Kind::kRowMissing, Severity::kWarning,
             absl::StrCat("table ", TableName(t), ": row", missing.size() > 1 ? "s " : " ",
                          absl::StrJoin(missing, ", "), " not found; cells left blank"));
  }
  // The spans of text the tables take, for the narrative.
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].type != TokenType::kLabel || table_of_[i] == 0) continue;
    auto& span = out_.spans[TableIndex(table_of_[i])];
    if (span.second == 0) span.first = tokens_[i].begin;
    span.second = std::max(span.second, tokens_[i].end);
  }
  for (size_t r = 0; r < rows_.size(); ++r) {
    if (!found_[r] || occurrence_[r] < 0) continue;
    auto& span = out_.spans[TableIndex(rows_[r].table_bit)];
    span.second = std::max(span.second, values_[r].end);
  }
}

}  // namespace table_internal

TableReading ReadTables(const Text& text, const std::vector<Token>& tokens,
                        const Sections& sections, v1::Edition edition, bool text_ends_in_tables) {
  return table_internal::Reader(text, tokens, sections, edition, text_ends_in_tables).Read();
}

}  // namespace gongkai::importer
