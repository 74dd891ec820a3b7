#include "export/csv.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "export/layout.h"
#include "proto/cells.h"

namespace gongkai::exports {
namespace {

constexpr char kByteOrderMark[] = "\xEF\xBB\xBF";
constexpr char kLineEnd[] = "\r\n";

std::string CsvField(absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(field);
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

}  // namespace

std::string CsvRecord(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  return out;
}

std::string FormatCsv(const v1::Report& report, bool byte_order_mark) {
  std::string out = byte_order_mark ? kByteOrderMark : "";
  absl::StrAppend(&out, CsvRecord({"table", "row", "value"}), kLineEnd);
  for (const auto& [label, value] : MetadataOf(report)) {
    absl::StrAppend(&out, CsvRecord({"元数据", label, value}), kLineEnd);
  }
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  std::vector<std::string> header;
  std::string table;
  for (const SchemaRow& row : RowsOf(report.edition())) {
    std::vector<std::string> columns = {"table", "row"};
    std::vector<std::string> record = {row.table, row.row};
    for (int index : row.cells) {
      columns.push_back(cells[index].column);
      record.push_back(CellText(report, cells[index]));
    }
    if (columns != header || row.table != table) {
      absl::StrAppend(&out, CsvRecord(columns), kLineEnd);
      header = std::move(columns);
      table = row.table;
    }
    absl::StrAppend(&out, CsvRecord(record), kLineEnd);
  }
  return out;
}

std::vector<std::string> ParseCsvRecord(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back().push_back('"');
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

}  // namespace gongkai::exports
