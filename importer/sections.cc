#include "importer/sections.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "gongkai/v1/options.pb.h"
#include "importer/labels.h"

namespace gongkai::importer {
namespace {

using std::u32string;
using std::u32string_view;

// Words that identify a section heading when the official title is reworded.
constexpr const char* kKeywords[7][6] = {
    {},
    {"总体情况", "基本情况", "概述", "概况", "总体"},
    {"主动公开"},
    {"收到和处理", "依申请", "申请情况", "申请公开"},
    {"行政复议", "行政诉讼", "复议", "诉讼"},
    {"问题", "改进", "不足"},
    {"其他需要报告", "需要报告", "其他事项", "其它", "其他"},
};

struct SectionWords {
  std::array<u32string, 7> title;  // official title core (from the schema), per section
  std::array<std::vector<u32string>, 7> keywords;
};

const SectionWords& Words() {
  static const SectionWords* words = [] {
    auto* w = new SectionWords;
    const auto* narrative = v1::Narrative::descriptor();
    for (int i = 0; i < narrative->field_count() && i < 6; ++i) {
      std::u32string norm = DecodeUtf8(narrative->field(i)->options().GetExtension(v1::label));
      for (char32_t& c : norm) c = NormalizeChar(c);
      w->title[i + 1] = KeyOf(u32string_view(norm).substr(NumberingPrefix(norm, nullptr)));
    }
    for (int k = 1; k <= 6; ++k) {
      for (const char* word : kKeywords[k]) {
        if (word != nullptr) w->keywords[k].push_back(KeyOf(absl::string_view(word)));
      }
    }
    return w;
  }();
  return *words;
}

int SectionNumber(char32_t c) {
  switch (c) {
    case U'一':
      return 1;
    case U'二':
      return 2;
    case U'三':
      return 3;
    case U'四':
      return 4;
    case U'五':
      return 5;
    case U'六':
      return 6;
    default:
      return 0;
  }
}

// How a report numbers its six sections: "一、" (the template's own), "1、" / "1." / "１．",
// or "（一）". A report uses one style throughout; the style that finds the most sections wins.
enum class Style { kChinese, kArabic, kBracket };

bool IsHeadingPunct(char32_t c) { return c == 0x3001 || c == '.' || c == ','; }

// The section number written at norm position i in `style`, and in *after the position after
// its punctuation; 0 when there is none.
int NumberingAt(const Text& text, int i, Style style, int* after) {
  const std::u32string& norm = text.norm;
  const int n = text.size();
  int p = i - 1;
  while (p >= 0 && norm[p] == ' ') --p;
  const char32_t prev = p >= 0 ? norm[p] : '\n';
  int number = 0, j = i;
  switch (style) {
    case Style::kChinese:
      number = SectionNumber(norm[i]);
      if (i > 0) {
        const char32_t left = norm[i - 1];
        if (left == '(' || IsCjkNumeral(left) || left == U'第' || left == U'之') return 0;
      }
      ++j;
      break;
    case Style::kArabic:
      // A single digit 1–6 that is not part of a number or a sentence ("附件2、").
      if (norm[i] < '1' || norm[i] > '6' || (i + 1 < n && IsDigit(norm[i + 1]))) return 0;
      if (IsDigit(prev) || prev == '.' || prev == '-' || IsCjk(prev) || prev == '(' ||
          (prev < 0x80 && std::isalpha(static_cast<int>(prev)))) {
        return 0;
      }
      number = static_cast<int>(norm[i] - '0');
      ++j;
      break;
    case Style::kBracket:
      if (norm[i] != '(' || IsCjk(prev) || IsDigit(prev)) return 0;
      j = i + 1;
      while (j < n && norm[j] == ' ') ++j;
      if (j >= n) return 0;
      number = SectionNumber(norm[j]);
      ++j;
      while (j < n && norm[j] == ' ') ++j;
      if (j >= n || norm[j] != ')') return 0;
      ++j;
      break;
  }
  if (number == 0) return 0;
  while (j < n && norm[j] == ' ') ++j;
  if (j < n && IsHeadingPunct(norm[j])) {
    ++j;
  } else if (style != Style::kBracket) {
    return 0;
  }
  *after = j;
  return number;
}

// Tries a heading at norm position i in `style`. Fills *heading on success.
bool HeadingAt(const Text& text, int i, Style style, Heading* heading) {
  int after = 0;
  const int number = NumberingAt(text, i, style, &after);
  if (number == 0 || after >= text.size()) return false;
  const int key_begin = text.key_index[after];
  int key_end = key_begin;
  while (key_end < static_cast<int>(text.key.size()) && key_end - key_begin < 30) {
    const char32_t c = text.key[key_end];
    if (IsDigit(c) || c == '|' || c == '\t') break;
    ++key_end;
  }
  const u32string_view window = u32string_view(text.key).substr(key_begin, key_end - key_begin);
  // Rows of table 三 are numbered like sections ("四、结转下年度继续办理").
  int row_length = 0;
  const LabelSet& labels = LabelSet::Get();
  const SectionWords& words = Words();
  const bool official = window.substr(0, words.title[number].size()) == words.title[number];
  const int core = labels.MatchAt(text.key, key_begin, key_end, &row_length);
  if (core >= 0 && !official && row_length >= 4) {
    for (int id : labels.LabelsOfCore(core)) {
      if (labels.label(id).row_part) return false;
    }
  }
  size_t keyword_end = u32string_view::npos;
  for (const u32string& word : words.keywords[number]) {
    const size_t at = window.find(word);
    if (at != u32string_view::npos && at <= 16) {
      keyword_end = at + word.size();
      break;
    }
  }
  if (keyword_end == u32string_view::npos && !official) return false;
  heading->number = number;
  heading->begin = i;
  // The heading ends after the official title, else after "情况"/"事项", else at the line end,
  // else after the keyword.
  size_t title_keys = keyword_end;
  if (official) {
    title_keys = words.title[number].size();
  } else {
    for (const char32_t* tail : {U"情况", U"事项"}) {
      const size_t at = window.find(tail, keyword_end >= 2 ? keyword_end - 2 : 0);
      if (at != u32string_view::npos && at < 24) {
        title_keys = std::max(title_keys, at + 2);
        break;
      }
    }
  }
  int end = text.key_pos[key_begin + title_keys - 1] + 1;
  // Closing punctuation belongs to the heading.
  while (end < text.size() && (text.norm[end] == ')' || text.norm[end] == '"')) ++end;
  heading->end = end;
  return true;
}

int ParseYearAt(const u32string& norm, size_t i) {
  if (i + 4 > norm.size()) return 0;
  int year = 0;
  for (size_t k = i; k < i + 4; ++k) {
    if (!IsDigit(norm[k])) return 0;
    year = year * 10 + static_cast<int>(norm[k] - '0');
  }
  if (i > 0 && IsDigit(norm[i - 1])) return 0;
  if (year < 2008 || year > 2099) return 0;
  return year;
}

// The first "YYYY年" in norm[begin, end).
int FirstYear(const u32string& norm, int begin, int end) {
  for (int i = begin; i + 4 < end; ++i) {
    if (norm[i + 4] != U'年') continue;
    const int year = ParseYearAt(norm, i);
    if (year != 0) return year;
  }
  return 0;
}

std::string Trim(const std::string& s) {
  std::u32string u = DecodeUtf8(s);
  size_t b = 0, e = u.size();
  while (b < e && (NormalizeChar(u[b]) == ' ' || u[b] == '\t' || u[b] == '"')) ++b;
  while (e > b && (NormalizeChar(u[e - 1]) == ' ' || u[e - 1] == '\t' || u[e - 1] == '"')) --e;
  return EncodeUtf8(u32string_view(u).substr(b, e - b));
}

// The title line: the first short line before `head_end` that names the report as an annual
// report, else the first that names a report; false when there is none.
bool FindTitleLine(const Text& text, int head_end, int* begin, int* end) {
  int best_begin = -1, best_end = -1, fallback_begin = -1, fallback_end = -1;
  for (int b = 0, lines = 0; b < head_end && lines < 60; ++lines) {
    int e = b;
    while (e < head_end && text.norm[e] != '\n') ++e;
    const u32string_view line = u32string_view(text.norm).substr(b, e - b);
    if (line.size() <= 120) {
      const bool report =
          line.find(U"报告") != u32string_view::npos || line.find(U"年报") != u32string_view::npos;
      if (report && (line.find(U"年度报告") != u32string_view::npos ||
                     line.find(U"年报") != u32string_view::npos)) {
        best_begin = b;
        best_end = e;
        break;
      }
      if (report && fallback_begin < 0) {
        fallback_begin = b;
        fallback_end = e;
      }
    }
    b = e + 1;
  }
  if (best_begin < 0) {
    best_begin = fallback_begin;
    best_end = fallback_end;
  }
  *begin = best_begin;
  *end = best_end;
  return best_begin >= 0;
}

// Fills the title from the title line norm[begin, end) (after a "标题:" label), and the year and
// publisher from the title.
void ReadTitle(const Text& text, int begin, int end, Metadata* meta) {
  int b = begin;
  const u32string_view line = u32string_view(text.norm).substr(b, end - b);
  const size_t colon = line.find(':');
  if (colon != u32string_view::npos && colon <= 4 &&
      line.substr(0, colon).find(U"标题") != u32string_view::npos) {
    b += static_cast<int>(colon) + 1;
  }
  meta->title = Trim(text.Slice(b, end));
  const std::u32string title = DecodeUtf8(meta->title);
  std::u32string norm_title = title;
  for (char32_t& c : norm_title) c = NormalizeChar(c);
  for (size_t i = 0; i + 4 < norm_title.size(); ++i) {
    if (norm_title[i + 4] != U'年' || ParseYearAt(norm_title, i) == 0) continue;
    meta->year = ParseYearAt(norm_title, i);
    // Publisher: the name before the year, or after "YYYY年(度)" up to the report words.
    size_t pb = 0, pe = i;
    if (i == 0) {
      pb = i + 5;
      if (pb < norm_title.size() && norm_title[pb] == U'度') ++pb;
      pe = norm_title.size();
      for (const char32_t* stop : {U"政府信息公开", U"政务公开", U"信息公开", U"年度报告"}) {
        const size_t at = norm_title.find(stop, pb);
        if (at != std::u32string::npos && at < pe) pe = at;
      }
    } else if (pe >= 2 && norm_title.compare(pe - 2, 2, U"关于") == 0) {
      pe -= 2;
    }
    if (pe > pb) meta->publisher = Trim(EncodeUtf8(u32string_view(title).substr(pb, pe - pb)));
    break;
  }
}

// The reporting year from the text when the title has none: the statistics period, a
// "YYYY年1月1日", else the first year in section 一, else the first in the text; 0 when none.
int YearFromText(const Text& text, const Sections& sections) {
  const u32string& norm = text.norm;
  int year = 0;
  // "统计期限为2020年1月1日至…", "自2021年1月1日起".
  for (const char32_t* word : {U"统计期限", U"统计时限", U"统计期间", U"统计周期", U"统计时间"}) {
    const size_t at = norm.find(word);
    if (at != u32string::npos) {
      year =
          FirstYear(norm, static_cast<int>(at), std::min(text.size(), static_cast<int>(at) + 24));
      if (year != 0) break;
    }
  }
  if (year == 0) {
    const size_t at = norm.find(U"年1月1日");
    if (at != u32string::npos && at >= 4) year = ParseYearAt(norm, at - 4);
  }
  if (year == 0) {
    const int begin = sections.found(1) ? sections.heading[1].end : 0;
    year = FirstYear(norm, begin, sections.BodyEnd(1, text.size()));
    if (year == 0) year = FirstYear(norm, 0, text.size());
  }
  return year;
}

// The publication date (YYYY-MM-DD) from a page header's "发布日期" or the like within 200
// characters after `head_end`; empty when there is none.
std::string PublicationDate(const u32string& norm, int head_end) {
  for (const char32_t* word : {U"发布日期", U"发布时间", U"成文日期", U"发文日期"}) {
    size_t at = norm.find(word);
    if (at == u32string::npos || static_cast<int>(at) > head_end + 200) continue;
    at += 4;
    while (at < norm.size() && (norm[at] == ':' || norm[at] == ' ')) ++at;
    const int year = ParseYearAt(norm, at);
    if (year == 0) continue;
    size_t i = at + 4;
    int parts[2] = {0, 0};
    bool ok = true;
    for (int p = 0; p < 2 && ok; ++p) {
      if (i >= norm.size() || !(norm[i] == '-' || norm[i] == U'年' || norm[i] == U'月' ||
                                norm[i] == '/' || norm[i] == '.')) {
        ok = false;
        break;
      }
      ++i;
      int digits = 0;
      while (i < norm.size() && IsDigit(norm[i]) && digits < 2) {
        parts[p] = parts[p] * 10 + static_cast<int>(norm[i] - '0');
        ++i;
        ++digits;
      }
      if (digits == 0) ok = false;
    }
    if (ok && parts[0] >= 1 && parts[0] <= 12 && parts[1] >= 1 && parts[1] <= 31) {
      return absl::StrFormat("%04d-%02d-%02d", year, parts[0], parts[1]);
    }
  }
  return "";
}

// The source address after "原文链接"; empty when there is none.
std::string SourceUrl(const u32string& norm) {
  const size_t link = norm.find(U"原文链接");
  if (link != u32string::npos) {
    const size_t http = norm.find(U"http", link);
    if (http != u32string::npos && http - link < 12) {
      size_t e = http;
      while (e < norm.size() && norm[e] > ' ' && norm[e] < 0x7F) ++e;
      return EncodeUtf8(u32string_view(norm).substr(http, e - http));
    }
  }
  return "";
}

}  // namespace

int Sections::BodyEnd(int number, int text_size) const {
  for (int k = number + 1; k <= 6; ++k) {
    if (found(k)) return heading[k].begin;
  }
  return text_size;
}

Sections FindSections(const Text& text) {
  Sections best;
  int best_found = -1;
  for (Style style : {Style::kChinese, Style::kArabic, Style::kBracket}) {
    Sections sections;
    for (int i = 0; i < text.size(); ++i) {
      const char32_t c = text.norm[i];
      const bool candidate = style == Style::kChinese  ? IsCjkNumeral(c)
                             : style == Style::kArabic ? (c >= '1' && c <= '6')
                                                       : c == '(';
      if (!candidate) continue;
      Heading h;
      if (HeadingAt(text, i, style, &h)) {
        sections.all.push_back(h);
        i = h.end - 1;
      }
    }
    int from = 0, found = 0;
    for (int k = 1; k <= 6; ++k) {
      for (const Heading& h : sections.all) {
        if (h.number == k && h.begin >= from) {
          sections.heading[k] = h;
          from = h.end;
          ++found;
          break;
        }
      }
    }
    // The template's own numbering wins ties; another style must find at least two sections.
    if (found > best_found && (style == Style::kChinese || found >= 2)) {
      best = std::move(sections);
      best_found = found;
    }
  }
  return best;
}

Metadata FindMetadata(const Text& text, const Sections& sections) {
  Metadata meta;
  const int head_end = sections.found(1) ? sections.heading[1].begin : std::min(text.size(), 3000);
  int title_begin = -1, title_end = -1;
  if (FindTitleLine(text, head_end, &title_begin, &title_end)) {
    ReadTitle(text, title_begin, title_end, &meta);
  }
  if (meta.year == 0) meta.year = YearFromText(text, sections);
  // Publication date and source address from a page header.
  meta.publication_date = PublicationDate(text.norm, head_end);
  meta.source_url = SourceUrl(text.norm);
  return meta;
}

v1::Edition CitedEdition(const Text& text) {
  if (text.key.find(U"202130号") != u32string::npos) return v1::EDITION_2021;
  if (text.key.find(U"201960号") != u32string::npos) return v1::EDITION_2019;
  return v1::EDITION_UNSPECIFIED;
}

}  // namespace gongkai::importer
