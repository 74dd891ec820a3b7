#include "services/region_service.h"

#include <algorithm>

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

// The year a request asks about: 0 means the current year.
absl::StatusOr<int> YearOf(const Env& env, int year) {
  if (year == 0) return CurrentYear(env);
  if (year < kFirstReportingYear) {
    return error::InvalidField(
        "year", absl::StrCat("must be ", kFirstReportingYear, " or later (0: the current year)"));
  }
  return year;
}

// The region `code` of the year's tree, else NOT_FOUND saying when it was in use.
absl::StatusOr<const v1::Region*> Lookup(const Env& env, const registry::YearTree& tree,
                                         const std::string& code, int year) {
  if (code.empty()) return error::MissingField("code");
  const v1::Region* region = tree.Find(code);
  if (region == nullptr) {
    return error::RegionNotFound(code, year, registry::DescribeLife(*env.store->registry(), code));
  }
  return region;
}

}  // namespace

absl::Status GetRegion(const Env& env, const v1::GetRegionRequest& request, v1::Region* response) {
  GONGKAI_ASSIGN_OR_RETURN(int year, YearOf(env, request.year()));
  std::shared_ptr<const registry::YearTree> tree = env.store->Tree(year);
  GONGKAI_ASSIGN_OR_RETURN(const v1::Region* region, Lookup(env, *tree, request.code(), year));
  *response = *region;
  return absl::OkStatus();
}

absl::Status ListChildRegions(const Env& env, const v1::ListChildRegionsRequest& request,
                              v1::ListChildRegionsResponse* response) {
  GONGKAI_ASSIGN_OR_RETURN(int year, YearOf(env, request.year()));
  GONGKAI_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  std::shared_ptr<const registry::YearTree> tree = env.store->Tree(year);
  GONGKAI_RETURN_IF_ERROR(Lookup(env, *tree, request.code(), year).status());
  // The page token is the code of the last child returned.
  const std::vector<const v1::Region*>& children = tree->ChildrenOf(request.code());
  auto it = std::upper_bound(
      children.begin(), children.end(), request.page_token(),
      [](const std::string& token, const v1::Region* child) { return token < child->code(); });
  for (; it != children.end() && response->regions_size() < page_size; ++it) {
    *response->add_regions() = **it;
  }
  if (it != children.end()) response->set_next_page_token(response->regions().rbegin()->code());
  return absl::OkStatus();
}

absl::Status SearchRegions(const Env& env, const v1::SearchRegionsRequest& request,
                           v1::SearchRegionsResponse* response) {
  if (request.name().empty()) return error::MissingField("name");
  GONGKAI_ASSIGN_OR_RETURN(int year, YearOf(env, request.year()));
  GONGKAI_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size()));
  for (v1::Region& region : env.store->Tree(year)->SearchByName(request.name(), page_size)) {
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
  GONGKAI_ASSIGN_OR_RETURN(int year, YearOf(env, request.year()));
  const int page_size = request.page_size() == 0 ? 1000 : request.page_size();
  std::shared_ptr<const registry::YearTree> tree = env.store->Tree(year);
  const std::vector<const v1::Region*>& regions = tree->regions();
  // The page token is the code of the last region returned.
  auto it = std::upper_bound(
      regions.begin(), regions.end(), request.page_token(),
      [](const std::string& token, const v1::Region* region) { return token < region->code(); });
  if (request.page_token().empty()) it = regions.begin();
  for (; it != regions.end() && response->regions_size() < page_size; ++it) {
    *response->add_regions() = **it;
  }
  if (it != regions.end()) response->set_next_page_token(response->regions().rbegin()->code());
  return absl::OkStatus();
}

absl::Status GetRegionHistory(const Env& env, const v1::GetRegionHistoryRequest& request,
                              v1::RegionHistory* response) {
  if (request.code().empty()) return error::MissingField("code");
  const v1::RegionHistory* history = env.store->registry()->History(request.code());
  if (history == nullptr) return error::RegionNotFound(request.code());
  *response = *history;
  return absl::OkStatus();
}

}  // namespace gongkai
