// Exports of a report — or of a rollup, which is a v1::Report whose cells hold the sums — in
// the offices' own formats. The layouts come from the schema (proto/cells.h); nothing here
// talks to the server or the store.
//
// Formats:
// - cells: exactly FormatCells (docs/CELLS.md), the plain comparable form.
// - csv:   one record per table row with its official labels; see export/csv.h for the
//          layout. UTF-8 with a byte-order mark by default (ExportOptions).
// - table: the official layout as a text table with box drawing and CJK-aware alignment
//          (merged cells as in the template; blank cells empty, uncertain cells "?").
// - json:  the proto3 JSON mapping of v1::Report, indented.
// - xlsx:  a workbook laid out like the official template (ExportXlsx): a 基本信息 sheet,
//          then 表二, 表三, 表四 with merged headers and row groups; counts and money (万元)
//          as numbers, blank cells empty, uncertain cells the text "?".
//
// All functions are thread-safe.
#ifndef GONGKAI_EXPORT_EXPORT_H_
#define GONGKAI_EXPORT_EXPORT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"

namespace gongkai::exports {

enum class Format { kCells, kCsv, kTable, kJson, kXlsx };

// Parses a --format value: "cells", "csv", "table", "json" or "xlsx". Returns
// INVALID_ARGUMENT for anything else.
absl::StatusOr<Format> ParseFormat(absl::string_view name);

// The --format name of a format ("csv").
std::string FormatName(Format format);

// True for xlsx, the one format that is written to a file rather than returned as text.
bool IsBinary(Format format);

struct ExportOptions {
  // csv only: start with a UTF-8 byte-order mark (U+FEFF), so that Excel in China opens the
  // file as UTF-8. Turn off for programs that do not expect one.
  bool csv_byte_order_mark = true;
};

// Returns the report rendered as text in `format`. A report whose edition is unspecified has
// no tables; its exports hold the metadata only. Returns INVALID_ARGUMENT for kXlsx (use
// ExportXlsx), INTERNAL if the JSON mapping fails.
absl::StatusOr<std::string> Export(const v1::Report& report, Format format,
                                   const ExportOptions& options = {});

// Writes the report as an .xlsx workbook to `path`, replacing any file there. Returns
// FAILED_PRECONDITION if the file cannot be created (e.g. its directory does not exist),
// INTERNAL for any other failure of the writer.
absl::Status ExportXlsx(const v1::Report& report, const std::string& path);

}  // namespace gongkai::exports

#endif  // GONGKAI_EXPORT_EXPORT_H_
