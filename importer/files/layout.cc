// Words with their boxes (from a PDF's text layer or from OCR) into the row-and-cell text the
// importer reads. The table grid is rebuilt from where the text stands: words into lines by
// baseline, lines into fragments by the gaps between words; a line with values is a table row;
// a label wrapped over several lines is joined into one cell; the columns of the value cells
// come from the header rows above them (the lowest header cells, the leaves, by their
// x-ranges), so a blank value cell — no text at all — keeps its place in the row.
#include "importer/files/layout.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gongkai::importer {
namespace {

struct Cell {
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  std::string text;
  bool value = false;
  double center() const { return (x0 + x1) / 2; }
};

struct Line {
  double y0 = 0, y1 = 0;
  int page = 0;
  std::vector<Cell> cells;
};

size_t Chars(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// A number with an optional unit, or a blank marker: what a value cell holds.
bool IsValue(absl::string_view s) {
  if (s == "—" || s == "-" || s == "/" || s == "无" || s == "－" || s == "——" || s == "／" ||
      s == kUnreadable) {
    return true;
  }
  // The unit, also in brackets: "93.8605（万元）".
  const bool bracketed = absl::EndsWith(s, "）") || absl::EndsWith(s, ")");
  if (bracketed) s.remove_suffix(absl::EndsWith(s, ")") ? 1 : std::string_view("）").size());
  for (absl::string_view unit : {"万元", "元", "件", "人次", "个"}) {
    if (absl::EndsWith(s, unit)) {
      s.remove_suffix(unit.size());
      break;
    }
  }
  if (bracketed) {
    if (absl::EndsWith(s, "（")) {
      s.remove_suffix(std::string_view("（").size());
    } else if (absl::EndsWith(s, "(")) {
      s.remove_suffix(1);
    } else {
      return false;
    }
  }
  if (s.empty()) return false;
  if (s[0] == '-') s.remove_prefix(1);
  if (s.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.' && c != ',') return false;
  }
  return true;
}

bool IsAsciiAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// The words of a page as lines of fragments (the text of one cell on one baseline), top to
// bottom: words on one baseline (centres within 0.4 of the line's height) are a line; words of
// a line closer than about a character are one fragment, except that a number stands alone.
std::vector<Line> PageLines(std::vector<Word> words, int number) {
  for (Word& w : words) {
    if (w.unsure && IsValue(w.text)) w.text = kUnreadable;
  }
  std::erase_if(words, [](const Word& w) { return absl::StripAsciiWhitespace(w.text).empty(); });
  std::sort(words.begin(), words.end(), [](const Word& a, const Word& b) {
    return a.cy() < b.cy() || (a.cy() == b.cy() && a.x0 < b.x0);
  });
  std::vector<std::vector<Word>> rows;
  for (Word& w : words) {
    if (!rows.empty()) {
      const Word& first = rows.back().front();
      const double h = std::max(first.y1 - first.y0, w.y1 - w.y0);
      if (std::abs(w.cy() - first.cy()) <= 0.4 * h) {
        rows.back().push_back(std::move(w));
        continue;
      }
    }
    rows.push_back({});
    rows.back().push_back(std::move(w));
  }
  std::vector<Line> lines;
  for (std::vector<Word>& row : rows) {
    std::sort(row.begin(), row.end(), [](const Word& a, const Word& b) { return a.x0 < b.x0; });
    Line line{row.front().y0, row.front().y1, number, {}};
    for (const Word& w : row) {
      line.y0 = std::min(line.y0, w.y0);
      line.y1 = std::max(line.y1, w.y1);
      const double h = w.y1 - w.y0;
      if (!line.cells.empty()) {
        Cell& c = line.cells.back();
        const double gap = w.x0 - c.x1;
        const bool apart =
            gap >= 0.9 * h || ((IsValue(w.text) || IsValue(c.text)) && gap >= 0.3 * h);
        if (!apart) {
          // A space only between two Latin words or numbers ("2023 年" is "2023年").
          if (gap > 0.15 * h && IsAsciiAlnum(c.text.back()) && IsAsciiAlnum(w.text.front())) {
            c.text += ' ';
          }
          c.text += w.text;
          c.x1 = std::max(c.x1, w.x1);
          c.y0 = std::min(c.y0, w.y0);
          c.y1 = std::max(c.y1, w.y1);
          continue;
        }
      }
      line.cells.push_back({w.x0, w.x1, w.y0, w.y1, w.text, false});
    }
    for (Cell& c : line.cells) c.value = IsValue(c.text);
    lines.push_back(std::move(line));
  }
  return lines;
}

bool HasValue(const Line& line) {
  return std::any_of(line.cells.begin(), line.cells.end(), [](const Cell& c) { return c.value; });
}

double FirstValueX(const Line& line) {
  for (const Cell& c : line.cells) {
    if (c.value) return c.x0;
  }
  return 0;
}

double CenterY(const Line& line) { return (line.y0 + line.y1) / 2; }

// Header cells with the lines of a wrapped cell joined ("社会公益" over "组织"), top to bottom.
std::vector<Cell> Join(std::vector<Cell> header) {
  std::sort(header.begin(), header.end(), [](const Cell& a, const Cell& b) {
    return a.y0 + a.y1 < b.y0 + b.y1 || (a.y0 + a.y1 == b.y0 + b.y1 && a.x0 < b.x0);
  });
  std::vector<Cell> joined;
  for (const Cell& c : header) {
    bool merged = false;
    for (Cell& j : joined) {
      const double h = c.y1 - c.y0;
      if (std::abs(j.center() - c.center()) < 0.6 * h && c.y0 - j.y1 < 0.6 * h && c.y0 >= j.y0) {
        j.text += c.text;
        j.x0 = std::min(j.x0, c.x0);
        j.x1 = std::max(j.x1, c.x1);
        j.y1 = std::max(j.y1, c.y1);
        merged = true;
        break;
      }
    }
    if (!merged) joined.push_back(c);
  }
  return joined;
}

bool IsParent(const Cell& c, const std::vector<Cell>& joined) {
  for (const Cell& d : joined) {
    if (&c == &d) continue;
    if (d.y0 >= c.y1 - 0.2 * (c.y1 - c.y0) && d.center() >= c.x0 && d.center() <= c.x1 &&
        d.x1 - d.x0 < c.x1 - c.x0) {
      return true;
    }
  }
  return false;
}

// The leaves of joined header cells: those with no narrower header cell below them, left to
// right.
std::vector<Cell> Leaves(const std::vector<Cell>& joined) {
  std::vector<Cell> leaves;
  for (const Cell& c : joined) {
    if (!IsParent(c, joined)) leaves.push_back(c);
  }
  std::sort(leaves.begin(), leaves.end(),
            [](const Cell& a, const Cell& b) { return a.center() < b.center(); });
  return leaves;
}

// Lines into the row-and-cell text. A line with values is a table row; the label fragments
// around it (a label wrapped over lines above and below its values, within half the distance
// to the next row or header and at most two lines' height) are its label cells, joined top to
// bottom per column; its values go to the columns of the header above. Other lines are written
// as they are.
class Writer {
 public:
  explicit Writer(std::vector<Line> lines) : lines_(std::move(lines)) {}

  ExtractedText Run(MediaType type) {
    out_.type = type;
    AssignLabels();
    int page = 0;
    for (size_t i = 0; i < lines_.size(); ++i) {
      const Line& line = lines_[i];
      if (line.cells.empty()) continue;  // its fragments went to a row's labels
      const bool row = line.cells.size() >= 2 || HasValue(line);
      if (line.page != page || row != in_table_) {
        page = line.page;
        if (row && !in_table_) ++tables_;
        in_table_ = row || (in_table_ && !line.cells.empty() && Chars(line.cells[0].text) < 11);
        out_.anchors.push_back({out_.text.size(), page, in_table_ ? tables_ : 0});
      }
      Write(i);
    }
    FlushHeader();
    return std::move(out_);
  }

 private:
  // Label fragments (left of where the values begin, on lines that are not headers) joined
  // into label cells: a fragment continues the one right above it in the same column unless
  // it starts a label of its own (a numbering "6." "（三）" "四、", or 第二十条…). Each label
  // cell goes to the row with values nearest its middle, if one lies within its extent;
  // others stay on their lines (blank rows, labels of groups).
  void AssignLabels() {
    labels_.assign(lines_.size(), {});
    struct Block {
      Cell cell;
      size_t line;
      bool on_row;  // has a fragment on a line with values
    };
    std::vector<Block> blocks;
    for (size_t i = 0; i < lines_.size(); ++i) {
      const double from = ValuesFrom(i);
      if (from <= 0) continue;
      Line& line = lines_[i];
      const bool header =
          !HasValue(line) && std::any_of(line.cells.begin(), line.cells.end(),
                                         [&](const Cell& c) { return c.x1 >= from; });
      if (header) continue;
      std::vector<Cell> kept;
      for (Cell& c : line.cells) {
        if (c.value || c.x1 >= from) {
          kept.push_back(std::move(c));
          continue;
        }
        // Two fragments on lines with values are two rows' labels, however close.
        const bool on_row = HasValue(line);
        Block* above = nullptr;
        if (!StartsLabel(c.text)) {
          // Blocks are in line order: only this page's are looked at (the last first).
          for (size_t k = blocks.size(); k-- > 0;) {
            Block& b = blocks[k];
            if (lines_[b.line].page != line.page) break;
            const double h = c.y1 - c.y0;
            if (c.x0 < b.cell.x1 && b.cell.x0 < c.x1 && c.y0 - b.cell.y1 < 0.6 * h &&
                c.y0 > b.cell.y0 && !(on_row && b.on_row)) {
              above = &b;
              break;
            }
          }
        }
        if (above != nullptr) {
          above->cell.text += c.text;
          above->cell.x0 = std::min(above->cell.x0, c.x0);
          above->cell.x1 = std::max(above->cell.x1, c.x1);
          above->cell.y1 = std::max(above->cell.y1, c.y1);
          above->on_row = above->on_row || on_row;
        } else {
          blocks.push_back({std::move(c), i, on_row});
        }
      }
      line.cells = std::move(kept);
    }
    std::vector<size_t> page_first(lines_.size(), 0);  // the first line of each line's page
    for (size_t i = 1; i < lines_.size(); ++i) {
      page_first[i] = lines_[i].page == lines_[i - 1].page ? page_first[i - 1] : i;
    }
    for (Block& b : blocks) {
      const double middle = (b.cell.y0 + b.cell.y1) / 2;
      const double h = lines_[b.line].y1 - lines_[b.line].y0;
      long best = -1;
      const int page = lines_[b.line].page;
      // The rows with values of the block's page, around its middle.
      size_t start = b.line;
      while (start > page_first[b.line] && CenterY(lines_[start - 1]) >= b.cell.y0 - 0.3 * h) {
        --start;
      }
      for (size_t i = start; i < lines_.size() && lines_[i].page == page; ++i) {
        const Line& l = lines_[i];
        if (!HasValue(l)) continue;
        if (CenterY(l) > b.cell.y1 + 0.3 * h) break;  // lines are top to bottom on a page
        if (CenterY(l) < b.cell.y0 - 0.3 * h || CenterY(l) > b.cell.y1 + 0.3 * h) continue;
        if (best < 0 || std::abs(CenterY(l) - middle) < std::abs(CenterY(lines_[best]) - middle)) {
          best = static_cast<long>(i);
        }
      }
      if (best >= 0) {
        labels_[best].push_back(std::move(b.cell));
      } else {
        lines_[b.line].cells.insert(lines_[b.line].cells.begin(), std::move(b.cell));
      }
    }
  }

  // Where values begin in the rows around line i: its own first value, else the next line's
  // with values before the table ends; 0 outside tables.
  double ValuesFrom(size_t i) const {
    if (HasValue(lines_[i])) return FirstValueX(lines_[i]) - 2;
    return NextValuesFrom(i);
  }

  // A fragment that begins a label of the template rather than continuing one.
  static bool StartsLabel(absl::string_view text) {
    if (absl::StartsWith(text, "第二十条")) return true;
    if (absl::StartsWith(text, "（") || absl::StartsWith(text, "(")) return true;
    size_t digits = 0;
    while (digits < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    // An item number, with its point or without (OCR may lose it: "4保护第三方…").
    if (digits > 0 && digits <= 2) return true;
    for (absl::string_view numeral : {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}) {
      if (absl::StartsWith(text, numeral) && absl::StartsWith(text.substr(numeral.size()), "、")) {
        return true;
      }
    }
    return false;
  }

  void Write(size_t i) {
    const Line& line = lines_[i];
    if (HasValue(line)) {
      FlushHeader();
      WriteValueRow(i);
      return;
    }
    if (line.cells.empty()) return;  // its fragments went to a row's labels
    // A header row: two or more cells, some right of where the next row's values begin. Its
    // cells are kept until the header ends, then written with wrapped cells joined: the
    // parents' lines, then one line of the leaves (the columns of the values below).
    const double values_from = NextValuesFrom(i);
    std::vector<Cell> heads;
    for (const Cell& c : line.cells) {
      if (values_from > 0 && c.center() > values_from) heads.push_back(c);
    }
    if (!heads.empty() && line.cells.size() >= 2) {
      if (!header_open_) {
        header_.clear();
        header_left_.clear();
      }
      header_open_ = true;
      header_.insert(header_.end(), heads.begin(), heads.end());
      for (const Cell& c : line.cells) {
        if (c.center() <= values_from) header_left_ += c.text;
      }
      return;
    }
    FlushHeader();
    WriteCells(line.cells);
  }

  void FlushHeader() {
    if (!header_open_) return;
    header_open_ = false;
    const std::vector<Cell> joined = Join(header_);
    columns_ = Leaves(joined);
    std::vector<Cell> parents;
    for (const Cell& c : joined) {
      if (IsParent(c, joined)) parents.push_back(c);
    }
    // Parents by rows (a new row where a cell starts below the last one's middle), left to right.
    std::sort(parents.begin(), parents.end(),
              [](const Cell& a, const Cell& b) { return a.y0 < b.y0; });
    for (size_t k = 0; k < parents.size();) {
      size_t end = k + 1;
      while (end < parents.size() && parents[end].y0 < (parents[k].y0 + parents[k].y1) / 2) ++end;
      std::vector<Cell> row(parents.begin() + k, parents.begin() + end);
      std::sort(row.begin(), row.end(), [](const Cell& a, const Cell& b) { return a.x0 < b.x0; });
      WriteCells(row);
      k = end;
    }
    if (!header_left_.empty()) absl::StrAppend(&out_.text, header_left_, " |");
    for (const Cell& c : columns_) absl::StrAppend(&out_.text, c.text, " |");
    out_.text += '\n';
  }

  // Where the values of the next row with values begin, before the table ends; 0 if none.
  double NextValuesFrom(size_t i) const {
    for (size_t j = i + 1; j < lines_.size() && j < i + 12; ++j) {
      const Line& l = lines_[j];
      if (l.cells.size() == 1 && Chars(l.cells[0].text) >= 11) return 0;  // text: table ended
      if (HasValue(l)) return FirstValueX(l) - 2;
    }
    return 0;
  }

  void WriteValueRow(size_t i) {
    const Line& line = lines_[i];
    // Label cells: fragments grouped by column (overlapping x-ranges), top to bottom in each.
    std::vector<Cell> labels = labels_[i];
    std::sort(labels.begin(), labels.end(),
              [](const Cell& a, const Cell& b) { return a.x0 < b.x0; });
    for (const Cell& c : labels) absl::StrAppend(&out_.text, c.text, " |");
    const double from = FirstValueX(line) - 2;
    std::vector<Cell> values;
    for (const Cell& c : line.cells) {
      if (c.value || c.x1 >= from) values.push_back(c);
    }
    if (columns_.empty()) {
      for (const Cell& c : values) absl::StrAppend(&out_.text, c.text, " |");
      out_.text += '\n';
      return;
    }
    std::vector<std::string> slots(columns_.size());
    for (const Cell& c : values) {
      size_t best = 0;
      for (size_t k = 1; k < columns_.size(); ++k) {
        if (std::abs(columns_[k].center() - c.center()) <
            std::abs(columns_[best].center() - c.center())) {
          best = k;
        }
      }
      if (!slots[best].empty()) slots[best] += ' ';
      slots[best] += c.text;
    }
    for (const std::string& s : slots) {
      // Text where a value belongs ("O" for 0, a smudge) is a value that could not be read.
      absl::StrAppend(&out_.text, s.empty() || IsValue(s) ? s : kUnreadable, " |");
    }
    out_.text += '\n';
  }

  void WriteCells(const std::vector<Cell>& cells) {
    if (cells.size() == 1) {
      absl::StrAppend(&out_.text, cells[0].text, "\n");
      return;
    }
    for (const Cell& c : cells) absl::StrAppend(&out_.text, c.text, " |");
    out_.text += '\n';
  }

  std::vector<Line> lines_;
  std::vector<std::vector<Cell>> labels_;
  ExtractedText out_;
  std::vector<Cell> header_;   // the header being read: its cells right of the labels
  std::string header_left_;    // and the text above the labels
  std::vector<Cell> columns_;  // the leaves of the last header: where values go
  bool header_open_ = false;
  bool in_table_ = false;
  int tables_ = 0;
};

}  // namespace

ExtractedText LayoutText(std::vector<std::vector<Word>> pages, MediaType type) {
  std::vector<Line> lines;
  for (size_t i = 0; i < pages.size(); ++i) {
    std::vector<Line> more = PageLines(std::move(pages[i]), static_cast<int>(i) + 1);
    lines.insert(lines.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }
  return Writer(std::move(lines)).Run(type);
}

}  // namespace gongkai::importer
