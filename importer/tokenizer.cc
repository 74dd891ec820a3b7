#include "importer/tokenizer.h"

#include <algorithm>
#include <string_view>

#include "importer/labels.h"

namespace gongkai::importer {
namespace {

using std::u32string_view;

// Units a count may be written with in its cell ("3件", "12人次"); longest first.
constexpr std::u32string_view kCountUnits[] = {U"人次", U"件次", U"户次", U"件", U"个", U"项",
                                               U"条",   U"次",   U"人",   U"起", U"家", U"份",
                                               U"宗",   U"例",   U"篇",   U"户", U"批"};

// The length of the count unit at norm[q] when it ends the cell; 0 otherwise.
int CountUnitAt(const std::u32string& norm, int q, int limit) {
  for (std::u32string_view unit : kCountUnits) {
    const int n = static_cast<int>(unit.size());
    if (q + n > limit || u32string_view(norm).substr(q, n) != unit) continue;
    if (q + n == limit || IsSeparator(norm[q + n])) return n;
  }
  return 0;
}

bool IsClosing(char32_t c) { return c == ')' || c == '"' || c == '\''; }

// True when a text token reads as part of a sentence: it has CJK characters and is not a
// numbering ("(三)", "一、") or a parenthetical suffix ("(历史累计)").
bool IsNarrativeText(const Text& text, const Token& t, bool as_suffix) {
  const u32string_view s = u32string_view(text.norm).substr(t.begin, t.end - t.begin);
  if (IsNumbering(s)) return false;
  size_t first = 0;
  while (first < s.size() && s[first] == ' ') ++first;
  if (as_suffix && first < s.size() && s[first] == '(') return false;
  for (char32_t c : s) {
    if (IsCjk(c)) return true;
  }
  return false;
}

class Tokenizer {
 public:
  Tokenizer(const Text& text, int begin, int end, std::vector<Heading> headings)
      : text_(text), norm_(text.norm), begin_(begin), end_(end), headings_(std::move(headings)) {
    std::sort(headings_.begin(), headings_.end(),
              [](const Heading& a, const Heading& b) { return a.begin < b.begin; });
  }

  std::vector<Token> Run() {
    size_t h = 0;
    int p = begin_;
    while (p < end_ && out_.size() <= kMaxTableTokens) {
      while (h < headings_.size() && headings_[h].begin < p) ++h;
      if (h < headings_.size() && headings_[h].begin == p) {
        Token t{TokenType::kHeading, p, std::min(headings_[h].end, end_)};
        t.heading = headings_[h].number;
        out_.push_back(t);
        p = t.end;
        continue;
      }
      const int limit = h < headings_.size() ? std::min(headings_[h].begin, end_) : end_;
      p = Step(p, limit);
    }
    if (out_.size() > kMaxTableTokens) return std::move(out_);  // The caller refuses it.
    Demote();
    Fuzzy();
    MarkNarrativeNumbers();
    return std::move(out_);
  }

 private:
  // Consumes one token (or one text character) at p; returns the next position.
  int Step(int p, int limit) {
    const char32_t c = norm_[p];
    if (IsSeparator(c)) return Separator(p, limit);
    if (IsDigit(c) || (c == '-' && p + 1 < limit && IsDigit(norm_[p + 1]))) {
      return Number(p, limit);
    }
    if (c == 0x2014 || c == '-') {
      int q = p;
      while (q < limit && norm_[q] == c) ++q;
      Emit(Token{TokenType::kMarker, p, q});
      return q;
    }
    if (!IsIgnorable(c)) {
      int length = 0;
      const int ki = text_.key_index[p];
      const int core = LabelSet::Get().MatchAt(text_.key, ki, text_.key_index[limit], &length);
      if (core >= 0) return Label(p, limit, core, text_.key_pos[ki + length - 1] + 1);
    }
    if ((c == '/' || c == U'无') && Isolated(p, limit)) {
      Emit(Token{TokenType::kMarker, p, p + 1});
      return p + 1;
    }
    // A value that could not be read (U+FFFD alone in its cell: what OCR writes for a number
    // read with low confidence): a value whose cell is uncertain.
    // Glued to digits ("1\uFFFD3") it makes that number unreadable too.
    if (c == 0xFFFD) {
      const bool after_digits =
          !out_.empty() && out_.back().type == TokenType::kNumber && out_.back().end == p;
      if (after_digits) {
        out_.back().number.push_back('?');
        out_.back().end = p + 1;
        return p + 1;
      }
      if (Isolated(p, limit) || (p + 1 < limit && IsDigit(norm_[p + 1]))) {
        Emit(Token{TokenType::kNumber, p, p + 1});
        out_.back().number.push_back('?');  // (an assignment of "?" trips GCC 12's -Wrestrict)
        return p + 1;
      }
    }
    if (!out_.empty() && out_.back().type == TokenType::kText && out_.back().end == p) {
      out_.back().end = p + 1;
    } else {
      Emit(Token{TokenType::kText, p, p + 1});
    }
    return p + 1;
  }

