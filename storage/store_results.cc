// The store's part for the aggregation worker's results: rollups, anomaly sets, the worker's
// checkpoint, and rollup jobs.
#include <algorithm>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/util/time_util.h"
#include "proto/cells.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/rocks_util.h"
#include "storage/store.h"

namespace gongkai::storage {
namespace {

constexpr absl::string_view kNextJobName = "next_job";

// A counter stored at `key` (0 when absent).
absl::StatusOr<int64_t> ReadCounter(rocksdb::DB* db, const std::string& key) {
  std::string value;
  rocksdb::Status status = db->Get(rocksdb::ReadOptions(), key, &value);
  if (status.IsNotFound()) return 0;
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read a counter"));
  return static_cast<int64_t>(keys::ReadBigEndian64(value));
}

std::string EncodeCounter(int64_t value) {
  std::string out;
  keys::AppendBigEndian64(&out, static_cast<uint64_t>(value));
  return out;
}

}  // namespace

absl::Status Store::WriteResults(
    int year, const google::protobuf::RepeatedPtrField<v1::Rollup>& rollups,
    const google::protobuf::RepeatedPtrField<v1::AnomalySet>& anomaly_sets,
    std::optional<int64_t> checkpoint, bool replace_year, WriteSync sync,
    std::optional<int64_t> base_checkpoint) {
  // Kept without the labels of their cells (proto/cells.h); the reads put them back.
  auto serialized = []<typename T>(const T& result) {
    if (!HasCellLabels(result)) return result.SerializeAsString();
    T unlabelled = result;
    ClearCellLabels(&unlabelled);
    return unlabelled.SerializeAsString();
  };
  SerializedResults results{.year = year,
                            .checkpoint = checkpoint,
                            .base_checkpoint = base_checkpoint,
                            .replace_year = replace_year};
  results.rollups.reserve(rollups.size());
  for (const v1::Rollup& rollup : rollups) {
    results.rollups.push_back({rollup.region_code(), serialized(rollup)});
  }
  results.anomaly_sets.reserve(anomaly_sets.size());
  for (const v1::AnomalySet& set : anomaly_sets) {
    results.anomaly_sets.push_back(
        {set.region_code(), set.anomalies_size() == 0 ? std::string() : serialized(set)});
  }
  return WriteResults(results, sync);
}

absl::Status Store::WriteResults(const SerializedResults& results, WriteSync sync) {
  // Under the lock a registry update takes, so that results are keyed by the current tree.
  absl::MutexLock lock(&results_mu_);
  // The checkpoints first: a writer whose base was dropped learns that, whatever it sends.
  if (results.checkpoint.has_value() || results.base_checkpoint.has_value()) {
    GONGKAI_ASSIGN_OR_RETURN(int64_t stored, ReadCounter(db_.get(), keys::CheckpointKey()));
    if (results.base_checkpoint.has_value() && stored < *results.base_checkpoint) {
      return absl::AbortedError(absl::StrCat(
          "the stored checkpoint ", stored, " is behind ", *results.base_checkpoint,
          ", the one these results build on: the results stored up to it were dropped (a "
          "registry reload, a restored backup); roll up again from the stored state"));
    }
    if (results.checkpoint.has_value() && *results.checkpoint < stored) {
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint ", *results.checkpoint, " is behind the stored checkpoint ", stored));
    }
  }
  const int year = results.year;
  std::shared_ptr<const registry::YearTree> registry = Tree(year);
  auto path_of = [&](const std::string& region_code) -> absl::StatusOr<std::vector<std::string>> {
    if (registry->Find(region_code) == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("region ", region_code, " is not in the registry of ", year));
    }
    return registry->PathOf(region_code);
  };
  rocksdb::WriteBatch batch;
  if (results.replace_year) {
    const std::string prefix = keys::AnomaliesPrefix(year, {});
    batch.DeleteRange(prefix, keys::PrefixEnd(prefix));
  }
  for (const SerializedResults::Item& rollup : results.rollups) {
    GONGKAI_ASSIGN_OR_RETURN(std::vector<std::string> path, path_of(rollup.region_code));
    batch.Put(keys::RollupKey(year, path), rollup.value);
  }
  for (const SerializedResults::Item& set : results.anomaly_sets) {
    GONGKAI_ASSIGN_OR_RETURN(std::vector<std::string> path, path_of(set.region_code));
    const std::string key = keys::AnomaliesKey(year, path);
    if (set.value.empty()) {
      batch.Delete(key);
    } else {
      batch.Put(key, set.value);
    }
  }
  if (results.checkpoint.has_value()) {
    batch.Put(keys::CheckpointKey(), EncodeCounter(*results.checkpoint));
  }
  return Write(&batch, "write results", sync);
}

