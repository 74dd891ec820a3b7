// Stable identities of anomaly flags, so that what the submitter and the reviewer say of a
// flag (its disposition) survives recomputes and re-opens when the flagged numbers change.
#ifndef GONGKAI_WORKER_FLAG_IDENTITY_H_
#define GONGKAI_WORKER_FLAG_IDENTITY_H_

#include <string>

#include "gongkai/v1/rollup.pb.h"

namespace gongkai::worker {

// Sets every flag's id — "<region>-<year>-<16 hex digits>" of its kind, report key, cells
// (sorted) and the report it compares with when it names one ("对比报告"); a second flag with
// the same gets "-2", and so on, in the set's order — and
// its fingerprint: 16 hex digits of its evidence about the flagged report itself (evidence
// about peers left out, and none for MISSING_REPORT, whose only numbers are the days that pass).
void AssignIdentities(v1::AnomalySet* set);

// The prefix shared by the ids of a region's flags for a year ("<region>-<year>-").
std::string FlagIdPrefix(const std::string& region_code, int year);

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_FLAG_IDENTITY_H_
