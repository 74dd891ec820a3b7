// The labels a report's tables are read by, derived from the schema (CellsOf of both editions)
// plus a short list of structural header words and known variants. Labels are matched on their
// "core": the key (no spaces, no punctuation, full width folded) of the label without its
// numbering ("（七）总计" has numbering "七" and core "总计"). Several labels may share a core;
// the table reader tells them apart by numbering and context.
//
// LabelSet is immutable and thread-safe; Get() builds it once.
#ifndef GONGKAI_IMPORTER_LABELS_H_
#define GONGKAI_IMPORTER_LABELS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"

namespace gongkai::importer {

inline constexpr int kTable2 = 1, kTable3 = 2, kTable4 = 4;  // bits of LabelInfo::tables
inline constexpr int kEd2019 = 1, kEd2021 = 2;               // bits of LabelInfo::editions

int TableBit(absl::string_view table);  // "二" -> kTable2 ...
int EditionBit(v1::Edition edition);

struct LabelInfo {
  std::string canonical;     // as printed in the cells output, e.g. "（七）总计"
  std::u32string numbering;  // "七", "2", or empty
  std::vector<int> cores;    // core ids this label is matched by
  int tables = 0;            // tables it occurs in (bits)
  int editions = 0;          // editions it occurs in (bits)
  bool column = false;       // a column label somewhere
  bool row_part = false;     // a row label (or a level of one) somewhere
  int stands_for = -1;       // a variant: the id of the label it means
};

class LabelSet {
 public:
  static const LabelSet& Get();

  int size() const { return static_cast<int>(labels_.size()); }
  const LabelInfo& label(int id) const { return labels_[id]; }
  // The id of a label by its canonical text, or -1.
  int IdOf(absl::string_view canonical) const;

  // Labels sharing the core.
  const std::vector<int>& LabelsOfCore(int core) const { return cores_[core].labels; }
  int CoreLength(int core) const { return static_cast<int>(cores_[core].key.size()); }
  const std::u32string& CoreKey(int core) const { return cores_[core].key; }

  // The longest core equal to key[begin, begin + n) with begin + n <= limit; -1 if none.
  int MatchAt(std::u32string_view key, int begin, int limit, int* length) const;

  // The core nearest to `key` (edit distance within a budget that grows with the length), if
  // exactly one is nearest; -1 otherwise. Used for typos in headings ("行政法复议").
  int FuzzyMatch(std::u32string_view key) const;

 private:
  struct Core {
    std::u32string key;
    std::vector<int> labels;
  };
  LabelSet();
  int AddLabel(const std::string& canonical);
  void AddCore(int label, const std::u32string& key);

  std::vector<LabelInfo> labels_;
  std::vector<Core> cores_;
  absl::flat_hash_map<std::string, int> by_canonical_;
  absl::flat_hash_map<std::u32string, int> by_core_;
  absl::flat_hash_map<char32_t, std::vector<int>> by_first_char_;  // longest first
};

// Splits a leading numbering ("一、", "（七）", "(七)", "2.", "2、") off normalised text; returns
// the length of the numbering (0 if none) and its numeral.
int NumberingPrefix(std::u32string_view norm, std::u32string* numeral);

// True when the whole normalised text is a numbering ("(三)", "一、", "2.").
bool IsNumbering(std::u32string_view norm);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_LABELS_H_
