#include "importer/labels.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "importer/text.h"
#include "proto/cells.h"

namespace gongkai::importer {
namespace {

// Header words that are not cells but belong to a table, and fragments left when a header's
// line break is lost ("本年新" + "制作数量"). {label, table bit, edition bits}.
struct Extra {
  const char* label;
  int tables;
  int editions;
};
constexpr Extra kStructural[] = {
    {"信息内容", kTable2, kEd2019 | kEd2021},
    {"本年新", kTable2, kEd2019},
    {"制作数量", kTable2, kEd2019},
    {"公开数量", kTable2, kEd2019},
    {"申请人情况", kTable3, kEd2019 | kEd2021},
    {"法人或其他组织", kTable3, kEd2019 | kEd2021},
    {"（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", kTable3,
     kEd2019 | kEd2021},
    {"本列数据的勾稽关系为", kTable3, kEd2019 | kEd2021},
};

// Printed variants of official labels: {variant, official}.
constexpr std::pair<const char*, const char*> kVariants[] = {
    {"现行有效件数（历史累计）", "现行有效件数"},
    {"本年新制作数", "本年新制作数量"},
};

int LevenshteinWithin(std::u32string_view a, std::u32string_view b, int budget) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > budget) return budget + 1;
  std::vector<int> prev(m + 1), cur(m + 1);
  for (int j = 0; j <= m; ++j) prev[j] = j;
  for (int i = 1; i <= n; ++i) {
    cur[0] = i;
    int row_min = cur[0];
    for (int j = 1; j <= m; ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > budget) return budget + 1;
    std::swap(prev, cur);
  }
  return prev[m];
}

}  // namespace

int TableBit(absl::string_view table) {
  if (table == "二") return kTable2;
  if (table == "三") return kTable3;
  if (table == "四") return kTable4;
  return 0;
}

int EditionBit(v1::Edition edition) {
  if (edition == v1::EDITION_2019) return kEd2019;
  if (edition == v1::EDITION_2021) return kEd2021;
  return 0;
}

int NumberingPrefix(std::u32string_view norm, std::u32string* numeral) {
  size_t i = 0;
  while (i < norm.size() && norm[i] == ' ') ++i;
  const bool bracket = i < norm.size() && norm[i] == '(';
  if (bracket) ++i;
  const size_t start = i;
  const bool digits = i < norm.size() && IsDigit(norm[i]);
  while (i < norm.size() && (digits ? IsDigit(norm[i]) : IsCjkNumeral(norm[i]))) ++i;
  if (i == start || i - start > 3) return 0;
  const size_t end_numeral = i;
  bool punct = false;
  if (bracket) {
    if (i >= norm.size() || norm[i] != ')') return 0;
    ++i;
    punct = true;
  }
  if (i < norm.size() && (norm[i] == 0x3001 || norm[i] == '.' || norm[i] == ',')) {
    ++i;
    punct = true;
  }
  if (!punct) return 0;
  if (numeral != nullptr) numeral->assign(norm.substr(start, end_numeral - start));
  while (i < norm.size() && norm[i] == ' ') ++i;
  return static_cast<int>(i);
}

bool IsNumbering(std::u32string_view norm) {
  const int n = NumberingPrefix(norm, nullptr);
  if (n == 0) return false;
  for (size_t i = n; i < norm.size(); ++i) {
    if (norm[i] != ' ') return false;
  }
  return true;
}

const LabelSet& LabelSet::Get() {
  static const LabelSet* set = new LabelSet();
  return *set;
}

int LabelSet::IdOf(absl::string_view canonical) const {
  auto it = by_canonical_.find(std::string(canonical));
  return it == by_canonical_.end() ? -1 : it->second;
}

void LabelSet::AddCore(int label, const std::u32string& key) {
  if (key.empty()) return;
  auto [it, inserted] = by_core_.emplace(key, static_cast<int>(cores_.size()));
  if (inserted) cores_.push_back(Core{key, {}});
  Core& core = cores_[it->second];
  if (std::find(core.labels.begin(), core.labels.end(), label) == core.labels.end()) {
    core.labels.push_back(label);
    labels_[label].cores.push_back(it->second);
  }
}

