#include "common/serialize.h"

#include <limits>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace gongkai {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  // Sized once: a string output stream grows by doubling, reallocating and copying a report
  // several times over.
  const size_t size = message.ByteSizeLong();
  // Beyond what protobuf serializes (as SerializeToCodedStream, which refuses it).
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) return {};
  std::string out(size, '\0');
  {
    // The stream writes its last bytes when it is destroyed: before `out` is returned.
    google::protobuf::io::ArrayOutputStream array(out.data(), static_cast<int>(size));
    google::protobuf::io::CodedOutputStream coded(&array);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
  }
  return out;
}

}  // namespace gongkai
