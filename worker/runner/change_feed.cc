#include "worker/runner/change_feed.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/support/sync_stream.h"
#include "proto/change_event.h"
#include "worker/runner/rpc.h"

namespace gongkai::worker {
namespace {

// Entries per message of the stream.
constexpr int kPageSize = 500;

}  // namespace

ChangeFeed::ChangeFeed(v1::ReportService::Stub* stub, std::string token, Source source,
                       size_t capacity)
    : stub_(stub), token_(std::move(token)), source_(std::move(source)), capacity_(capacity) {}

ChangeFeed::~ChangeFeed() { Close(); }

void ChangeFeed::Close() {
  Stop();
  if (reader_.joinable()) reader_.join();
}

bool ChangeFeed::At(int64_t sequence) const {
  absl::MutexLock lock(&mu_);
  const int64_t position = entries_.empty() ? next_ : entries_.front().event.sequence();
  return running_ && taken_ <= sequence && sequence <= position;
}

void ChangeFeed::Start(int64_t sequence) {
  {
    absl::MutexLock lock(&mu_);
    Cancel();
  }
  if (reader_.joinable()) reader_.join();
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  entries_.clear();
  taken_ = next_ = sequence;
  running_ = true;
  ended_ = absl::OkStatus();
  context_ = std::make_shared<grpc::ClientContext>();  // no deadline: until cancelled
  if (!token_.empty()) context_->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  reader_ = std::thread(&ChangeFeed::Read, this, context_, sequence);
}

void ChangeFeed::Read(std::shared_ptr<grpc::ClientContext> context, int64_t start) {
  v1::WatchChangesRequest request;
  request.set_start_sequence(start);
  request.set_page_size(kPageSize);
  request.set_follow(true);
  request.set_digests(true);
  absl::Status broken;
  absl::Status status;
  if (source_) {
    // The context only tells this stream from a later one (Cancel() drops it).
    status = source_(
        request,
        [&](v1::WatchChangesResponse& page) { return Deliver(page, context.get(), &broken); },
        [&] {
          absl::MutexLock lock(&mu_);
          return context_ != context;
        });
  } else {
    std::unique_ptr<grpc::ClientReader<v1::WatchChangesResponse>> stream =
        stub_->WatchChanges(context.get(), request);
    v1::WatchChangesResponse page;
    bool delivered = true;
    while (delivered && stream->Read(&page)) delivered = Deliver(page, context.get(), &broken);
    if (!delivered) context->TryCancel();
    status = FromGrpc(stream->Finish(), "follow the change log");
  }
  absl::MutexLock lock(&mu_);
  running_ = false;
  if (!broken.ok()) {
    ended_ = broken;
  } else {
    ended_ = status.ok() ? absl::UnavailableError("the change feed ended") : status;
  }
}

bool ChangeFeed::Deliver(v1::WatchChangesResponse& page, const grpc::ClientContext* context,
                         absl::Status* broken) {
  // Each new revision of a report with its digest (sent in the same order).
  std::vector<Change> changes;
  changes.reserve(page.changes_size());
  int next_digest = 0;
  for (v1::ChangeEvent& event : *page.mutable_changes()) {
    Change& change = changes.emplace_back(Change{std::move(event), std::nullopt});
    if (page.digests_size() == 0 || !IsNewRevision(change.event)) continue;
    if (next_digest == page.digests_size() ||
        page.digests(next_digest).revision() != change.event.revision() ||
        page.digests(next_digest).key().region_code() != change.event.key().region_code()) {
      *broken = absl::InternalError(absl::StrCat(
          "the change feed's digests do not match its entry ", change.event.sequence()));
      return false;
    }
    change.digest = std::move(*page.mutable_digests(next_digest++));
  }
  absl::MutexLock lock(&mu_);
  // Hold the stream back while the worker has enough to do.
  auto room = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return entries_.size() < capacity_ || context_.get() != context;
  };
  mu_.Await(absl::Condition(&room));
  if (context_.get() != context) return false;  // cancelled
  for (Change& change : changes) entries_.push_back(std::move(change));
  next_ = page.next_sequence();
  return true;
}

void ChangeFeed::Cancel() {
  if (context_ != nullptr) context_->TryCancel();
  context_ = nullptr;  // also wakes a reader waiting for room
}

void ChangeFeed::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  Cancel();
}

absl::StatusOr<std::vector<ChangeFeed::Change>> ChangeFeed::Take(int64_t sequence, size_t max,
                                                                 absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !entries_.empty() || !running_ || stopped_;
  };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  if (stopped_) return absl::CancelledError("stopping");
  std::vector<Change> taken;
  const int64_t position = entries_.empty() ? next_ : entries_.front().event.sequence();
  if (sequence < taken_ || sequence > position) {
    return absl::InternalError(
        absl::StrCat("the change feed is at ", position, ", not at ", sequence));
  }
  while (!entries_.empty() && taken.size() < max) {
    taken.push_back(std::move(entries_.front()));
    entries_.pop_front();
  }
  if (!taken.empty()) {
    taken_ = taken.back().event.sequence() + 1;
    return taken;
  }
  if (!running_) return ended_;
  return taken;
}

}  // namespace gongkai::worker
