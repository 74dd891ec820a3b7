// Words with their boxes into the importer's row-and-cell text: the table grid rebuilt from
// where the text stands (layout.cc says how). Shared by the PDF reader and OCR.
#ifndef GONGKAI_IMPORTER_FILES_LAYOUT_H_
#define GONGKAI_IMPORTER_FILES_LAYOUT_H_

#include <string>
#include <vector>

#include "importer/files/files.h"

namespace gongkai::importer {

// What the importer reads as a value that could not be read (U+FFFD: its cell is uncertain).
inline constexpr char kUnreadable[] = "\xEF\xBF\xBD";

// A word on a page: its box (any unit, y growing downwards) and text. `unsure`: read with low
// confidence (OCR); a value read so is written as a value that could not be read.
struct Word {
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  std::string text;
  bool unsure = false;
  double cy() const { return (y0 + y1) / 2; }
};

// The text of pages of words, tables as rows of " |"-ended cells, with the page and table of
// each part in `anchors`.
ExtractedText LayoutText(std::vector<std::vector<Word>> pages, MediaType type);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_FILES_LAYOUT_H_
