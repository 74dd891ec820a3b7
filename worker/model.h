// The aggregation worker's arithmetic: a flat region tree and, per year, every stored report's
// contribution and every region's sums. No gRPC, no RocksDB: revisions come in, rollups come
// out.
//
// A rollup sums every cell over the own-scope reports of every body in a region's subtree,
// per edition; summary (汇总) reports are kept apart and only compared (SUMMARY_MISMATCH).
// Blank stays blank: a cell no included report filled is blank, and every summed cell says
// how many reports filled it. The numeric cells of a report are a sparse vector indexed by
// CellsOf(edition), so a change is vector additions along the region's ancestors.
//
// Thread-compatible: callers serialize changes; reads (building rollups, evaluating flags) may
// run on several threads at once (the remembered narrative similarities are locked).
#ifndef GONGKAI_WORKER_MODEL_H_
#define GONGKAI_WORKER_MODEL_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gongkai/v1/region.pb.h"
#include "gongkai/v1/rollup.pb.h"
#include "gongkai/v1/store.pb.h"
#include "proto/report_key.h"
#include "worker/settings.h"

namespace gongkai::worker {

// What a tree keeps of a region: its registry record less the parent (the tree's), years and
// links (a re-coded unit's previous code: RegionTree::PreviousCode). A worker holds a tree of
// every year it has seen, each of some 45,000 regions.
struct TreeRegion {
  std::string code;
  std::string name;
  v1::Level level = v1::LEVEL_UNSPECIFIED;
  bool placeholder = false;
};

// One year's tree of regions, as indices.
class RegionTree {
 public:
  // The tree of `year` (0: of no year in particular). INVALID_ARGUMENT when a parent is
  // unknown or there is no root (the nation).
  static absl::StatusOr<std::shared_ptr<const RegionTree>> Build(std::vector<v1::Region> regions,
                                                                 int year = 0);
  RegionTree() = default;
  // Not copied: its index views the codes where they are.
  RegionTree(const RegionTree&) = delete;
  RegionTree& operator=(const RegionTree&) = delete;

  int year() const { return year_; }
  int Find(absl::string_view code) const;  // -1 when unknown
  // The code the region had the year before, when its code began this year by a one-to-one
  // link (a re-coded unit); empty otherwise.
  const std::string& PreviousCode(int i) const;
  // The region whose previous code is `code` (the unit `code` became this year), or -1.
  int SuccessorOf(absl::string_view code) const;
  const TreeRegion& region(int i) const { return regions_[i]; }
  int parent(int i) const { return parents_[i]; }
  absl::Span<const int> children(int i) const {
    return {children_.data() + first_child_[i],
            static_cast<size_t>(first_child_[i + 1] - first_child_[i])};
  }
  int root() const { return root_; }
  int size() const { return static_cast<int>(regions_.size()); }
  // The region itself first, then its ancestors up to the root.
  std::vector<int> Ancestors(int i) const;
  // Whether the region's government is expected to file a report: not the nation, not a
  // placeholder (市辖区, 省直辖县级行政区划).
  bool ExpectsReport(int i) const { return i != root_ && !regions_[i].placeholder; }
  // Regions in the subtree that are expected to file a government report.
  int ExpectedReports(int i) const { return expected_[i]; }

