// Display widths of UTF-8 text on a terminal: CJK and full-width characters take two columns.
// Used to align the text table; also gives the xlsx exporter its column widths.
#ifndef GONGKAI_EXPORT_TEXT_WIDTH_H_
#define GONGKAI_EXPORT_TEXT_WIDTH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace gongkai::exports {

// Terminal columns that `text` occupies (CJK and full-width characters count 2; invalid
// UTF-8 bytes count 1 each).
int DisplayWidth(absl::string_view text);

enum class Align { kLeft, kCenter, kRight };

// Pads `text` with spaces to `width` display columns; text already wider is returned as is.
std::string Pad(absl::string_view text, int width, Align align = Align::kLeft);

}  // namespace gongkai::exports

#endif  // GONGKAI_EXPORT_TEXT_WIDTH_H_
