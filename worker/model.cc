#include "worker/model.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/time.h"
#include "proto/cells.h"
#include "proto/report_key.h"
#include "worker/text.h"

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

ReportEntry MakeEntry(const v1::Revision& revision, int region, const Settings& settings,
                      const v1::Region& region_record) {
  const v1::Report& report = revision.report();
  ReportEntry entry;
  entry.key = revision.key();
  entry.region = region;
  entry.edition = report.edition();
  entry.revision = revision.revision();
  // "?" cells contribute nothing: their value is unknown.
  std::vector<int> uncertain;
  for (const std::string& path : report.uncertain_cells()) {
    uncertain.push_back(FindCell(report.edition(), path));
  }
  ForEachFilledCell(report, [&](int index, int64_t value) {
    if (std::find(uncertain.begin(), uncertain.end(), index) == uncertain.end()) {
      entry.cells.emplace_back(index, value);
    }
  });
  std::sort(entry.cells.begin(), entry.cells.end());
  absl::CivilDay published;
  if (!report.publication_date().empty() &&
      absl::ParseCivilTime(report.publication_date(), &published)) {
    entry.filed_on = published;
  } else {
    const auto& first =
        revision.has_first_create_time() ? revision.first_create_time() : revision.create_time();
    entry.filed_on = absl::ToCivilDay(FromProtoTime(first), settings.zone);
  }
  entry.deadline = DeadlineFor(settings, region_record, !entry.government(), entry.key.year());
  if (revision.has_review()) {
    entry.review = revision.review().state();
    entry.review_sequence = revision.review().sequence();
  }
  entry.violations.assign(revision.verdict().violations().begin(),
                          revision.verdict().violations().end());
  entry.problem_shingles =
      Shingles(report.narrative().problems(), settings.shingle_size, &entry.problem_chars);
  const v1::Narrative& n = report.narrative();
  entry.narrative_requests = StatedRequests(
      absl::StrCat(n.overview(), "\n", n.proactive(), "\n", n.requests(), "\n",
                   n.review_litigation(), "\n", n.problems(), "\n", n.other_matters()));
  return entry;
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

}  // namespace

absl::StatusOr<std::shared_ptr<const RegionTree>> RegionTree::Build(std::vector<v1::Region> regions,
                                                                    int year) {
  auto tree = std::make_shared<RegionTree>();
  tree->year_ = year;
  std::sort(regions.begin(), regions.end(),
            [](const v1::Region& a, const v1::Region& b) { return a.code() < b.code(); });
  tree->regions_ = std::move(regions);
  const int n = tree->size();
  for (int i = 0; i < n; ++i) tree->index_[tree->regions_[i].code()] = i;
  tree->parents_.assign(n, -1);
  tree->children_.resize(n);
  tree->previous_.resize(n);
  for (int i = 0; i < n; ++i) {
    for (const v1::RegionLink& link : tree->regions_[i].predecessors()) {
      if (year != 0 && link.year() == year && link.one_to_one()) {
        tree->previous_[i] = link.code();
        tree->successor_of_[link.code()] = i;
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    const std::string& parent = tree->regions_[i].parent_code();
    if (parent.empty()) {
      tree->root_ = i;
      continue;
    }
    const int p = tree->Find(parent);
    if (p < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("region ", tree->regions_[i].code(), " has unknown parent ", parent));
    }
    tree->parents_[i] = p;
    tree->children_[p].push_back(i);
  }
  if (tree->root_ < 0) return absl::InvalidArgumentError("the registry has no root region");
  tree->expected_.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    if (!tree->ExpectsReport(i)) continue;
    for (int a = i; a >= 0; a = tree->parents_[a]) ++tree->expected_[a];
  }
  return std::shared_ptr<const RegionTree>(std::move(tree));
}

int RegionTree::SuccessorOf(absl::string_view code) const {
  auto it = successor_of_.find(code);
  return it == successor_of_.end() ? -1 : it->second;
}

