#include "services/admin_service.h"

#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "services/errors.h"
#include "services/status.h"

namespace gongkai {
namespace {

absl::Status NeedAuthenticator(const Env& env) {
  if (env.auth != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError("this server keeps no principals");
}

}  // namespace

absl::Status CreateBackup(const Env& env, const RequestContext& context,
                          const v1::CreateBackupRequest& request, v1::Backup* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireSubtree({v1::ROLE_ADMIN}, "create backups",
                                                        *NewestTree(env), kNationCode));
  if (request.directory().empty()) return error::MissingField("directory");
  GONGKAI_ASSIGN_OR_RETURN(int64_t sequence, env.store->CreateBackup(request.directory()));
  response->set_directory(request.directory());
  response->set_sequence(sequence);
  *response->mutable_create_time() = ToProtoTime(env.clock());
  return absl::OkStatus();
}

absl::Status CreatePrincipal(const Env& env, const RequestContext& context,
                             const v1::CreatePrincipalRequest& request,
                             v1::CreatePrincipalResponse* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require({v1::ROLE_ADMIN}, "create principals"));
  GONGKAI_RETURN_IF_ERROR(NeedAuthenticator(env));
  if (!request.has_principal()) return error::MissingField("principal");
  GONGKAI_ASSIGN_OR_RETURN(auto created,
                           env.auth->Create(context.caller, request.principal(), env.clock()));
  *response = std::move(created);
  if (env.logger != nullptr) {
    env.logger->Info("principal created", {{"principal", response->principal().name()},
                                           {"by", context.caller.name()},
                                           {"peer", context.peer}});
  }
  return absl::OkStatus();
}

absl::Status ListPrincipals(const Env& env, const RequestContext& context,
                            const v1::ListPrincipalsRequest&,
                            v1::ListPrincipalsResponse* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require({v1::ROLE_ADMIN}, "list principals"));
  GONGKAI_RETURN_IF_ERROR(NeedAuthenticator(env));
  for (v1::Principal& principal : env.auth->List(context.caller)) {
    *response->add_principals() = std::move(principal);
  }
  return absl::OkStatus();
}

absl::Status RevokePrincipal(const Env& env, const RequestContext& context,
                             const v1::RevokePrincipalRequest& request, v1::Principal* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require({v1::ROLE_ADMIN}, "revoke principals"));
  GONGKAI_RETURN_IF_ERROR(NeedAuthenticator(env));
  if (request.name().empty()) return error::MissingField("name");
  GONGKAI_ASSIGN_OR_RETURN(auto revoked,
                           env.auth->Revoke(context.caller, request.name(), env.clock()));
  *response = std::move(revoked);
  if (env.logger != nullptr) {
    env.logger->Info(
        "principal revoked",
        {{"principal", response->name()}, {"by", context.caller.name()}, {"peer", context.peer}});
  }
  return absl::OkStatus();
}

}  // namespace gongkai
