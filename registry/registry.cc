#include "registry/registry.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace gongkai::registry {
namespace {

// Deep enough for any real tree (nation, province, prefecture, county, township).
constexpr int kMaxDepth = 16;

bool IsCode(absl::string_view code) {
  return code.size() == 12 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

absl::Status CheckHistory(const v1::RegionHistory& history) {
  if (!IsCode(history.code())) {
    return absl::InvalidArgumentError(
        absl::StrCat("region code \"", history.code(), "\" is not 12 digits"));
  }
  if (history.versions().empty() || history.versions(0).retired()) {
    return absl::InvalidArgumentError(
        absl::StrCat("region ", history.code(), " has no version in use"));
  }
  for (int i = 1; i < history.versions_size(); ++i) {
    if (history.versions(i).from_year() <= history.versions(i - 1).from_year()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the versions of region ", history.code(), " are out of order"));
    }
  }
  return absl::OkStatus();
}

// Rewrites every history's links from the (old, new, year) pairs either side names, so both
// sides agree, and marks the one-to-one ones: the old code has exactly one successor in that
// year and the new code exactly one predecessor.
void NormalizeLinks(std::vector<v1::RegionHistory>* histories,
                    const absl::flat_hash_map<std::string, int>& index) {
  std::map<std::tuple<std::string, std::string, int>, v1::RegionLink> links;
  for (const v1::RegionHistory& h : *histories) {
    for (const v1::RegionLink& s : h.successors()) {
      links.emplace(std::make_tuple(h.code(), s.code(), s.year()), s);
    }
    for (const v1::RegionLink& p : h.predecessors()) {
      links.emplace(std::make_tuple(p.code(), h.code(), p.year()), p);
    }
  }
  std::map<std::pair<std::string, int>, int> successors, predecessors;
  for (const auto& [key, link] : links) {
    ++successors[{std::get<0>(key), std::get<2>(key)}];
    ++predecessors[{std::get<1>(key), std::get<2>(key)}];
  }
  for (v1::RegionHistory& h : *histories) {
    h.clear_successors();
    h.clear_predecessors();
  }
  for (const auto& [key, link] : links) {
    const auto& [old_code, new_code, year] = key;
    auto from = index.find(old_code);
    auto to = index.find(new_code);
    if (from == index.end() || to == index.end()) continue;  // A code never in the registry.
    v1::RegionLink out = link;
    out.set_year(year);
    out.set_one_to_one(successors[{old_code, year}] == 1 && predecessors[{new_code, year}] == 1);
    out.set_code(new_code);
    *(*histories)[from->second].add_successors() = out;
    out.set_code(old_code);
    *(*histories)[to->second].add_predecessors() = out;
  }
}

}  // namespace

// ---- YearTree: one year's tree ------------------------------------------------------------

absl::StatusOr<std::shared_ptr<const YearTree>> YearTree::Index(
    int year, std::vector<const v1::Region*> regions, std::shared_ptr<const void> owner) {
  auto registry = std::shared_ptr<YearTree>(new YearTree());
  registry->year_ = year;
  registry->owner_ = std::move(owner);
  std::sort(regions.begin(), regions.end(),
            [](const v1::Region* a, const v1::Region* b) { return a->code() < b->code(); });
  registry->regions_ = std::move(regions);
  const std::string in_year = year == 0 ? "" : absl::StrCat(" in ", year);
  for (size_t i = 0; i < registry->regions_.size(); ++i) {
    if (!registry->index_.emplace(registry->regions_[i]->code(), static_cast<int>(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("region code repeats", in_year, ": ", registry->regions_[i]->code()));
    }
  }
  for (const v1::Region* region : registry->regions_) {
    if (region->parent_code().empty()) continue;
    auto parent = registry->index_.find(region->parent_code());
    if (parent == registry->index_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("region ", region->code(), " has parent ",
                                                     region->parent_code(), ", which is not in use",
                                                     in_year));
    }
    registry->children_[parent->second].push_back(region);  // In code order, as regions_.
  }
  for (const v1::Region* region : registry->regions_) {
    const v1::Region* at = region;
    for (int depth = 0; at != nullptr && !at->parent_code().empty(); ++depth) {
      if (depth > kMaxDepth) {
        return absl::InvalidArgumentError(
            absl::StrCat("region ", region->code(), " is in a cycle", in_year));
      }
      at = registry->Find(at->parent_code());
    }
  }
  return std::shared_ptr<const YearTree>(std::move(registry));
}

absl::StatusOr<std::shared_ptr<const YearTree>> YearTree::Build(std::vector<v1::Region> regions) {
  auto owned = std::make_shared<const std::vector<v1::Region>>(std::move(regions));
  std::vector<const v1::Region*> pointers;
  pointers.reserve(owned->size());
  for (const v1::Region& region : *owned) pointers.push_back(&region);
  return Index(0, std::move(pointers), owned);
}

const v1::Region* YearTree::Find(absl::string_view code) const {
  auto it = index_.find(code);
  return it == index_.end() ? nullptr : regions_[it->second];
}

const std::vector<const v1::Region*>& YearTree::ChildrenOf(absl::string_view code) const {
  static const std::vector<const v1::Region*>* const kNone = new std::vector<const v1::Region*>();
  auto it = index_.find(code);
  if (it == index_.end()) return *kNone;
  auto children = children_.find(it->second);
  return children == children_.end() ? *kNone : children->second;
}

std::vector<std::string> YearTree::PathOf(absl::string_view code) const {
  std::vector<std::string> path;
  for (const v1::Region* at = Find(code); at != nullptr && !at->parent_code().empty();
       at = Find(at->parent_code())) {
    path.push_back(at->code());
  }
  std::reverse(path.begin(), path.end());
  return path;
}

bool YearTree::Contains(absl::string_view root, absl::string_view code) const {
  if (root == kNationCode) return true;
  for (const v1::Region* at = Find(code); at != nullptr; at = Find(at->parent_code())) {
    if (at->code() == root) return true;
  }
  return false;
}

std::vector<v1::Region> YearTree::SearchByName(absl::string_view prefix, size_t limit) const {
  std::vector<v1::Region> found;
  for (const v1::Region* region : regions_) {
    if (found.size() >= limit) break;
    if (absl::StartsWith(region->name(), prefix)) found.push_back(*region);
  }
  return found;
}

// ---- TimedRegistry ------------------------------------------------------------------------

std::shared_ptr<const TimedRegistry> TimedRegistry::Empty() {
  auto registry = std::shared_ptr<TimedRegistry>(new TimedRegistry());
  registry->pool_ = std::make_shared<std::deque<v1::Region>>();
  registry->trees_[registry->first_year_] =
      *YearTree::Index(registry->first_year_, {}, registry->pool_);
  return registry;
}

absl::StatusOr<std::shared_ptr<const TimedRegistry>> TimedRegistry::Build(
    std::vector<v1::RegionHistory> histories) {
  if (histories.empty()) return Empty();
  auto registry = std::shared_ptr<TimedRegistry>(new TimedRegistry());
  std::sort(histories.begin(), histories.end(),
            [](const auto& a, const auto& b) { return a.code() < b.code(); });
  int first = 0, last = 0;
  for (size_t i = 0; i < histories.size(); ++i) {
    GONGKAI_RETURN_IF_ERROR(CheckHistory(histories[i]));
    if (!registry->index_.emplace(histories[i].code(), static_cast<int>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat("region code repeats: ", histories[i].code()));
    }
    const int from = histories[i].versions(0).from_year();
    first = first == 0 ? from : std::min(first, from);
    last = std::max(last, histories[i].versions().rbegin()->from_year());
  }
  NormalizeLinks(&histories, registry->index_);
  registry->histories_ = std::move(histories);
  registry->first_year_ = first;
  registry->last_year_ = last;

  // One Region per version in use, with the code's run of years around it and its links.
  registry->pool_ = std::make_shared<std::deque<v1::Region>>();
  std::vector<std::vector<const v1::Region*>> by_version(registry->histories_.size());
  for (size_t h = 0; h < registry->histories_.size(); ++h) {
    const v1::RegionHistory& history = registry->histories_[h];
    int run_start = 0;
    for (int v = 0; v < history.versions_size(); ++v) {
      const v1::RegionVersion& version = history.versions(v);
      if (version.retired()) {
        by_version[h].push_back(nullptr);
        continue;
      }
      if (v == 0 || history.versions(v - 1).retired()) run_start = version.from_year();
      int run_end = 0;
      for (int w = v + 1; w < history.versions_size(); ++w) {
        if (history.versions(w).retired()) {
          run_end = history.versions(w).from_year() - 1;
          break;
        }
      }
      v1::Region& region = registry->pool_->emplace_back();
      region.set_code(history.code());
      region.set_name(version.name());
      region.set_level(version.level());
      region.set_parent_code(version.parent_code());
      region.set_placeholder(version.placeholder());
      region.set_first_year(run_start);
      region.set_last_year(run_end);
      *region.mutable_predecessors() = history.predecessors();
      *region.mutable_successors() = history.successors();
      by_version[h].push_back(&region);
    }
  }
  // Every year's tree.
  std::vector<int> at(registry->histories_.size(), -1);  // The version in effect, per code.
  for (int year = first; year <= last; ++year) {
    std::vector<const v1::Region*> regions;
    for (size_t h = 0; h < registry->histories_.size(); ++h) {
      const auto& versions = registry->histories_[h].versions();
      while (at[h] + 1 < versions.size() && versions[at[h] + 1].from_year() <= year) ++at[h];
      if (at[h] >= 0 && by_version[h][at[h]] != nullptr) regions.push_back(by_version[h][at[h]]);
    }
    GONGKAI_ASSIGN_OR_RETURN(std::shared_ptr<const YearTree> tree,
                             YearTree::Index(year, std::move(regions), registry->pool_));
    if (tree->Find(kNationCode) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("the registry has no nation in ", year));
    }
    registry->trees_[year] = std::move(tree);
  }
  return std::shared_ptr<const TimedRegistry>(std::move(registry));
}

