#include "services/authenticator.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "services/errors.h"
#include "validation/uscc.h"

namespace gongkai {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kTokenPrefix = "gk1";
constexpr int kSecretBytes = 32;
constexpr int kSaltBytes = 16;
constexpr size_t kMaxNameLength = 64;

std::string RandomBytes(int n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), n) != 1) {
    // The system's randomness is gone: nothing about credentials can be trusted.
    std::abort();
  }
  return out;
}

std::string HashToken(absl::string_view salt, absl::string_view token) {
  const std::string input = absl::StrCat(salt, token);
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (!absl::ascii_islower(name[0]) && !absl::ascii_isdigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '-';
  });
}

absl::Status Unauthenticated(absl::string_view why) { return absl::UnauthenticatedError(why); }

}  // namespace

namespace {

// The admin that gongkaid's bootstrap made before the reviewer role existed gets it, as a new
// bootstrap admin does: admins grant only roles they hold, so without it nobody could ever
// create a reviewer in such a store. Other principals are left as they are.
absl::Status GrantReviewerToBootstrapAdmin(storage::Store* store, v1::StoredPrincipal* stored) {
  const v1::Principal& p = stored->principal();
  auto has = [&](v1::Role role) {
    return std::find(p.roles().begin(), p.roles().end(), role) != p.roles().end();
  };
  // Exactly what gongkaid's bootstrap made: "admin", by the open server, over the nation, with
  // the four roles there were.
  const bool bootstrap = p.name() == "admin" && p.created_by() == Caller::Open().name() &&
                         !p.ephemeral() && p.region_codes_size() == 1 &&
                         p.region_codes(0) == kNationCode && p.body().empty() &&
                         p.roles_size() == 4 && has(v1::ROLE_ADMIN) && has(v1::ROLE_SUBMITTER) &&
                         has(v1::ROLE_READER) && has(v1::ROLE_WORKER);
  // A store opened read-only (a full disk) is left as it is; the next start grants it.
  if (!bootstrap || p.revoked() || store->read_only()) return absl::OkStatus();
  stored->mutable_principal()->add_roles(v1::ROLE_REVIEWER);
  return store->UpdatePrincipal(*stored);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Load(storage::Store* store,
                                                                   AuthOptions options) {
  GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::StoredPrincipal> stored, store->ListPrincipals());
  std::unique_ptr<Authenticator> auth(new Authenticator(store, options));
  absl::MutexLock lock(&auth->mu_);
  for (v1::StoredPrincipal& p : stored) {
    GONGKAI_RETURN_IF_ERROR(GrantReviewerToBootstrapAdmin(store, &p));
    const std::string name = p.principal().name();
    if (!p.principal().certificate_subject().empty()) {
      auth->by_subject_[p.principal().certificate_subject()] = name;
    }
    auth->principals_[name] = std::move(p);
    ++auth->stored_count_;
  }
  return auth;
}

bool Authenticator::enforced() const {
  absl::ReaderMutexLock lock(&mu_);
  return stored_count_ > 0;
}

absl::Status Authenticator::CheckLive(const v1::Principal& principal, absl::Time now) {
  if (principal.revoked()) {
    return Unauthenticated(
        absl::StrCat("the credentials of principal ", principal.name(), " were revoked"));
  }
  if (principal.has_expire_time() && now >= FromProtoTime(principal.expire_time())) {
    return Unauthenticated(absl::StrCat("the credentials of principal ", principal.name(),
                                        " expired at ",
                                        TimeUtil::ToString(principal.expire_time())));
  }
  return absl::OkStatus();
}

absl::StatusOr<Caller> Authenticator::Authenticate(absl::string_view authorization,
                                                   absl::string_view certificate_subject,
                                                   absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  if (!authorization.empty()) {
    const absl::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size() ||
        !absl::EqualsIgnoreCase(authorization.substr(0, scheme.size()), scheme)) {
      return Unauthenticated("the authorization metadata must be \"Bearer <token>\"");
    }
    const absl::string_view token = absl::StripAsciiWhitespace(authorization.substr(scheme.size()));
    const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
    auto found = parts.size() == 3 && parts[0] == kTokenPrefix ? principals_.find(parts[1])
                                                               : principals_.end();
    // An unknown name costs the same hash as a known one, so timing tells nothing.
    static const v1::StoredPrincipal* const kNobody = new v1::StoredPrincipal();
    const v1::StoredPrincipal& stored = found != principals_.end() ? found->second : *kNobody;
    const std::string hash = HashToken(stored.salt(), token);
    if (found == principals_.end() || hash.size() != stored.token_hash().size() ||
        CRYPTO_memcmp(hash.data(), stored.token_hash().data(), hash.size()) != 0) {
      return Unauthenticated("the bearer token is not valid");
    }
    GONGKAI_RETURN_IF_ERROR(CheckLive(stored.principal(), now));
    return Caller(stored.principal());
  }
  if (!certificate_subject.empty()) {
    auto name = by_subject_.find(certificate_subject);
    if (name != by_subject_.end()) {
      const v1::Principal& principal = principals_.at(name->second).principal();
      GONGKAI_RETURN_IF_ERROR(CheckLive(principal, now));
      return Caller(principal);
    }
    if (stored_count_ > 0) {
      return Unauthenticated(absl::StrCat("the client certificate subject \"", certificate_subject,
                                          "\" is not mapped to a principal"));
    }
  }
  if (stored_count_ == 0) return Caller::Open();
  return Unauthenticated(
      "credentials are required: send the metadata \"authorization: Bearer <token>\" (or a "
      "client certificate mapped to a principal)");
}

