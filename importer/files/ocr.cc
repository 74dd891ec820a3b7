// OCR with Tesseract (Simplified Chinese model) on a picture cleaned of its table rules.
// Leptonica binarises the picture and removes the long horizontal and vertical lines of the
// grid (so they are not read as 一 or |); Tesseract then finds the words anywhere on the page
// (sparse text: table cells are not paragraphs), each with its box and confidence. A number
// read with low confidence is marked unsure: layout.cc writes it as a value that could not be
// read, so its cell is '?'.
#include "importer/files/ocr.h"

#include <leptonica/allheaders.h>
#include <omp.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

#include <climits>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gongkai::importer {
namespace {

// Tesseract's word confidence (0–100) below which a number is not trusted. Clean print at
// 150–200 dpi reads at 90 and above; smudged or blurred digits fall well below.
constexpr float kMinConfidence = 80;

bool IsNumber(absl::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

struct PixFree {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixFree>;

// Engines are lent from a small pool: loading the model takes a few hundred milliseconds and
// about 100 MB, so idle engines are kept for the next page (at most kIdleEngines; the server's
// parse limiter bounds how many are in use), not one per thread.
constexpr size_t kIdleEngines = 2;

class EnginePool {
 public:
  static EnginePool& Get() {
    static EnginePool* pool = new EnginePool();  // never destroyed: engines may be in use
    return *pool;
  }

  absl::StatusOr<std::unique_ptr<tesseract::TessBaseAPI>> Take() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        std::unique_ptr<tesseract::TessBaseAPI> api = std::move(idle_.back());
        idle_.pop_back();
        return api;
      }
    }
    auto api = std::make_unique<tesseract::TessBaseAPI>();
    if (api->Init(nullptr, "chi_sim", tesseract::OEM_LSTM_ONLY) != 0) {
      return absl::FailedPreconditionError(
          "reading pictures of tables needs Tesseract's Simplified Chinese model (Debian: "
          "tesseract-ocr-chi-sim)");
    }
    api->SetVariable("debug_file", "/dev/null");
    api->SetVariable("tessedit_do_invert", "0");  // no white-on-black text in reports
    return api;
  }

  void Give(std::unique_ptr<tesseract::TessBaseAPI> api) {
    api->Clear();
    absl::MutexLock lock(&mu_);
    if (idle_.size() < kIdleEngines) idle_.push_back(std::move(api));
  }

 private:
  absl::Mutex mu_;
  std::vector<std::unique_ptr<tesseract::TessBaseAPI>> idle_ ABSL_GUARDED_BY(mu_);
};

// An engine for the length of a scope.
class Lent {
 public:
  explicit Lent(std::unique_ptr<tesseract::TessBaseAPI> api) : api_(std::move(api)) {}
  ~Lent() { EnginePool::Get().Give(std::move(api_)); }
  tesseract::TessBaseAPI* get() const { return api_.get(); }

 private:
  std::unique_ptr<tesseract::TessBaseAPI> api_;
};

// A number with letters that look like digits ("14O2", "l3"): not a number that was read.
bool MixesDigitsAndLetters(absl::string_view s) {
  bool digit = false, letter = false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return false;  // Chinese: a label, not a number
    digit = digit || absl::ascii_isdigit(u);
    letter = letter || absl::ascii_isalpha(u) || c == '|';
  }
  return digit && letter;
}

struct BoxaFree {
  void operator()(Boxa* b) const { boxaDestroy(&b); }
};
struct BoxFree {
  void operator()(Box* b) const { boxDestroy(&b); }
};
using BoxaPtr = std::unique_ptr<Boxa, BoxaFree>;
using BoxPtr = std::unique_ptr<Box, BoxFree>;

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

std::vector<Rect> Rects(Boxa* boxa) {
  std::vector<Rect> out;
  const int n = boxa != nullptr ? boxaGetCount(boxa) : 0;
  for (int i = 0; i < n; ++i) {
    Rect r;
    boxaGetBoxGeometry(boxa, i, &r.x, &r.y, &r.w, &r.h);
    out.push_back(r);
  }
  return out;
}

