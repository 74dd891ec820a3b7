// Converts RocksDB statuses into the project's error vocabulary (absl::Status).
#ifndef GONGKAI_STORAGE_ROCKS_STATUS_H_
#define GONGKAI_STORAGE_ROCKS_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace gongkai::storage {

// OK stays OK; NOT_FOUND, DATA_LOSS (corruption), UNAVAILABLE (I/O, busy, no space) and
// INTERNAL otherwise, with `what` and RocksDB's message.
absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what);

}  // namespace gongkai::storage

#endif  // GONGKAI_STORAGE_ROCKS_STATUS_H_