int LabelSet::AddLabel(const std::string& canonical) {
  auto it = by_canonical_.find(canonical);
  if (it != by_canonical_.end()) return it->second;
  const int id = static_cast<int>(labels_.size());
  by_canonical_.emplace(canonical, id);
  labels_.push_back(LabelInfo{canonical});
  std::u32string norm = DecodeUtf8(canonical);
  for (char32_t& c : norm) c = NormalizeChar(c);
  const int n = NumberingPrefix(norm, &labels_[id].numbering);
  const std::u32string_view rest = std::u32string_view(norm).substr(n);
  AddCore(id, KeyOf(rest));
  // A trailing parenthetical ("（区分处理的，…）", "（单位：万元）") is often left out.
  if (!rest.empty() && rest.back() == ')') {
    const size_t open = rest.rfind('(');
    if (open != std::u32string_view::npos && open >= 2) AddCore(id, KeyOf(rest.substr(0, open)));
  }
  return id;
}

LabelSet::LabelSet() {
  for (v1::Edition edition : {v1::EDITION_2019, v1::EDITION_2021}) {
    const int ed = EditionBit(edition);
    for (const CellSpec& cell : CellsOf(edition)) {
      const int table = TableBit(cell.table);
      for (absl::string_view part : absl::StrSplit(cell.row, '/')) {
        LabelInfo& info = labels_[AddLabel(std::string(part))];
        info.tables |= table;
        info.editions |= ed;
        info.row_part = true;
      }
      LabelInfo& column = labels_[AddLabel(cell.column)];
      column.tables |= table;
      column.editions |= ed;
      column.column = true;
    }
  }
  for (const Extra& extra : kStructural) {
    LabelInfo& info = labels_[AddLabel(extra.label)];
    info.tables |= extra.tables;
    info.editions |= extra.editions;
  }
  for (const auto& [variant, official] : kVariants) {
    const int target = IdOf(official);
    if (target < 0) continue;
    const int id = AddLabel(variant);
    labels_[id].stands_for = target;
    labels_[id].tables = labels_[target].tables;
    labels_[id].editions = labels_[target].editions;
    labels_[id].column = labels_[target].column;
    labels_[id].row_part = labels_[target].row_part;
  }
  for (int c = 0; c < static_cast<int>(cores_.size()); ++c) {
    by_first_char_[cores_[c].key[0]].push_back(c);
  }
  for (auto& [first, list] : by_first_char_) {
    std::sort(list.begin(), list.end(),
              [this](int a, int b) { return cores_[a].key.size() > cores_[b].key.size(); });
  }
}

int LabelSet::MatchAt(std::u32string_view key, int begin, int limit, int* length) const {
  if (begin < 0 || begin >= limit) return -1;
  auto it = by_first_char_.find(key[begin]);
  if (it == by_first_char_.end()) return -1;
  for (int c : it->second) {
    const std::u32string& core = cores_[c].key;
    const int n = static_cast<int>(core.size());
    if (begin + n > limit) continue;
    if (key.compare(begin, n, core) == 0) {
      *length = n;
      return c;
    }
  }
  return -1;
}

int LabelSet::FuzzyMatch(std::u32string_view key) const {
  const int n = static_cast<int>(key.size());
  if (n < 3) return -1;
  int best = -1, best_distance = 1 << 20;
  bool tie = false;
  for (int c = 0; c < static_cast<int>(cores_.size()); ++c) {
    const std::u32string& core = cores_[c].key;
    const int m = static_cast<int>(core.size());
    if (m < 4) continue;
    const int budget = m >= 16 ? 3 : (m >= 8 ? 2 : 1);
    const int d = LevenshteinWithin(key, core, budget);
    if (d > budget) continue;
    if (d < best_distance) {
      best = c;
      best_distance = d;
      tie = false;
    } else if (d == best_distance && cores_[c].labels != cores_[best].labels) {
      tie = true;
    }
  }
  return tie ? -1 : best;
}

}  // namespace gongkai::importer
