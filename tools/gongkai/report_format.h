// Human and machine renderings of a report for the CLI: the official table layout for a
// terminal (CJK-aware alignment) and display-width helpers. The cells format itself lives in
// proto/cells.h.
#ifndef GONGKAI_TOOLS_GONGKAI_REPORT_FORMAT_H_
#define GONGKAI_TOOLS_GONGKAI_REPORT_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"

namespace gongkai::cli {

// Terminal columns that `text` occupies (CJK and full-width characters count 2).
int DisplayWidth(absl::string_view text);

// Pads `text` to `width` display columns (left-aligned unless `right`).
std::string Pad(absl::string_view text, int width, bool right = false);

// The report's tables in the official layout: nested row labels indented under their groups,
// one aligned column per official column, a header line whenever the columns change. Blank
// cells print as empty, uncertain ones as "?".
std::string FormatTable(const v1::Report& report);

}  // namespace gongkai::cli

#endif  // GONGKAI_TOOLS_GONGKAI_REPORT_FORMAT_H_
