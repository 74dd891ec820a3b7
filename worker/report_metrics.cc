// A report's own values that the checks compare among peers and across years, read by cell
// index.
#include <cmath>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "proto/cells.h"
#include "worker/anomaly_checks.h"

namespace gongkai::worker::checks {
namespace {

// Cells by their index in each edition's CellsOf, found once from their field paths (the
// checks read them for every peer of every report: looking each path up every time was the
// largest single cost of a full recompute's flag checks, bench/notes.md step 13). A path an
// edition lacks is left out: it reads as blank.
class EditionCells {
 public:
  explicit EditionCells(const std::vector<const char*>& paths) {
    for (v1::Edition edition : {v1::EDITION_2019, v1::EDITION_2021}) {
      for (const char* path : paths) {
        const int i = FindCell(edition, path);
        if (i >= 0) of_[EditionIndex(edition)].push_back(i);
      }
    }
  }
  // Of the entry's edition.
  const std::vector<int>& Of(const ReportEntry& e) const {
    static const auto* const kNone = new std::vector<int>();
    const int k = EditionIndex(e.edition);
    return k < 0 ? *kNone : of_[k];
  }
  // The sum of the entry's values of them (blank as 0).
  int64_t Sum(const ReportEntry& e) const {
    int64_t total = 0;
    for (int i : Of(e)) total += e.cells.Find(i).value_or(0);
    return total;
  }

 private:
  std::vector<int> of_[2];  // by EditionIndex
};

// The operands of one or more of the rollups' indicators, summed: a report's own value of
// them (blank cells as 0).
class Operands {
 public:
  explicit Operands(std::initializer_list<const IndicatorSpec*> specs)
      : numerator_(PathsOf(specs, &IndicatorSpec::numerator)),
        denominator_(PathsOf(specs, &IndicatorSpec::denominator)) {}
  std::pair<int64_t, int64_t> Of(const ReportEntry& e) const {
    return {numerator_.Sum(e), denominator_.Sum(e)};
  }

 private:
  static std::vector<const char*> PathsOf(std::initializer_list<const IndicatorSpec*> specs,
                                          std::vector<const char*> IndicatorSpec::*side) {
    std::vector<const char*> paths;
    for (const IndicatorSpec* spec : specs) {
      paths.insert(paths.end(), (spec->*side).begin(), (spec->*side).end());
    }
    return paths;
  }
  EditionCells numerator_, denominator_;
};

// Requests received, as the cell holds it.
std::optional<int64_t> RequestsReceived(const ReportEntry& e) {
  static const auto* const kTotal = new EditionCells({"table3.new_requests.total"});
  const std::vector<int>& cells = kTotal->Of(e);
  if (cells.empty()) return std::nullopt;
  return e.cells.Find(cells.front());
}

}  // namespace

std::optional<double> Requests(const ReportEntry& e) {
  const std::optional<int64_t> v = RequestsReceived(e);
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> RefusedShare(const ReportEntry& e, int min_den) {
  static const auto* const kRefused = new Operands({&IndicatorNamed("refused_share")});
  const auto r = kRefused->Of(e);
  if (r.second < min_den) return std::nullopt;
  return r;
}

// Reconsideration and litigation together.
std::optional<std::pair<int64_t, int64_t>> CorrectionRate(const ReportEntry& e, int min_den) {
  static const auto* const kCorrected =
      new Operands({&IndicatorNamed("reconsideration_correction_rate"),
                    &IndicatorNamed("litigation_correction_rate")});
  const auto r = kCorrected->Of(e);
  if (r.second < min_den) return std::nullopt;
  return r;
}

const std::array<OutlierMetric, kOutlierMeasures>& OutlierMetrics() {
  static const std::array<OutlierMetric, kOutlierMeasures> kMetrics = {{
      {"本年新收申请数量", "table3.new_requests.total", /*ratio=*/false,
       [](const ReportEntry& e, int) -> std::optional<std::pair<int64_t, int64_t>> {
         const std::optional<int64_t> v = RequestsReceived(e);
         if (!v) return std::nullopt;
         return std::pair<int64_t, int64_t>(*v, 1);
       }},
      {"不予公开占比", "table3.results.total.total", /*ratio=*/true, &RefusedShare},
      {"复议诉讼纠错率", "table4.reconsideration.corrected", /*ratio=*/true, &CorrectionRate},
  }};
  return kMetrics;
}

}  // namespace gongkai::worker::checks

namespace gongkai::worker {

OutlierMeasures OutlierMeasuresOf(const ReportEntry& e, int min_ratio_denominator) {
  OutlierMeasures out;
  for (int m = 0; m < kOutlierMeasures; ++m) {
    const auto r = checks::OutlierMetrics()[m].operands(e, min_ratio_denominator);
    out[m] = r ? static_cast<double>(r->first) / static_cast<double>(r->second) : std::nan("");
  }
  return out;
}

}  // namespace gongkai::worker