absl::Status Authenticator::Admit(const Caller& caller, absl::Time now) {
  if (caller.principal().ephemeral()) return absl::OkStatus();  // gongkaid's own worker
  const double limit = caller.principal().rate_limit() > 0 ? caller.principal().rate_limit()
                                                           : options_.default_rate_limit;
  if (limit <= 0) return absl::OkStatus();
  const double burst = std::max(1.0, 2 * limit);
  absl::MutexLock lock(&buckets_mu_);
  Bucket& bucket = buckets_[caller.name()];
  if (bucket.refilled == absl::InfinitePast()) {
    bucket.tokens = burst;
  } else {
    // A clock that steps back refills nothing (and takes nothing away).
    const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.refilled));
    bucket.tokens = std::min(burst, bucket.tokens + elapsed * limit);
  }
  bucket.refilled = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const absl::Duration wait = absl::Seconds((1 - bucket.tokens) / limit);
  const int64_t wait_ms = std::max<int64_t>(1, std::ceil(absl::ToDoubleMilliseconds(wait)));
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrFormat("principal %s exceeded its rate limit of %g requests/s; retry after %d ms",
                      caller.name(), limit, wait_ms));
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(wait_ms / 1000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(wait_ms % 1000) * 1000000);
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(retry.SerializeAsString()));
  return status;
}