// The lines of text in a cell's ink: bands of rows with ink, split at rows without; a band
// much thinner than the tallest (the dots of a quotation mark) joins the one it is closest to.
std::vector<std::pair<int, int>> InkBands(Pix* binary) {
  std::vector<std::pair<int, int>> bands;
  std::unique_ptr<Numa, void (*)(Numa*)> rows(pixCountPixelsByRow(binary, nullptr),
                                              [](Numa* n) { numaDestroy(&n); });
  if (rows == nullptr) return bands;
  const int n = numaGetCount(rows.get());
  int start = -1;
  for (int y = 0; y <= n; ++y) {
    l_int32 count = 0;
    if (y < n) numaGetIValue(rows.get(), y, &count);
    if (count > 0 && start < 0) start = y;
    if (count == 0 && start >= 0) {
      bands.emplace_back(start, y);
      start = -1;
    }
  }
  int tallest = 0;
  for (const auto& [a, b] : bands) tallest = std::max(tallest, b - a);
  for (size_t i = 0; i < bands.size() && bands.size() > 1;) {
    if (bands[i].second - bands[i].first >= tallest * 2 / 5) {
      ++i;
      continue;
    }
    const bool up = i > 0 && (i + 1 == bands.size() || bands[i].first - bands[i - 1].second <=
                                                           bands[i + 1].first - bands[i].second);
    if (up) {
      bands[i - 1].second = bands[i].second;
    } else {
      bands[i + 1].first = bands[i].first;
    }
    bands.erase(bands.begin() + static_cast<long>(i));
  }
  // A little room above and below each line.
  for (auto& [a, b] : bands) {
    a = std::max(0, a - 2);
    b = std::min(n, b + 2);
  }
  return bands;
}

// Reads the text lines of `pix` as words (one per line), their boxes moved by (dx, dy).
absl::Status ReadLines(tesseract::TessBaseAPI* api, Pix* pix, int dpi, int dx, int dy,
                       tesseract::PageSegMode mode, absl::Time deadline, std::vector<Word>* words) {
  const absl::Duration remaining = deadline - absl::Now();
  if (remaining <= absl::ZeroDuration()) return absl::DeadlineExceededError("");
  api->SetPageSegMode(mode);
  api->SetImage(pix);
  api->SetSourceResolution(dpi);
  tesseract::ETEXT_DESC monitor;  // stops a long recognition at the deadline
  monitor.set_deadline_msecs(
      static_cast<int32_t>(std::min<int64_t>(absl::ToInt64Milliseconds(remaining), INT32_MAX)));
  if (api->Recognize(&monitor) != 0) {
    if (absl::Now() >= deadline) return absl::DeadlineExceededError("");
    return absl::InternalError("OCR failed");
  }
  std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
  if (it == nullptr) return absl::OkStatus();
  do {
    if (it->Empty(tesseract::RIL_TEXTLINE)) continue;
    std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_TEXTLINE));
    if (text == nullptr) continue;
    Word w;
    int left = 0, top = 0, right = 0, bottom = 0;
    it->BoundingBox(tesseract::RIL_TEXTLINE, &left, &top, &right, &bottom);
    w.x0 = left + dx;
    w.x1 = right + dx;
    w.y0 = top + dy;
    w.y1 = bottom + dy;
    // Tesseract puts spaces between Chinese characters; only a space between two numbers or
    // Latin words means anything here.
    std::string joined;
    const std::string line(absl::StripAsciiWhitespace(text.get()));
    for (size_t k = 0; k < line.size(); ++k) {
      if (line[k] == ' ' && k > 0 && k + 1 < line.size() &&
          !(absl::ascii_isalnum(static_cast<unsigned char>(line[k - 1])) &&
            absl::ascii_isalnum(static_cast<unsigned char>(line[k + 1])))) {
        continue;
      }
      joined += line[k];
    }
    // An item number that lost its point ("4保护第三方…": OCR reads the point poorly).
    if (mode == tesseract::PSM_SINGLE_LINE && !joined.empty() &&
        absl::ascii_isdigit(static_cast<unsigned char>(joined[0]))) {
      size_t digits = 1;
      if (joined.size() > 1 && absl::ascii_isdigit(static_cast<unsigned char>(joined[1]))) {
        digits = 2;
      }
      if (digits < joined.size() && static_cast<unsigned char>(joined[digits]) >= 0xE0) {
        const absl::string_view whole(joined);
        joined = absl::StrCat(whole.substr(0, digits), ".", whole.substr(digits));
      }
    }
    // Digits glued to the end of a label ("行政许可12293") mean a rule between two cells was not
    // seen: the cells ran together and the rule may have been read as a digit. The number is
    // kept apart as a value that could not be read.
    if (mode == tesseract::PSM_SINGLE_LINE) {
      size_t end = joined.size();
      while (end > 0 && (absl::ascii_isdigit(static_cast<unsigned char>(joined[end - 1])) ||
                         joined[end - 1] == '.')) {
        --end;
      }
      if (end > 0 && end < joined.size() && static_cast<unsigned char>(joined[end - 1]) >= 0x80) {
        joined = absl::StrCat(absl::string_view(joined).substr(0, end), " \xEF\xBF\xBD");
      }
    }
    w.unsure = it->Confidence(tesseract::RIL_TEXTLINE) < kMinConfidence;
    if (MixesDigitsAndLetters(joined)) {
      joined = kUnreadable;
    } else if (w.unsure && mode != tesseract::PSM_SINGLE_LINE) {
      // A line of text read with low confidence: its numbers are not trusted (a table without
      // rules is read this way, its values inside the line).
      std::string kept;
      for (size_t k = 0; k < joined.size(); ++k) {
        if (!absl::ascii_isdigit(static_cast<unsigned char>(joined[k]))) {
          kept += joined[k];
          continue;
        }
        while (k + 1 < joined.size() &&
               (absl::ascii_isdigit(static_cast<unsigned char>(joined[k + 1])) ||
                joined[k + 1] == '.')) {
          ++k;
        }
        absl::StrAppend(&kept, " ", kUnreadable, " ");
      }
      joined = std::move(kept);
    }
    w.text = std::move(joined);
    if (w.unsure && IsNumber(w.text) && mode == tesseract::PSM_SINGLE_LINE) {
      // A second reading allowed only digits: the number stands if it reads the same, sure.
      it.reset();
      api->SetVariable("tessedit_char_whitelist", "0123456789.-");
      const bool same = api->Recognize(nullptr) == 0 && [&] {
        std::unique_ptr<char[]> again(api->GetUTF8Text());
        return again != nullptr && absl::StripAsciiWhitespace(again.get()) == w.text &&
               api->MeanTextConf() >= kMinConfidence;
      }();
      api->SetVariable("tessedit_char_whitelist", "");
      w.unsure = !same;
      words->push_back(std::move(w));
      return absl::OkStatus();  // a cell of one number has one line
    }
    if (!w.text.empty()) words->push_back(std::move(w));
  } while (it->Next(tesseract::RIL_TEXTLINE));
  return absl::OkStatus();
}

