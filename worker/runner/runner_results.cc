// The worker's writes: its results (rollups and flag sets) built on its threads and sent in
// pieces through WorkerService.WriteResults (or its handler, in gongkaid), with the checkpoint
// after the last piece: once a year has been written whole, only the flag sets that changed,
// and in a full recompute only the rollups that changed too.

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/memory.h"
#include "common/parallel.h"
#include "common/serialize.h"
#include "common/status_macros.h"
#include "google/protobuf/arena.h"
#include "grpcpp/client_context.h"
#include "worker/anomalies.h"
#include "worker/runner/runner.h"

namespace gongkai::worker {
namespace {

// A result's fingerprint of its content (never 0) and, for a worker in gongkaid
// (`with_value`), the result serialized once as the store keeps it (SerializedResults).
struct Encoded {
  uint64_t fingerprint = 0;
  std::string value;
  size_t size = 0;  // of the result as a message (the size of a piece counts these)
};

// A rollup's fingerprint leaves out the sequence and time it was computed at, which change at
// every write: they are serialized apart and appended (a message's fields may come in any
// order; the reads see one message).
Encoded Encode(v1::Rollup* rollup, bool with_value) {
  v1::Rollup stamp;
  stamp.set_sequence(rollup->sequence());
  if (rollup->has_compute_time()) *stamp.mutable_compute_time() = rollup->compute_time();
  rollup->clear_sequence();
  rollup->clear_compute_time();
  Encoded out;
  out.value = SerializeDeterministic(*rollup);
  out.fingerprint = absl::HashOf(out.value) | 1;
  if (with_value) {
    out.value += SerializeDeterministic(stamp);
    out.size = out.value.size();
  } else {
    out.size = out.value.size() + stamp.ByteSizeLong();
    out.value.clear();
    rollup->MergeFrom(stamp);  // it goes into the request
  }
  return out;
}

// A region without flags is stored as none: an empty value.
Encoded Encode(v1::AnomalySet* set, bool with_value) {
  Encoded out;
  out.value = SerializeDeterministic(*set);
  out.fingerprint = absl::HashOf(out.value) | 1;
  out.size = out.value.size();
  if (!with_value || set->anomalies_size() == 0) out.value.clear();
  return out;
}

// The smallest piece results are written in.
constexpr size_t kMinChunkBytes = 4 << 10;
// Regions whose results are built at once (on the worker's threads) before they are added to a
// request: enough to share among threads, few enough to hold little memory.
constexpr size_t kRegionsPerBlock = 256;

}  // namespace

absl::Status Runner::SendResults(v1::WriteResultsRequest* request, SerializedResults* serialized,
                                 absl::string_view what) {
  if (written_checkpoint_ >= 0) {
    request->set_base_checkpoint(written_checkpoint_);
    serialized->base_checkpoint = written_checkpoint_;
  }
  if (options_.write_results) {
    absl::Status s = options_.write_results(*serialized);
    return s.ok() ? s : absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
  }
  v1::Checkpoint response;
  return FromGrpc(results_->WriteResults(Context().get(), *request, &response), what);
}

absl::Status Runner::SendCheckpoint(int year, int64_t checkpoint) {
  v1::WriteResultsRequest request;
  request.set_year(year);
  request.set_checkpoint(checkpoint);
  SerializedResults serialized{.year = year, .checkpoint = checkpoint};
  return SendResults(&request, &serialized, "write the checkpoint");
}

Runner::Written& Runner::WrittenOf(const YearModel& model) {
  Written& written = written_[model.year()];
  if (written.tree != model.shared_tree()) {
    written.tree = model.shared_tree();
    written.rollups.assign(model.tree().size(), 0);
    written.flags.assign(model.tree().size(), 0);
  }
  return written;
}

absl::Status Runner::Write(int year, const std::set<int>& rollup_regions,
                           const std::set<int>& flag_regions, std::optional<int64_t> checkpoint,
                           bool replace_year, bool only_changed) {
  // The year before is compared with (carry-over, swings, copied narratives).
  GONGKAI_RETURN_IF_ERROR(EnsureLoaded(year - 1));
  last_used_[year] = last_used_[year - 1] = options_.clock();
  const YearModel* model = ModelOf(year);
  const YearModel* previous = ModelOf(year - 1);
  Written& written = WrittenOf(*model);
  // Its first piece deletes the year's stored flags: from then on what this worker last wrote
  // of a set is not what is stored, until the set is written again (should a later piece
  // fail, the retry must not take the sets it did not write for stored).
  if (replace_year) std::fill(written.flags.begin(), written.flags.end(), 0);
  const absl::Time now = options_.clock();
  const int64_t sequence = next_sequence_ - 1;
  // The piece being gathered: results serialized once for a worker in gongkaid
  // (options_.write_results), messages in a request for one that writes through the channel.
  const bool in_process = static_cast<bool>(options_.write_results);
  SerializedResults serialized{.year = year, .replace_year = replace_year};
  v1::WriteResultsRequest request;
  request.set_year(year);
  request.set_replace_year(replace_year);
  size_t pending_bytes = 0;  // Tracked per item: ByteSizeLong() of the request is O(size).
  // What the request holds, to be recorded as written once it is: (slot, fingerprint).
  std::vector<std::pair<uint64_t*, uint64_t>> sending;
  auto send = [&](bool last) -> absl::Status {
    pending_bytes = 0;
    if (last && checkpoint.has_value()) {
      request.set_checkpoint(*checkpoint);
      serialized.checkpoint = *checkpoint;
    }
    absl::Status s =
        SendResults(&request, &serialized, absl::StrCat("write the results of ", year));
    if (absl::IsResourceExhausted(s) && chunk_bytes_ > kMinChunkBytes) {
      // The server takes smaller messages (--max_message_bytes): send smaller pieces.
      chunk_bytes_ = std::max(kMinChunkBytes, chunk_bytes_ / 2);
      Log(absl::StrCat("results written in pieces of ", chunk_bytes_, " bytes from now on"));
    }
    if (s.ok()) {
      for (const auto& [slot, fingerprint] : sending) *slot = fingerprint;
    }
    sending.clear();
    request.clear_rollups();
    request.clear_anomaly_sets();
    request.set_replace_year(false);
    serialized.rollups.clear();
    serialized.anomaly_sets.clear();
    serialized.replace_year = false;
    return s;
  };
  // The results are built a block of regions at a time on the worker's threads, each into its
  // own message (the models are only read), serialized with the fingerprint of its content,
  // then added to the piece in region order. For a worker in gongkaid the message is needed
  // only until it is serialized: it is built on an arena of its own, freed at once.
  auto add = [&]<typename T>(const std::set<int>& regions, bool skip_unchanged,
                             google::protobuf::RepeatedPtrField<T>* field,
                             std::vector<SerializedResults::Item>* items,
                             std::vector<uint64_t>* fingerprints, auto build) -> absl::Status {
    const std::vector<int> order(regions.begin(), regions.end());
    std::vector<T> block;
    std::vector<Encoded> encoded;
    for (size_t start = 0; start < order.size(); start += kRegionsPerBlock) {
      const int n = static_cast<int>(std::min(kRegionsPerBlock, order.size() - start));
      block.assign(in_process ? 0 : n, T());
      encoded.assign(n, Encoded());
      ParallelFor(n, options_.threads, [&](int i) {
        if (in_process) {
          google::protobuf::Arena arena;
          T* result = google::protobuf::Arena::CreateMessage<T>(&arena);
          build(order[start + i], result);
          encoded[i] = Encode(result, /*with_value=*/true);
        } else {
          build(order[start + i], &block[i]);
          encoded[i] = Encode(&block[i], /*with_value=*/false);
        }
      });
      for (int i = 0; i < n; ++i) {
        uint64_t* slot = &(*fingerprints)[order[start + i]];
        if (skip_unchanged && *slot == encoded[i].fingerprint) continue;
        pending_bytes += encoded[i].size;
        if (in_process) {
          items->push_back(
              {model->tree().region(order[start + i]).code, std::move(encoded[i].value)});
        } else {
          *field->Add() = std::move(block[i]);
        }
        sending.emplace_back(slot, encoded[i].fingerprint);
        if (pending_bytes > chunk_bytes_) {
          GONGKAI_RETURN_IF_ERROR(send(false));
        }
      }
    }
    return absl::OkStatus();
  };
  // A rollup is written again unchanged when its sequence is to move (a change's write: the
  // rollup then says it reflects the change). A flag set has no sequence: it is written only
  // when it changed (every one when the year's flags are replaced: none is known then). A
  // change's write evaluates the flags of the changed report's peers; most stay as they were.
  GONGKAI_RETURN_IF_ERROR(add(
      rollup_regions, only_changed, request.mutable_rollups(), &serialized.rollups,
      &written.rollups,
      [&](int region, v1::Rollup* rollup) { model->BuildRollup(region, sequence, now, rollup); }));
  GONGKAI_RETURN_IF_ERROR(add(flag_regions, /*skip_unchanged=*/true, request.mutable_anomaly_sets(),
                              &serialized.anomaly_sets, &written.flags,
                              [&](int region, v1::AnomalySet* set) {
                                EvaluateRegion(*model, previous, region, now, set);
                              }));
  return send(true);
}

absl::Status Runner::WriteAll(int year, std::optional<int64_t> checkpoint,
                              const std::set<int>* rollups) {
  std::set<int> all;
  for (int i = 0; i < ModelOf(year)->tree().size(); ++i) all.insert(i);
  // Once every region's results were written on this tree, a region whose results did not
  // change keeps its stored ones (and their sequence), and one that lost its flags gets an
  // empty set: the year's flags need not be deleted first.
  const Written& written = WrittenOf(*ModelOf(year));
  auto unknown = [](uint64_t fingerprint) { return fingerprint == 0; };
  const bool known = std::none_of(written.rollups.begin(), written.rollups.end(), unknown) &&
                     std::none_of(written.flags.begin(), written.flags.end(), unknown);
  const std::set<int>& rollup_regions = known && rollups != nullptr ? *rollups : all;
  {
    absl::MutexLock lock(&mu_);
    stats_.last_whole_write_rollups = static_cast<int64_t>(rollup_regions.size());
  }
  absl::Status status = Write(year, rollup_regions, all, checkpoint, /*replace_year=*/!known,
                              /*only_changed=*/known);
  // A whole year's results pass through the heap in large transient messages; hand the freed
  // memory back to the system rather than keep it for the next full recompute.
  ReleaseFreeMemory();
  return status;
}

absl::Status Runner::Flush() {
  const int64_t checkpoint = next_sequence_ - 1;
  const bool writes = Unwritten();
  while (!pending_.empty()) {
    auto it = pending_.begin();
    const bool last = std::next(it) == pending_.end();
    const std::optional<int64_t> cp = last ? std::optional<int64_t>(checkpoint) : std::nullopt;
    const Pending& p = it->second;
    absl::Status s = p.whole_year ? WriteAll(it->first, cp)
                                  : Write(it->first, p.rollup_regions, p.flag_regions, cp, false);
    if (!s.ok()) {
      absl::MutexLock lock(&mu_);
      ++stats_.write_failures;
      return s;
    }
    if (last) written_checkpoint_ = checkpoint;
    pending_.erase(it);
  }
  if (written_checkpoint_ != checkpoint) {
    // Changes that affected nothing (stale revisions) still move the checkpoint.
    GONGKAI_RETURN_IF_ERROR(SendCheckpoint(kFirstReportingYear, checkpoint));
    written_checkpoint_ = checkpoint;
  }
  if (writes) last_flush_ = absl::Now();
  absl::MutexLock lock(&mu_);
  stats_.applied_sequence = checkpoint;
  stats_.years_loaded = static_cast<int>(models_.size());
  return absl::OkStatus();
}

}  // namespace gongkai::worker
