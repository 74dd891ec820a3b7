#include "common/serialize.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace gongkai {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  // Sized once: a string output stream grows by doubling, reallocating and copying a report
  // several times over.
  const size_t size = message.ByteSizeLong();
  std::string out(size, '\0');
  google::protobuf::io::ArrayOutputStream array(out.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  return out;
}

}  // namespace gongkai