absl::StatusOr<int64_t> Store::WorkerCheckpoint() const {
  return ReadCounter(db_.get(), keys::CheckpointKey());
}

absl::StatusOr<v1::Rollup> Store::GetRollup(const std::string& region_code, int year) const {
  std::shared_ptr<const registry::YearTree> registry = Tree(year);
  if (registry->Find(region_code) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", region_code, " is not in the registry of ", year));
  }
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(),
                                    keys::RollupKey(year, registry->PathOf(region_code)), &value);
  if (status.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no rollup of ", region_code, " for ", year, " yet"));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read rollup"));
  v1::Rollup rollup;
  if (!rollup.ParseFromString(value)) return absl::DataLossError("unreadable rollup");
  AddCellLabels(&rollup);
  return rollup;
}

absl::StatusOr<v1::AnomalySet> Store::AnomaliesAt(const std::string& region_code, int year) const {
  std::shared_ptr<const registry::YearTree> registry = Tree(year);
  if (registry->Find(region_code) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", region_code, " is not in the registry of ", year));
  }
  std::string value;
  rocksdb::Status status = db_->Get(
      rocksdb::ReadOptions(), keys::AnomaliesKey(year, registry->PathOf(region_code)), &value);
  v1::AnomalySet set;
  if (status.IsNotFound()) return set;
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read anomalies"));
  if (!set.ParseFromString(value)) return absl::DataLossError("unreadable anomaly set");
  AddCellLabels(&set);
  return set;
}

absl::StatusOr<Page<v1::Anomaly>> Store::ListAnomalies(
    const std::string& region_code, int year, int page_size, const std::string& page_token,
    const std::function<bool(const v1::Anomaly&)>& keep) const {
  std::shared_ptr<const registry::YearTree> registry = Tree(year);
  if (registry->Find(region_code) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", region_code, " is not in the registry of ", year));
  }
  page_size = page_size <= 0 ? 100 : std::min(page_size, 1000);
  const std::string prefix = keys::AnomaliesPrefix(year, registry->PathOf(region_code));
  // The token is the anomaly set's key followed by the index of the next anomaly in it.
  std::string start_key = prefix;
  int start_index = 0;
  if (!page_token.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(std::string token, keys::ReadPageToken(prefix, page_token));
    if (token.size() < prefix.size() + 8) {
      return absl::InvalidArgumentError("invalid page_token for this listing");
    }
    start_key = token.substr(0, token.size() - 8);
    const uint64_t index = keys::ReadBigEndian64(token.substr(token.size() - 8));
    if (index > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      return absl::InvalidArgumentError("invalid page_token for this listing");
    }
    start_index = static_cast<int>(index);
  }
  PrefixIterator it(db_.get(), prefix);
  Page<v1::Anomaly> page;
  for (it->Seek(start_key); it->Valid(); it->Next()) {
    v1::AnomalySet set;
    if (!set.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable anomaly set");
    }
    const int first = it->key().ToString() == start_key ? start_index : 0;
    for (int i = first; i < set.anomalies_size(); ++i) {
      if (!keep(set.anomalies(i))) continue;
      if (static_cast<int>(page.items.size()) == page_size) {
        std::string token = it->key().ToString();
        keys::AppendBigEndian64(&token, static_cast<uint64_t>(i));
        page.next_page_token = keys::PageToken(prefix, token);
        return page;
      }
      page.items.push_back(set.anomalies(i));
      AddCellLabels(&page.items.back());
    }
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "scan anomalies"));
  return page;
}

