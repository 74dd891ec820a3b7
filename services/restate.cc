#include "services/restate.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/memory.h"
#include "common/status_macros.h"
#include "proto/cells.h"
#include "services/errors.h"

namespace gongkai {
namespace {

// The worker's tree of `root`'s subtree in `tree` (with the root's ancestors, so that it
// reaches the nation), and the codes of the subtree.
absl::StatusOr<std::shared_ptr<const worker::RegionTree>> SubtreeOf(
    const registry::YearTree& tree, const std::string& root,
    absl::flat_hash_set<std::string>* in_subtree) {
  std::vector<v1::Region> regions;
  for (const v1::Region* at = tree.Find(tree.Find(root)->parent_code()); at != nullptr;
       at = tree.Find(at->parent_code())) {
    regions.push_back(*at);
  }
  std::vector<const v1::Region*> stack = {tree.Find(root)};
  while (!stack.empty()) {
    const v1::Region* region = stack.back();
    stack.pop_back();
    regions.push_back(*region);
    in_subtree->insert(region->code());
    for (const v1::Region* child : tree.ChildrenOf(region->code())) stack.push_back(child);
  }
  return worker::RegionTree::Build(std::move(regions), tree.year());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Restatement>> Restatement::Compute(const Env& env,
                                                                  const RequestContext& context,
                                                                  const std::string& region_code,
                                                                  int year, int tree_year) {
  std::shared_ptr<const registry::TimedRegistry> registry = env.store->registry();
  std::shared_ptr<const registry::YearTree> to = registry->Tree(tree_year);
  std::shared_ptr<const registry::YearTree> from = registry->Tree(year);
  GONGKAI_RETURN_IF_ERROR(
      context.caller.RequireSubtree(kReadRoles, "read rollups", *to, region_code));
  if (to->Find(region_code) == nullptr) {
    return error::RegionNotFound(region_code, tree_year,
                                 registry::DescribeLife(*registry, region_code));
  }
  if (env.restate_limiter != nullptr) {
    GONGKAI_RETURN_IF_ERROR(env.restate_limiter->Acquire(context.deadline));
  }
  auto out = std::unique_ptr<Restatement>(new Restatement(env.restate_limiter));
  out->tree_year_ = tree_year;
  out->sequence_ = env.store->HeadSequence();
  out->now_ = env.clock();
  absl::flat_hash_set<std::string> in_subtree;
  GONGKAI_ASSIGN_OR_RETURN(out->tree_, SubtreeOf(*to, region_code, &in_subtree));
  static const worker::Settings kDefaults;
  out->model_ = std::make_unique<worker::YearModel>(
      year, out->tree_, env.worker_settings != nullptr ? env.worker_settings : &kDefaults);

  // Where each unit of `year` is in `tree_year` (nullopt: it cannot be followed).
  absl::flat_hash_map<std::string, std::optional<std::string>> followed;
  for (const v1::Region* unit : from->regions()) {
    followed[unit->code()] = registry->Follow(unit->code(), year, tree_year);
  }
  for (const v1::Region* unit : from->regions()) {
    const std::optional<std::string>& code = followed[unit->code()];
    if (code.has_value()) {
      if (!in_subtree.contains(*code)) continue;
      if (!context.caller.Covers(*from, unit->code())) {
        return absl::PermissionDeniedError(absl::StrCat(
            "principal ", context.caller.name(), " may not read rollups: the restated series of ",
            region_code, " includes ", unit->code(), ", which is outside its scope in ", year));
      }
      GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::ReportDigest> digests,
                               env.store->ListDigestsAt(unit->code(), year));
      for (v1::ReportDigest& digest : digests) {
        digest.mutable_key()->set_region_code(*code);
        digest.clear_problems();  // only the flags compare narratives; a restatement has none
        out->model_->Apply(digest);
      }
      continue;
    }
    // Unmapped: listed under where its nearest followed ancestor lands.
    std::string lands;
    for (const v1::Region* at = from->Find(unit->parent_code()); at != nullptr && lands.empty();
         at = from->Find(at->parent_code())) {
      if (const auto& f = followed[at->code()]; f.has_value()) lands = *f;
    }
    if (!in_subtree.contains(lands)) continue;
    Unmapped& unmapped = out->unmapped_.emplace_back();
    unmapped.region.set_code(unit->code());
    unmapped.region.set_name(unit->name());
    unmapped.lands_in = out->tree_->Find(lands);
    if (context.caller.Covers(*from, unit->code())) {
      GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::ReportDigest> left_out,
                               env.store->ListDigestsAt(unit->code(), year));
      unmapped.region.set_reports(static_cast<int>(left_out.size()));
    }
  }
  return out;
}

Restatement::~Restatement() {
  // As the worker does after a whole write: a large model's pages go back to the system rather
  // than stay with the allocator (five national restatements took gongkaid's RSS from 270 to
  // 435 MB without this, to 370 MB with it: bench/notes.md, step 21).
  const bool large = model_ != nullptr && model_->report_count() >= kLargeRestatement;
  model_.reset();
  tree_.reset();
  if (large) ReleaseFreeMemory();
}

v1::Rollup Restatement::RollupOf(const std::string& code) const {
  const int region = tree_->Find(code);
  v1::Rollup rollup = model_->BuildRollup(region, sequence_, now_);
  AddCellLabels(&rollup);
  rollup.set_tree_year(tree_year_);
  int reports = 0;
  for (const Unmapped& unmapped : unmapped_) {
    const std::vector<int> ancestors = tree_->Ancestors(unmapped.lands_in);
    if (std::find(ancestors.begin(), ancestors.end(), region) == ancestors.end()) continue;
    *rollup.add_unmapped_regions() = unmapped.region;
    reports += unmapped.region.reports();
  }
  rollup.set_unmapped_reports(reports);
  return rollup;
}

}  // namespace gongkai