  bool Isolated(int p, int limit) const {
    const bool before =
        p == begin_ || IsSeparator(norm_[p - 1]) ||
        (!out_.empty() && out_.back().end == p && out_.back().type != TokenType::kText);
    const bool after = p + 1 >= limit || IsSeparator(norm_[p + 1]);
    return before && after;
  }

  int Separator(int p, int limit) {
    int q = p, pipes = 0, tabs = 0, newlines = 0;
    while (q < limit && IsSeparator(norm_[q])) {
      pipes += norm_[q] == '|';
      tabs += norm_[q] == '\t';
      newlines += norm_[q] == '\n';
      ++q;
    }
    // Pipes or tabs mark the cells when present; otherwise each line is a cell (an empty
    // line is a blank cell), or a space separates two values.
    Token t{TokenType::kSep, p, q};
    t.weight = pipes > 0 ? pipes : (tabs > 0 ? tabs : std::max(newlines, 1));
    Emit(t);
    return q;
  }

  int Number(int p, int limit) {
    int q = p;
    if (norm_[q] == '-') ++q;
    while (q < limit && IsDigit(norm_[q])) ++q;
    if (q + 1 < limit && norm_[q] == '.' && IsDigit(norm_[q + 1])) {
      ++q;
      while (q < limit && IsDigit(norm_[q])) ++q;
    }
    Token t{TokenType::kNumber, p, q};
    t.number.reserve(q - p);
    for (int i = p; i < q; ++i) t.number.push_back(static_cast<char>(norm_[i]));
    // A unit written with the value: "93.8605（万元）", "251000元", "3件".
    int r = q;
    while (r < limit && norm_[r] == ' ') ++r;
    const bool bracket = r < limit && norm_[r] == '(';
    if (bracket) ++r;
    if (r + 1 < limit && norm_[r] == U'万' && norm_[r + 1] == U'元') {
      t.unit = Unit::kWanYuan;
      r += 2;
    } else if (r < limit && norm_[r] == U'元') {
      t.unit = Unit::kYuan;
      r += 1;
    }
    if (t.unit != Unit::kNone) {
      if (bracket && r < limit && norm_[r] == ')') ++r;
      t.end = r;
    } else if (const int n = CountUnitAt(norm_, q, limit); n > 0) {
      t.end = q + n;
    }
    Emit(t);
    return t.end;
  }

  int Label(int p, int limit, int core, int end) {
    while (end < limit && IsClosing(norm_[end])) ++end;
    Token t{TokenType::kLabel, p, end};
    t.core = core;
    AttachNumbering(&t);
    Emit(t);
    return end;
  }