// Words of an 8-bit grey picture. Tables are read cell by cell: the grid's rules (long runs of
// ink across or down) are found and taken out, each cell between them with ink in it is read
// on its own (a block of lines), and the text outside the tables is read as a page.
absl::StatusOr<std::vector<Word>> OcrPix(Pix* gray, int dpi, const FileLimits& limits) {
  static const bool quiet = [] {
    setMsgSeverity(L_SEVERITY_NONE);
    return true;
  }();
  (void)quiet;
  const absl::Time deadline = std::min(absl::Now() + limits.max_ocr_time, limits.deadline);
  // Low-resolution pictures (a screenshot's 12-pixel characters) read better at twice the size.
  PixPtr scaled;
  if (dpi < 140) {
    if (4 * static_cast<int64_t>(pixGetWidth(gray)) * pixGetHeight(gray) >
        limits.max_image_pixels) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the picture is too large to read by OCR at its resolution (", dpi,
                       " dpi): ", pixGetWidth(gray), "×", pixGetHeight(gray),
                       " pixels, doubled, is over the limit of ", limits.max_image_pixels));
    }
    scaled.reset(pixScaleGrayLI(gray, 2.0, 2.0));
    if (scaled == nullptr) return absl::InternalError("cannot scale the picture");
    gray = scaled.get();
    dpi *= 2;
  }
  PixPtr binary(pixThresholdToBinary(gray, 160));
  if (binary == nullptr) return absl::InternalError("cannot binarise the picture");
  // The grid's rules: runs of ink longer than a quarter inch, across or down, found on a
  // lighter threshold (thin rules are grey once drawn) with small breaks closed.
  const int rule = std::max(20, dpi / 4);
  PixPtr inked(pixThresholdToBinary(gray, 220));
  if (inked == nullptr) return absl::InternalError("cannot binarise the picture");
  PixPtr across(pixOpenBrick(nullptr, inked.get(), rule, 1));
  PixPtr down(pixOpenBrick(nullptr, inked.get(), 1, rule));
  if (across != nullptr) pixCloseBrick(across.get(), across.get(), dpi / 20, 1);
  if (down != nullptr) pixCloseBrick(down.get(), down.get(), 1, dpi / 20);
  if (across == nullptr || down == nullptr) return absl::InternalError("cannot clean the picture");
  PixPtr rules(pixOr(nullptr, across.get(), down.get()));
  PixPtr text(pixSubtract(nullptr, binary.get(), rules.get()));
  // Rules a pixel thick leave grey fringes: take a little more around them.
  const int fringe = std::max(3, dpi / 50) | 1;  // odd: centred on the rule
  PixPtr grid(pixDilateBrick(nullptr, rules.get(), fringe, fringe));
  if (rules == nullptr || text == nullptr || grid == nullptr) {
    return absl::InternalError("cannot clean the picture");
  }
  pixSubtract(text.get(), text.get(), grid.get());

  absl::StatusOr<std::unique_ptr<tesseract::TessBaseAPI>> taken = EnginePool::Get().Take();
  if (!taken.ok()) return taken.status();
  Lent engine(std::move(*taken));
  tesseract::TessBaseAPI* api = engine.get();
  // Tesseract's OpenMP threads (num_threads(4) in its network code) only contend on small
  // cells and with the server's own threads: serial, a page reads six times faster here. No
  // other part of Gongkai uses OpenMP; max-active-levels 0 keeps every region serial.
  omp_set_max_active_levels(0);
  // Tesseract reads grey better than our binarisation: the grey picture with the rules
  // painted white is what it reads; the binary one tells where there is ink.
  PixPtr clean(pixCopy(nullptr, gray));
  if (clean == nullptr) return absl::InternalError("cannot copy the picture");
  pixPaintThroughMask(clean.get(), grid.get(), 0, 0, 255);
  std::vector<Word> words;
  const int width = pixGetWidth(text.get());
  BoxaPtr tables(pixConnCompBB(grid.get(), 8));
  PixPtr outside(pixCopy(nullptr, clean.get()));
  for (const Rect& table : Rects(tables.get())) {
    if (table.w < width / 5 || table.h < dpi / 4) continue;  // a stray rule, not a table
    BoxPtr box(boxCreate(table.x, table.y, table.w, table.h));
    pixSetInRect(outside.get(), box.get());  // white
    PixPtr lines(pixClipRectangle(grid.get(), box.get(), nullptr));
    PixPtr ink(pixClipRectangle(text.get(), box.get(), nullptr));
    if (lines == nullptr || ink == nullptr) continue;
    pixInvert(lines.get(), lines.get());
    BoxaPtr cells(pixConnCompBB(lines.get(), 4));
    // A report's tables have a few hundred cells; a picture ruled into tens of thousands is
    // not one (and would take as many readings).
    constexpr int kMaxCells = 5'000;
    if (cells != nullptr && boxaGetCount(cells.get()) > kMaxCells) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the picture's table has more than ", kMaxCells, " cells, over the limit for a report"));
    }
    for (const Rect& cell : Rects(cells.get())) {
      // The area around the table's outer border, and slivers between double rules.
      if (cell.x == 0 || cell.y == 0 || cell.x + cell.w >= table.w || cell.y + cell.h >= table.h ||
          cell.w < 6 || cell.h < 6) {
        continue;
      }
      BoxPtr inner(boxCreate(cell.x, cell.y, cell.w, cell.h));
      PixPtr content(pixClipRectangle(ink.get(), inner.get(), nullptr));
      l_int32 count = 0;
      if (content == nullptr || pixCountPixels(content.get(), &count, nullptr) != 0 || count < 8) {
        continue;  // a blank cell
      }
      // Each line of the cell read alone (Tesseract's own line finding fails on the tight
      // leading of wrapped labels), with a white margin (text touching the edge reads poorly).
      absl::Status read;
      for (const auto& [top, bottom] : InkBands(content.get())) {
        constexpr int kMargin = 12;
        const Rect line{table.x + cell.x, table.y + cell.y + top, cell.w, bottom - top};
        BoxPtr on_page(boxCreate(line.x, line.y, line.w, line.h));
        PixPtr grey_line(pixClipRectangle(clean.get(), on_page.get(), nullptr));
        if (grey_line == nullptr) return absl::InternalError("cannot cut out a cell");
        PixPtr padded(pixAddBorder(grey_line.get(), kMargin, 255));
        if (padded == nullptr) return absl::InternalError("cannot cut out a cell");
        read = ReadLines(api, padded.get(), dpi, line.x - kMargin, line.y - kMargin,
                         tesseract::PSM_SINGLE_LINE, deadline, &words);
        if (!read.ok()) break;
      }
      if (!read.ok()) {
        if (absl::IsDeadlineExceeded(read)) break;
        return read;
      }
    }
  }
  if (absl::Now() <= deadline) {
    absl::Status read =
        ReadLines(api, outside.get(), dpi, 0, 0, tesseract::PSM_AUTO, deadline, &words);
    if (!read.ok() && !absl::IsDeadlineExceeded(read)) return read;
  }
  if (absl::Now() > deadline) {
    if (absl::Now() > limits.deadline) {
      return absl::DeadlineExceededError("the call's deadline passed while reading by OCR");
    }
    return absl::ResourceExhaustedError(absl::StrCat("OCR did not finish the page within ",
                                                     absl::FormatDuration(limits.max_ocr_time),
                                                     ", the limit for a page"));
  }
  if (words.size() > static_cast<size_t>(limits.max_words)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the picture holds more than ", limits.max_words, " lines of text, over the limit"));
  }
  return words;
}

}  // namespace

