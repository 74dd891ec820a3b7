// The change log as a feed: ReportService.WatchChanges read on a thread of its own (or, in
// gongkaid, its handler called there directly: no message serialized and parsed again), its
// entries handed out in order, each new revision of a report with its digest (what the worker
// keeps of a report, stored by the server beside the revision), so that applying a change
// needs no call back. A commit reaches the worker as soon as the server has it, without
// polling. Bounded: the stream is not read while `capacity` entries wait, so a worker that
// falls behind holds the server back through gRPC's flow control, not in memory.
//
// Thread-compatible, but for Stop(), which any thread may call.
#ifndef GONGKAI_WORKER_RUNNER_CHANGE_FEED_H_
#define GONGKAI_WORKER_RUNNER_CHANGE_FEED_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace gongkai::worker {

class ChangeFeed {
 public:
  // Runs WatchChanges in-process: sends its pages to `send` (which may take their contents)
  // until `cancelled` says so or `send` returns false.
  using Source =
      std::function<absl::Status(const v1::WatchChangesRequest& request,
                                 const std::function<bool(v1::WatchChangesResponse&)>& send,
                                 const std::function<bool()>& cancelled)>;

  struct Change {
    v1::ChangeEvent event;
    // For a new revision of a report (IsNewRevision), its digest (Store::GetDigest); unset when
    // the server sent none (one that predates the stream's digests): read the revision with
    // GetReport.
    std::optional<v1::ReportDigest> digest;
  };

  // `token`: sent as "authorization: Bearer <token>" when not empty. With `source`, the
  // stub is not used.
  ChangeFeed(v1::ReportService::Stub* stub, std::string token, Source source = nullptr,
             size_t capacity = 2000);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // True when the feed is running and its next entry is `sequence`: Take(sequence, …) can
  // go on without a new stream.
  bool At(int64_t sequence) const;
  // (Re)starts the stream at `sequence`, dropping whatever the old one had read.
  void Start(int64_t sequence);
  // Waits until an entry is there, the stream has ended or `deadline` passes (or Stop()), then
  // returns up to `max` entries in order, the first of them `sequence` (empty on a timeout).
  // The stream's error when it has ended, after which At() is false. Entries taken are gone:
  // to read them again, Start() from where they began.
  absl::StatusOr<std::vector<Change>> Take(int64_t sequence, size_t max, absl::Time deadline);
  // Ends the stream; Take returns at once from then on (CANCELLED). Final.
  void Stop();
  // Stop(), then waits until the stream's reader has ended: nothing reaches the server
  // through this feed once it returns. On the thread that calls Start().
  void Close();

 private:
  void Read(std::shared_ptr<grpc::ClientContext> context, int64_t start);
  // Hands a page's entries out, once there is room for them; false when this stream was
  // cancelled meanwhile (or `*broken` says why the page cannot be used).
  bool Deliver(v1::WatchChangesResponse& page, const grpc::ClientContext* context,
               absl::Status* broken);
  // Ends the stream; its reader then ends by itself.
  void Cancel() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  v1::ReportService::Stub* stub_;
  const std::string token_;
  const Source source_;
  const size_t capacity_;
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::shared_ptr<grpc::ClientContext> context_ ABSL_GUARDED_BY(mu_);
  std::deque<Change> entries_ ABSL_GUARDED_BY(mu_);
  // Every entry before `taken_` was taken (or, for callers who may not see it, skipped by
  // the server); the entries read and not taken are entries_; the stream goes on at `next_`.
  int64_t taken_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status ended_ ABSL_GUARDED_BY(mu_);  // why the stream ended (once !running_)
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_RUNNER_CHANGE_FEED_H_
