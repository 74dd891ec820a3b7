// The store's region registry: the codes' histories ('g' · code → RegionHistory), loading and
// changing them, and the subtree index and worker results that follow each year's tree.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/rocks_util.h"
#include "storage/store.h"

namespace gongkai::storage {
namespace {

// The first key of a keyspace's entries of `year` and later (keys of year-keyed keyspaces
// begin with the year as a big-endian u32).
std::string YearStart(char keyspace, int year) {
  return std::string(1, keyspace) + keys::SubtreePrefix(year, {});
}

}  // namespace

std::shared_ptr<const registry::TimedRegistry> Store::registry() const {
  absl::MutexLock lock(&registry_mu_);
  return registry_;
}

absl::Status Store::MigrateRegionsToHistories(rocksdb::WriteBatch* batch) {
  const std::string prefix = keys::RegionPrefix();
  PrefixIterator it(db_.get(), prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    v1::Region region;
    if (!region.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("unreadable region record ", it->key().ToString()));
    }
    for (const v1::RegionHistory& history : registry::HistoriesOf({region}, kFirstReportingYear)) {
      batch->Put(it->key(), history.SerializeAsString());
    }
  }
  return FromRocks(it->status(), "read the layout-2 registry");
}

absl::Status Store::LoadRegistryState() {
  std::vector<v1::RegionHistory> histories;
  const std::string prefix = keys::RegionPrefix();
  PrefixIterator it(db_.get(), prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    v1::RegionHistory& history = histories.emplace_back();
    if (!history.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("unreadable region record ", it->key().ToString()));
    }
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "read registry"));
  absl::StatusOr<std::shared_ptr<const registry::TimedRegistry>> registry =
      registry::TimedRegistry::Build(std::move(histories));
  if (!registry.ok()) return absl::DataLossError(registry.status().message());
  absl::MutexLock lock(&registry_mu_);
  registry_ = *std::move(registry);
  return absl::OkStatus();
}

absl::Status Store::ReindexFrom(int from_year, const registry::TimedRegistry& registry,
                                rocksdb::WriteBatch* batch, std::vector<v1::ReportKey>* stranded,
                                std::set<int>* years) const {
  for (char keyspace : {keys::kIndex, keys::kRollup, keys::kAnomalies}) {
    batch->DeleteRange(YearStart(keyspace, from_year), keys::PrefixEnd(std::string(1, keyspace)));
  }
  const std::string heads(1, keys::kHead);
  PrefixIterator it(db_.get(), heads);
  for (it->Seek(YearStart(keys::kHead, from_year)); it->Valid(); it->Next()) {
    const absl::string_view id(it->key().data() + 1, it->key().size() - 1);
    v1::ReportKey key;
    if (!ParseReportId(id, &key)) return absl::DataLossError("unreadable report id");
    years->insert(key.year());
    v1::Revision head;
    if (!head.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable report head");
    }
    if (head.withdrawn()) continue;  // Out of the index until a new revision restores it.
    std::shared_ptr<const registry::YearTree> tree = registry.Tree(key.year());
    if (tree->Find(key.region_code()) == nullptr) {
      stranded->push_back(std::move(key));  // Left out of listings until its region returns.
      continue;
    }
    batch->Put(IndexKeyOf(*tree, key), std::string(id));
  }
  return FromRocks(it->status(), "rebuild the subtree index");
}

absl::StatusOr<std::vector<v1::ReportKey>> Store::LoadRegistry(std::vector<v1::Region> regions) {
  return LoadRegistry(registry::HistoriesOf(regions, kFirstReportingYear));
}

absl::StatusOr<std::vector<v1::ReportKey>> Store::LoadRegistry(
    std::vector<v1::RegionHistory> histories) {
  GONGKAI_ASSIGN_OR_RETURN(std::shared_ptr<const registry::TimedRegistry> registry,
                           registry::TimedRegistry::Build(std::move(histories)));
  rocksdb::WriteBatch batch;
  const std::string prefix = keys::RegionPrefix();
  batch.DeleteRange(prefix, keys::PrefixEnd(prefix));
  for (const v1::RegionHistory& history : registry->histories()) {
    batch.Put(keys::RegionKey(history.code()), history.SerializeAsString());
  }
  // No report is added, and no result written, while the index is rebuilt.
  absl::MutexLock commits(&commit_mu_);
  absl::MutexLock results(&results_mu_);
  std::vector<v1::ReportKey> stranded;
  std::set<int> years;
  GONGKAI_RETURN_IF_ERROR(ReindexFrom(0, *registry, &batch, &stranded, &years));
  // Every result is dropped, and with them the checkpoint that said how far they went: the
  // worker's next start rolls every year up again.
  batch.Delete(keys::CheckpointKey());
  GONGKAI_RETURN_IF_ERROR(Write(&batch, "store registry"));
  absl::MutexLock lock(&registry_mu_);
  registry_ = std::move(registry);
  return stranded;
}

absl::StatusOr<Store::RegistryUpdateResult> Store::UpdateRegistry(const RegistryUpdate& update,
                                                                  bool dry_run,
                                                                  bool allow_stranding) {
  // Commits and result writes wait: the registry, the index and the log change together.
  absl::MutexLock commits(&commit_mu_);
  absl::MutexLock results(&results_mu_);
  const std::shared_ptr<const registry::TimedRegistry> before = registry();
  std::vector<v1::RegionHistory> histories = before->histories();
  absl::flat_hash_map<std::string, size_t> position;
  for (size_t i = 0; i < histories.size(); ++i) position[histories[i].code()] = i;
  for (const v1::RegionHistory& changed : update.histories) {
    auto it = position.find(changed.code());
    if (it == position.end()) {
      histories.push_back(changed);
    } else {
      histories[it->second] = changed;
    }
  }
  GONGKAI_ASSIGN_OR_RETURN(std::shared_ptr<const registry::TimedRegistry> after,
                           registry::TimedRegistry::Build(std::move(histories)));
  rocksdb::WriteBatch batch;
  RegistryUpdateResult result;
  std::set<int> years = {update.from_year};
  GONGKAI_RETURN_IF_ERROR(ReindexFrom(update.from_year, *after, &batch, &result.stranded, &years));
  for (int year = update.from_year; year <= *years.rbegin(); ++year) {
    result.affected_years.push_back(year);
  }
  if (dry_run || (!result.stranded.empty() && !allow_stranding)) return result;

  // The links of both ends of every changed link were normalized by Build: store every
  // history whose record differs from before (the changed codes and their linked codes).
  for (const v1::RegionHistory& history : after->histories()) {
    const v1::RegionHistory* old = before->History(history.code());
    if (old == nullptr || old->SerializeAsString() != history.SerializeAsString()) {
      batch.Put(keys::RegionKey(history.code()), history.SerializeAsString());
    }
  }
  const int64_t sequence = last_sequence_ + 1;
  v1::ChangeEvent event;
  event.set_sequence(sequence);
  *event.mutable_time() = ToProtoTime(update.time);
  *event.mutable_registry_change() = update.change;
  event.mutable_registry_change()->set_from_year(update.from_year);
  batch.Put(keys::ChangeKey(sequence), event.SerializeAsString());
  GONGKAI_RETURN_IF_ERROR(Write(&batch, "change the registry"));
  last_sequence_ = sequence;
  PublishHead(sequence);
  {
    absl::MutexLock lock(&registry_mu_);
    registry_ = after;
  }
  result.applied = true;
  result.sequence = sequence;
  return result;
}

}  // namespace gongkai::storage
