// RegionTree (worker/model.h): one year's regions as indices, built from the registry's records.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "worker/model.h"

namespace gongkai::worker {

absl::StatusOr<std::shared_ptr<const RegionTree>> RegionTree::Build(std::vector<v1::Region> regions,
                                                                    int year) {
  auto tree = std::make_shared<RegionTree>();
  tree->year_ = year;
  std::sort(regions.begin(), regions.end(),
            [](const v1::Region& a, const v1::Region& b) { return a.code() < b.code(); });
  const int n = static_cast<int>(regions.size());
  tree->regions_.reserve(n);  // never grown again: the index views the codes
  for (int i = 0; i < n; ++i) {
    v1::Region& region = regions[i];
    tree->regions_.push_back({std::move(*region.mutable_code()), std::move(*region.mutable_name()),
                              region.level(), region.placeholder()});
    tree->index_[tree->regions_[i].code] = i;
    for (const v1::RegionLink& link : region.predecessors()) {
      if (year != 0 && link.year() == year && link.one_to_one()) {
        tree->previous_[i] = link.code();
        tree->successor_of_[link.code()] = i;
      }
    }
  }
  tree->parents_.assign(n, -1);
  for (int i = 0; i < n; ++i) {
    const std::string& parent = regions[i].parent_code();
    if (parent.empty()) {
      tree->root_ = i;
      continue;
    }
    const int p = tree->Find(parent);
    if (p < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("region ", tree->regions_[i].code, " has unknown parent ", parent));
    }
    tree->parents_[i] = p;
  }
  if (tree->root_ < 0) return absl::InvalidArgumentError("the registry has no root region");
  // The children, counted per parent, then placed in code order.
  tree->first_child_.assign(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    if (tree->parents_[i] >= 0) ++tree->first_child_[tree->parents_[i] + 1];
  }
  for (int i = 0; i < n; ++i) tree->first_child_[i + 1] += tree->first_child_[i];
  tree->children_.resize(tree->first_child_[n]);
  std::vector<int> next(tree->first_child_.begin(), tree->first_child_.end() - 1);
  for (int i = 0; i < n; ++i) {
    if (tree->parents_[i] >= 0) tree->children_[next[tree->parents_[i]]++] = i;
  }
  tree->expected_.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    if (!tree->ExpectsReport(i)) continue;
    for (int a = i; a >= 0; a = tree->parents_[a]) ++tree->expected_[a];
  }
  return std::shared_ptr<const RegionTree>(std::move(tree));
}

const std::string& RegionTree::PreviousCode(int i) const {
  static const std::string* const kNone = new std::string();
  auto it = previous_.find(i);
  return it == previous_.end() ? *kNone : it->second;
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

}  // namespace gongkai::worker
