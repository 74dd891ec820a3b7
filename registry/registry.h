// The region registry with time. Every code has versions (name, parent, level from a year on,
// or retired) and lineage links to the codes it continues; each year has its own tree of the
// codes in use that year, and a report on year Y belongs to the tree of year Y. The hierarchy is
// always explicit (never derived from code digits).
//
// Data files (data/regions/, see its README): regions.csv, one row per version, and
// lineage.csv, the re-codings paired by the national editions' change lists. A directory with
// the four CSV files of one edition (provinces.csv, cities.csv, areas.csv, streets.csv) is read
// as one tree valid in every year.
#ifndef GONGKAI_REGISTRY_REGISTRY_H_
#define GONGKAI_REGISTRY_REGISTRY_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/constants.h"
#include "gongkai/v1/region.pb.h"

namespace gongkai::registry {

class TimedRegistry;

// Reads the four CSV files of one national edition from `dir` and returns every region plus
// the nation ("000000000000", 全国), parents before children. Codes are padded to 12 digits.
// A row whose padded code equals its parent's is the parent listed again and is dropped: the
// county-level rows of cities without counties (东莞, 中山, 儋州), whose townships then hang
// straight under the city, and the township-level row of 金门县. Prefecture rows named 市辖区 or
// …直辖县级行政区划 are marked as placeholders. Returns NOT_FOUND when a file is missing and
// INVALID_ARGUMENT (with file and line) for a malformed row or unknown parent.
absl::StatusOr<std::vector<v1::Region>> ReadRegistryCsv(const std::string& dir);

// Reads the time-valid registry of `dir`: regions.csv and lineage.csv (links marked as from
// the editions, heuristic). NOT_FOUND when regions.csv is missing; INVALID_ARGUMENT with file
// and line for a malformed row.
absl::StatusOr<std::vector<v1::RegionHistory>> ReadRegistryHistory(const std::string& dir);

// Whichever `dir` holds: the time-valid files, else one edition valid from `from_year` on.
absl::StatusOr<std::vector<v1::RegionHistory>> ReadRegistryDir(const std::string& dir,
                                                               int from_year = kFirstReportingYear);

// The histories of one edition's regions, each valid from `from_year` on.
std::vector<v1::RegionHistory> HistoriesOf(const std::vector<v1::Region>& regions, int from_year);

// Whether a region of that name is a grouping row without a government (市辖区,
// …直辖县级行政区划).
bool IsPlaceholderName(absl::string_view name);

// When a code was in use and what continued it ("in use 2019–2019; continued by X from
// 2020"), for messages; empty for a code never in the registry.
std::string DescribeLife(const TimedRegistry& registry, absl::string_view code);

// One year's tree. Immutable; thread-safe to read. Its regions are owned by the registry it
// came from, which it keeps alive.
class YearTree {
 public:
  // The tree of `regions` alone (tests, one-off trees). INVALID_ARGUMENT when a parent is
  // unknown, a code repeats or the parents form a cycle.
  static absl::StatusOr<std::shared_ptr<const YearTree>> Build(std::vector<v1::Region> regions);

  // The year this tree is of (0 for Build()).
  int year() const { return year_; }
  // Returns nullptr when the code is not in use in this year.
  const v1::Region* Find(absl::string_view code) const;
  // Children in code order.
  const std::vector<const v1::Region*>& ChildrenOf(absl::string_view code) const;
  // The ancestry from the province down to the region itself; empty for the nation (and for an
  // unknown code).
  std::vector<std::string> PathOf(absl::string_view code) const;
  // Whether `root` is `code` or one of its ancestors in this tree (the nation contains every
  // code, known or not).
  bool Contains(absl::string_view root, absl::string_view code) const;
  // Regions whose name starts with `prefix`, in code order, at most `limit`.
  std::vector<v1::Region> SearchByName(absl::string_view prefix, size_t limit) const;
  // All regions in code order.
  const std::vector<const v1::Region*>& regions() const { return regions_; }
  size_t size() const { return regions_.size(); }
  bool empty() const { return regions_.empty(); }

 private:
  friend class TimedRegistry;
  // Indexes `regions` (kept alive by `owner`); INVALID_ARGUMENT as Build.
  static absl::StatusOr<std::shared_ptr<const YearTree>> Index(
      int year, std::vector<const v1::Region*> regions, std::shared_ptr<const void> owner);

  int year_ = 0;
  std::shared_ptr<const void> owner_;
  std::vector<const v1::Region*> regions_;  // In code order.
  absl::flat_hash_map<absl::string_view, int> index_;
  // By the parent's index; only parents have an entry (2023: 3,348 of 44,700 regions).
  absl::flat_hash_map<int, std::vector<const v1::Region*>> children_;
};

// The registry over the years. Immutable; thread-safe.
class TimedRegistry {
 public:
  // Validates the histories and builds every year's tree. INVALID_ARGUMENT for a malformed
  // history (versions out of order, a bad code) or a year whose codes do not form a tree (a
  // parent not in use that year, a cycle, no nation).
  static absl::StatusOr<std::shared_ptr<const TimedRegistry>> Build(
      std::vector<v1::RegionHistory> histories);
  // No region in any year.
  static std::shared_ptr<const TimedRegistry> Empty();

  // The tree of `year`: for a year after the last change, the last change's; for a year before
  // the first version, the first year's tree. Never null.
  std::shared_ptr<const YearTree> Tree(int year) const;
  // The year of the newest version (the trees of later years are all the same).
  int last_change_year() const { return last_year_; }
  // The tree of last_change_year() and every later year.
  std::shared_ptr<const YearTree> Newest() const { return Tree(last_year_); }
  int first_year() const { return first_year_; }

  // Nullptr for a code never in the registry.
  const v1::RegionHistory* History(absl::string_view code) const;
  // Every history, in code order.
  const std::vector<v1::RegionHistory>& histories() const { return histories_; }
  bool empty() const { return histories_.empty(); }
  // Number of codes.
  size_t size() const { return histories_.size(); }

  // The code that `code` (in use in `from`) has in year `to`, following one-to-one links year
  // by year (forwards or backwards); nullopt when the unit split, merged or ended without one.
  std::optional<std::string> Follow(absl::string_view code, int from, int to) const;

 private:
  TimedRegistry() = default;

  std::vector<v1::RegionHistory> histories_;  // In code order, links marked one_to_one.
  absl::flat_hash_map<std::string, int> index_;
  std::shared_ptr<std::deque<v1::Region>> pool_;  // One Region per version in use.
  std::map<int, std::shared_ptr<const YearTree>> trees_;
  int first_year_ = kFirstReportingYear;
  int last_year_ = kFirstReportingYear;
};

}  // namespace gongkai::registry

#endif  // GONGKAI_REGISTRY_REGISTRY_H_
