// RegionService as plain functions over the store's registry, year by year: a request's year
// (0: the current year's tree) picks the tree it is answered from.
#ifndef GONGKAI_SERVICES_REGION_SERVICE_H_
#define GONGKAI_SERVICES_REGION_SERVICE_H_

#include "absl/status/status.h"
#include "gongkai/v1/region_service.pb.h"
#include "services/env.h"

namespace gongkai {

// NOT_FOUND when the code is not in the year's tree (saying when it was in use, if ever);
// INVALID_ARGUMENT for a year before 2019.
absl::Status GetRegion(const Env& env, const v1::GetRegionRequest& request, v1::Region* response);
absl::Status ListChildRegions(const Env& env, const v1::ListChildRegionsRequest& request,
                              v1::ListChildRegionsResponse* response);
absl::Status SearchRegions(const Env& env, const v1::SearchRegionsRequest& request,
                           v1::SearchRegionsResponse* response);
absl::Status ListRegions(const Env& env, const v1::ListRegionsRequest& request,
                         v1::ListRegionsResponse* response);
// NOT_FOUND for a code never in the registry.
absl::Status GetRegionHistory(const Env& env, const v1::GetRegionHistoryRequest& request,
                              v1::RegionHistory* response);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_REGION_SERVICE_H_
