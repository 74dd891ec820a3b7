#include "observability/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/memory.h"

namespace gongkai {
namespace {

std::string Number(double value) { return absl::StrFormat("%.15g", value); }

// Label values escaped as the text format requires (backslash, double quote, newline).
std::string Escape(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void RenderHistogram(std::string* out, const std::string& name, const std::string& labels,
                     const std::vector<uint64_t>& buckets, uint64_t count, double sum) {
  const std::string prefix = labels.empty() ? "" : absl::StrCat(labels, ",");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyBuckets().size(); ++i) {
    cumulative += i < buckets.size() ? buckets[i] : 0;
    absl::StrAppend(out, name, "_bucket{", prefix, "le=\"", Number(LatencyBuckets()[i]), "\"} ",
                    cumulative, "\n");
  }
  absl::StrAppend(out, name, "_bucket{", prefix, "le=\"+Inf\"} ", count, "\n");
  const std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(out, name, "_sum", braces, " ", Number(sum), "\n");
  absl::StrAppend(out, name, "_count", braces, " ", count, "\n");
}

}  // namespace

const std::vector<double>& LatencyBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return *buckets;
}

void Metrics::Observe(Histogram* histogram, double seconds) {
  const auto& bounds = LatencyBuckets();
  if (histogram->buckets.empty()) histogram->buckets.assign(bounds.size(), 0);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (seconds <= bounds[i]) {
      ++histogram->buckets[i];
      break;
    }
  }
  ++histogram->count;
  histogram->sum += seconds;
}

void Metrics::RecordRpc(absl::string_view method, absl::string_view code, absl::Duration latency) {
  absl::MutexLock lock(&mu_);
  ++rpc_requests_[{std::string(method), std::string(code)}];
  Observe(&rpc_durations_[std::string(method)], absl::ToDoubleSeconds(latency));
}

void Metrics::RecordSubmission(absl::string_view verdict) {
  absl::MutexLock lock(&mu_);
  ++submissions_[std::string(verdict)];
}

void Metrics::RecordJob(absl::string_view state, absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  ++jobs_[std::string(state)];
  Observe(&job_durations_, absl::ToDoubleSeconds(duration));
}

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
  std::string out;
  absl::MutexLock lock(&mu_);
  if (!rpc_requests_.empty()) {
    out += "# HELP gongkai_rpc_requests_total RPCs handled, by method and status code.\n";
    out += "# TYPE gongkai_rpc_requests_total counter\n";
    for (const auto& [key, count] : rpc_requests_) {
      absl::StrAppend(&out, "gongkai_rpc_requests_total{method=\"", Escape(key.first), "\",code=\"",
                      Escape(key.second), "\"} ", count, "\n");
    }
    out += "# HELP gongkai_rpc_duration_seconds Time to handle an RPC, by method.\n";
    out += "# TYPE gongkai_rpc_duration_seconds histogram\n";
    for (const auto& [method, h] : rpc_durations_) {
      RenderHistogram(&out, "gongkai_rpc_duration_seconds",
                      absl::StrCat("method=\"", Escape(method), "\""), h.buckets, h.count, h.sum);
    }
  }
  if (!submissions_.empty()) {
    out += "# HELP gongkai_submissions_total Report submissions, by verdict.\n";
    out += "# TYPE gongkai_submissions_total counter\n";
    for (const auto& [verdict, count] : submissions_) {
      absl::StrAppend(&out, "gongkai_submissions_total{verdict=\"", Escape(verdict), "\"} ", count,
                      "\n");
    }
  }
  if (!jobs_.empty()) {
    out += "# HELP gongkai_rollup_jobs_total Finished rollup jobs, by final state.\n";
    out += "# TYPE gongkai_rollup_jobs_total counter\n";
    for (const auto& [state, count] : jobs_) {
      absl::StrAppend(&out, "gongkai_rollup_jobs_total{state=\"", Escape(state), "\"} ", count,
                      "\n");
    }
    out += "# HELP gongkai_rollup_job_duration_seconds Duration of finished rollup jobs.\n";
    out += "# TYPE gongkai_rollup_job_duration_seconds histogram\n";
    RenderHistogram(&out, "gongkai_rollup_job_duration_seconds", "", job_durations_.buckets,
                    job_durations_.count, job_durations_.sum);
  }
  std::string last_name;
  for (const Gauge& gauge : gauges) {
    if (gauge.name != last_name) {
      absl::StrAppend(&out, "# HELP ", gauge.name, " ", gauge.help, "\n# TYPE ", gauge.name,
                      gauge.counter ? " counter\n" : " gauge\n");
      last_name = gauge.name;
    }
    absl::StrAppend(&out, gauge.name, gauge.labels.empty() ? "" : "{", gauge.labels,
                    gauge.labels.empty() ? "" : "}", " ", Number(gauge.value), "\n");
  }
  return out;
}

std::vector<Metrics::Gauge> MemoryGauges() {
  const MemoryUsage memory = CurrentMemoryUsage();
  return {
      {"process_resident_memory_bytes", "The process's resident memory (VmRSS).", "",
       static_cast<double>(memory.resident)},
      {"gongkai_heap_allocated_bytes", "Bytes in the heap's live allocations.", "",
       static_cast<double>(memory.heap_allocated)},
      {"gongkai_heap_free_bytes", "Bytes the allocator keeps free for later (caches, free pages).",
       "", static_cast<double>(memory.heap_free)},
      {"gongkai_heap_thread_cache_free_bytes",
       "Of gongkai_heap_free_bytes, what the threads' own caches hold (TCMalloc; 0 otherwise).", "",
       static_cast<double>(memory.heap_free_in_thread_caches)},
  };
}

}  // namespace gongkai
