// AdminService as plain functions: backups and principals. Every function needs the admin
// role; backups (a copy of everything) the whole nation in scope; principals are created,
// listed and revoked only within the caller's own scope.
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

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_ADMIN_SERVICE_H_
