// Changes of the registry from a year on, as new versions of the codes' histories: an office's
// add, rename, move or retire (AdminService.ChangeRegion), or a national edition loaded for a
// year. Pure functions of the registry: the store writes what they plan (Store::UpdateRegistry).
#ifndef GONGKAI_REGISTRY_EDIT_H_
#define GONGKAI_REGISTRY_EDIT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gongkai/v1/admin_service.pb.h"
#include "gongkai/v1/region.pb.h"
#include "registry/registry.h"

namespace gongkai::registry {

// Who makes a change, when, and why (kept on every version and link it enters).
struct RegistryAuthor {
  std::string principal;
  absl::Time time;
  std::string note;
};

struct RegistryPlan {
  int from_year = 0;
  // The new histories of every code the change touches.
  std::vector<v1::RegionHistory> histories;
  // Each touched code in from_year, before and after.
  std::vector<v1::RegionDiff> diffs;
  // One line saying what the change is.
  std::string summary;
};

// Plans an add, rename, move or retire (see ChangeRegionRequest). INVALID_ARGUMENT naming the
// request field for a change that does not fit the tree of effective_year: a code not in use
// (or already in use), an unknown parent or one that cannot hold the region's level, a region
// with children to retire, successors not in use, or a code with a change entered for a later
// year (change that one first). effective_year must be at least the registry's first year.
absl::StatusOr<RegistryPlan> PlanRegionChange(const TimedRegistry& registry,
                                              const v1::ChangeRegionRequest& request,
                                              const RegistryAuthor& author);

// Plans a national edition as the tree of `year`: every code whose state in that year differs
// (added, renamed, moved to another parent, retired) gets a version from `year` on, sourced
// EDITION. The nation may be left out of `regions`. INVALID_ARGUMENT for a malformed region or
// a code with a change entered for a later year.
absl::StatusOr<RegistryPlan> PlanEdition(const TimedRegistry& registry, int year,
                                         const std::vector<v1::Region>& regions,
                                         const RegistryAuthor& author);

}  // namespace gongkai::registry

#endif  // GONGKAI_REGISTRY_EDIT_H_
