// Small helpers at the RocksDB edge: statuses into the project's error vocabulary, and
// iterators bounded to one key prefix.
#ifndef GONGKAI_STORAGE_ROCKS_UTIL_H_
#define GONGKAI_STORAGE_ROCKS_UTIL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/status.h"

namespace gongkai::storage {

// OK stays OK; NOT_FOUND, DATA_LOSS (corruption), UNAVAILABLE (I/O, busy, no space) and
// INTERNAL otherwise, with `what` and RocksDB's message.
absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what);

// An iterator over the keys that start with `prefix` (iterate_upper_bound is set, as every
// range scan must). Seek(prefix) or Seek(a later key) to start; check status() after the loop.
// `fill_cache` false for a bulk scan: blocks read from tables are not added to the block cache.
class PrefixIterator {
 public:
  PrefixIterator(rocksdb::DB* db, absl::string_view prefix, bool fill_cache = true);
  rocksdb::Iterator* operator->() { return iterator_.get(); }

 private:
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> iterator_;
};

}  // namespace gongkai::storage

#endif  // GONGKAI_STORAGE_ROCKS_UTIL_H_