std::shared_ptr<const YearTree> TimedRegistry::Tree(int year) const {
  return trees_.at(std::clamp(year, first_year_, last_year_));
}

const v1::RegionHistory* TimedRegistry::History(absl::string_view code) const {
  auto it = index_.find(code);
  return it == index_.end() ? nullptr : &histories_[it->second];
}

std::optional<std::string> TimedRegistry::Follow(absl::string_view code, int from, int to) const {
  std::string at(code);
  if (Tree(from)->Find(at) == nullptr) return std::nullopt;
  const int step = from < to ? 1 : -1;
  for (int year = from; year != to; year += step) {
    const int next = year + step;
    if (Tree(next)->Find(at) != nullptr) continue;
    const v1::RegionHistory* history = History(at);
    // Forwards: a successor beginning next year; backwards: the predecessor this code began
    // from (this year).
    const auto& links = step > 0 ? history->successors() : history->predecessors();
    const int link_year = step > 0 ? next : year;
    const v1::RegionLink* found = nullptr;
    for (const v1::RegionLink& link : links) {
      if (link.year() == link_year && link.one_to_one()) found = &link;
    }
    if (found == nullptr || Tree(next)->Find(found->code()) == nullptr) return std::nullopt;
    at = found->code();
  }
  return at;
}

std::string DescribeLife(const TimedRegistry& registry, absl::string_view code) {
  const v1::RegionHistory* history = registry.History(code);
  if (history == nullptr) return "";
  std::vector<std::string> runs;
  for (int v = 0; v < history->versions_size(); ++v) {
    const v1::RegionVersion& version = history->versions(v);
    if (version.retired() || (v > 0 && !history->versions(v - 1).retired())) continue;
    int end = 0;
    for (int w = v + 1; w < history->versions_size() && end == 0; ++w) {
      if (history->versions(w).retired()) end = history->versions(w).from_year() - 1;
    }
    runs.push_back(absl::StrCat(version.from_year(), "–", end == 0 ? "" : absl::StrCat(end)));
  }
  std::string out = absl::StrCat("in use ", absl::StrJoin(runs, ", "));
  for (const v1::RegionLink& link : history->successors()) {
    absl::StrAppend(&out, "; continued by ", link.code(), " from ", link.year());
  }
  return out;
}

}  // namespace gongkai::registry
