// What the worker reads from the server: each year's tree, the change log's head, the stored
// checkpoint, and a year's report digests, loaded into a model.
#include <future>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "grpcpp/client_context.h"
#include "worker/runner/runner.h"

namespace gongkai::worker {
namespace {

// Digests read per page when a year is loaded (the server's most).
constexpr int kDigestPageSize = kMaxPageSize;

}  // namespace

absl::StatusOr<std::shared_ptr<const RegionTree>> Runner::TreeOf(int year) {
  if (auto it = trees_.find(year); it != trees_.end()) return it->second;
  std::vector<v1::Region> regions;
  v1::ListRegionsRequest request;
  request.set_page_size(5000);
  request.set_year(year);
  do {
    v1::ListRegionsResponse response;
    GONGKAI_RETURN_IF_ERROR(FromGrpc(regions_->ListRegions(Context().get(), request, &response),
                                     absl::StrCat("list the regions of ", year)));
    regions.insert(regions.end(), response.regions().begin(), response.regions().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  GONGKAI_ASSIGN_OR_RETURN(std::shared_ptr<const RegionTree> tree,
                           RegionTree::Build(std::move(regions), year));
  trees_[year] = tree;
  return tree;
}

absl::StatusOr<int64_t> Runner::Head() {
  v1::ListChangesRequest request;
  request.set_start_sequence(std::numeric_limits<int64_t>::max());
  request.set_page_size(1);
  v1::ListChangesResponse response;
  GONGKAI_RETURN_IF_ERROR(FromGrpc(reports_->ListChanges(Context().get(), request, &response),
                                   "read the change log head"));
  return response.head_sequence();
}

absl::StatusOr<int64_t> Runner::StoredCheckpoint() {
  v1::GetCheckpointRequest request;
  v1::Checkpoint response;
  GONGKAI_RETURN_IF_ERROR(FromGrpc(results_->GetCheckpoint(Context().get(), request, &response),
                                   "read the stored checkpoint"));
  return response.sequence();
}

absl::StatusOr<bool> Runner::StoredResultsDropped() {
  if (written_checkpoint_ <= 0) return false;
  GONGKAI_ASSIGN_OR_RETURN(int64_t stored, StoredCheckpoint());
  if (stored >= written_checkpoint_) return false;
  Log(absl::StrCat("the server's checkpoint ", stored, " is behind the ", written_checkpoint_,
                   " this worker wrote: its results were dropped (a registry reload, a restored "
                   "backup); starting over from the server's state"));
  return true;
}

absl::StatusOr<Runner::DigestPage> Runner::ListDigests(int year, int page_size,
                                                       std::string page_token) {
  v1::ListReportDigestsRequest request;
  request.set_year(year);
  request.set_page_size(page_size);
  request.set_page_token(std::move(page_token));
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  DigestPage page{.arena = std::make_unique<google::protobuf::Arena>(arena_options)};
  page.response =
      google::protobuf::Arena::CreateMessage<v1::ListReportDigestsResponse>(page.arena.get());
  v1::ListReportDigestsResponse& response = *page.response;
  const std::string what = absl::StrCat("list the report digests of ", year);
  if (options_.list_digests) {
    absl::Status s = options_.list_digests(request, &response);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
  } else {
    GONGKAI_RETURN_IF_ERROR(
        FromGrpc(results_->ListReportDigests(Context().get(), request, &response), what));
  }
  return page;
}

absl::StatusOr<std::unique_ptr<YearModel>> Runner::LoadYear(int year, const YearModel* donor) {
  GONGKAI_ASSIGN_OR_RETURN(std::shared_ptr<const RegionTree> tree, TreeOf(year));
  auto model = std::make_unique<YearModel>(year, std::move(tree), &options_.settings);
  // Each page is read on a thread of its own while the page before is applied.
  auto read = [this, year](std::string token) {
    return ListDigests(year, kDigestPageSize, std::move(token));
  };
  std::future<absl::StatusOr<DigestPage>> next =
      std::async(std::launch::async, read, std::string());
  while (next.valid()) {
    GONGKAI_ASSIGN_OR_RETURN(DigestPage page, next.get());
    if (!page.response->next_page_token().empty()) {
      next = std::async(std::launch::async, read, page.response->next_page_token());
    }
    model->ApplyAll(page.response->digests(), options_.threads, donor);
  }
  return model;
}

}  // namespace gongkai::worker
