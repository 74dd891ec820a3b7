// AdminService as plain functions: backups, principals and the registry. Every function needs
// the admin role; backups (a copy of everything) and national editions the whole nation in
// scope; principals are created, listed and revoked, and regions changed, only within the
// caller's own scope.
#ifndef GONGKAI_SERVICES_ADMIN_SERVICE_H_
#define GONGKAI_SERVICES_ADMIN_SERVICE_H_

#include "absl/status/status.h"
#include "gongkai/v1/admin_service.pb.h"
#include "services/env.h"

namespace gongkai {

// INVALID_ARGUMENT when the directory is missing or exists.
absl::Status CreateBackup(const Env& env, const RequestContext& context,
                          const v1::CreateBackupRequest& request, v1::Backup* response);
// FAILED_PRECONDITION when the server has no authenticator (never in gongkaid).
absl::Status CreatePrincipal(const Env& env, const RequestContext& context,
                             const v1::CreatePrincipalRequest& request,
                             v1::CreatePrincipalResponse* response);
absl::Status ListPrincipals(const Env& env, const RequestContext& context,
                            const v1::ListPrincipalsRequest& request,
                            v1::ListPrincipalsResponse* response);
absl::Status RevokePrincipal(const Env& env, const RequestContext& context,
                             const v1::RevokePrincipalRequest& request, v1::Principal* response);

// admin_registry.cc. The caller's scope must cover the region's subtree and the new parent's in
// the effective year. INVALID_ARGUMENT for a change that does not fit; FAILED_PRECONDITION
// naming the stranded reports (the result's stranded_reports list them all) unless
// allow_stranding; the change is written (and the affected years rolled up again) unless
// dry_run.
absl::Status ChangeRegion(const Env& env, const RequestContext& context,
                          const v1::ChangeRegionRequest& request,
                          v1::RegistryChangeResult* response);
// A national edition: the nation in scope. Errors as ChangeRegion.
absl::Status LoadRegistryEdition(const Env& env, const RequestContext& context,
                                 const v1::LoadRegistryEditionRequest& request,
                                 v1::RegistryChangeResult* response);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_ADMIN_SERVICE_H_
