// Comparable series: a year's reports rolled up on another year's tree (GetRollupRequest.on_tree).
// Units are followed to that tree through one-to-one lineage (registry::TimedRegistry::Follow);
// units that split, merged or ended without one are listed as unmapped, never guessed, under
// the region their nearest followed ancestor lands in. Computed on demand with the worker's
// arithmetic, from the stored reports of the units that land in the region's subtree.
#ifndef GONGKAI_SERVICES_RESTATE_H_
#define GONGKAI_SERVICES_RESTATE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gongkai/v1/rollup.pb.h"
#include "services/env.h"
#include "worker/model.h"

namespace gongkai {

class Restatement {
 public:
  // The reports of `year` in the part of `tree_year`'s tree under `region_code`. The caller
  // must hold a read role and cover that subtree in `tree_year` and every unit of `year`
  // that lands in it in `year` (PERMISSION_DENIED otherwise, naming one); NOT_FOUND when the
  // region is not in `tree_year`'s tree. Holds a slot of env.restate_limiter while it lives
  // (RESOURCE_EXHAUSTED when none frees in time).
  static absl::StatusOr<std::unique_ptr<Restatement>> Compute(const Env& env,
                                                              const RequestContext& context,
                                                              const std::string& region_code,
                                                              int year, int tree_year);

  // The restated rollup of a region of the subtree (region_code itself or a descendant).
  v1::Rollup RollupOf(const std::string& code) const;

  // Hands the heap's free pages back after a restatement of kLargeRestatement reports or more.
  ~Restatement();

  // A province's reports, or more: their model passes through the heap at once.
  static constexpr int kLargeRestatement = 10000;

 private:
  struct Unmapped {
    v1::UnmappedRegion region;
    int lands_in = -1;  // Index in the tree of the region its nearest followed ancestor is.
  };
  // Holds a slot taken of `limiter` (null: none).
  explicit Restatement(Limiter* limiter) : slot_(limiter) {}

  // Declared first, so released after everything below is freed.
  Limiter::Slot slot_;
  std::shared_ptr<const worker::RegionTree> tree_;
  std::unique_ptr<worker::YearModel> model_;
  std::vector<Unmapped> unmapped_;
  int tree_year_ = 0;
  int64_t sequence_ = 0;
  absl::Time now_;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_RESTATE_H_