absl::StatusOr<std::map<std::pair<int, int>, int64_t>> Store::CountAnomalies() const {
  const std::string prefix(1, keys::kAnomalies);
  PrefixIterator it(db_.get(), prefix, /*fill_cache=*/false);  // every set: a bulk scan
  std::map<std::pair<int, int>, int64_t> counts;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    v1::AnomalySet set;
    if (!set.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable anomaly set");
    }
    for (const v1::Anomaly& anomaly : set.anomalies()) ++counts[{set.year(), anomaly.kind()}];
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "count anomalies"));
  return counts;
}

absl::StatusOr<v1::RollupJob> Store::CreateJob(int year, const std::string& region_code,
                                               absl::Time now) {
  absl::MutexLock lock(&results_mu_);
  GONGKAI_ASSIGN_OR_RETURN(int64_t last, ReadCounter(db_.get(), keys::MetaKey(kNextJobName)));
  const int64_t id = last + 1;
  v1::RollupJob job;
  job.set_id(absl::StrCat(id));
  job.set_year(year);
  job.set_region_code(region_code);
  job.set_state(v1::JOB_STATE_PENDING);
  *job.mutable_create_time() = ToProtoTime(now);
  rocksdb::WriteBatch batch;
  batch.Put(keys::JobKey(id), job.SerializeAsString());
  batch.Put(keys::MetaKey(kNextJobName), EncodeCounter(id));
  GONGKAI_RETURN_IF_ERROR(Write(&batch, "create job"));
  ++pending_jobs_;
  return job;
}

absl::StatusOr<v1::RollupJob> Store::GetJob(const std::string& id) const {
  int64_t number = 0;
  if (!absl::SimpleAtoi(id, &number) || number <= 0) {
    return absl::NotFoundError(absl::StrCat("no rollup job ", id));
  }
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), keys::JobKey(number), &value);
  if (status.IsNotFound()) return absl::NotFoundError(absl::StrCat("no rollup job ", id));
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read job"));
  v1::RollupJob job;
  if (!job.ParseFromString(value)) return absl::DataLossError("unreadable job");
  return job;
}

absl::Status Store::ScanJobs(
    const std::function<bool(const std::string& key, v1::RollupJob& job)>& visit) const {
  const std::string prefix(1, keys::kJob);
  PrefixIterator it(db_.get(), prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    v1::RollupJob job;
    if (!job.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable job");
    }
    if (!visit(it->key().ToString(), job)) break;
  }
  return FromRocks(it->status(), "scan jobs");
}

absl::StatusOr<v1::RollupJob> Store::ClaimJob(absl::Time now) {
  absl::MutexLock lock(&results_mu_);
  if (pending_jobs_ <= 0) return absl::NotFoundError("no pending rollup job");
  std::optional<std::pair<std::string, v1::RollupJob>> claimed;
  absl::Status scanned = ScanJobs([&](const std::string& key, v1::RollupJob& job) {
    if (job.state() != v1::JOB_STATE_PENDING) return true;
    claimed.emplace(key, job);
    return false;
  });
  if (!scanned.ok()) return scanned;
  if (!claimed.has_value()) {
    pending_jobs_ = 0;  // the records are what counts
    return absl::NotFoundError("no pending rollup job");
  }
  v1::RollupJob& job = claimed->second;
  job.set_state(v1::JOB_STATE_RUNNING);
  *job.mutable_start_time() = ToProtoTime(now);
  rocksdb::WriteBatch batch;
  batch.Put(claimed->first, job.SerializeAsString());
  GONGKAI_RETURN_IF_ERROR(Write(&batch, "claim job"));
  --pending_jobs_;
  return job;
}

absl::Status Store::FinishJob(const v1::RollupJob& job) {
  absl::MutexLock lock(&results_mu_);
  GONGKAI_ASSIGN_OR_RETURN(v1::RollupJob stored, GetJob(job.id()));
  if (stored.state() != v1::JOB_STATE_RUNNING) {
    // E.g. requeued by a restart of gongkaid while a worker still ran it.
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job.id(), " is ", v1::JobState_Name(stored.state()), ", not RUNNING"));
  }
  int64_t number = 0;
  (void)absl::SimpleAtoi(job.id(), &number);
  rocksdb::WriteBatch batch;
  batch.Put(keys::JobKey(number), job.SerializeAsString());
  return Write(&batch, "finish job");
}

}  // namespace gongkai::storage
