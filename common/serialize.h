// Deterministic serialization: the same message gives the same bytes in any process of this
// build (map entries in key order), for comparing contents and fingerprinting them.
#ifndef GONGKAI_COMMON_SERIALIZE_H_
#define GONGKAI_COMMON_SERIALIZE_H_

#include <string>

#include "google/protobuf/message_lite.h"

namespace gongkai {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

}  // namespace gongkai

#endif  // GONGKAI_COMMON_SERIALIZE_H_
