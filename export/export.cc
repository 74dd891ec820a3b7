#include "export/export.h"

#include "absl/strings/str_cat.h"
#include "export/csv.h"
#include "export/text_table.h"
#include "google/protobuf/util/json_util.h"
#include "proto/cells.h"

namespace gongkai::exports {
namespace {

constexpr struct {
  Format format;
  const char* name;
} kFormats[] = {{Format::kCells, "cells"},
                {Format::kCsv, "csv"},
                {Format::kTable, "table"},
                {Format::kJson, "json"},
                {Format::kXlsx, "xlsx"}};

absl::StatusOr<std::string> ToJson(const v1::Report& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot map the report to JSON: ", status.ToString()));
  }
  return json;
}

}  // namespace

absl::StatusOr<Format> ParseFormat(absl::string_view name) {
  for (const auto& f : kFormats) {
    if (name == f.name) return f.format;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown export format \"", name, "\" (cells, csv, table, json, xlsx)"));
}

std::string FormatName(Format format) {
  for (const auto& f : kFormats) {
    if (format == f.format) return f.name;
  }
  return "";
}

bool IsBinary(Format format) { return format == Format::kXlsx; }

absl::StatusOr<std::string> Export(const v1::Report& report, Format format,
                                   const ExportOptions& options) {
  switch (format) {
    case Format::kCells:
      return FormatCells(report);
    case Format::kCsv:
      return FormatCsv(report, options.csv_byte_order_mark);
    case Format::kTable:
      return FormatTextTables(report);
    case Format::kJson:
      return ToJson(report);
    case Format::kXlsx:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("format ", FormatName(format), " is written to a file: use ExportXlsx"));
}

}  // namespace gongkai::exports