absl::StatusOr<std::vector<Word>> OcrGray(const GrayImage& image, int dpi,
                                          const FileLimits& limits) {
  if (static_cast<int64_t>(image.width) * image.height > limits.max_image_pixels) {
    return absl::ResourceExhaustedError("the page is too large to read by OCR");
  }
  PixPtr pix(pixCreate(image.width, image.height, 8));
  if (pix == nullptr) return absl::ResourceExhaustedError("no memory for the page's picture");
  l_uint32* data = pixGetData(pix.get());
  const int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < image.height; ++y) {
    l_uint32* line = data + static_cast<ptrdiff_t>(y) * wpl;
    const uint8_t* row = image.pixels.data() + static_cast<ptrdiff_t>(y) * image.width;
    for (int x = 0; x < image.width; ++x) SET_DATA_BYTE(line, x, row[x]);
  }
  return OcrPix(pix.get(), dpi, limits);
}

absl::StatusOr<ExtractedText> ImageText(absl::string_view bytes, const FileLimits& limits) {
  const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
  l_int32 format = 0, width = 0, height = 0, bps = 0, spp = 0, colormap = 0;
  if (pixReadHeaderMem(data, bytes.size(), &format, &width, &height, &bps, &spp, &colormap) != 0 ||
      width <= 0 || height <= 0) {
    return absl::InvalidArgumentError("the picture cannot be read: corrupt or cut short");
  }
  if (static_cast<int64_t>(width) * height > limits.max_image_pixels) {
    return absl::ResourceExhaustedError(absl::StrCat("the picture is ", width, "×", height,
                                                     " pixels, over the limit of ",
                                                     limits.max_image_pixels));
  }
  PixPtr pix(pixReadMem(data, bytes.size()));
  if (pix == nullptr) return absl::InvalidArgumentError("the picture cannot be read: corrupt");
  PixPtr gray(pixConvertTo8(pix.get(), 0));
  if (gray == nullptr) return absl::InvalidArgumentError("the picture cannot be read as grey");
  // The resolution the picture says it has, else that of a typical screenshot or scan.
  int dpi = pixGetXRes(pix.get());
  if (dpi < 70 || dpi > 1200) dpi = 150;
  absl::StatusOr<std::vector<Word>> words = OcrPix(gray.get(), dpi, limits);
  if (!words.ok()) return words.status();
  std::vector<std::vector<Word>> pages;
  pages.push_back(std::move(*words));
  ExtractedText text = LayoutText(std::move(pages), DetectMediaType(bytes));
  text.ocr = true;
  return text;
}

}  // namespace gongkai::importer