absl::Status Authenticator::CheckSpec(const Caller& creator, const v1::Principal& spec) const {
  if (spec.name().empty()) return error::MissingField("principal.name");
  if (!ValidName(spec.name())) {
    return error::InvalidField("principal.name",
                               "must be 1-64 characters of a-z, 0-9, '_' and '-', starting with "
                               "a letter or digit");
  }
  if (spec.roles().empty()) return error::MissingField("principal.roles");
  for (int i = 0; i < spec.roles_size(); ++i) {
    if (spec.roles(i) == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(spec.roles(i))) {
      return error::InvalidField(absl::StrCat("principal.roles[", i, "]"), "is not a role");
    }
  }
  if (spec.region_codes().empty()) return error::MissingField("principal.region_codes");
  // Scopes are codes of any year (a principal may work on a unit that has since changed);
  // containment is judged on the newest tree.
  std::shared_ptr<const registry::TimedRegistry> registries = store_->registry();
  std::shared_ptr<const registry::YearTree> registry = registries->Newest();
  for (int i = 0; i < spec.region_codes_size(); ++i) {
    if (registries->History(spec.region_codes(i)) == nullptr &&
        spec.region_codes(i) != kNationCode) {
      return error::InvalidField(
          absl::StrCat("principal.region_codes[", i, "]"),
          absl::StrCat("region ", spec.region_codes(i), " is not in the registry"));
    }
  }
  if (!spec.body().empty() && spec.body() != kGovernmentBody) {
    if (std::string problem = validation::UsccProblem(spec.body()); !problem.empty()) {
      return error::InvalidField("principal.body",
                                 absl::StrCat("must be \"-\" (the governments' own reports) or "
                                              "a 统一社会信用代码: ",
                                              problem));
    }
  }
  if (spec.rate_limit() < 0 || !std::isfinite(spec.rate_limit())) {
    return error::InvalidField("principal.rate_limit", "must be 0 (the default) or positive");
  }
  for (int i = 0; i < spec.roles_size(); ++i) {
    if (!creator.Has(spec.roles(i))) {
      return absl::PermissionDeniedError(
          absl::StrCat("principal ", creator.name(), " may not create principal ", spec.name(),
                       ": it may grant only roles it holds itself (principal.roles[", i, "])"));
    }
  }
  if (creator.principal().has_expire_time() &&
      (!spec.has_expire_time() ||
       FromProtoTime(spec.expire_time()) > FromProtoTime(creator.principal().expire_time()))) {
    return absl::PermissionDeniedError(
        absl::StrCat("principal ", creator.name(), " may not create principal ", spec.name(),
                     ": its credentials must expire no later than the creator's (",
                     TimeUtil::ToString(creator.principal().expire_time()), ")"));
  }
  if (!creator.Contains(*registry, spec)) {
    return absl::PermissionDeniedError(absl::StrCat("principal ", creator.name(),
                                                    " may not create principal ", spec.name(),
                                                    ": its scope is wider than the creator's"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::StoredPrincipal> Authenticator::NewStored(v1::Principal spec, absl::Time now,
                                                             std::string* token) const {
  if (spec.has_expire_time() && FromProtoTime(spec.expire_time()) <= now) {
    return error::InvalidField("principal.expire_time", "must lie in the future");
  }
  spec.clear_revoked();
  spec.clear_revoke_time();
  *spec.mutable_create_time() = ToProtoTime(now);
  *token = absl::StrCat(kTokenPrefix, ".", spec.name(), ".",
                        absl::WebSafeBase64Escape(RandomBytes(kSecretBytes)));
  v1::StoredPrincipal stored;
  stored.set_salt(RandomBytes(kSaltBytes));
  stored.set_token_hash(HashToken(stored.salt(), *token));
  *stored.mutable_principal() = std::move(spec);
  return stored;
}

absl::StatusOr<v1::CreatePrincipalResponse> Authenticator::Create(const Caller& creator,
                                                                  v1::Principal spec,
                                                                  absl::Time now) {
  GONGKAI_RETURN_IF_ERROR(CheckSpec(creator, spec));
  spec.set_created_by(creator.name());
  spec.clear_ephemeral();
  std::string token;
  GONGKAI_ASSIGN_OR_RETURN(v1::StoredPrincipal stored, NewStored(std::move(spec), now, &token));
  const v1::Principal& principal = stored.principal();
  // Changes are serialized by change_mu_; calls keep authenticating meanwhile (mu_ is taken
  // only to read, and briefly to publish the change once it is stored).
  absl::MutexLock change(&change_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (principals_.contains(principal.name())) {
      return absl::AlreadyExistsError(
          absl::StrCat("principal ", principal.name(), " already exists"));
    }
    if (auto holder = by_subject_.find(principal.certificate_subject());
        holder != by_subject_.end() && !principals_.at(holder->second).principal().revoked()) {
      return absl::AlreadyExistsError(
          absl::StrCat("certificate subject \"", principal.certificate_subject(),
                       "\" already belongs to principal ", holder->second));
    }
  }
  GONGKAI_RETURN_IF_ERROR(store_->CreatePrincipal(stored));
  v1::CreatePrincipalResponse response;
  *response.mutable_principal() = principal;
  response.set_token(token);
  absl::MutexLock lock(&mu_);
  if (!principal.certificate_subject().empty()) {
    by_subject_[principal.certificate_subject()] = principal.name();
  }
  principals_[principal.name()] = std::move(stored);
  ++stored_count_;
  return response;
}

absl::StatusOr<std::string> Authenticator::CreateEphemeral(v1::Principal spec, absl::Time now) {
  // Names starting with '_' are reserved for these: no admin can create or shadow them.
  if (spec.name().size() < 2 || spec.name()[0] != '_' || !ValidName(spec.name().substr(1))) {
    return error::InvalidField("principal.name", "an ephemeral name starts with '_'");
  }
  spec.set_ephemeral(true);
  spec.set_created_by("gongkaid");
  std::string token;
  GONGKAI_ASSIGN_OR_RETURN(v1::StoredPrincipal stored, NewStored(std::move(spec), now, &token));
  absl::MutexLock change(&change_mu_);
  absl::MutexLock lock(&mu_);
  const std::string name = stored.principal().name();
  if (principals_.contains(name)) {
    return absl::AlreadyExistsError(absl::StrCat("principal ", name, " already exists"));
  }
  principals_[name] = std::move(stored);
  return token;
}

absl::StatusOr<v1::Principal> Authenticator::Revoke(const Caller& revoker, absl::string_view name,
                                                    absl::Time now) {
  std::shared_ptr<const registry::YearTree> registry = store_->registry()->Newest();
  absl::MutexLock change(&change_mu_);
  v1::StoredPrincipal updated;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto found = principals_.find(name);
    // gongkaid's own (ephemeral) principals are not the API's to see or revoke.
    const bool visible = found != principals_.end() && !found->second.principal().ephemeral();
    if (!visible || !revoker.Contains(*registry, found->second.principal())) {
      // Only a nation-wide admin learns that a name does not exist.
      if (!visible && revoker.CoversSubtree(*registry, kNationCode)) {
        return absl::NotFoundError(absl::StrCat("principal ", name, " does not exist"));
      }
      return absl::PermissionDeniedError(absl::StrCat("principal ", revoker.name(),
                                                      " may not revoke principal ", name,
                                                      ": it is outside its scope"));
    }
    updated = found->second;
  }
  if (updated.principal().revoked()) return updated.principal();
  updated.mutable_principal()->set_revoked(true);
  *updated.mutable_principal()->mutable_revoke_time() = ToProtoTime(now);
  GONGKAI_RETURN_IF_ERROR(store_->UpdatePrincipal(updated));
  absl::MutexLock lock(&mu_);
  principals_[updated.principal().name()] = updated;
  return updated.principal();
}

std::vector<v1::Principal> Authenticator::List(const Caller& caller) const {
  std::shared_ptr<const registry::YearTree> registry = store_->registry()->Newest();
  std::vector<v1::Principal> out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [name, stored] : principals_) {
    if (!stored.principal().ephemeral() && caller.Contains(*registry, stored.principal())) {
      out.push_back(stored.principal());
    }
  }
  std::sort(out.begin(), out.end(),
            [](const v1::Principal& a, const v1::Principal& b) { return a.name() < b.name(); });
  return out;
}

}  // namespace gongkai
