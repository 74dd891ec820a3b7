// `gongkai export review REGION YEAR --format html --out FILE`: the reviewer's page
// (export/review_page.h) from what the server returns to this caller.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "export/review_page.h"
#include "gongkai/v1/review_service.grpc.pb.h"

namespace gongkai::cli {

absl::StatusOr<std::vector<v1::Anomaly>> Cli::AllAnomalies(v1::ListAnomaliesRequest request) {
  std::vector<v1::Anomaly> out;
  request.set_page_size(1000);
  do {
    v1::ListAnomaliesResponse response;
    grpc::Status status = rollups_->ListAnomalies(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    out.insert(out.end(), response.anomalies().begin(), response.anomalies().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return out;
}

absl::StatusOr<std::vector<v1::Anomaly>> Cli::FlagsToDealWith(const std::string& region, int year) {
  std::vector<v1::Anomaly> out;
  for (v1::FlagState state :
       {v1::FLAG_STATE_OPEN, v1::FLAG_STATE_EXPLAINED, v1::FLAG_STATE_CONFIRMED}) {
    v1::ListAnomaliesRequest request;
    request.set_region_code(region);
    request.set_year(year);
    request.set_state(state);
    GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::Anomaly> flags, AllAnomalies(request));
    out.insert(out.end(), flags.begin(), flags.end());
  }
  return out;
}

std::string Cli::RegionName(const std::string& code, int year) const {
  v1::GetRegionRequest request;
  request.set_code(code);
  request.set_year(year);
  v1::Region region;
  // The name is a courtesy: a region that cannot be read shows none.
  (void)regions_->GetRegion(Context().get(), request, &region);
  return region.name();
}

absl::Status Cli::ExportReview() {
  GONGKAI_RETURN_IF_ERROR(
      Need(3, "gongkai export review REGION YEAR --format html --out FILE [--lang zh|en]"));
  if (args_.FlagOr("format", "html") != "html") {
    return UsageError("export review writes --format html only");
  }
  const std::string out_path = args_.FlagOr("out", "");
  if (out_path.empty()) return UsageError("export review needs --out FILE");
  exports::ReviewPageData data;
  data.language = language_;
  data.region_code = args_.positional[1];
  GONGKAI_ASSIGN_OR_RETURN(data.year, YearArg(2));
  data.generated = absl::Now();
  data.region_name = RegionName(data.region_code, data.year);

  v1::GetRollupRequest get;
  get.set_region_code(data.region_code);
  get.set_year(data.year);
  grpc::Status status = rollups_->GetRollup(Context().get(), get, &data.rollup);
  if (!status.ok()) return Refused(status);
  get.set_year(data.year - 1);
  v1::Rollup last_year;
  if (rollups_->GetRollup(Context().get(), get, &last_year).ok()) data.last_year = last_year;

  v1::ListChildRollupsRequest children;
  children.set_region_code(data.region_code);
  children.set_year(data.year);
  children.set_page_size(1000);
  do {
    v1::ListChildRollupsResponse response;
    status = rollups_->ListChildRollups(Context().get(), children, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Rollup& rollup : response.rollups()) {
      exports::ReviewPageData::Child& child = data.children.emplace_back();
      child.code = rollup.region_code();
      child.name = RegionName(child.code, data.year);
      child.rollup = rollup;
      GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::Anomaly> flags,
                               FlagsToDealWith(child.code, data.year));
      child.open_flags = static_cast<int>(flags.size());
    }
    children.set_page_token(response.next_page_token());
  } while (!children.page_token().empty());

  GONGKAI_ASSIGN_OR_RETURN(data.open_flags, FlagsToDealWith(data.region_code, data.year));
  v1::ListAnomaliesRequest late;
  late.set_region_code(data.region_code);
  late.set_year(data.year);
  late.set_kind(v1::ANOMALY_KIND_LATE_REPORT);
  GONGKAI_ASSIGN_OR_RETURN(data.late, AllAnomalies(late));
  for (const std::string& code : data.rollup.completeness().missing_regions()) {
    data.missing_names.push_back(RegionName(code, data.year));
  }

  // The reports awaiting review, when the caller reviews.
  auto reviews = v1::ReviewService::NewStub(channel_);
  v1::ListReviewsRequest pending;
  pending.set_region_code(data.region_code);
  pending.set_year(data.year);
  pending.set_page_size(1000);
  std::vector<v1::ReviewItem> awaiting;
  do {
    v1::ListReviewsResponse response;
    status = reviews->ListReviews(Context().get(), pending, &response);
    if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) break;
    if (!status.ok()) return Refused(status);
    awaiting.insert(awaiting.end(), response.items().begin(), response.items().end());
    pending.set_page_token(response.next_page_token());
  } while (!pending.page_token().empty());
  if (status.ok()) data.awaiting = std::move(awaiting);

  std::ofstream file(out_path, std::ios::binary);
  file << exports::RenderReviewPage(data);
  if (!file) return UsageError(absl::StrCat("cannot write ", out_path));
  out_ << "wrote " << out_path << "\n";
  return absl::OkStatus();
}

}  // namespace gongkai::cli
