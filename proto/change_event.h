// What an entry of the change log is. One entry is one of: a new revision of a report (a
// submission, a withdrawal), a review decision about the current revision (revision ==
// previous_revision, review set), or a change of the region registry (registry_change set, no
// key).
#ifndef GONGKAI_PROTO_CHANGE_EVENT_H_
#define GONGKAI_PROTO_CHANGE_EVENT_H_

#include "gongkai/v1/store.pb.h"

namespace gongkai {

inline bool IsReviewDecision(const v1::ChangeEvent& change) {
  return change.has_review() && change.revision() == change.previous_revision();
}

// A new revision of a report: the entries WatchChanges with a view carries a revision for.
inline bool IsNewRevision(const v1::ChangeEvent& change) {
  return !change.has_registry_change() && change.has_key() && !IsReviewDecision(change);
}

}  // namespace gongkai

#endif  // GONGKAI_PROTO_CHANGE_EVENT_H_
