// AdminService's registry changes: an office's add, rename, move or retire, and a national
// edition, planned on the current registry (storage/registry_edit.h) and written by the store
// with the subtree index, the worker's results and the change log entry in one batch.
#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "registry/edit.h"
#include "services/admin_service.h"
#include "services/errors.h"

namespace gongkai {
namespace {

constexpr int kMaxStrandedListed = 20;

absl::Status Stranded(const std::vector<v1::ReportKey>& keys) {
  std::string message = absl::StrCat("the change would leave ", keys.size(),
                                     " stored report(s) without a region in their year:");
  for (size_t i = 0; i < keys.size() && i < kMaxStrandedListed; ++i) {
    absl::StrAppend(&message, " ", keys[i].region_code(), "/", keys[i].year(),
                    keys[i].body().empty() ? "" : "/", keys[i].body());
  }
  if (keys.size() > kMaxStrandedListed) {
    absl::StrAppend(&message, " … (", keys.size() - kMaxStrandedListed,
                    " more; a dry run lists them all)");
  }
  absl::StrAppend(&message,
                  ". Move or resubmit them first, or pass allow_stranding to keep them stored "
                  "out of listings and rollups");
  return absl::FailedPreconditionError(message);
}

// Writes (or, for a dry run, only checks) a planned change and fills the result.
absl::Status Apply(const Env& env, const RequestContext& context, registry::RegistryPlan plan,
                   bool dry_run, bool allow_stranding, v1::RegistryChangeResult* response) {
  storage::Store::RegistryUpdate update;
  update.from_year = plan.from_year;
  update.time = env.clock();
  update.change.set_principal(context.caller.name());
  update.change.set_summary(plan.summary);
  for (const v1::RegionHistory& history : plan.histories) {
    update.change.add_codes(history.code());
  }
  update.histories = std::move(plan.histories);
  GONGKAI_ASSIGN_OR_RETURN(storage::Store::RegistryUpdateResult result,
                           env.store->UpdateRegistry(update, dry_run, allow_stranding));
  if (!dry_run && !result.applied) return Stranded(result.stranded);
  for (v1::RegionDiff& diff : plan.diffs) *response->add_diffs() = std::move(diff);
  for (int year : result.affected_years) response->add_affected_years(year);
  for (v1::ReportKey& key : result.stranded) *response->add_stranded_reports() = std::move(key);
  response->set_applied(result.applied);
  response->set_change_sequence(result.sequence);
  if (result.applied && env.logger != nullptr) {
    env.logger->Info("registry changed", {{"principal", context.caller.name()},
                                          {"change", update.change.summary()},
                                          {"sequence", absl::StrCat(result.sequence)}});
  }
  return absl::OkStatus();
}

// The caller must cover the whole subtree of `code` in the year's tree (codes not in use that
// year — a new region — are judged by the parent alone).
absl::Status RequireRegion(const RequestContext& context, const registry::YearTree& tree,
                           const std::string& code) {
  if (code.empty() || tree.Find(code) == nullptr) return absl::OkStatus();
  return context.caller.RequireSubtree({v1::ROLE_ADMIN}, "change the registry", tree, code);
}

}  // namespace

absl::Status ChangeRegion(const Env& env, const RequestContext& context,
                          const v1::ChangeRegionRequest& request,
                          v1::RegistryChangeResult* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require({v1::ROLE_ADMIN}, "change the registry"));
  std::shared_ptr<const registry::TimedRegistry> registry = env.store->registry();
  std::shared_ptr<const registry::YearTree> tree = registry->Tree(request.effective_year());
  GONGKAI_RETURN_IF_ERROR(RequireRegion(context, *tree, request.code()));
  GONGKAI_RETURN_IF_ERROR(RequireRegion(context, *tree, request.parent_code()));
  for (const std::string& successor : request.successor_codes()) {
    GONGKAI_RETURN_IF_ERROR(RequireRegion(context, *tree, successor));
  }
  if (request.code().empty()) return error::MissingField("code");
  if (request.effective_year() == 0) return error::MissingField("effective_year");
  registry::RegistryAuthor author{context.caller.name(), env.clock(), request.note()};
  absl::StatusOr<registry::RegistryPlan> plan =
      registry::PlanRegionChange(*registry, request, author);
  if (!plan.ok()) return plan.status();
  return Apply(env, context, *std::move(plan), request.dry_run(), request.allow_stranding(),
               response);
}

absl::Status LoadRegistryEdition(const Env& env, const RequestContext& context,
                                 const v1::LoadRegistryEditionRequest& request,
                                 v1::RegistryChangeResult* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireSubtree({v1::ROLE_ADMIN}, "load a national edition",
                                                        *NewestTree(env), kNationCode));
  if (request.year() == 0) return error::MissingField("year");
  if (request.regions().empty()) return error::MissingField("regions");
  registry::RegistryAuthor author{context.caller.name(), env.clock(), request.note()};
  std::vector<v1::Region> regions(request.regions().begin(), request.regions().end());
  GONGKAI_ASSIGN_OR_RETURN(
      registry::RegistryPlan plan,
      registry::PlanEdition(*env.store->registry(), request.year(), regions, author));
  return Apply(env, context, std::move(plan), request.dry_run(), request.allow_stranding(),
               response);
}

}  // namespace gongkai
