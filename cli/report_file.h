// Reading a report file for submit, validate and import: either the proto JSON mapping of a
// Report, or a published report (text copied from a web page, or its HTML) parsed with the
// importer.
#ifndef GONGKAI_CLI_REPORT_FILE_H_
#define GONGKAI_CLI_REPORT_FILE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gongkai/v1/report.pb.h"
#include "importer/diagnostic.h"

namespace gongkai::cli {

// Key fields given on the command line or in a manifest; they override the file.
struct KeyOverrides {
  std::optional<std::string> region;
  std::optional<int> year;
  std::optional<std::string> body;
  std::optional<v1::Scope> scope;
};

struct ReportFile {
  v1::Report report;
  // True for a published report (parsed), false for JSON.
  bool published = false;
  std::vector<importer::Diagnostic> diagnostics;
};

// A file whose first non-blank character is '{' is JSON; anything else is a published
// report. INVALID_ARGUMENT for unreadable JSON or invalid UTF-8, for a published report
// without a region (the text never says it) or without a year (neither given nor found);
// NOT_FOUND when the file cannot be read.
absl::StatusOr<ReportFile> ReadReportFile(const std::string& path, const KeyOverrides& key);

// "own" / "summary" → the scope; nullopt otherwise.
std::optional<v1::Scope> ParseScope(const std::string& text);

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_REPORT_FILE_H_
