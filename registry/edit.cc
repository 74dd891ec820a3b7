#include "registry/edit.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/time.h"

namespace gongkai::registry {
namespace {

using Request = v1::ChangeRegionRequest;

bool IsCode(absl::string_view code) {
  return code.size() == 12 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The digits of a code that its level makes significant (the rest are zeros).
size_t SignificantDigits(v1::Level level) {
  switch (level) {
    case v1::LEVEL_PROVINCE:
      return 2;
    case v1::LEVEL_PREFECTURE:
      return 4;
    case v1::LEVEL_COUNTY:
      return 6;
    default:
      return 9;
  }
}

bool SameState(const v1::RegionVersion& a, const v1::RegionVersion& b) {
  if (a.retired() || b.retired()) return a.retired() == b.retired();
  return a.name() == b.name() && a.parent_code() == b.parent_code() && a.level() == b.level() &&
         a.placeholder() == b.placeholder();
}

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// Collects new versions and links for the codes a change touches, against the tree of one
// year (the codes' states in that year as the registry has them).
class Editor {
 public:
  Editor(const TimedRegistry& registry, int year, const RegistryAuthor& author,
         v1::RegistrySource source)
      : registry_(registry),
        tree_(registry.Tree(year)),
        year_(year),
        author_(author),
        source_(source) {}

  const YearTree& tree() const { return *tree_; }
  int year() const { return year_; }

  // A version in use from the year on, with the author's provenance.
  v1::RegionVersion InUse(const std::string& name, const std::string& parent,
                          v1::Level level) const {
    v1::RegionVersion version = Stamped();
    version.set_name(name);
    version.set_parent_code(parent);
    version.set_level(level);
    version.set_placeholder(level == v1::LEVEL_PREFECTURE && IsPlaceholderName(name));
    return version;
  }
  v1::RegionVersion Retired() const {
    v1::RegionVersion version = Stamped();
    version.set_retired(true);
    return version;
  }

  // The code's state from the year on becomes `version`. INVALID_ARGUMENT when the code has a
  // version from a later year.
  absl::Status Set(const std::string& code, v1::RegionVersion version) {
    v1::RegionHistory& history = Touch(code);
    for (const v1::RegionVersion& v : history.versions()) {
      if (v.from_year() > year_) {
        return Invalid(code, absl::StrCat("has a change entered from ", v.from_year(),
                                          "; change that one first"));
      }
    }
    auto* versions = history.mutable_versions();
    if (!versions->empty() && versions->rbegin()->from_year() == year_) versions->RemoveLast();
    const bool unchanged =
        versions->empty() ? version.retired() : SameState(*versions->rbegin(), version);
    if (!unchanged) *versions->Add() = std::move(version);
    return absl::OkStatus();
  }

  void Link(const std::string& old_code, const std::string& new_code, const std::string& change) {
    v1::RegionLink link;
    link.set_year(year_);
    link.set_source(v1::REGISTRY_SOURCE_ENTERED);
    link.set_change(change);
    link.set_principal(author_.principal);
    *link.mutable_time() = ToProtoTime(author_.time);
    link.set_code(new_code);
    *Touch(old_code).add_successors() = link;
    link.set_code(old_code);
    *Touch(new_code).add_predecessors() = link;
  }

  // INVALID_ARGUMENT naming `field` unless `code` is free to take in the year (not in use,
  // and not given a version by this change already).
  absl::Status CheckFree(absl::string_view field, const std::string& code) const {
    if (!IsCode(code)) return Invalid(field, absl::StrCat("\"", code, "\" is not 12 digits"));
    if (tree_->Find(code) != nullptr || taken_.contains(code)) {
      return Invalid(field, absl::StrCat(code, " is in use in ", year_));
    }
    return absl::OkStatus();
  }
  void Take(const std::string& code) { taken_.insert(code); }

  RegistryPlan Finish(std::string summary) const {
    RegistryPlan plan;
    plan.from_year = year_;
    plan.summary = std::move(summary);
    for (const auto& [code, history] : touched_) {
      plan.histories.push_back(history);
      v1::RegionDiff diff;
      diff.set_code(code);
      const v1::Region* before = tree_->Find(code);
      if (before != nullptr) *diff.mutable_before() = *before;
      const v1::RegionVersion* now = nullptr;
      for (const v1::RegionVersion& v : history.versions()) {
        if (v.from_year() <= year_) now = &v;
      }
      if (now != nullptr && !now->retired()) {
        v1::Region* after = diff.mutable_after();
        after->set_code(code);
        after->set_name(now->name());
        after->set_level(now->level());
        after->set_parent_code(now->parent_code());
        after->set_placeholder(now->placeholder());
      }
      diff.set_change(ChangeOf(diff));
      if (!diff.change().empty()) plan.diffs.push_back(std::move(diff));
    }
    return plan;
  }

 private:
  static std::string ChangeOf(const v1::RegionDiff& diff) {
    if (!diff.has_before() && !diff.has_after()) return "";
    if (!diff.has_before()) return "added";
    if (!diff.has_after()) return "retired";
    if (diff.before().parent_code() != diff.after().parent_code()) return "reparented";
    if (diff.before().level() != diff.after().level()) return "relevelled";
    if (diff.before().name() != diff.after().name()) return "renamed";
    return "";  // Only links changed.
  }

  v1::RegionVersion Stamped() const {
    v1::RegionVersion version;
    version.set_from_year(year_);
    version.set_source(source_);
    version.set_principal(author_.principal);
    *version.mutable_time() = ToProtoTime(author_.time);
    version.set_note(author_.note);
    return version;
  }

  v1::RegionHistory& Touch(const std::string& code) {
    auto [it, inserted] = touched_.try_emplace(code);
    if (inserted) {
      if (const v1::RegionHistory* history = registry_.History(code)) {
        it->second = *history;
      } else {
        it->second.set_code(code);
      }
    }
    return it->second;
  }

  const TimedRegistry& registry_;
  const std::shared_ptr<const YearTree> tree_;
  const int year_;
  const RegistryAuthor& author_;
  const v1::RegistrySource source_;
  std::map<std::string, v1::RegionHistory> touched_;
  std::set<std::string> taken_;
};

// The region `code` of the year's tree; INVALID_ARGUMENT naming `field` when not in use.
absl::StatusOr<const v1::Region*> InUse(const Editor& editor, absl::string_view field,
                                        const std::string& code) {
  const v1::Region* region = editor.tree().Find(code);
  if (region == nullptr) {
    return Invalid(field,
                   absl::StrCat(code.empty() ? "\"\"" : code, " is not in use in ", editor.year()));
  }
  return region;
}

absl::StatusOr<v1::Level> ChildLevel(absl::string_view field, const v1::Region& parent) {
  if (parent.level() == v1::LEVEL_TOWNSHIP) {
    return Invalid(field, absl::StrCat(parent.code(), " is a township: it has no regions below"));
  }
  return static_cast<v1::Level>(parent.level() + 1);
}

absl::StatusOr<RegistryPlan> Add(Editor& e, const Request& r) {
  GONGKAI_RETURN_IF_ERROR(e.CheckFree("code", r.code()));
  if (r.name().empty()) return Invalid("name", "a new region needs a name");
  GONGKAI_ASSIGN_OR_RETURN(const v1::Region* parent, InUse(e, "parent_code", r.parent_code()));
  GONGKAI_ASSIGN_OR_RETURN(v1::Level level, ChildLevel("parent_code", *parent));
  GONGKAI_RETURN_IF_ERROR(e.Set(r.code(), e.InUse(r.name(), r.parent_code(), level)));
  return e.Finish(absl::StrCat("add ", r.code(), " ", r.name(), " under ", r.parent_code(),
                               " from ", e.year()));
}

absl::StatusOr<RegistryPlan> Rename(Editor& e, const Request& r) {
  GONGKAI_ASSIGN_OR_RETURN(const v1::Region* region, InUse(e, "code", r.code()));
  if (r.name().empty()) return Invalid("name", "the new name is missing");
  GONGKAI_RETURN_IF_ERROR(
      e.Set(r.code(), e.InUse(r.name(), region->parent_code(), region->level())));
  return e.Finish(
      absl::StrCat("rename ", r.code(), " ", region->name(), " → ", r.name(), " from ", e.year()));
}

// The region's descendants in the year's tree, parents before children.
std::vector<const v1::Region*> Descendants(const YearTree& tree, const std::string& code) {
  std::vector<const v1::Region*> out;
  for (const v1::Region* child : tree.ChildrenOf(code)) {
    out.push_back(child);
    for (const v1::Region* d : Descendants(tree, child->code())) out.push_back(d);
  }
  return out;
}

absl::StatusOr<RegistryPlan> Move(Editor& e, const Request& r) {
  GONGKAI_ASSIGN_OR_RETURN(const v1::Region* region, InUse(e, "code", r.code()));
  GONGKAI_ASSIGN_OR_RETURN(const v1::Region* parent, InUse(e, "parent_code", r.parent_code()));
  if (parent->level() >= region->level()) {
    return Invalid("parent_code", absl::StrCat(r.parent_code(), " cannot hold a region of ",
                                               v1::Level_Name(region->level())));
  }
  if (e.tree().Contains(r.code(), r.parent_code())) {
    return Invalid("parent_code", "a region cannot move under itself");
  }
  const std::string new_code = r.new_code().empty() ? r.code() : r.new_code();
  const std::string name = r.name().empty() ? region->name() : r.name();
  // Old code → new code, for the region and the descendants that share its digits.
  std::map<std::string, std::string> recode;
  if (new_code != r.code()) {
    GONGKAI_RETURN_IF_ERROR(e.CheckFree("new_code", new_code));
    e.Take(new_code);
    recode[r.code()] = new_code;
    const size_t digits = SignificantDigits(region->level());
    for (const v1::Region* d : Descendants(e.tree(), r.code())) {
      if (d->code().compare(0, digits, r.code(), 0, digits) != 0) continue;
      const std::string moved = new_code.substr(0, digits) + d->code().substr(digits);
      GONGKAI_RETURN_IF_ERROR(e.CheckFree("new_code", moved));
      e.Take(moved);
      recode[d->code()] = moved;
    }
  }
  auto mapped = [&](const std::string& code) {
    auto it = recode.find(code);
    return it == recode.end() ? code : it->second;
  };
  GONGKAI_RETURN_IF_ERROR(e.Set(new_code, e.InUse(name, r.parent_code(), region->level())));
  for (const v1::Region* d : Descendants(e.tree(), r.code())) {
    if (recode.contains(d->code())) {
      GONGKAI_RETURN_IF_ERROR(
          e.Set(mapped(d->code()), e.InUse(d->name(), mapped(d->parent_code()), d->level())));
    } else if (recode.contains(d->parent_code())) {
      // A descendant whose code does not share the digits keeps it, under the new parent code.
      GONGKAI_RETURN_IF_ERROR(
          e.Set(d->code(), e.InUse(d->name(), mapped(d->parent_code()), d->level())));
    }
  }
  for (const auto& [old_code, moved] : recode) {
    GONGKAI_RETURN_IF_ERROR(e.Set(old_code, e.Retired()));
    e.Link(old_code, moved, "moved");
  }
  return e.Finish(absl::StrCat(
      "move ", r.code(), " ", region->name(),
      new_code == r.code() ? "" : absl::StrCat(" → ", new_code), " under ", r.parent_code(),
      " from ", e.year(),
      recode.size() > 1 ? absl::StrCat(" (", recode.size() - 1, " below re-coded)") : ""));
}

absl::StatusOr<RegistryPlan> Retire(Editor& e, const Request& r) {
  GONGKAI_ASSIGN_OR_RETURN(const v1::Region* region, InUse(e, "code", r.code()));
  if (r.code() == kNationCode) return Invalid("code", "the nation cannot be retired");
  if (!e.tree().ChildrenOf(r.code()).empty()) {
    return Invalid("code",
                   absl::StrCat(r.code(), " has ", e.tree().ChildrenOf(r.code()).size(),
                                " regions below it in ", e.year(), ": move or retire them first"));
  }
  for (const std::string& successor : r.successor_codes()) {
    GONGKAI_RETURN_IF_ERROR(InUse(e, "successor_codes", successor).status());
    if (successor == r.code()) return Invalid("successor_codes", "a region cannot succeed itself");
  }
  GONGKAI_RETURN_IF_ERROR(e.Set(r.code(), e.Retired()));
  for (const std::string& successor : r.successor_codes()) {
    e.Link(r.code(), successor, r.successor_codes_size() == 1 ? "retired" : "split");
  }
  return e.Finish(absl::StrCat(
      "retire ", r.code(), " ", region->name(), " from ", e.year(),
      r.successor_codes().empty()
          ? ""
          : absl::StrCat(" (successors ", absl::StrJoin(r.successor_codes(), ", "), ")")));
}

}  // namespace

absl::StatusOr<RegistryPlan> PlanRegionChange(const TimedRegistry& registry,
                                              const v1::ChangeRegionRequest& request,
                                              const RegistryAuthor& author) {
  if (request.effective_year() < registry.first_year()) {
    return Invalid("effective_year",
                   absl::StrCat("must be at least ", registry.first_year(), " (the first year)"));
  }
  Editor editor(registry, request.effective_year(), author, v1::REGISTRY_SOURCE_ENTERED);
  switch (request.action()) {
    case Request::ACTION_ADD:
      return Add(editor, request);
    case Request::ACTION_RENAME:
      return Rename(editor, request);
    case Request::ACTION_MOVE:
      return Move(editor, request);
    case Request::ACTION_RETIRE:
      return Retire(editor, request);
    default:
      return Invalid("action", "must be ADD, RENAME, MOVE or RETIRE");
  }
}

absl::StatusOr<RegistryPlan> PlanEdition(const TimedRegistry& registry, int year,
                                         const std::vector<v1::Region>& regions,
                                         const RegistryAuthor& author) {
  if (year < registry.first_year()) {
    return Invalid("year", absl::StrCat("must be at least ", registry.first_year()));
  }
  Editor editor(registry, year, author, v1::REGISTRY_SOURCE_EDITION);
  std::map<std::string, const v1::Region*> wanted;
  for (const v1::Region& region : regions) {
    if (!IsCode(region.code()) || region.name().empty() ||
        (region.code() != kNationCode && !IsCode(region.parent_code()))) {
      return Invalid("regions", absl::StrCat("region \"", region.code(),
                                             "\" needs a 12-digit code, a name and a parent"));
    }
    wanted[region.code()] = &region;
  }
  std::set<std::string> codes;
  for (const v1::Region* region : editor.tree().regions()) codes.insert(region->code());
  for (const auto& [code, region] : wanted) codes.insert(code);
  codes.erase(std::string(kNationCode));
  int changed = 0;
  for (const std::string& code : codes) {
    const v1::Region* now = editor.tree().Find(code);
    auto it = wanted.find(code);
    if (it == wanted.end()) {
      GONGKAI_RETURN_IF_ERROR(editor.Set(code, editor.Retired()));
      ++changed;
      continue;
    }
    const v1::Region& want = *it->second;
    if (now != nullptr && now->name() == want.name() && now->parent_code() == want.parent_code() &&
        now->level() == want.level()) {
      continue;
    }
    GONGKAI_RETURN_IF_ERROR(
        editor.Set(code, editor.InUse(want.name(), want.parent_code(), want.level())));
    ++changed;
  }
  return editor.Finish(
      absl::StrCat("national edition for ", year, ": ", changed, " code(s) changed"));
}

}  // namespace gongkai::registry