 private:
  std::vector<TreeRegion> regions_;  // In code order.
  std::vector<int> parents_;
  // Every region's children, region after region, in code order: region i's start at
  // first_child_[i] and end at first_child_[i + 1] (most regions, townships, have none).
  std::vector<int> children_;
  std::vector<int> first_child_;
  std::vector<int> expected_;
  // The re-coded units' previous codes (a few hundred a year), by region.
  absl::flat_hash_map<int, std::string> previous_;
  absl::flat_hash_map<absl::string_view, int> index_;  // views of regions_' codes
  absl::flat_hash_map<std::string, int> successor_of_;
  int root_ = -1;
  int year_ = 0;
};

// Index of an edition's sums: 0 for 2019, 1 for 2021, -1 otherwise.
int EditionIndex(v1::Edition edition);

// The day a report counts as filed on: its publication date, else its first submission.
// Returns the deadline by which a body at a region of that level had to file (Settings).
absl::CivilDay DeadlineFor(const Settings& settings, v1::Level level, bool department, int year);

// A report's filled cells, held compactly (the model keeps every report of every loaded year),
// in one allocation: a bitmap of the filled cells' indices (bit i % 64 of word i / 64: cell i
// is filled), then their values in index order, each 1, 2, 4 or 8 bytes wide — the narrowest that
// holds every value of the report.
class CellVector {
 public:
  CellVector() = default;
  CellVector(const CellVector& other);
  CellVector& operator=(const CellVector& other);
  // A vector moved from is empty.
  CellVector(CellVector&& other) noexcept;
  CellVector& operator=(CellVector&& other) noexcept;
  // Parallel arrays, as a digest holds them (ascending indices): pairs are taken up to the
  // shorter one's length, an index outside 0–65,535 (no cell of any edition) is dropped,
  // unsorted indices are sorted, and of an index given twice the last value is kept.
  CellVector(const google::protobuf::RepeatedField<int32_t>& indices,
             const google::protobuf::RepeatedField<int64_t>& values);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The bytes held (beside the object itself).
  size_t Bytes() const { return words_ * sizeof(uint64_t) + size_ * width_; }
  // The same cells filled with the same values.
  bool operator==(const CellVector& other) const;
  // The value of cell `index`, nullopt when it is not filled.
  std::optional<int64_t> Find(int index) const;

  // Calls f(index in CellsOf(edition), value) for every filled cell, in ascending index order
  // (there is no early stop).
  template <typename F>
  void ForEach(F&& f) const {
    ForEachBelow(size_t{words_} * 64, std::forward<F>(f));
  }
  // The same for the filled cells below index `end` alone (the bitmap's words beyond it are not
  // read).
  template <typename F>
  void ForEachBelow(size_t end, F&& f) const {
    const size_t words = end >= size_t{words_} * 64 ? words_ : end / 64 + (end % 64 != 0);
    ByWidth(width_, [&](auto type) {
      using T = typename decltype(type)::type;
      const auto* kept = reinterpret_cast<const T*>(value_bytes());
      size_t rank = 0;
      for (size_t w = 0; w < words; ++w) {
        uint64_t bits = bitmap()[w];
        if (end - w * 64 < 64) bits &= (uint64_t{1} << (end - w * 64)) - 1;
        for (; bits != 0; bits &= bits - 1) {
          f(static_cast<int>(w * 64 + std::countr_zero(bits)), int64_t{kept[rank++]});
        }
      }
    });
  }

 private:
  const uint64_t* bitmap() const { return reinterpret_cast<const uint64_t*>(data_.get()); }
  // The rank of filled cell `index` among the filled cells (its value's position).
  size_t Rank(int index) const;
  // The values begin after the bitmap (8-aligned).
  const uint8_t* value_bytes() const { return data_.get() + words_ * sizeof(uint64_t); }
  uint8_t* value_bytes() { return data_.get() + words_ * sizeof(uint64_t); }
  // The value of the filled cell of rank i.
  int64_t Value(size_t i) const {
    return ByWidth(width_, [&](auto type) -> int64_t {
      using T = typename decltype(type)::type;
      return reinterpret_cast<const T*>(value_bytes())[i];
    });
  }
  // Calls f with std::type_identity of the signed integer type `width` bytes wide, and returns
  // what it returns: the one place a width becomes a type. Any width but 1, 2 or 4 is int64_t's
  // (8, and an empty vector's 0, which has no values to read).
  template <typename F>
  static std::invoke_result_t<F&, std::type_identity<int64_t>> ByWidth(int width, F&& f) {
    switch (width) {
      case 1:
        return f(std::type_identity<int8_t>{});
      case 2:
        return f(std::type_identity<int16_t>{});
      case 4:
        return f(std::type_identity<int32_t>{});
      default:
        return f(std::type_identity<int64_t>{});
    }
  }

