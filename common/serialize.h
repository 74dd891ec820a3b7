// Deterministic serialization: the same message gives the same bytes in any process of this
// build (map entries in key order), for comparing contents and fingerprinting them.
#ifndef GONGKAI_COMMON_SERIALIZE_H_
#define GONGKAI_COMMON_SERIALIZE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/message_lite.h"

namespace gongkai {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

// A piece of the aggregation worker's results (a WriteResultsRequest's content) serialized once,
// as the store keeps it: what a worker in the store's process hands over without messages in
// between.
struct SerializedResults {
  struct Item {
    std::string region_code;
    // A Rollup or AnomalySet without its cells' labels (proto/cells.h). For an anomaly set,
    // empty when the region has none (its stored set is deleted).
    std::string value;
  };
  int year = 0;
  std::vector<Item> rollups;
  std::vector<Item> anomaly_sets;
  std::optional<int64_t> checkpoint;
  // Refused when the stored checkpoint is behind it (WriteResultsRequest.base_checkpoint).
  std::optional<int64_t> base_checkpoint;
  bool replace_year = false;  // every stored anomaly set of the year deleted first
};

}  // namespace gongkai

#endif  // GONGKAI_COMMON_SERIALIZE_H_
