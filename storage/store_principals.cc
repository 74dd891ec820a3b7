// Principals: one record per name under keys::kPrincipal. The store keeps them as given (the
// services decide what they mean); tokens are never stored, only their salted hashes.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/rocks_util.h"
#include "storage/store.h"

namespace gongkai::storage {
namespace {

// Reads the record of `name`: nullopt when absent.
absl::StatusOr<std::optional<v1::StoredPrincipal>> ReadPrincipal(rocksdb::DB* db,
                                                                 const std::string& name) {
  std::string value;
  rocksdb::Status status = db->Get(rocksdb::ReadOptions(), keys::PrincipalKey(name), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) return FromRocks(status, "read principal");
  v1::StoredPrincipal stored;
  if (!stored.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("principal ", name, " is unreadable"));
  }
  return stored;
}

}  // namespace

absl::Status Store::CreatePrincipal(const v1::StoredPrincipal& principal) {
  const std::string& name = principal.principal().name();
  absl::MutexLock lock(&principals_mu_);
  GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::StoredPrincipal> existing,
                           ReadPrincipal(db_.get(), name));
  if (existing.has_value()) {
    return absl::AlreadyExistsError(absl::StrCat("principal ", name, " already exists"));
  }
  rocksdb::WriteBatch batch;
  batch.Put(keys::PrincipalKey(name), principal.SerializeAsString());
  return Write(&batch, "create principal");
}

absl::Status Store::UpdatePrincipal(const v1::StoredPrincipal& principal) {
  const std::string& name = principal.principal().name();
  absl::MutexLock lock(&principals_mu_);
  GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::StoredPrincipal> existing,
                           ReadPrincipal(db_.get(), name));
  if (!existing.has_value()) {
    return absl::NotFoundError(absl::StrCat("principal ", name, " does not exist"));
  }
  rocksdb::WriteBatch batch;
  batch.Put(keys::PrincipalKey(name), principal.SerializeAsString());
  return Write(&batch, "update principal");
}

absl::StatusOr<std::vector<v1::StoredPrincipal>> Store::ListPrincipals() const {
  std::vector<v1::StoredPrincipal> out;
  const std::string prefix(1, keys::kPrincipal);
  PrefixIterator it(db_.get(), prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    v1::StoredPrincipal& stored = out.emplace_back();
    if (!stored.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("principal ", it->key().ToString().substr(1), " is unreadable"));
    }
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "list principals"));
  return out;
}

}  // namespace gongkai::storage
