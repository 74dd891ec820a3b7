// Anomaly kinds by their short names ("MISSING_REPORT" for ANOMALY_KIND_MISSING_REPORT), as
// people type and read them: the CLI's --kind and tables, the metrics' kind label. JSON and
// the wire carry the full enum value names.
#ifndef GONGKAI_PROTO_ANOMALY_KIND_H_
#define GONGKAI_PROTO_ANOMALY_KIND_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gongkai/v1/rollup.pb.h"

namespace gongkai {

// The enum value's name without its ANOMALY_KIND_ prefix.
std::string AnomalyKindName(v1::AnomalyKind kind);

// A short or full name, in any case; false for an unknown name or UNSPECIFIED.
bool ParseAnomalyKind(absl::string_view text, v1::AnomalyKind* kind);

}  // namespace gongkai

#endif  // GONGKAI_PROTO_ANOMALY_KIND_H_
