// The importer's parser: a published annual report (text copied from a web page, the page's
// HTML, or HTML inside a JavaScript string) in, the structured report out, with a diagnostic
// for everything that could not be read, or not read with certainty.
//
// What it fills in the Report:
//   - edition: detected from the table headers, never from the year; a text without tables
//     takes it from the format document it cites (〔2019〕60号 / 〔2021〕30号), else unspecified;
//   - key.year: the reporting year from the title (or the statistical period, or the text); 0
//     when not found. key.region_code, key.body and key.scope are left empty: the text does
//     not say them;
//   - title, publisher, publication_date, source_url when the page header gives them;
//   - narrative: the text of the six sections (for 二–四, the text around the tables);
//   - every cell found; a blank, "—", "/" or "无" cell is left unset (blank is not zero);
//   - uncertain_cells: the cells that have a value that cannot be determined uniquely (a run
//     of flattened digits with several valid splits, an amount without a unit, …).
//
// Thread-safe; never throws, crashes or hangs, whatever the bytes. Bounded: the input is cut at
// kMaxInputBytes, and a text whose tables' part holds more than kMaxTableTokens labels and
// values is not read (a kInputTooLarge error); memory is then about 20 bytes per character of
// input at most. Typical reports take well under a millisecond.
#ifndef GONGKAI_IMPORTER_PARSER_H_
#define GONGKAI_IMPORTER_PARSER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"
#include "importer/diagnostic.h"

namespace gongkai::importer {

// Published pages (HTML with markup included) stay well under 4 MiB.
inline constexpr size_t kMaxInputBytes = size_t{8} << 20;

struct ParseResult {
  v1::Report report;
  std::vector<Diagnostic> diagnostics;
  // False when the text holds no tables (narrative only, or tables lost as images). The cells
  // output then has the header and metadata rows only: use FormatParsedCells.
  bool has_tables = false;
};

ParseResult ParseReport(absl::string_view text);

// The cells output of docs/CELLS.md for a parse: FormatCells(result.report) when tables were found,
// otherwise the header and the two metadata rows only.
std::string FormatParsedCells(const ParseResult& result);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_PARSER_H_
