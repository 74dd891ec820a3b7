// Reads tables 二, 三 and 四 from the tokens of a report: finds each row of the edition by its
// label, collects the values that follow it, and decides every cell — by position when the
// values are written apart, with the digit-run solver when a row is flattened into one run of
// digits. Also detects the edition from the headers. Pure functions; thread-safe.
#ifndef GONGKAI_IMPORTER_TABLE_READER_H_
#define GONGKAI_IMPORTER_TABLE_READER_H_

#include <array>
#include <cstdint>
#include <vector>

#include "gongkai/v1/report.pb.h"
#include "importer/diagnostic.h"
#include "importer/sections.h"
#include "importer/text.h"
#include "importer/tokenizer.h"

namespace gongkai::importer {

struct CellRead {
  enum class State { kNotRead, kBlank, kValue, kUncertain };
  State state = State::kNotRead;
  int64_t value = 0;
};

struct EditionVotes {
  int edition2019 = 0;  // labels found that only the 2019 edition has
  int edition2021 = 0;
  int table_labels = 0;  // labels of any table found (not inside sentences)
  // Rows of table 二 whose number of values fits only one edition (行政许可 with three values
  // is the 2019 table, with one value the 2021 table). Used when the labels do not decide.
  int shape2019 = 0;
  int shape2021 = 0;
};

// Counts the edition markers among the tokens.
EditionVotes CountEditionLabels(const Text& text, const std::vector<Token>& tokens);

struct TableReading {
  std::vector<CellRead> cells;  // one per CellsOf(edition)
  // Text spans [begin, end) covered by each table (index 2..4), for the narrative.
  std::array<std::pair<int, int>, 5> spans{};
  std::vector<Diagnostic> diagnostics;
};

// Reads every cell of `edition` from the tokens. `sections` tells which table a token's
// section holds; `text_ends_in_tables` says the text has no section after the tables (a cut
// off excerpt), so a table left unfinished is reported as truncated.
TableReading ReadTables(const Text& text, const std::vector<Token>& tokens,
                        const Sections& sections, v1::Edition edition, bool text_ends_in_tables);

// Diagnostics for the rules R1–R4 the report breaks (blank = 0; rules touching an uncertain or
// unread cell are not checked).
std::vector<Diagnostic> CheckRules(const v1::Report& report, const std::vector<CellRead>& cells);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_TABLE_READER_H_
