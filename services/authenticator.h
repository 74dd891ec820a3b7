// Credentials: principals with bearer tokens (kept only as salted SHA-256 hashes in the
// store) or mutual-TLS certificate subjects, and per-principal rate limits. See
// docs/SECURITY.md.
#ifndef GONGKAI_SERVICES_AUTHENTICATOR_H_
#define GONGKAI_SERVICES_AUTHENTICATOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gongkai/v1/admin_service.pb.h"
#include "gongkai/v1/auth.pb.h"
#include "services/access.h"
#include "storage/store.h"

namespace gongkai {

// The type URL of the google.rpc.RetryInfo that RESOURCE_EXHAUSTED replies carry.
inline constexpr absl::string_view kRetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";

struct AuthOptions {
  // Requests per second for principals without their own rate_limit (and for "anonymous"
  // when running open); 0: unlimited.
  double default_rate_limit = 0;
};

// Thread-safe. Principals are read from the store once and kept in memory; changes go
// through this class (store first, then memory), so they take effect at once.
class Authenticator {
 public:
  static absl::StatusOr<std::unique_ptr<Authenticator>> Load(storage::Store* store,
                                                             AuthOptions options = {});

  // Whether calls need credentials: true once any principal is stored. When false the server
  // runs open: a call without credentials is Caller::Open().
  bool enforced() const;

  // Authenticates a call from its `authorization` metadata ("Bearer <token>"; may be empty)
  // and its verified client certificate subject (empty without mutual TLS). A token, when
  // sent, decides; else the subject. UNAUTHENTICATED when neither identifies a live principal
  // (and credentials are enforced, or a bad one was sent).
  absl::StatusOr<Caller> Authenticate(absl::string_view authorization,
                                      absl::string_view certificate_subject, absl::Time now) const;

  // RESOURCE_EXHAUSTED (with a google.rpc.RetryInfo payload and the wait in the message)
  // when the caller has used up its rate limit.
  absl::Status Admit(const Caller& caller, absl::Time now);

  // Creates a principal from `spec` (name, roles, region_codes, body, expire_time,
  // certificate_subject, rate_limit) and returns it with its token. The scope must lie within
  // `creator`'s, the roles among the creator's, and the expiry no later than the creator's.
  // INVALID_ARGUMENT for a bad field (named by its path), ALREADY_EXISTS for a used name or a
  // live principal's certificate subject, PERMISSION_DENIED for more than the creator has.
  absl::StatusOr<v1::CreatePrincipalResponse> Create(const Caller& creator, v1::Principal spec,
                                                     absl::Time now);
  // A principal kept only in memory until the process exits (gongkaid's in-process worker;
  // its name starts with '_', which no admin can create; no rate limit): returns the token.
  absl::StatusOr<std::string> CreateEphemeral(v1::Principal spec, absl::Time now);
  // Revokes a principal within `revoker`'s scope. PERMISSION_DENIED outside it, and for an
  // unknown name unless the revoker's scope is the nation (then NOT_FOUND).
  absl::StatusOr<v1::Principal> Revoke(const Caller& revoker, absl::string_view name,
                                       absl::Time now);
  // Every principal within `caller`'s scope, by name (not gongkaid's ephemeral ones).
  std::vector<v1::Principal> List(const Caller& caller) const;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled = absl::InfinitePast();
  };

  Authenticator(storage::Store* store, AuthOptions options) : store_(store), options_(options) {}
  absl::Status CheckSpec(const Caller& creator, const v1::Principal& spec) const;
  absl::StatusOr<v1::StoredPrincipal> NewStored(v1::Principal spec, absl::Time now,
                                                std::string* token) const;
  // UNAUTHENTICATED unless the principal is usable at `now`.
  static absl::Status CheckLive(const v1::Principal& principal, absl::Time now);

  storage::Store* const store_;
  const AuthOptions options_;
  absl::Mutex change_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // Serializes Create and Revoke.
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, v1::StoredPrincipal> principals_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> by_subject_ ABSL_GUARDED_BY(mu_);
  int stored_count_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex buckets_mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(buckets_mu_);
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_AUTHENTICATOR_H_
