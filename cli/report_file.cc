#include "cli/report_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "importer/files/files.h"
#include "importer/parser.h"

namespace gongkai::cli {

std::optional<v1::Scope> ParseScope(const std::string& text) {
  if (text == "own") return v1::SCOPE_OWN;
  if (text == "summary") return v1::SCOPE_SUMMARY;
  return std::nullopt;
}

absl::StatusOr<ReportFile> ReadReportFile(const std::string& path, const KeyOverrides& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  ReportFile file;
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
  if (importer::DetectMediaType(text) == importer::MediaType::kText && !trimmed.empty() &&
      trimmed.front() == '{') {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(text, &file.report, options);
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " is not a report in the proto JSON mapping: ", status.message().as_string()));
    }
  } else {
    absl::StatusOr<importer::ParseResult> result = importer::ParseFile(text, "");
    if (!result.ok()) {
      return absl::Status(result.status().code(),
                          absl::StrCat(path, ": ", result.status().message()));
    }
    importer::ParseResult& parsed = *result;
    file.report = std::move(parsed.report);
    file.diagnostics = std::move(parsed.diagnostics);
    file.published = true;
  }
  v1::ReportKey* k = file.report.mutable_key();
  if (key.region) k->set_region_code(*key.region);
  if (key.year) k->set_year(*key.year);
  if (key.body) k->set_body(*key.body);
  if (key.scope) k->set_scope(*key.scope);
  if (file.published && k->region_code().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is a published report: give its region (--region), the text does not say it"));
  }
  if (file.published && k->year() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no reporting year found in the text; give --year"));
  }
  return file;
}

}  // namespace gongkai::cli
