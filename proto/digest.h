// The digest of a stored revision (store.proto ReportDigest): what the aggregation worker needs
// of a report, made once where the revision is written instead of at every read. The store
// keeps one per current revision; the worker makes its model of a report from it alone.
#ifndef GONGKAI_PROTO_DIGEST_H_
#define GONGKAI_PROTO_DIGEST_H_

#include "gongkai/v1/store.pb.h"

namespace gongkai {

// The digest of `revision` (of a report of a known edition, or not: its cells are then
// empty). Its review is the revision's. Of a withdrawal: only its key, its revision and
// `withdrawn` (what the change feed carries; the store keeps none).
v1::ReportDigest DigestOf(const v1::Revision& revision);

// DigestOf in two parts, so that the store can make the first before it knows the revision:
// what the report and its verdict decide (key, revision, first create time and review unset),
// then what the revision adds to it.
v1::ReportDigest DigestOfReport(const v1::Report& report, const v1::Verdict& verdict);
void AddRevisionToDigest(const v1::Revision& revision, v1::ReportDigest* digest);

}  // namespace gongkai

#endif  // GONGKAI_PROTO_DIGEST_H_