  std::unique_ptr<uint8_t[]> data_;  // (operator new's alignment: 16 bytes)
  uint32_t size_ = 0;
  uint16_t words_ = 0;  // Bitmap words: up to the highest filled index's.
  uint8_t width_ = 0;   // Bytes per value.
};

// Section 五's shingles (Shingles in common/text.h) and its length in characters, immutable.
// The hashes are one allocation of exactly their number, shared by the copies of an entry's set:
// a full recompute's fresh model holds the very sets its donor lends it (YearModel::ApplyAll),
// not copies of them. Their number and the length are kept here, beside the pointer: they are
// read for every peer of every report (COPIED_NARRATIVE's filters), the hashes only for the few
// compared.
class ShingleSet {
 public:
  ShingleSet() = default;
  // `chars`: the narrative's length in characters, kept also when no hashes are.
  ShingleSet(const std::vector<uint32_t>& hashes, int chars);

  absl::Span<const uint32_t> hashes() const { return {data_.get(), size_}; }
  size_t size() const { return size_; }
  int chars() const { return chars_; }

 private:
  std::shared_ptr<const uint32_t[]> data_;
  uint32_t size_ = 0;
  int32_t chars_ = 0;
};

// The values PEER_OUTLIER compares among peers, in its order: requests received, 不予公开占比,
// 复议诉讼纠错率 (report_metrics.cc); NaN where the report has none.
inline constexpr int kOutlierMeasures = 3;
using OutlierMeasures = std::array<double, kOutlierMeasures>;

// ReportEntry::nonzero_first_cells tracks the first this many cells of an edition (table 二's).
inline constexpr int kFirstCellsTracked = 64;

// What the model keeps of one stored report. Entries are shared between a full recompute's
// two models when equal: a field added here must be compared in SameEntry (model.cc), or a
// drifted entry could be shared and its drift never seen.
struct ReportEntry {
  v1::ReportKey key;
  int region = -1;
  v1::Edition edition = v1::EDITION_UNSPECIFIED;
  int64_t revision = 0;
  // Filled, certain cells: (index in CellsOf(edition), value).
  CellVector cells;
  // The filing date and the deadline (filed_on(), deadline()) as days since 1970-01-01: a
  // national year holds some 80,000 entries, and an absl::CivilDay takes 16 bytes.
  int32_t filed_day = 0;
  int32_t deadline_day = 0;
  // The stored verdict's violations (flags of a leniently imported report); null when none, as
  // for nearly every report. Immutable, shared by the entry's copies.
  std::shared_ptr<const std::vector<v1::Violation>> violations;
  // Section 五: sorted unique hashes of its character shingles (none when it is shorter than
  // Settings::narrative_min_chars: never compared), and its length in characters.
  ShingleSet problem_shingles;
  // The number of requests the narrative says were received ("共收到…申请N件"), if stated.
  std::optional<int64_t> narrative_requests;
  // The key's review state, and the change log sequence that set it.
  v1::ReviewState review = v1::REVIEW_STATE_PENDING;
  int64_t review_sequence = 0;
  // Unique in its model, given when the entry is applied (similarities are remembered by it).
  uint64_t serial = 0;
  // Made with the entry (OutlierMeasuresOf): each report's are read for every peer of every
  // report, so they are not worked out from the cells each time.
  OutlierMeasures outlier_measures;
  // Bit i: cell i (of the first kFirstCellsTracked, table 二's) is filled with a value other
  // than zero. ZERO_PUBLICATION reads it for every peer of every report.
  uint64_t nonzero_first_cells = 0;

