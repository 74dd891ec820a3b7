// The rollup of a region built from the model's sums (YearModel::BuildRollup and its parts):
// each edition's sums, the cells both editions share, the indicators and completeness.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/time.h"
#include "proto/cells.h"
#include "worker/model.h"

namespace gongkai::worker {
namespace {

constexpr int kMaxMissingListed = 100;

v1::Edition EditionOfIndex(int index) { return index == 0 ? v1::EDITION_2019 : v1::EDITION_2021; }

// The cells both editions share (same field path): table 三 except （六）, and table 四.
struct SharedCellIndex {
  int cell2019;
  int cell2021;
};

const std::vector<SharedCellIndex>& SharedCells() {
  static const std::vector<SharedCellIndex>* shared = [] {
    auto* out = new std::vector<SharedCellIndex>();
    const auto& cells2019 = CellsOf(v1::EDITION_2019);
    for (size_t i = 0; i < cells2019.size(); ++i) {
      const int j = FindCell(v1::EDITION_2021, cells2019[i].field_path);
      if (j >= 0) out->push_back({static_cast<int>(i), j});
    }
    return out;
  }();
  return *shared;
}

// The position of a shared cell's field path in SharedCells(), or -1.
int SharedIndex(absl::string_view path) {
  static const auto* index = [] {
    auto* out = new absl::flat_hash_map<std::string, int>();
    const auto& shared = SharedCells();
    for (size_t k = 0; k < shared.size(); ++k) {
      out->emplace(CellsOf(v1::EDITION_2021)[shared[k].cell2021].field_path, static_cast<int>(k));
    }
    return out;
  }();
  auto it = index->find(path);
  return it == index->end() ? -1 : it->second;
}

void AddIndicator(v1::Rollup* rollup, const char* name, const char* label, int64_t numerator,
                  int64_t denominator) {
  v1::Indicator* indicator = rollup->add_indicators();
  indicator->set_name(name);
  indicator->set_label(label);
  indicator->set_numerator(numerator);
  indicator->set_denominator(denominator);
  indicator->set_defined(denominator != 0);
  indicator->set_value(
      denominator == 0 ? 0 : static_cast<double>(numerator) / static_cast<double>(denominator));
}

// Whether an exact sum fits the cell's field: int32 for counts, int64 for money.
bool FitsCell(const CellSpec& cell, __int128 value) {
  if (cell.kind == CellKind::kMoney) {
    return value >= std::numeric_limits<int64_t>::min() &&
           value <= std::numeric_limits<int64_t>::max();
  }
  return value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

// An exact sum in the cells output's units: counts as they are, money (millionths of 万元) in
// 万元 with trailing zeros trimmed.
std::string ExactCellText(const CellSpec& cell, __int128 value) {
  if (cell.kind != CellKind::kMoney) return Int128Text(value);
  std::string text = Int128Text(value < 0 ? -value : value);
  if (text.size() < 7) text.insert(0, 7 - text.size(), '0');
  std::string whole = text.substr(0, text.size() - 6);
  std::string fraction = text.substr(text.size() - 6);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return absl::StrCat(value < 0 ? "-" : "", whole, fraction.empty() ? "" : ".", fraction);
}

// An indicator's operand, clamped to int64 (a ratio of sums that large is defined anyway).
int64_t Saturated(__int128 value) {
  return static_cast<int64_t>(std::clamp<__int128>(value, std::numeric_limits<int64_t>::min(),
                                                   std::numeric_limits<int64_t>::max()));
}

}  // namespace

// To add an indicator: a line here (name, label as people read it, numerator and denominator
// cells).
const std::vector<IndicatorSpec>& Indicators() {
  static const auto* const kIndicators = new std::vector<IndicatorSpec>{
      {"granted_share",
       "予以公开占比（予以公开 / （七）总计）",
       {"table3.results.granted.total"},
       {"table3.results.total.total"}},
      {"refused_share",
       "不予公开占比（（三）不予公开 / （七）总计）",
       {"table3.results.withheld.state_secret.total",
        "table3.results.withheld.prohibited_by_law.total",
        "table3.results.withheld.endangers_security.total",
        "table3.results.withheld.third_party_rights.total",
        "table3.results.withheld.internal_affairs.total",
        "table3.results.withheld.process_information.total",
        "table3.results.withheld.enforcement_files.total",
        "table3.results.withheld.administrative_queries.total"},
       {"table3.results.total.total"}},
      {"reconsideration_correction_rate",
       "行政复议纠错率（结果纠正 / 总计）",
       {"table4.reconsideration.corrected"},
       {"table4.reconsideration.total"}},
      {"litigation_correction_rate",
       "行政诉讼纠错率（结果纠正 / 总计）",
       {"table4.litigation.direct.corrected", "table4.litigation.after_reconsideration.corrected"},
       {"table4.litigation.direct.total", "table4.litigation.after_reconsideration.total"}},
  };
  return *kIndicators;
}

const IndicatorSpec& IndicatorNamed(absl::string_view name) {
  for (const IndicatorSpec& spec : Indicators()) {
    if (spec.name == name) return spec;
  }
  std::fprintf(stderr, "no indicator %.*s\n", static_cast<int>(name.size()), name.data());
  std::abort();  // a name in the code that is not in the list above
}

v1::Rollup YearModel::BuildRollup(int region, int64_t sequence, absl::Time now) const {
  v1::Rollup rollup;
  BuildRollup(region, sequence, now, &rollup);
  return rollup;
}

void YearModel::BuildRollup(int region, int64_t sequence, absl::Time now,
                            v1::Rollup* rollup) const {
  rollup->set_region_code(tree_->region(region).code);
  rollup->set_year(year_);
  rollup->set_sequence(sequence);
  *rollup->mutable_compute_time() = ToProtoTime(now);
  RegionSums scratch;
  const RegionSums& sums = SumsOf(region, &scratch);
  AddEditionSums(sums, rollup);
  const std::vector<__int128> shared = AddSharedCells(sums, rollup);
  auto sum_of = [&](const std::vector<const char*>& paths) {
    __int128 total = 0;
    for (const char* path : paths) {
      const int k = SharedIndex(path);
      if (k >= 0) total += shared[k];
    }
    return total;
  };
  for (const IndicatorSpec& spec : Indicators()) {
    AddIndicator(rollup, spec.name, spec.label, Saturated(sum_of(spec.numerator)),
                 Saturated(sum_of(spec.denominator)));
  }
  AddCompleteness(region, sums, rollup->mutable_completeness());
}

void YearModel::AddEditionSums(const RegionSums& sums, v1::Rollup* rollup) const {
  for (int e = 0; e < 2; ++e) {
    const EditionSums& edition = sums.editions[e];
    if (edition.reports == 0) continue;
    rollup->set_reports(rollup->reports() + edition.reports);
    v1::EditionRollup* out = rollup->add_editions();
    out->set_edition(EditionOfIndex(e));
    out->set_reports(edition.reports);
    v1::Report* report = out->mutable_sums();
    report->set_edition(EditionOfIndex(e));
    report->mutable_key()->set_region_code(rollup->region_code());
    report->mutable_key()->set_year(year_);
    report->mutable_key()->set_scope(v1::SCOPE_SUMMARY);
    const std::vector<CellSpec>& specs = CellsOf(EditionOfIndex(e));
    const size_t cells = specs.size();
    std::vector<std::optional<int64_t>> values(cells);
    out->mutable_contributors()->Reserve(static_cast<int>(cells));
    for (size_t i = 0; i < cells; ++i) {
      const int32_t contributors = edition.Contributors(static_cast<int>(i));
      out->add_contributors(contributors);
      if (contributors == 0) continue;
      const __int128 exact = edition.Exact(static_cast<int>(i));
      if (FitsCell(specs[i], exact)) {
        values[i] = static_cast<int64_t>(exact);
        continue;
      }
      v1::OverflowedCell* overflowed = out->add_overflowed();
      overflowed->set_field_path(specs[i].field_path);
      overflowed->set_exact_sum(ExactCellText(specs[i], exact));
    }
    SetCells(report, values);
  }
}

std::vector<__int128> YearModel::AddSharedCells(const RegionSums& sums, v1::Rollup* rollup) const {
  // Both editions together, for the cells they share; blank shared cells are omitted.
  const auto& shared_cells = SharedCells();
  std::vector<__int128> shared_sum(shared_cells.size(), 0);
  for (size_t k = 0; k < shared_cells.size(); ++k) {
    const int index[2] = {shared_cells[k].cell2019, shared_cells[k].cell2021};
    int contributors = 0;
    for (int e = 0; e < 2; ++e) {
      shared_sum[k] += sums.editions[e].Exact(index[e]);
      contributors += sums.editions[e].Contributors(index[e]);
    }
    if (contributors == 0) continue;
    const CellSpec& spec = CellsOf(v1::EDITION_2021)[shared_cells[k].cell2021];
    v1::SharedCell* cell = rollup->add_shared();
    cell->set_field_path(spec.field_path);
    cell->set_contributors(contributors);
    if (shared_sum[k] >= std::numeric_limits<int64_t>::min() &&
        shared_sum[k] <= std::numeric_limits<int64_t>::max()) {
      cell->set_sum(static_cast<int64_t>(shared_sum[k]));
    } else {
      cell->set_exact_sum(ExactCellText(spec, shared_sum[k]));
    }
  }
  return shared_sum;
}

void YearModel::AddCompleteness(int region, const RegionSums& sums,
                                v1::Completeness* completeness) const {
  completeness->set_expected(tree_->ExpectedReports(region));
  completeness->set_received(sums.received);
  completeness->set_on_time(sums.on_time);
  completeness->set_late(sums.late);
  completeness->set_missing(completeness->expected() - sums.received);
  completeness->set_approved(sums.approved);
  completeness->set_pending_review(sums.pending_review);
  completeness->set_returned(sums.returned);
  // The first missing regions in code order (depth first, children in code order).
  completeness->mutable_missing_regions()->Reserve(
      static_cast<int>(std::clamp<int64_t>(completeness->missing(), 0, kMaxMissingListed)));
  std::vector<int> stack = {region};
  while (!stack.empty() && completeness->missing_regions_size() < kMaxMissingListed &&
         completeness->missing_regions_size() < completeness->missing()) {
    const int at = stack.back();
    stack.pop_back();
    if (tree_->ExpectsReport(at) && GovernmentReportAt(at) == nullptr) {
      completeness->add_missing_regions(tree_->region(at).code);
    }
    const auto& children = tree_->children(at);
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      const RegionSums* child = CountsOf(*it);
      // Skip subtrees that are complete.
      if (child != nullptr && child->received == tree_->ExpectedReports(*it)) continue;
      stack.push_back(*it);
    }
  }
  // Codes are hierarchical (a parent's significant digits begin its children's codes), so the
  // walk's order is code order already, unless a unit kept a code from elsewhere.
  auto* listed = completeness->mutable_missing_regions();
  if (!std::is_sorted(listed->begin(), listed->end())) std::sort(listed->begin(), listed->end());
}

std::string Int128Text(__int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  unsigned __int128 magnitude = negative ? static_cast<unsigned __int128>(-(value + 1)) + 1 : value;
  std::string digits;
  while (magnitude > 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

}  // namespace gongkai::worker
