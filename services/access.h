// Who is calling and what they may touch: a principal's roles and region-subtree scope,
// checked by every service function before it looks anything up (so a refusal never hints
// whether the target exists). See docs/SECURITY.md.
#ifndef GONGKAI_SERVICES_ACCESS_H_
#define GONGKAI_SERVICES_ACCESS_H_

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gongkai/v1/auth.pb.h"
#include "registry/registry.h"

namespace gongkai {

// The roles that may read reports, revisions, the change log, rollups and anomalies.
inline constexpr std::initializer_list<v1::Role> kReadRoles = {v1::ROLE_READER, v1::ROLE_SUBMITTER,
                                                               v1::ROLE_WORKER, v1::ROLE_REVIEWER};

// An authenticated caller. Cheap to copy.
class Caller {
 public:
  // The caller of a server running open (no credentials configured): "anonymous", with every
  // role over the whole nation.
  static Caller Open();
  explicit Caller(v1::Principal principal) : principal_(std::move(principal)) {}

  const std::string& name() const { return principal_.name(); }
  const v1::Principal& principal() const { return principal_; }
  bool Has(v1::Role role) const;

  // Whether the scope covers reports of `body` (empty: the government's own) in `region_code`.
  // An unknown region is covered only by a nation-wide scope.
  bool Covers(const registry::YearTree& registry, absl::string_view region_code,
              absl::string_view body = "") const;
  // Whether the scope covers every report of the region's subtree (no body restriction).
  bool CoversSubtree(const registry::YearTree& registry, absl::string_view region_code) const;
  // Whether the region lies in the scope (is a root or below one), whatever the body.
  bool Within(const registry::YearTree& registry, absl::string_view region_code) const;
  // Whether the scope covers any part of the region's subtree (listings then filter).
  bool Overlaps(const registry::YearTree& registry, absl::string_view region_code) const;
  // Whether the caller holds the reviewer role and its scope makes it the reviewer of the
  // report of `body` (empty: the government's) at `region_code`: the region lies strictly
  // below one of the scope's roots, or it is a root and the report is a body's. A root's own
  // government report (own or summary) is the level above's to review. The body restriction
  // applies as for Covers.
  bool Reviews(const registry::YearTree& registry, absl::string_view region_code,
               absl::string_view body) const;
  // Whether every region of `other`'s scope lies in this one (and its body is no wider).
  bool Contains(const registry::YearTree& registry, const v1::Principal& other) const;

  // PERMISSION_DENIED naming `what` unless the caller holds one of `roles`.
  absl::Status Require(std::initializer_list<v1::Role> roles, absl::string_view what) const;
  // As Require, and the scope must cover (region_code, body); the refusal is the same whether
  // or not the region or report exists.
  absl::Status RequireFor(std::initializer_list<v1::Role> roles, absl::string_view what,
                          const registry::YearTree& registry, absl::string_view region_code,
                          absl::string_view body = "") const;
  // As Require, and the scope must cover the region's whole subtree, every body included (for
  // what aggregates or copies the subtree: rollups, jobs, backups, the worker's writes).
  absl::Status RequireSubtree(std::initializer_list<v1::Role> roles, absl::string_view what,
                              const registry::YearTree& registry,
                              absl::string_view region_code) const;
  // PERMISSION_DENIED unless Reviews(registry, region_code, body); the refusal is the same
  // whether or not the report exists.
  absl::Status RequireReviewer(absl::string_view what, const registry::YearTree& registry,
                               absl::string_view region_code, absl::string_view body) const;
  // As Require, and the region must lie in the scope (Within).
  absl::Status RequireWithin(std::initializer_list<v1::Role> roles, absl::string_view what,
                             const registry::YearTree& registry,
                             absl::string_view region_code) const;
  // As Require, and the scope must overlap the region's subtree.
  absl::Status RequireOverlap(std::initializer_list<v1::Role> roles, absl::string_view what,
                              const registry::YearTree& registry,
                              absl::string_view region_code) const;

 private:
  bool BodyMatches(absl::string_view body) const;

  v1::Principal principal_;
};

// The name used in a Principal's body for the governments' own reports (empty body).
inline constexpr absl::string_view kGovernmentBody = "-";

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_ACCESS_H_