  bool government() const { return key.body().empty(); }
  bool summary() const { return key.scope() == v1::SCOPE_SUMMARY; }
  absl::CivilDay filed_on() const { return absl::CivilDay() + filed_day; }
  absl::CivilDay deadline() const { return absl::CivilDay() + deadline_day; }
  bool late() const { return filed_day > deadline_day; }
  int problem_chars() const { return problem_shingles.chars(); }
  // The value of a cell of the entry's edition, nullopt when blank (or not of the edition).
  std::optional<int64_t> Cell(absl::string_view field_path) const;
};

// A report's key as YearModel's index compares it (its scope normalized, as ReportId's), viewing
// the key it was made from: a lookup makes no copy.
struct EntryKeyRef {
  explicit EntryKeyRef(const v1::ReportKey& key)
      : year(key.year()),
        region_code(key.region_code()),
        scope(NormalizedScope(key.scope())),
        body(key.body()) {}

  int year;
  absl::string_view region_code;
  v1::Scope scope;
  absl::string_view body;

  bool operator==(const EntryKeyRef&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const EntryKeyRef& k) {
    return H::combine(std::move(h), k.year, k.region_code, k.scope, k.body);
  }
};

// A report's PEER_OUTLIER values, ratios only from a denominator of `min_ratio_denominator`.
OutlierMeasures OutlierMeasuresOf(const ReportEntry& e, int min_ratio_denominator);

// One edition's sums at a region: its reports, and their cells' sums and contributors. The
// cells' are held apart, once a report's cells are added (YearModel keeps them at regions with
// children only): a national year's table holds some 46,000 regions, most of them townships.
class EditionSums {
 public:
  int reports = 0;  // (Counted by YearModel: the cells' sums are this class's.)

  EditionSums() = default;
  EditionSums(const EditionSums& other);
  // Keeps this one's allocation for the other's sums (a scratch reused region after region).
  EditionSums& operator=(const EditionSums& other);
  EditionSums(EditionSums&&) noexcept = default;
  EditionSums& operator=(EditionSums&&) noexcept = default;

  // Whether a report's cells were ever added.
  bool has_cells() const { return cells_ != nullptr && !cells_->sum.empty(); }
  // Adds (sign +1) or takes away (sign −1) a report's cells, of an edition of `size` cells,
  // exactly: a sum that leaves int64's range is kept wider, never wrapped. (An index beyond
  // `size` is no cell of the edition, and is not summed.)
  void Add(size_t size, const CellVector& cells, int sign);
  // The exact sum of cell i, and how many reports fill it; 0 when none does.
  __int128 Exact(int i) const;
  int32_t Contributors(int i) const;
  // Whether every cell has the same sum and contributors in both (the reports aside).
  bool SameCells(const EditionSums& other) const;

 private:
  struct Cells {
    std::vector<int64_t> sum;  // By cell index; empty: no cells added (has_cells).
    std::vector<int32_t> contributors;
    // Cells whose running sum left int64's range, summed exactly here instead (their `sum`
    // entry is then unused).
    absl::flat_hash_map<int, __int128> wide;
  };
  std::unique_ptr<Cells> cells_;
};

// The rollup's indicators: each a ratio of sums of shared cells (both editions together); the
// flags' ratio checks read the same cells.
struct IndicatorSpec {
  const char* name;
  const char* label;
  std::vector<const char*> numerator;
  std::vector<const char*> denominator;
};
const std::vector<IndicatorSpec>& Indicators();
// The indicator of that name (one of Indicators(); any other name is a bug).
const IndicatorSpec& IndicatorNamed(absl::string_view name);

// Decimal text of an exact sum.
std::string Int128Text(__int128 value);

struct RegionSums {
  EditionSums editions[2];
  // Government own reports in the subtree (the nation's own excluded), and their timeliness.
  int received = 0;
  int on_time = 0;
  int late = 0;
  // The received ones by review state.
  int approved = 0;
  int pending_review = 0;
  int returned = 0;
  // Whether a report was ever summed at the region (YearModel::CountsOf).
  bool summed = false;
};

class YearModel {
 public:
  YearModel(int year, std::shared_ptr<const RegionTree> tree, const Settings* settings);

