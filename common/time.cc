#include "common/time.h"

#include "absl/time/civil_time.h"
#include "google/protobuf/util/time_util.h"

namespace gongkai {

absl::Time FromProtoTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

google::protobuf::Timestamp ToProtoTime(absl::Time time) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time));
}

absl::TimeZone ReportingZone() { return absl::FixedTimeZone(8 * 60 * 60); }

int ReportingYearOf(absl::Time time) {
  return static_cast<int>(absl::ToCivilYear(time, ReportingZone()).year());
}

}  // namespace gongkai
