// A report's identity: its key (year, region, scope, body) as one canonical byte string. The
// store keys heads and revisions by it (storage/keys.h); the worker's model keeps its withdrawn
// keys by it (its entries are found by the key itself, EntryKeyRef in worker/model.h, which
// normalizes the scope alike). Encoded order is logical order: year (u32 big-endian) · region
// code (12 digits) · scope (u8) · body (u8 length + bytes).
#ifndef GONGKAI_PROTO_REPORT_KEY_H_
#define GONGKAI_PROTO_REPORT_KEY_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"

namespace gongkai {

// SCOPE_UNSPECIFIED means the body's own report (SCOPE_OWN).
inline v1::Scope NormalizedScope(v1::Scope scope) {
  return scope == v1::SCOPE_UNSPECIFIED ? v1::SCOPE_OWN : scope;
}

// The key's id (its scope normalized).
std::string ReportId(const v1::ReportKey& key);
// The key an id was made from; false when `id` is not one.
bool ParseReportId(absl::string_view id, v1::ReportKey* key);

}  // namespace gongkai

#endif  // GONGKAI_PROTO_REPORT_KEY_H_