  // Applies a stored revision: replaces the key's contribution with this one (a withdrawn
  // revision removes it). Idempotent: a revision not newer than the one applied for its key
  // changes nothing. Returns the regions whose sums changed (the report's region first, then
  // its ancestors), else empty.
  std::vector<int> Apply(const v1::Revision& revision);
  // Applies the digest of a stored revision (proto/digest.h), as Apply of that revision would.
  std::vector<int> Apply(const v1::ReportDigest& digest);
  // Applies digests in order, as Apply one at a time would, with what each report contributes
  // (its cells, dates and narrative measures) worked out on `threads` threads first.
  //
  // With a `donor` (an earlier model of the same year, as a full recompute has; it must not
  // change meanwhile), what a revision's content alone decides is taken from the donor for
  // every report it holds at the same revision, not worked out again: the section 五 shingles
  // and the entry's serial, and with them the similarities the donor remembers. The rest of
  // each entry (cells, dates, verdict, review) is made afresh and compared with the donor's:
  // where equal, this model holds the donor's very entry (shared), else its own. Sums and
  // counts — what a full recompute checks — are always made afresh.
  void ApplyAll(const google::protobuf::RepeatedPtrField<v1::ReportDigest>& digests, int threads,
                const YearModel* donor = nullptr);
  // Applies a review decision about revision review.revision() of the key: a decision about
  // another revision than the applied one, or older than the applied review, changes nothing.
  // Returns the regions whose review counts changed, as Apply.
  std::vector<int> ApplyReview(const v1::ReportKey& key, const v1::Review& review);

  int year() const { return year_; }
  const RegionTree& tree() const { return *tree_; }
  const std::shared_ptr<const RegionTree>& shared_tree() const { return tree_; }
  const Settings& settings() const { return *settings_; }

  const ReportEntry* Find(const v1::ReportKey& key) const;
  const ReportEntry* Find(const EntryKeyRef& key) const;
  // The same body's report of the year before in `previous`: under the same code, or under
  // the region's one-to-one predecessor when it was re-coded this year (its code then goes to
  // `*via`, else `*via` is cleared). Nullptr when there is none.
  const ReportEntry* LastYear(const YearModel& previous, const ReportEntry& entry,
                              std::string* via) const;
  // Own-scope reports filed at the region (governments and departments), by key.
  std::vector<const ReportEntry*> ReportsAt(int region) const;
  // The region's government own report, if filed.
  const ReportEntry* GovernmentReportAt(int region) const;
  // The region's summary report of the given body ("" for the government), if filed.
  std::vector<const ReportEntry*> SummariesAt(int region) const;
  // The region's counts (reports per edition, completeness, review states), and for a region
  // with children its cell sums too; nullptr when nothing was ever summed at the region. A
  // region without children (a township) keeps no cell sums: they are its own reports' cells.
  const RegionSums* CountsOf(int region) const;
  // The region's whole sums: those kept, or, for a region without children, its counts with
  // its own reports' cells added up into `*scratch`.
  const RegionSums& SumsOf(int region, RegionSums* scratch) const;
  int report_count() const { return static_cast<int>(entries_.size()); }

  // The region's rollup: sums per edition, shared cells, indicators and completeness; its cells
  // without their labels, as the store keeps them (AddCellLabels in proto/cells.h).
  v1::Rollup BuildRollup(int region, int64_t sequence, absl::Time now) const;
  // The same into `rollup` (empty; on an arena, say).
  void BuildRollup(int region, int64_t sequence, absl::Time now, v1::Rollup* rollup) const;