int RegionTree::Find(absl::string_view code) const {
  auto it = index_.find(code);
  return it == index_.end() ? -1 : it->second;
}

std::vector<int> RegionTree::Ancestors(int i) const {
  std::vector<int> out;
  for (int a = i; a >= 0; a = parents_[a]) out.push_back(a);
  return out;
}

int EditionIndex(v1::Edition edition) {
  if (edition == v1::EDITION_2019) return 0;
  if (edition == v1::EDITION_2021) return 1;
  return -1;
}

absl::CivilDay DeadlineFor(const Settings& settings, const v1::Region& region, bool department,
                           int year) {
  Deadline d = settings.county_and_above_deadline;
  if (department) {
    d = settings.department_deadline;
  } else if (region.level() == v1::LEVEL_TOWNSHIP) {
    d = settings.township_deadline;
  }
  return absl::CivilDay(year + 1, d.month, d.day);
}

std::optional<int64_t> ReportEntry::Cell(absl::string_view field_path) const {
  const int index = FindCell(edition, field_path);
  for (const auto& [i, value] : cells) {
    if (i == index) return value;
  }
  return std::nullopt;
}

YearModel::YearModel(int year, std::shared_ptr<const RegionTree> tree, const Settings* settings)
    : year_(year), tree_(std::move(tree)), settings_(settings) {}

std::vector<int> YearModel::Apply(const v1::Revision& revision) {
  if (revision.key().year() != year_) return {};
  const int region = tree_->Find(revision.key().region_code());
  if (region < 0) return {};
  const std::string id = ReportId(revision.key());
  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.revision >= revision.revision()) return {};
  if (auto gone = withdrawn_.find(id); gone != withdrawn_.end()) {
    if (gone->second >= revision.revision()) return {};
    withdrawn_.erase(gone);
  }
  if (revision.withdrawn()) {
    withdrawn_[id] = revision.revision();
    if (it == entries_.end()) return {};
    Contribute(it->second, -1);
    std::vector<std::string>& ids = keys_at_[region];
    ids.erase(std::find(ids.begin(), ids.end(), id));
    entries_.erase(it);
    return tree_->Ancestors(region);
  }
  if (EditionIndex(revision.report().edition()) < 0) return {};
  ReportEntry entry = MakeEntry(revision, region, *settings_, tree_->region(region));
  if (it != entries_.end()) {
    Contribute(it->second, -1);
    it->second = std::move(entry);
    Contribute(it->second, +1);
  } else {
    keys_at_[region].push_back(id);
    Contribute(entry, +1);
    entries_.emplace(id, std::move(entry));
  }
  return tree_->Ancestors(region);
}

std::vector<int> YearModel::ApplyReview(const v1::ReportKey& key, const v1::Review& review) {
  auto it = entries_.find(ReportId(key));
  if (it == entries_.end() || it->second.revision != review.revision() ||
      it->second.review_sequence >= review.sequence()) {
    return {};
  }
  Contribute(it->second, -1);
  it->second.review = review.state();
  it->second.review_sequence = review.sequence();
  Contribute(it->second, +1);
  return tree_->Ancestors(it->second.region);
}

void EditionSums::Add(int i, int64_t delta) {
  if (auto it = wide.find(i); it != wide.end()) {
    it->second += delta;
    return;
  }
  const int64_t before = sum[i];
  if (__builtin_add_overflow(before, delta, &sum[i])) {
    wide[i] = static_cast<__int128>(before) + delta;
  }
}

