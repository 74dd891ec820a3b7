#include "storage/rocks_util.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "storage/keys.h"

namespace gongkai::storage {

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain() ||
      status.IsIncomplete()) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

PrefixIterator::PrefixIterator(rocksdb::DB* db, absl::string_view prefix, bool fill_cache)
    : upper_(keys::PrefixEnd(prefix)), upper_slice_(upper_) {
  rocksdb::ReadOptions options;
  options.fill_cache = fill_cache;
  if (!upper_.empty()) options.iterate_upper_bound = &upper_slice_;
  iterator_.reset(db->NewIterator(options));
}

}  // namespace gongkai::storage
