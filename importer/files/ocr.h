// OCR of pictures of tables (Tesseract with its Simplified Chinese model, Leptonica): words
// with their boxes for layout.cc. A number read with low confidence is marked unsure, so its
// cell is uncertain ('?'); never a guess.
#ifndef GONGKAI_IMPORTER_FILES_OCR_H_
#define GONGKAI_IMPORTER_FILES_OCR_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/files/files.h"
#include "importer/files/layout.h"

namespace gongkai::importer {

// The resolution PDF pages without text are drawn at for OCR.
inline constexpr int kOcrDpi = 150;

// An 8-bit grey picture, row by row.
struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

absl::StatusOr<std::vector<Word>> OcrGray(const GrayImage& image, int dpi,
                                          const FileLimits& limits);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_FILES_OCR_H_