__int128 EditionSums::Exact(int i) const {
  auto it = wide.find(i);
  return it == wide.end() ? static_cast<__int128>(sum[i]) : it->second;
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

void YearModel::Contribute(const ReportEntry& entry, int sign) {
  if (entry.summary()) return;  // Summaries are compared, never added.
  const int e = EditionIndex(entry.edition);
  const size_t cells = CellsOf(entry.edition).size();
  const bool counts_for_completeness = entry.government() && tree_->ExpectsReport(entry.region);
  for (int a : tree_->Ancestors(entry.region)) {
    RegionSums& sums = sums_[a];
    EditionSums& edition = sums.editions[e];
    if (edition.sum.empty()) {
      edition.sum.assign(cells, 0);
      edition.contributors.assign(cells, 0);
    }
    edition.reports += sign;
    for (const auto& [i, value] : entry.cells) {
      edition.Add(i, sign * value);
      edition.contributors[i] += sign;
    }
    if (counts_for_completeness) {
      sums.received += sign;
      (entry.late() ? sums.late : sums.on_time) += sign;
      (entry.review == v1::REVIEW_STATE_APPROVED   ? sums.approved
       : entry.review == v1::REVIEW_STATE_RETURNED ? sums.returned
                                                   : sums.pending_review) += sign;
    }
  }
}

const ReportEntry* YearModel::LastYear(const YearModel& previous, const ReportEntry& entry,
                                       std::string* via) const {
  via->clear();
  v1::ReportKey key = entry.key;
  key.set_year(year_ - 1);
  if (const ReportEntry* found = previous.Find(key)) return found;
  const std::string& code = tree_->PreviousCode(entry.region);
  if (code.empty()) return nullptr;
  key.set_region_code(code);
  const ReportEntry* found = previous.Find(key);
  if (found != nullptr) *via = code;
  return found;
}

const ReportEntry* YearModel::Find(const v1::ReportKey& key) const {
  auto it = entries_.find(ReportId(key));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const ReportEntry*> YearModel::ReportsAt(int region) const {
  std::vector<const ReportEntry*> out;
  auto it = keys_at_.find(region);
  if (it == keys_at_.end()) return out;
  for (const std::string& id : it->second) {
    const ReportEntry& entry = entries_.at(id);
    if (!entry.summary()) out.push_back(&entry);
  }
  std::sort(out.begin(), out.end(), [](const ReportEntry* a, const ReportEntry* b) {
    return a->key.body() < b->key.body();
  });
  return out;
}

const ReportEntry* YearModel::GovernmentReportAt(int region) const {
  // One lookup of the government's own key (peer lists ask this of every sibling).
  v1::ReportKey key;
  key.set_year(year_);
  key.set_region_code(tree_->region(region).code());
  key.set_scope(v1::SCOPE_OWN);
  auto it = entries_.find(ReportId(key));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const ReportEntry*> YearModel::SummariesAt(int region) const {
  std::vector<const ReportEntry*> out;
  auto it = keys_at_.find(region);
  if (it == keys_at_.end()) return out;
  for (const std::string& id : it->second) {
    if (entries_.at(id).summary()) out.push_back(&entries_.at(id));
  }
  return out;
}

const RegionSums* YearModel::SumsOf(int region) const {
  auto it = sums_.find(region);
  return it == sums_.end() ? nullptr : &it->second;
}

namespace {

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

// The rollup's indicators: each a ratio of sums of shared cells (both editions together). To add
// one: a line here (name, label as people read it, numerator and denominator cells).
struct IndicatorSpec {
  const char* name;
  const char* label;
  std::vector<const char*> numerator;
  std::vector<const char*> denominator;
};

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

}  // namespace

v1::Rollup YearModel::BuildRollup(int region, int64_t sequence, absl::Time now) const {
  v1::Rollup rollup;
  rollup.set_region_code(tree_->region(region).code());
  rollup.set_year(year_);
  rollup.set_sequence(sequence);
  *rollup.mutable_compute_time() = ToProtoTime(now);
  static const RegionSums kEmpty;
  const RegionSums* found = SumsOf(region);
  const RegionSums& sums = found == nullptr ? kEmpty : *found;
  AddEditionSums(sums, &rollup);
  const std::vector<__int128> shared = AddSharedCells(sums, &rollup);
  auto sum_of = [&](const std::vector<const char*>& paths) {
    __int128 total = 0;
    for (const char* path : paths) {
      const int k = SharedIndex(path);
      if (k >= 0) total += shared[k];
    }
    return total;
  };
  for (const IndicatorSpec& spec : Indicators()) {
    AddIndicator(&rollup, spec.name, spec.label, Saturated(sum_of(spec.numerator)),
                 Saturated(sum_of(spec.denominator)));
  }
  AddCompleteness(region, sums, rollup.mutable_completeness());
  return rollup;
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
      out->add_contributors(edition.contributors[i]);
      if (edition.contributors[i] == 0) continue;
      const __int128 exact = edition.Exact(static_cast<int>(i));
      if (FitsCell(specs[i], exact)) {
        values[i] = static_cast<int64_t>(exact);
        continue;
      }
      v1::OverflowedCell* overflowed = out->add_overflowed();
      overflowed->set_field_path(specs[i].field_path);
      overflowed->set_table(specs[i].table);
      overflowed->set_row(specs[i].row);
      overflowed->set_column(specs[i].column);
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
      const EditionSums& edition = sums.editions[e];
      if (edition.sum.empty()) continue;
      shared_sum[k] += edition.Exact(index[e]);
      contributors += edition.contributors[index[e]];
    }
    if (contributors == 0) continue;
    const CellSpec& spec = CellsOf(v1::EDITION_2021)[shared_cells[k].cell2021];
    v1::SharedCell* cell = rollup->add_shared();
    cell->set_field_path(spec.field_path);
    cell->set_table(spec.table);
    cell->set_row(spec.row);
    cell->set_column(spec.column);
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
  std::vector<int> stack = {region};
  while (!stack.empty() && completeness->missing_regions_size() < kMaxMissingListed &&
         completeness->missing_regions_size() < completeness->missing()) {
    const int at = stack.back();
    stack.pop_back();
    if (tree_->ExpectsReport(at) && GovernmentReportAt(at) == nullptr) {
      completeness->add_missing_regions(tree_->region(at).code());
    }
    const auto& children = tree_->children(at);
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      const RegionSums* child = SumsOf(*it);
      // Skip subtrees that are complete.
      if (child != nullptr && child->received == tree_->ExpectedReports(*it)) continue;
      stack.push_back(*it);
    }
  }
  std::sort(completeness->mutable_missing_regions()->begin(),
            completeness->mutable_missing_regions()->end());
}

std::vector<int> YearModel::Differences(const YearModel& other) const {
  auto same_edition = [](const EditionSums& a, const EditionSums& b) {
    if (a.reports != b.reports) return false;
    auto zero = [](const auto& v) {
      return std::all_of(v.begin(), v.end(), [](auto x) { return x == 0; });
    };
    if (a.sum.empty() || b.sum.empty()) {
      return zero(a.sum) && zero(b.sum) && zero(a.contributors) && zero(b.contributors);
    }
    return a.sum == b.sum && a.contributors == b.contributors && a.wide == b.wide;
  };
  auto same = [&](const RegionSums* a, const RegionSums* b) {
    static const RegionSums kEmpty;
    if (a == nullptr) a = &kEmpty;
    if (b == nullptr) b = &kEmpty;
    return a->received == b->received && a->on_time == b->on_time && a->late == b->late &&
           a->approved == b->approved && a->pending_review == b->pending_review &&
           a->returned == b->returned && same_edition(a->editions[0], b->editions[0]) &&
           same_edition(a->editions[1], b->editions[1]);
  };
  std::vector<int> differ;
  for (int region = 0; region < tree_->size(); ++region) {
    if (!same(SumsOf(region), other.SumsOf(region))) differ.push_back(region);
  }
  return differ;
}

}  // namespace gongkai::worker
