#include "services/region_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "services/errors.h"

namespace gongkai {
namespace {
constexpr int kDefaultPageSize = 100;

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    return error::InvalidField("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  return requested == 0 ? kDefaultPageSize : requested;
}
}  // namespace

absl::Status GetRegion(const Env& env, const v1::GetRegionRequest& request, v1::Region* response) {
  if (request.code().empty()) return error::MissingField("code");
  const v1::Region* region = env.store->registry()->Find(request.code());
  if (region == nullptr) return error::RegionNotFound(request.code());
  *response = *region;
  return absl::OkStatus();
}

absl::Status ListChildRegions(const Env& env, const v1::ListChildRegionsRequest& request,
                              v1::ListChildRegionsResponse* response) {
  if (request.code().empty()) return error::MissingField("code");
  GONGKAI_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  std::shared_ptr<const storage::Registry> registry = env.store->registry();
  if (registry->Find(request.code()) == nullptr) return error::RegionNotFound(request.code());
  // The page token is the code of the last child returned.
  const std::vector<std::string>& children = registry->ChildrenOf(request.code());
  auto it = children.begin();
  if (!request.page_token().empty()) {
    it = std::upper_bound(children.begin(), children.end(), request.page_token());
  }
  for (; it != children.end() && response->regions_size() < page_size; ++it) {
    *response->add_regions() = *registry->Find(*it);
  }
  if (it != children.end()) response->set_next_page_token(response->regions().rbegin()->code());
  return absl::OkStatus();
}

absl::Status SearchRegions(const Env& env, const v1::SearchRegionsRequest& request,
                           v1::SearchRegionsResponse* response) {
  if (request.name().empty()) return error::MissingField("name");
  GONGKAI_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  for (v1::Region& region : env.store->registry()->SearchByName(request.name(), page_size)) {
    *response->add_regions() = std::move(region);
  }
  return absl::OkStatus();
}

absl::Status ListRegions(const Env& env, const v1::ListRegionsRequest& request,
                         v1::ListRegionsResponse* response) {
  constexpr int kMaxRegionsPage = 5000;
  if (request.page_size() < 0 || request.page_size() > kMaxRegionsPage) {
    return error::InvalidField("page_size",
                               absl::StrCat("must be between 0 and ", kMaxRegionsPage));
  }
  const int page_size = request.page_size() == 0 ? 1000 : request.page_size();
  std::shared_ptr<const storage::Registry> registry = env.store->registry();
  const std::vector<v1::Region>& regions = registry->regions();
  // The page token is the code of the last region returned.
  auto it = std::upper_bound(
      regions.begin(), regions.end(), request.page_token(),
      [](const std::string& token, const v1::Region& region) { return token < region.code(); });
  if (request.page_token().empty()) it = regions.begin();
  for (; it != regions.end() && response->regions_size() < page_size; ++it) {
    *response->add_regions() = *it;
  }
  if (it != regions.end()) response->set_next_page_token(response->regions().rbegin()->code());
  return absl::OkStatus();
}

}  // namespace gongkai
