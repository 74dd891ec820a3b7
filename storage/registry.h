// The national region registry: reading it from the CSV files in data/regions/ and holding it
// in memory with explicit parents (the hierarchy is never derived from code digits).
#ifndef GONGKAI_STORAGE_REGISTRY_H_
#define GONGKAI_STORAGE_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/constants.h"
#include "gongkai/v1/region.pb.h"

namespace gongkai::storage {

// Reads provinces.csv, cities.csv, areas.csv and streets.csv from `dir` and returns every
// region plus the nation ("000000000000", 全国), parents before children. Codes are padded to
// 12 digits. A row whose padded code equals its parent's is the parent listed again and is
// dropped: the county-level rows of cities without counties (东莞, 中山, 儋州), whose
// townships then hang straight under the city, and the township-level row of 金门县.
// Prefecture rows named 市辖区 or …直辖县级行政区划 are marked as placeholders. Returns NOT_FOUND
// when a file is missing and INVALID_ARGUMENT (with file and line) for a malformed row or unknown
// parent.
absl::StatusOr<std::vector<v1::Region>> ReadRegistryCsv(const std::string& dir);

// An immutable in-memory index of the registry. Thread-compatible (read-only after Build).
class Registry {
 public:
  // Returns INVALID_ARGUMENT when a region's parent is unknown or a code repeats.
  static absl::StatusOr<Registry> Build(std::vector<v1::Region> regions);

  // Returns nullptr when the code is unknown.
  const v1::Region* Find(absl::string_view code) const;
  // Children in code order.
  const std::vector<std::string>& ChildrenOf(absl::string_view code) const;
  // The ancestry from the province down to the region itself; empty for the nation.
  // The region must exist.
  std::vector<std::string> PathOf(absl::string_view code) const;
  // Regions whose name starts with `prefix`, in code order, at most `limit`.
  std::vector<v1::Region> SearchByName(absl::string_view prefix, size_t limit) const;
  // All regions in code order.
  const std::vector<v1::Region>& regions() const { return regions_; }
  size_t size() const { return regions_.size(); }
  bool empty() const { return regions_.empty(); }

 private:
  std::vector<v1::Region> regions_;  // In code order.
  absl::flat_hash_map<std::string, size_t> index_;
  absl::flat_hash_map<std::string, std::vector<std::string>> children_;
};

}  // namespace gongkai::storage

#endif  // GONGKAI_STORAGE_REGISTRY_H_
