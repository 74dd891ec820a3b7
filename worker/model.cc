#include "worker/model.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/parallel.h"
#include "common/text.h"
#include "common/time.h"
#include "proto/cells.h"
#include "proto/digest.h"
#include "proto/report_key.h"

namespace gongkai::worker {

namespace {

// A date as ReportEntry keeps it. (The dates a report can carry lie well within int32's days.)
int32_t DaysSinceEpoch(absl::CivilDay day) {
  return static_cast<int32_t>(std::clamp<absl::civil_diff_t>(day - absl::CivilDay(),
                                                             std::numeric_limits<int32_t>::min(),
                                                             std::numeric_limits<int32_t>::max()));
}

// `same`: the donor's entry of the same revision, whose shingles and serial are taken.
ReportEntry MakeEntry(const v1::ReportDigest& digest, int region, const Settings& settings,
                      v1::Level level, const ReportEntry* same = nullptr) {
  ReportEntry entry;
  entry.key = digest.key();
  entry.region = region;
  entry.edition = digest.edition();
  entry.revision = digest.revision();
  entry.cells = CellVector(digest.cell_indices(), digest.cell_values());
  absl::CivilDay filed_on;
  if (digest.publication_date().empty() ||
      !absl::ParseCivilTime(digest.publication_date(), &filed_on)) {
    filed_on = absl::ToCivilDay(FromProtoTime(digest.first_create_time()), settings.zone);
  }
  entry.filed_day = DaysSinceEpoch(filed_on);
  entry.deadline_day =
      DaysSinceEpoch(DeadlineFor(settings, level, !entry.government(), entry.key.year()));
  if (digest.review_state() != v1::REVIEW_STATE_UNSPECIFIED) entry.review = digest.review_state();
  entry.review_sequence = digest.review_sequence();
  if (!digest.violations().empty()) {
    entry.violations = std::make_shared<const std::vector<v1::Violation>>(
        digest.violations().begin(), digest.violations().end());
  }
  if (same != nullptr) {
    entry.problem_shingles = same->problem_shingles;
    entry.serial = same->serial;
  } else {
    int chars = 0;
    std::vector<uint32_t> shingles = Shingles(digest.problems(), settings.shingle_size, &chars);
    // A narrative shorter than COPIED_NARRATIVE's minimum is never compared: none are kept.
    if (chars < settings.narrative_min_chars) shingles.clear();
    entry.problem_shingles = ShingleSet(shingles, chars);
  }
  if (digest.has_stated_requests()) entry.narrative_requests = digest.stated_requests();
  entry.outlier_measures = OutlierMeasuresOf(entry, settings.min_ratio_denominator);
  entry.cells.ForEachBelow(kFirstCellsTracked, [&](int i, int64_t value) {
    if (value != 0) entry.nonzero_first_cells |= uint64_t{1} << i;
  });
  return entry;
}

// Whether two entries hold the same (their outlier measures follow from their cells).
bool SameEntry(const ReportEntry& a, const ReportEntry& b) {
  auto same_violations = [&] {
    if (a.violations == nullptr || b.violations == nullptr) return a.violations == b.violations;
    if (a.violations->size() != b.violations->size()) return false;
    for (size_t i = 0; i < a.violations->size(); ++i) {
      if ((*a.violations)[i].SerializeAsString() != (*b.violations)[i].SerializeAsString()) {
        return false;
      }
    }
    return true;
  };
  return a.key.region_code() == b.key.region_code() && a.key.year() == b.key.year() &&
         a.key.scope() == b.key.scope() && a.key.body() == b.key.body() && a.region == b.region &&
         a.edition == b.edition && a.revision == b.revision && a.cells == b.cells &&
         a.filed_day == b.filed_day && a.deadline_day == b.deadline_day && same_violations() &&
         a.problem_shingles.hashes().data() == b.problem_shingles.hashes().data() &&
         a.problem_shingles.size() == b.problem_shingles.size() &&
         a.problem_chars() == b.problem_chars() && a.narrative_requests == b.narrative_requests &&
         a.review == b.review && a.review_sequence == b.review_sequence && a.serial == b.serial;
}

}  // namespace

int EditionIndex(v1::Edition edition) {
  if (edition == v1::EDITION_2019) return 0;
  if (edition == v1::EDITION_2021) return 1;
  return -1;
}

absl::CivilDay DeadlineFor(const Settings& settings, v1::Level level, bool department, int year) {
  Deadline d = settings.county_and_above_deadline;
  if (department) {
    d = settings.department_deadline;
  } else if (level == v1::LEVEL_TOWNSHIP) {
    d = settings.township_deadline;
  }
  return absl::CivilDay(year + 1, d.month, d.day);
}

std::optional<int64_t> ReportEntry::Cell(absl::string_view field_path) const {
  const int index = FindCell(edition, field_path);
  if (index < 0) return std::nullopt;
  return cells.Find(index);
}

YearModel::YearModel(int year, std::shared_ptr<const RegionTree> tree, const Settings* settings)
    : year_(year),
      tree_(std::move(tree)),
      settings_(settings),
      entries_at_(tree_->size()),
      sums_(tree_->size()) {}

std::vector<int> YearModel::Apply(const v1::Revision& revision) {
  return Apply(DigestOf(revision), nullptr);
}

std::vector<int> YearModel::Apply(const v1::ReportDigest& digest) { return Apply(digest, nullptr); }

void YearModel::ApplyAll(const google::protobuf::RepeatedPtrField<v1::ReportDigest>& digests,
                         int threads, const YearModel* donor) {
  // A serial taken from the donor names the same content in both models, so what the donor
  // remembers of such pairs holds here — provided every serial this model gives is new to the
  // donor: an empty model starts counting where the donor stopped, and one that did not (it
  // had entries of its own first) takes nothing from the donor.
  if (donor != nullptr && entries_.empty()) {
    next_serial_ = std::max(next_serial_, donor->next_serial_);
    absl::MutexLock lock(&similarity_mu_);
    if (similarities_.empty()) {
      absl::MutexLock donor_lock(&donor->similarity_mu_);
      similarities_ = donor->similarities_;
    }
  }
  if (donor != nullptr && next_serial_ < donor->next_serial_) donor = nullptr;
  // A donor on another tree (a registry change since) has other region indices: share none.
  const bool share = donor != nullptr && donor->tree_ == tree_;
  std::vector<std::shared_ptr<ReportEntry>> prepared(digests.size());
  ParallelFor(digests.size(), threads, [&](int i) {
    const v1::ReportDigest& digest = digests[i];
    const int region = tree_->Find(digest.key().region_code());
    if (digest.key().year() != year_ || region < 0 || EditionIndex(digest.edition()) < 0) {
      return;  // Apply makes no entry of these.
    }
    const std::shared_ptr<ReportEntry>* same = nullptr;
    if (donor != nullptr) {
      auto it = donor->entries_.find(EntryKeyRef(digest.key()));
      if (it != donor->entries_.end() && (*it)->revision == digest.revision()) same = &*it;
    }
    ReportEntry made = MakeEntry(digest, region, *settings_, tree_->region(region).level,
                                 same == nullptr ? nullptr : same->get());
    // Made afresh and compared, never assumed: the donor's entry is shared only when equal.
    if (share && same != nullptr && SameEntry(made, **same)) {
      prepared[i] = *same;
    } else {
      prepared[i] = std::make_shared<ReportEntry>(std::move(made));
    }
  });
  for (int i = 0; i < digests.size(); ++i) Apply(digests[i], std::move(prepared[i]));
}

bool YearModel::Newer(const ReportEntry* current, const v1::ReportKey& key, int64_t revision) {
  if (current != nullptr && current->revision >= revision) return false;
  if (withdrawn_.empty()) return true;
  if (auto gone = withdrawn_.find(ReportId(key)); gone != withdrawn_.end()) {
    if (gone->second >= revision) return false;
    withdrawn_.erase(gone);
  }
  return true;
}

std::vector<int> YearModel::Withdraw(const v1::ReportKey& key, int64_t revision) {
  if (key.year() != year_) return {};
  const int region = tree_->Find(key.region_code());
  if (region < 0) return {};
  auto it = entries_.find(EntryKeyRef(key));
  if (!Newer(it == entries_.end() ? nullptr : it->get(), key, revision)) return {};
  withdrawn_[ReportId(key)] = revision;
  if (it == entries_.end()) return {};
  Contribute(**it, -1);
  std::vector<const ReportEntry*>& at = entries_at_[region];
  at.erase(std::find(at.begin(), at.end(), it->get()));
  entries_.erase(it);
  return tree_->Ancestors(region);
}

void YearModel::Repoint(int region, const ReportEntry* from, const ReportEntry* to) {
  std::vector<const ReportEntry*>& at = entries_at_[region];
  *std::find(at.begin(), at.end(), from) = to;
}

std::vector<int> YearModel::Apply(const v1::ReportDigest& digest,
                                  std::shared_ptr<ReportEntry> prepared) {
  if (digest.withdrawn()) return Withdraw(digest.key(), digest.revision());
  if (digest.key().year() != year_) return {};
  // (A prepared entry was made for a region found already.)
  const int region =
      prepared != nullptr ? prepared->region : tree_->Find(digest.key().region_code());
  if (region < 0) return {};
  auto it = entries_.find(EntryKeyRef(digest.key()));
  const ReportEntry* current = it == entries_.end() ? nullptr : it->get();
  if (!Newer(current, digest.key(), digest.revision())) return {};
  if (EditionIndex(digest.edition()) < 0) return {};
  std::shared_ptr<ReportEntry> entry =
      prepared != nullptr ? std::move(prepared)
                          : std::make_shared<ReportEntry>(
                                MakeEntry(digest, region, *settings_, tree_->region(region).level));
  if (entry->serial == 0) entry->serial = next_serial_++;  // (a shared entry has its serial)
  if (current == nullptr) {
    entries_at_[region].push_back(entry.get());
  } else {
    Contribute(*current, -1);
    Repoint(region, current, entry.get());
    entries_.erase(it);  // (`current` goes with it)
  }
  Contribute(*entry, +1);
  entries_.insert(std::move(entry));
  return tree_->Ancestors(region);
}

std::vector<int> YearModel::ApplyReview(const v1::ReportKey& key, const v1::Review& review) {
  auto it = entries_.find(EntryKeyRef(key));
  if (it == entries_.end() || (*it)->revision != review.revision() ||
      (*it)->review_sequence >= review.sequence()) {
    return {};
  }
  std::shared_ptr<ReportEntry> entry = *it;
  Contribute(*entry, -1);
  if (entry.use_count() > 2) {  // shared with another model (beyond `entry`): a copy changes
    auto copy = std::make_shared<ReportEntry>(*entry);
    Repoint(copy->region, entry.get(), copy.get());
    entries_.erase(it);
    entries_.insert(copy);
    entry = std::move(copy);
  }
  entry->review = review.state();
  entry->review_sequence = review.sequence();
  Contribute(*entry, +1);
  return tree_->Ancestors(entry->region);
}

EditionSums::EditionSums(const EditionSums& other)
    : reports(other.reports),
      cells_(other.has_cells() ? std::make_unique<Cells>(*other.cells_) : nullptr) {}

EditionSums& EditionSums::operator=(const EditionSums& other) {
  if (this == &other) return *this;
  reports = other.reports;
  if (other.has_cells()) {
    if (cells_ == nullptr) {
      cells_ = std::make_unique<Cells>(*other.cells_);
    } else {
      *cells_ = *other.cells_;
    }
  } else if (cells_ != nullptr) {
    cells_->sum.clear();
    cells_->contributors.clear();
    cells_->wide.clear();
  }
  return *this;
}

void EditionSums::Add(size_t size, const CellVector& cells, int sign) {
  if (cells_ == nullptr) cells_ = std::make_unique<Cells>();
  if (cells_->sum.empty()) {
    cells_->sum.assign(size, 0);
    cells_->contributors.assign(size, 0);
  }
  auto& wide = cells_->wide;
  cells.ForEach([&](int i, int64_t value) {
    if (static_cast<size_t>(i) >= cells_->sum.size()) return;
    cells_->contributors[i] += sign;
    // (Almost no sum leaves int64's range: `wide` is looked into only when it holds any.)
    if (auto it = wide.empty() ? wide.end() : wide.find(i); it != wide.end()) {
      it->second += sign > 0 ? __int128{value} : -__int128{value};
      return;
    }
    int64_t& sum = cells_->sum[i];
    const int64_t before = sum;
    if (sign > 0 ? __builtin_add_overflow(before, value, &sum)
                 : __builtin_sub_overflow(before, value, &sum)) {
      wide[i] = sign > 0 ? __int128{before} + value : __int128{before} - value;
    }
  });
}

__int128 EditionSums::Exact(int i) const {
  if (cells_ == nullptr || i < 0 || static_cast<size_t>(i) >= cells_->sum.size()) return 0;
  const auto& wide = cells_->wide;
  auto it = wide.empty() ? wide.end() : wide.find(i);
  return it == wide.end() ? __int128{cells_->sum[i]} : it->second;
}

int32_t EditionSums::Contributors(int i) const {
  if (cells_ == nullptr || i < 0 || static_cast<size_t>(i) >= cells_->contributors.size()) {
    return 0;
  }
  return cells_->contributors[i];
}

bool EditionSums::SameCells(const EditionSums& other) const {
  if (has_cells() && other.has_cells() && cells_->wide.empty() && other.cells_->wide.empty() &&
      cells_->sum.size() == other.cells_->sum.size()) {
    return cells_->sum == other.cells_->sum && cells_->contributors == other.cells_->contributors;
  }
  const size_t size = std::max(cells_ == nullptr ? 0 : cells_->sum.size(),
                               other.cells_ == nullptr ? 0 : other.cells_->sum.size());
  for (size_t i = 0; i < size; ++i) {
    const int c = static_cast<int>(i);
    if (Exact(c) != other.Exact(c) || Contributors(c) != other.Contributors(c)) return false;
  }
  return true;
}

void YearModel::Contribute(const ReportEntry& entry, int sign) {
  if (entry.summary()) return;  // Summaries are compared, never added.
  const int e = EditionIndex(entry.edition);
  const size_t cells = CellsOf(entry.edition).size();
  const bool counts_for_completeness = entry.government() && tree_->ExpectsReport(entry.region);
  for (int a : tree_->Ancestors(entry.region)) {
    RegionSums& sums = sums_[a];
    sums.summed = true;
    EditionSums& edition = sums.editions[e];
    edition.reports += sign;
    // A region without children keeps counts only (SumsOf adds its reports' cells up).
    if (!tree_->children(a).empty()) edition.Add(cells, entry.cells, sign);
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
  EntryKeyRef key(entry.key);
  key.year = year_ - 1;
  if (const ReportEntry* found = previous.Find(key)) return found;
  const std::string& code = tree_->PreviousCode(entry.region);
  if (code.empty()) return nullptr;
  key.region_code = code;
  const ReportEntry* found = previous.Find(key);
  if (found != nullptr) *via = code;
  return found;
}

const ReportEntry* YearModel::Find(const v1::ReportKey& key) const {
  return Find(EntryKeyRef(key));
}

const ReportEntry* YearModel::Find(const EntryKeyRef& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->get();
}

std::vector<const ReportEntry*> YearModel::ReportsAt(int region) const {
  std::vector<const ReportEntry*> out;
  for (const ReportEntry* entry : entries_at_[region]) {
    if (!entry->summary()) out.push_back(entry);
  }
  std::sort(out.begin(), out.end(), [](const ReportEntry* a, const ReportEntry* b) {
    return a->key.body() < b->key.body();
  });
  return out;
}

const ReportEntry* YearModel::GovernmentReportAt(int region) const {
  // Peer lists ask this of every sibling: a look at the region's few entries, no key made.
  for (const ReportEntry* entry : entries_at_[region]) {
    if (entry->government() && !entry->summary()) return entry;
  }
  return nullptr;
}

std::vector<const ReportEntry*> YearModel::SummariesAt(int region) const {
  std::vector<const ReportEntry*> out;
  for (const ReportEntry* entry : entries_at_[region]) {
    if (entry->summary()) out.push_back(entry);
  }
  return out;
}

double YearModel::NarrativeSimilarity(const ReportEntry& a, const ReportEntry& b) const {
  const ReportEntry* others[] = {&b};
  return NarrativeSimilarities(a, others)[0];
}

size_t YearModel::remembered_similarities() const {
  absl::ReaderMutexLock lock(&similarity_mu_);
  return similarities_.size();
}

void YearModel::ForgetSimilarities() {
  absl::flat_hash_map<uint64_t, double> none;  // (freed once the lock is released)
  absl::MutexLock lock(&similarity_mu_);
  similarities_.swap(none);
}

std::vector<double> YearModel::NarrativeSimilarities(
    const ReportEntry& a, absl::Span<const ReportEntry* const> others) const {
  // Pairs of entries replaced since stay until the memory is cleared at this many.
  constexpr size_t kMaxRemembered = 1 << 20;
  if (others.empty()) return {};
  // A pair's key: the smaller serial in the high half, the larger in the low. Serials of 32 bits
  // and more (four billion entries applied to a model and the models it lent entries to) are
  // compared, not remembered.
  constexpr uint64_t kNotRemembered = ~uint64_t{0};
  std::vector<uint64_t> pairs;
  pairs.reserve(others.size());
  for (const ReportEntry* b : others) {
    const auto [low, high] = std::minmax(a.serial, b->serial);
    pairs.push_back(high < 0xFFFFFFFF ? (low << 32) | high : kNotRemembered);
  }
  std::vector<double> out(others.size());
  std::vector<size_t> unknown;
  {
    absl::ReaderMutexLock lock(&similarity_mu_);  // flags are evaluated on several threads
    // Each lookup misses the cache twice (the map's control bytes, then its slot): fetch them
    // all before the first is needed.
    for (const uint64_t pair : pairs) similarities_.prefetch(pair);
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto it = pairs[i] == kNotRemembered ? similarities_.end() : similarities_.find(pairs[i]);
      if (it == similarities_.end()) {
        unknown.push_back(i);
      } else {
        out[i] = it->second;
      }
    }
  }
  if (unknown.empty()) return out;
  for (size_t i : unknown) {
    out[i] = Jaccard(a.problem_shingles.hashes(), others[i]->problem_shingles.hashes());
  }
  absl::MutexLock lock(&similarity_mu_);
  if (similarities_.size() + unknown.size() > kMaxRemembered) similarities_.clear();
  for (size_t i : unknown) {
    if (pairs[i] != kNotRemembered) similarities_.emplace(pairs[i], out[i]);
  }
  return out;
}

const RegionSums* YearModel::CountsOf(int region) const {
  return sums_[region].summed ? &sums_[region] : nullptr;
}

const RegionSums& YearModel::SumsOf(int region, RegionSums* scratch) const {
  static const RegionSums kEmpty;
  const RegionSums* kept = CountsOf(region);
  if (!tree_->children(region).empty()) return kept == nullptr ? kEmpty : *kept;
  *scratch = kept == nullptr ? kEmpty : *kept;
  for (const ReportEntry* entry : ReportsAt(region)) {  // Own reports, summaries left out.
    scratch->editions[EditionIndex(entry->edition)].Add(CellsOf(entry->edition).size(),
                                                        entry->cells, +1);
  }
  return *scratch;
}

std::vector<int> YearModel::Differences(const YearModel& other) const {
  auto same_edition = [](const EditionSums& a, const EditionSums& b) {
    return a.reports == b.reports && a.SameCells(b);
  };
  auto same = [&](const RegionSums& a, const RegionSums& b) {
    return a.received == b.received && a.on_time == b.on_time && a.late == b.late &&
           a.approved == b.approved && a.pending_review == b.pending_review &&
           a.returned == b.returned && same_edition(a.editions[0], b.editions[0]) &&
           same_edition(a.editions[1], b.editions[1]);
  };
  // A region without children keeps counts only, its sums being its reports' cells. When each
  // model has one report there of the same edition (a township's own, mostly), the sums are
  // the same exactly when the counts and those cells are: no sums need adding up.
  auto one_same_report = [&](int region) {
    if (!tree_->children(region).empty()) return false;
    static const RegionSums kNone;
    const RegionSums* a = CountsOf(region);
    const RegionSums* b = other.CountsOf(region);
    const std::vector<const ReportEntry*> x = ReportsAt(region);
    const std::vector<const ReportEntry*> y = other.ReportsAt(region);
    return x.size() == 1 && y.size() == 1 && x[0]->edition == y[0]->edition &&
           x[0]->cells == y[0]->cells && same(a == nullptr ? kNone : *a, b == nullptr ? kNone : *b);
  };
  std::vector<int> differ;
  RegionSums mine, theirs;
  for (int region = 0; region < tree_->size(); ++region) {
    if (one_same_report(region)) continue;
    if (!same(SumsOf(region, &mine), other.SumsOf(region, &theirs))) differ.push_back(region);
  }
  return differ;
}

}  // namespace gongkai::worker