  // Regions whose sums differ from `other`'s (drift between incremental and full).
  std::vector<int> Differences(const YearModel& other) const;

  // The Jaccard similarity of two of the model's entries' section 五 shingles, remembered by
  // their serials: a township's change re-evaluates its siblings' flags, and each compares its
  // narrative with every sibling's, so most pairs were compared before. Thread-safe (flags are
  // evaluated on several threads at once).
  double NarrativeSimilarity(const ReportEntry& a, const ReportEntry& b) const;
  // The same of `a` with each of `others`, in their order: one lock for all, and the lookups
  // in the (large) memory started together rather than one cache miss after another.
  std::vector<double> NarrativeSimilarities(const ReportEntry& a,
                                            absl::Span<const ReportEntry* const> others) const;
  // The pairs remembered, and forgetting them (their memory freed): a year held beyond the
  // resident ones keeps them only while changes to it keep coming (Runner).
  size_t remembered_similarities() const;
  void ForgetSimilarities();

 private:
  // Apply, with the digest's entry already made (nullptr: made here when needed).
  std::vector<int> Apply(const v1::ReportDigest& digest, std::shared_ptr<ReportEntry> prepared);
  // Puts `to` where `from` is in the region's list of entries (an entry replaced in place).
  void Repoint(int region, const ReportEntry* from, const ReportEntry* to);
  // Applies the withdrawal of the key at `revision`.
  std::vector<int> Withdraw(const v1::ReportKey& key, int64_t revision);
  // Whether revision `revision` of the report `key` is newer than what the model has of it: its
  // entry `current` (nullptr: none), or the tombstone that removed it; forgets such a tombstone.
  bool Newer(const ReportEntry* current, const v1::ReportKey& key, int64_t revision);
  void Contribute(const ReportEntry& entry, int sign);
  // The parts of BuildRollup: each edition's sums, the cells both editions share (returned by
  // shared-cell index, for the indicators), and completeness.
  void AddEditionSums(const RegionSums& sums, v1::Rollup* rollup) const;
  std::vector<__int128> AddSharedCells(const RegionSums& sums, v1::Rollup* rollup) const;
  void AddCompleteness(int region, const RegionSums& sums, v1::Completeness* completeness) const;

  int year_;
  std::shared_ptr<const RegionTree> tree_;
  const Settings* settings_;
  // The index of entries_, by each entry's own key (EntryKeyRef): no id string nor copy of the
  // key beside the entry.
  struct EntryIndex {
    using is_transparent = void;
    static EntryKeyRef Ref(const EntryKeyRef& key) { return key; }
    static EntryKeyRef Ref(const std::shared_ptr<ReportEntry>& entry) {
      return EntryKeyRef(entry->key);
    }
    template <typename K>
    size_t operator()(const K& key) const {
      return absl::HashOf(Ref(key));
    }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Ref(a) == Ref(b);
    }
  };
  // Entries, found by key. A full recompute's fresh model shares the entries of its donor that
  // the store holds unchanged (ApplyAll): an entry is never changed in place while another
  // model holds it — a new revision is a new entry, and a review decision changes a copy.
  absl::flat_hash_set<std::shared_ptr<ReportEntry>, EntryIndex, EntryIndex> entries_;
  // By region: its entries, in the order they were added (each stays where it is allocated).
  std::vector<std::vector<const ReportEntry*>> entries_at_;
  // Withdrawn keys → the tombstone's revision: older revisions replayed stay out.
  absl::flat_hash_map<std::string, int64_t> withdrawn_;
  // By region (a dense table: a national year sums at nearly every region).
  std::vector<RegionSums> sums_;
  uint64_t next_serial_ = 1;
  mutable absl::Mutex similarity_mu_;
  // By the pair's serials (NarrativeSimilarities says how they make one key).
  mutable absl::flat_hash_map<uint64_t, double> similarities_ ABSL_GUARDED_BY(similarity_mu_);
};

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_MODEL_H_