  // Moves a numbering written before a label ("(七)", "一、", "2.") into the label token,
  // taking it off the digits of a flattened row it is glued to ("…3252.没有…").
  void AttachNumbering(Token* label) {
    if (out_.empty()) return;
    Token& last = out_.back();
    if (last.type != TokenType::kText || last.end != label->begin) return;
    const u32string_view s = u32string_view(norm_).substr(last.begin, last.end - last.begin);
    if (IsNumbering(s)) {
      NumberingPrefix(s, &label->numbering);
      label->begin = last.begin;
      out_.pop_back();
      return;
    }
    // "(1)" glued to a run: "0000000(1)属于国家秘密".
    if (s == U")" && out_.size() >= 3) {
      Token& digits = out_[out_.size() - 2];
      Token& open = out_[out_.size() - 3];
      if (digits.type == TokenType::kNumber && digits.end == last.begin &&
          digits.number.size() <= 2 &&
          digits.number.find_first_not_of("0123456789") == std::string::npos &&
          open.type == TokenType::kText && open.end == digits.begin && norm_[open.end - 1] == '(') {
        label->numbering.assign(digits.number.begin(), digits.number.end());
        label->begin = open.end - 1;
        out_.pop_back();
        out_.pop_back();
        if (open.end - 1 == open.begin) {
          out_.pop_back();
        } else {
          open.end -= 1;
        }
        return;
      }
    }
    if (!(s == U"." || s == U"\u3001" || s == U",") || out_.size() < 2) return;
    Token& number = out_[out_.size() - 2];
    if (number.type != TokenType::kNumber || number.end != last.begin ||
        number.unit != Unit::kNone || number.number.find('.') != std::string::npos) {
      return;
    }
    const LabelSet& labels = LabelSet::Get();
    for (int id : labels.LabelsOfCore(label->core)) {
      const std::u32string& n = labels.label(id).numbering;
      if (n.empty() || !IsDigit(n[0]) || n.size() > number.number.size()) continue;
      const std::string digits(n.begin(), n.end());
      if (number.number.compare(number.number.size() - digits.size(), digits.size(), digits)) {
        continue;
      }
      label->numbering = n;
      label->begin = number.end - static_cast<int>(digits.size());
      out_.pop_back();  // the '.'
      number.number.resize(number.number.size() - digits.size());
      number.end -= static_cast<int>(digits.size());
      if (number.number.empty() || number.number == "-") out_.pop_back();
      return;
    }
  }

  void Emit(Token t) { out_.push_back(std::move(t)); }

  bool Adjacent(size_t a, size_t b) const { return out_[a].end == out_[b].begin; }

  // Labels inside a sentence are text. Decided on the tokens as found (no cascade: a label
  // next to a demoted label stays a label, so a header glued to a typo keeps its labels).
  void Demote() {
    std::vector<bool> demote(out_.size(), false);
    for (size_t i = 0; i < out_.size(); ++i) {
      if (out_[i].type != TokenType::kLabel) continue;
      const bool before = i > 0 && out_[i - 1].type == TokenType::kText && Adjacent(i - 1, i) &&
                          IsNarrativeText(text_, out_[i - 1], false);
      const bool after = i + 1 < out_.size() && out_[i + 1].type == TokenType::kText &&
                         Adjacent(i, i + 1) && IsNarrativeText(text_, out_[i + 1], true);
      demote[i] = before || after;
    }
    for (size_t i = 0; i < out_.size(); ++i) {
      if (!demote[i]) continue;
      out_[i].type = TokenType::kText;
      out_[i].numbering.clear();
    }
    // Merge neighbouring text tokens.
    std::vector<Token> merged;
    merged.reserve(out_.size());
    for (Token& t : out_) {
      if (t.type == TokenType::kText && !merged.empty() && merged.back().type == TokenType::kText &&
          merged.back().end == t.begin) {
        merged.back().end = t.end;
      } else {
        merged.push_back(std::move(t));
      }
    }
    out_ = std::move(merged);
  }

  // A text token that is a whole cell and nearly equals a label is that label ("行政法复议").
  // A label cut off by the end of the text ("…0 | 6.属于四类过程性信") is one too, and the item
  // number before its '.' is taken off the number it was read with: it belongs to the label,
  // not to the row before.
  void Fuzzy() {
    const LabelSet& labels = LabelSet::Get();
    std::vector<bool> dropped(out_.size(), false);
    // Where the text's last label or value is (a cut-off label has nothing read after it).
    size_t tail = out_.size();
    while (tail > 0 &&
           (out_[tail - 1].type == TokenType::kSep || out_[tail - 1].type == TokenType::kText)) {
      --tail;
    }
    for (size_t i = 0; i < out_.size(); ++i) {
      Token& t = out_[i];
      if (t.type != TokenType::kText || t.end - t.begin > 48) continue;
      const u32string_view s = u32string_view(norm_).substr(t.begin, t.end - t.begin);
      std::u32string numbering;
      const int n = NumberingPrefix(s, &numbering);
      const std::u32string key = KeyOf(s.substr(n));
      // The start of a label cut off by the end of the text: its words begin a numbered label
      // of the template ("6.属于四" of 6.属于四类过程性信息). A bare "6." or "13." is not
      // taken for one: it may as well end a value.
      const bool cut_label =
          i == tail && StartsWithItemMark(s) && !key.empty() && BeginsNumberedLabel(key);
      if (cut_label && key.size() < 3) TakeItemNumber(i, nullptr, &dropped);
      if (key.size() < 3 || key.size() > 40) continue;
      const int core = labels.FuzzyMatch(key);
      if (core < 0) {
        if (cut_label) TakeItemNumber(i, nullptr, &dropped);
        continue;
      }
      t.type = TokenType::kLabel;
      t.core = core;
      t.numbering = numbering;
      t.fuzzy = true;
      if (numbering.empty() && StartsWithItemMark(s)) TakeItemNumber(i, &t, &dropped);
    }
    size_t kept = 0;
    for (size_t i = 0; i < out_.size(); ++i) {
      if (dropped[i]) continue;
      if (kept != i) out_[kept] = std::move(out_[i]);
      ++kept;
    }
    out_.resize(kept);
  }

