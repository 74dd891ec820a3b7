// Conversions between google.protobuf.Timestamp and absl::Time, and the reporting calendar.
#ifndef GONGKAI_COMMON_TIME_H_
#define GONGKAI_COMMON_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace gongkai {

// Exact to the nanosecond. An unset Timestamp is the Unix epoch.
absl::Time FromProtoTime(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp ToProtoTime(absl::Time time);

// Reporting years follow China Standard Time (UTC+8).
absl::TimeZone ReportingZone();
// The calendar year of `time` in ReportingZone().
int ReportingYearOf(absl::Time time);

}  // namespace gongkai

#endif  // GONGKAI_COMMON_TIME_H_
