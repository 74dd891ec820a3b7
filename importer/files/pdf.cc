// PDF with a text layer (poppler's C++ API): each page's words with their boxes, laid out into
// rows and cells by layout.cc. Pages without text (scans, pictures of tables) are rendered and
// read by OCR (ocr.cc).
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "importer/files/files.h"
#include "importer/files/layout.h"
#include "importer/files/ocr.h"

namespace gongkai::importer {
namespace {

void Silent(const std::string&, void*) {}

std::vector<Word> TextLayer(const poppler::page& page) {
  std::vector<Word> words;
  for (const poppler::text_box& box : page.text_list()) {
    const poppler::rectf r = box.bbox();
    const poppler::byte_array utf8 = box.text().to_utf8();
    std::string text(utf8.begin(), utf8.end());
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    words.push_back({r.x(), r.x() + r.width(), r.y(), r.y() + r.height(), std::move(text)});
  }
  return words;
}

// A drawn page in grey (drawn in grey, or ARGB32 where poppler ignores the format asked).
GrayImage Gray(const poppler::image& image) {
  GrayImage gray;
  gray.width = image.width();
  gray.height = image.height();
  gray.pixels.resize(static_cast<size_t>(gray.width) * gray.height);
  for (int y = 0; y < gray.height; ++y) {
    const char* row = image.const_data() + static_cast<ptrdiff_t>(y) * image.bytes_per_row();
    for (int x = 0; x < gray.width; ++x) {
      uint8_t value = 255;
      if (image.format() == poppler::image::format_argb32) {
        const auto* p = reinterpret_cast<const uint8_t*>(row + 4 * x);  // B, G, R, A
        value = static_cast<uint8_t>((p[0] * 29 + p[1] * 150 + p[2] * 77) >> 8);
      } else if (image.format() == poppler::image::format_gray8) {
        value = static_cast<uint8_t>(row[x]);
      }
      gray.pixels[static_cast<size_t>(y) * gray.width + x] = value;
    }
  }
  return gray;
}

}  // namespace

absl::StatusOr<ExtractedText> PdfText(absl::string_view bytes, const FileLimits& limits) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return absl::ResourceExhaustedError("the PDF is too large");
  }
  static const bool silenced = [] {
    poppler::set_debug_error_function(Silent, nullptr);
    return true;
  }();
  (void)silenced;
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (doc == nullptr) {
    return absl::InvalidArgumentError(
        "the PDF cannot be read: it is corrupt, cut short, or protected by a password");
  }
  if (doc->is_locked()) {
    return absl::InvalidArgumentError("the PDF is protected by a password");
  }
  const int pages = doc->pages();
  if (pages > limits.max_pages) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the PDF has ", pages, " pages, over the limit of ", limits.max_pages));
  }
  std::vector<std::vector<Word>> words;
  int ocr_pages = 0;
  size_t word_count = 0;
  for (int i = 0; i < pages; ++i) {
    if (absl::Now() > limits.deadline) {
      return absl::DeadlineExceededError("the call's deadline passed while reading the PDF");
    }
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (page == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("page ", i + 1, " of the PDF cannot be read"));
    }
    words.push_back(TextLayer(*page));
    word_count += words.back().size();
    if (word_count > static_cast<size_t>(limits.max_words)) {
      return absl::ResourceExhaustedError(absl::StrCat("the PDF holds more than ", limits.max_words,
                                                       " words, over the limit for a report"));
    }
    if (!words.back().empty()) continue;
    // No text on the page: a scan, or a picture of a table.
    if (++ocr_pages > limits.max_ocr_pages) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the PDF has more than ", limits.max_ocr_pages,
                       " pages without text (scanned), the most read by OCR in one file"));
    }
    const poppler::rectf size = page->page_rect();
    const double scale = kOcrDpi / 72.0;
    if (size.width() * scale * size.height() * scale >
        static_cast<double>(limits.max_image_pixels)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("page ", i + 1, " of the PDF is too large to read by OCR (", size.width(),
                       "×", size.height(), " points)"));
    }
    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(poppler::image::format_gray8);
    const poppler::image image = renderer.render_page(page.get(), kOcrDpi, kOcrDpi);
    if (!image.is_valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("page ", i + 1, " of the PDF cannot be drawn"));
    }
    absl::StatusOr<std::vector<Word>> read = OcrGray(Gray(image), kOcrDpi, limits);
    if (!read.ok()) {
      return absl::Status(read.status().code(),
                          absl::StrCat("page ", i + 1, ": ", read.status().message()));
    }
    word_count += read->size();
    words.back() = std::move(*read);
  }
  const bool ocr = ocr_pages > 0;
  ExtractedText text = LayoutText(std::move(words), MediaType::kPdf);
  text.ocr = ocr;
  return text;
}

}  // namespace gongkai::importer