  // True when some label with a digit numbering ("6.属于四类过程性信息") has a core beginning
  // with `key`.
  static bool BeginsNumberedLabel(const std::u32string& key) {
    const LabelSet& labels = LabelSet::Get();
    for (int id = 0; id < labels.size(); ++id) {
      const LabelInfo& label = labels.label(id);
      if (label.numbering.empty() || !IsDigit(label.numbering[0])) continue;
      for (int core : label.cores) {
        if (labels.CoreKey(core).compare(0, key.size(), key) == 0) return true;
      }
    }
    return false;
  }

  static bool StartsWithItemMark(u32string_view s) {
    return !s.empty() && (s[0] == '.' || s[0] == U'\u3001');
  }

  // out_[i] is a label (or, at the end of the text, the start of one) whose item number ("6" of
  // "6.") was read as the last digit of the number token right before it: moves that digit to
  // the label. Item numbers of the template are single digits; a number token left empty is
  // marked dropped.
  void TakeItemNumber(size_t i, Token* label, std::vector<bool>* dropped) {
    if (i == 0) return;
    Token& number = out_[i - 1];
    if (number.type != TokenType::kNumber || number.end != out_[i].begin ||
        number.unit != Unit::kNone || number.number.empty() ||
        number.number.find('.') != std::string::npos || !IsDigit(number.number.back())) {
      return;
    }
    const char32_t digit = number.number.back();
    if (label != nullptr) {
      bool numbered = false;
      for (int id : LabelSet::Get().LabelsOfCore(label->core)) {
        numbered = numbered || LabelSet::Get().label(id).numbering == std::u32string(1, digit);
      }
      if (!numbered) return;
      label->numbering.assign(1, digit);
    }
    out_[i].begin = number.end - 1;
    number.number.pop_back();
    number.end -= 1;
    if (number.number.empty() || number.number == "-") (*dropped)[i - 1] = true;
  }

  void MarkNarrativeNumbers() {
    for (size_t i = 0; i < out_.size(); ++i) {
      Token& t = out_[i];
      if (t.type != TokenType::kNumber) continue;
      const bool before = i > 0 && out_[i - 1].type == TokenType::kText && Adjacent(i - 1, i) &&
                          IsNarrativeText(text_, out_[i - 1], false);
      const bool after = i + 1 < out_.size() && out_[i + 1].type == TokenType::kText &&
                         Adjacent(i, i + 1) && IsNarrativeText(text_, out_[i + 1], true);
      t.narrative = before || after;
    }
  }

  const Text& text_;
  const std::u32string& norm_;
  const int begin_;
  const int end_;
  std::vector<Heading> headings_;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> Tokenize(const Text& text, int begin, int end,
                            const std::vector<Heading>& headings) {
  begin = std::clamp(begin, 0, text.size());
  end = std::clamp(end, begin, text.size());
  return Tokenizer(text, begin, end, headings).Run();
}

Unit UnitIn(const Text& text, int begin, int end) {
  begin = std::clamp(begin, 0, text.size());
  end = std::clamp(end, begin, text.size());
  const u32string_view s = u32string_view(text.norm).substr(begin, end - begin);
  if (s.find(U"万元") != u32string_view::npos) return Unit::kWanYuan;
  if (s.find(U'元') != u32string_view::npos) return Unit::kYuan;
  return Unit::kNone;
}

}  // namespace gongkai::importer
