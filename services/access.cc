#include "services/access.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/constants.h"
#include "common/status_macros.h"

namespace gongkai {
namespace {

// Whether `root` is `code` or one of its ancestors.
bool IsWithin(const registry::YearTree& registry, absl::string_view code, absl::string_view root) {
  if (root == kNationCode) return true;
  if (registry.Find(code) == nullptr) return false;
  const std::vector<std::string> path = registry.PathOf(code);
  return std::find(path.begin(), path.end(), root) != path.end();
}

std::string RoleNames(std::initializer_list<v1::Role> roles) {
  return absl::StrJoin(roles, " or ", [](std::string* out, v1::Role role) {
    std::string name = v1::Role_Name(role);
    out->append(absl::AsciiStrToLower(absl::string_view(name).substr(5)));  // drop "ROLE_"
  });
}

absl::Status Denied(const Caller& caller, absl::string_view what, absl::string_view why) {
  return absl::PermissionDeniedError(
      absl::StrCat("principal ", caller.name(), " may not ", what, ": ", why));
}

}  // namespace

Caller Caller::Open() {
  v1::Principal principal;
  principal.set_name("anonymous");
  for (v1::Role role :
       {v1::ROLE_SUBMITTER, v1::ROLE_READER, v1::ROLE_WORKER, v1::ROLE_ADMIN, v1::ROLE_REVIEWER}) {
    principal.add_roles(role);
  }
  principal.add_region_codes(std::string(kNationCode));
  return Caller(std::move(principal));
}

bool Caller::Has(v1::Role role) const {
  return std::find(principal_.roles().begin(), principal_.roles().end(), role) !=
         principal_.roles().end();
}

bool Caller::BodyMatches(absl::string_view body) const {
  if (principal_.body().empty()) return true;
  return principal_.body() == (body.empty() ? kGovernmentBody : body);
}

bool Caller::Covers(const registry::YearTree& registry, absl::string_view region_code,
                    absl::string_view body) const {
  if (!BodyMatches(body)) return false;
  for (const std::string& root : principal_.region_codes()) {
    if (IsWithin(registry, region_code, root)) return true;
  }
  return false;
}

bool Caller::CoversSubtree(const registry::YearTree& registry,
                           absl::string_view region_code) const {
  return principal_.body().empty() && Covers(registry, region_code);
}

bool Caller::Within(const registry::YearTree& registry, absl::string_view region_code) const {
  for (const std::string& root : principal_.region_codes()) {
    if (IsWithin(registry, region_code, root)) return true;
  }
  return false;
}

bool Caller::Overlaps(const registry::YearTree& registry, absl::string_view region_code) const {
  for (const std::string& root : principal_.region_codes()) {
    if (IsWithin(registry, region_code, root)) return true;
    // The region is an ancestor of the scope's root (or the nation).
    if (registry.Find(region_code) != nullptr && IsWithin(registry, root, region_code)) {
      return true;
    }
  }
  return false;
}

bool Caller::Reviews(const registry::YearTree& registry, absl::string_view region_code,
                     absl::string_view body) const {
  if (!Has(v1::ROLE_REVIEWER) || !BodyMatches(body)) return false;
  for (const std::string& root : principal_.region_codes()) {
    if (IsWithin(registry, region_code, root) && (region_code != root || !body.empty())) {
      return true;
    }
  }
  return false;
}

bool Caller::Contains(const registry::YearTree& registry, const v1::Principal& other) const {
  if (!principal_.body().empty() && other.body() != principal_.body()) return false;
  for (const std::string& root : other.region_codes()) {
    bool covered = false;
    for (const std::string& mine : principal_.region_codes()) {
      covered = covered || IsWithin(registry, root, mine);
    }
    if (!covered) return false;
  }
  return true;
}

absl::Status Caller::Require(std::initializer_list<v1::Role> roles, absl::string_view what) const {
  for (v1::Role role : roles) {
    if (Has(role)) return absl::OkStatus();
  }
  return Denied(*this, what, absl::StrCat("it needs the ", RoleNames(roles), " role"));
}

absl::Status Caller::RequireFor(std::initializer_list<v1::Role> roles, absl::string_view what,
                                const registry::YearTree& registry, absl::string_view region_code,
                                absl::string_view body) const {
  GONGKAI_RETURN_IF_ERROR(Require(roles, what));
  if (Covers(registry, region_code, body)) return absl::OkStatus();
  return Denied(*this, what,
                absl::StrCat("region ", region_code, body.empty() ? "" : " body ", body,
                             " is outside its scope"));
}

absl::Status Caller::RequireSubtree(std::initializer_list<v1::Role> roles, absl::string_view what,
                                    const registry::YearTree& registry,
                                    absl::string_view region_code) const {
  GONGKAI_RETURN_IF_ERROR(Require(roles, what));
  if (CoversSubtree(registry, region_code)) return absl::OkStatus();
  return Denied(*this, what,
                absl::StrCat("the subtree of region ", region_code, " is not wholly in its scope"));
}

absl::Status Caller::RequireReviewer(absl::string_view what, const registry::YearTree& registry,
                                     absl::string_view region_code, absl::string_view body) const {
  GONGKAI_RETURN_IF_ERROR(Require({v1::ROLE_REVIEWER}, what));
  if (Reviews(registry, region_code, body)) return absl::OkStatus();
  return Denied(*this, what,
                absl::StrCat("it does not review the report of region ", region_code,
                             body.empty() ? "" : " body ", body,
                             " (a reviewer reviews the regions below its scope's roots and the "
                             "roots' bodies, never a root's own government report)"));
}

absl::Status Caller::RequireWithin(std::initializer_list<v1::Role> roles, absl::string_view what,
                                   const registry::YearTree& registry,
                                   absl::string_view region_code) const {
  GONGKAI_RETURN_IF_ERROR(Require(roles, what));
  if (Within(registry, region_code)) return absl::OkStatus();
  return Denied(*this, what, absl::StrCat("region ", region_code, " is outside its scope"));
}

absl::Status Caller::RequireOverlap(std::initializer_list<v1::Role> roles, absl::string_view what,
                                    const registry::YearTree& registry,
                                    absl::string_view region_code) const {
  GONGKAI_RETURN_IF_ERROR(Require(roles, what));
  if (Overlaps(registry, region_code)) return absl::OkStatus();
  return Denied(*this, what, absl::StrCat("region ", region_code, " is outside its scope"));
}

}  // namespace gongkai
