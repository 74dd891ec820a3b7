// Anomaly flags: what a supervisor above a township should follow up. Every flag names its
// kind, severity, report key, the cells involved by official label, the numbers behind it and
// a one-line explanation in Chinese. Thresholds live in Settings.
#ifndef GONGKAI_WORKER_ANOMALIES_H_
#define GONGKAI_WORKER_ANOMALIES_H_

#include <vector>

#include "absl/time/time.h"
#include "gongkai/v1/rollup.pb.h"
#include "worker/model.h"

namespace gongkai::worker {

// Every flag of one region for the model's year: those of the reports filed at the region
// (ZERO_PUBLICATION, RULE_VIOLATION, CARRYOVER_MISMATCH against `previous`, LATE_REPORT,
// PEER_OUTLIER, YEAR_OVER_YEAR_SWING, COPIED_NARRATIVE, NARRATIVE_TABLE_MISMATCH), the
// region's MISSING_REPORT once its deadline has passed at `now`, and SUMMARY_MISMATCH of its
// summary reports against its rollup. `previous` (the year before) may be null.
v1::AnomalySet EvaluateRegion(const YearModel& model, const YearModel* previous, int region,
                              absl::Time now);
// The same into `set` (empty; on an arena, say).
void EvaluateRegion(const YearModel& model, const YearModel* previous, int region, absl::Time now,
                    v1::AnomalySet* set);

// The regions whose flags a change of a report at `region` can affect in the same year: the
// region, its siblings (peer statistics, copied narratives, zero-publication severity), and
// its ancestors (summary mismatches). In code order, without repeats.
std::vector<int> AffectedRegions(const RegionTree& tree, int region);

// The same, narrowed by the changed report and the model (the worker's follow loop): a
// department's peers are its region's departments, so the siblings are affected only by a
// government's report; an ancestor's flags depend on its subtree only through its summary
// reports (SUMMARY_MISMATCH), so only ancestors with one are affected.
std::vector<int> AffectedRegions(const YearModel& model, const v1::ReportKey& key, int region);

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_ANOMALIES_H_
