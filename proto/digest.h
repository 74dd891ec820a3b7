// The digest of a stored revision (store.proto ReportDigest): what the aggregation worker needs
// of a report, made once where the revision is written instead of at every read. The store
// keeps one per current revision; the worker makes its model of a report from it alone.
#ifndef GONGKAI_PROTO_DIGEST_H_
#define GONGKAI_PROTO_DIGEST_H_

#include "gongkai/v1/store.pb.h"

namespace gongkai {

// The digest of `revision` (of a report of a known edition, or not: its cells are then
// empty). Its review is the revision's.
v1::ReportDigest DigestOf(const v1::Revision& revision);

}  // namespace gongkai

#endif  // GONGKAI_PROTO_DIGEST_H_
