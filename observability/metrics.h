// Metrics in the Prometheus text exposition format: labelled counters and latency histograms
// recorded as things happen, plus gauges computed when scraped. Thread-safe.
#ifndef GONGKAI_OBSERVABILITY_METRICS_H_
#define GONGKAI_OBSERVABILITY_METRICS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gongkai {

class Metrics {
 public:
  // One sample of a gauge computed at scrape time. `labels` is `key="value",…` or empty.
  struct Gauge {
    std::string name;
    std::string help;
    std::string labels;
    double value = 0;
    // A running total kept elsewhere (TYPE counter) rather than a level.
    bool counter = false;
  };

  // gongkai_rpc_requests_total{method,code} and gongkai_rpc_duration_seconds{method}.
  void RecordRpc(absl::string_view method, absl::string_view code, absl::Duration latency);
  // gongkai_submissions_total{verdict}: stored, stored_with_flags, unchanged, rejected.
  void RecordSubmission(absl::string_view verdict);
  // gongkai_rollup_jobs_total{state} and gongkai_rollup_job_duration_seconds.
  void RecordJob(absl::string_view state, absl::Duration duration);

  // Everything recorded (families with no sample are left out), then `gauges`, in the text
  // format (version 0.0.4).
  std::string Render(const std::vector<Gauge>& gauges) const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts are computed when rendering
    uint64_t count = 0;
    double sum = 0;
  };
  void Observe(Histogram* histogram, double seconds) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> rpc_requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> rpc_durations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> submissions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> jobs_ ABSL_GUARDED_BY(mu_);
  Histogram job_durations_ ABSL_GUARDED_BY(mu_);
};

// The process's memory, for a program's gauges: process_resident_memory_bytes,
// gongkai_heap_allocated_bytes, gongkai_heap_free_bytes and gongkai_heap_thread_cache_free_bytes
// (common/memory.h).
std::vector<Metrics::Gauge> MemoryGauges();

// The upper bounds (seconds) of the latency histograms' buckets.
const std::vector<double>& LatencyBuckets();

}  // namespace gongkai

#endif  // GONGKAI_OBSERVABILITY_METRICS_H_
