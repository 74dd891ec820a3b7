// Internal to the worker: the individual anomaly checks behind EvaluateRegion and the helpers
// they share. Each check appends its flags to `set`.
#ifndef GONGKAI_WORKER_ANOMALY_CHECKS_H_
#define GONGKAI_WORKER_ANOMALY_CHECKS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gongkai/v1/rollup.pb.h"
#include "worker/model.h"

namespace gongkai::worker::checks {

v1::Anomaly* Add(v1::AnomalySet* set, v1::AnomalyKind kind, v1::AnomalySeverity severity,
                 const v1::ReportKey& key, std::string explanation);
// Adds the cell at `path` of `edition` by its official labels.
void AddCell(v1::Anomaly* a, v1::Edition edition, absl::string_view path);
void AddEvidence(v1::Anomaly* a, std::string label, std::string value);
// Evidence drawn from peer reports (withheld from readers who cannot see the peers).
void AddPeerEvidence(v1::Anomaly* a, std::string label, std::string value);
std::string Number(double x);

// report_metrics.cc: a report's own values, as the checks compare them.
// Requests received (table 三 一、…/总计), nullopt when blank.
std::optional<double> Requests(const ReportEntry& e);
// 不予公开占比's numerator and denominator (the rollups' indicator), nullopt when the
// denominator is below `min_den`.
std::optional<std::pair<int64_t, int64_t>> RefusedShare(const ReportEntry& e, int min_den);
// 复议诉讼纠错率: reconsideration and litigation together, likewise.
std::optional<std::pair<int64_t, int64_t>> CorrectionRate(const ReportEntry& e, int min_den);
// PEER_OUTLIER's metrics, in the order of ReportEntry::outlier_measures (OutlierMeasuresOf
// makes each report's values from them).
struct OutlierMetric {
  const char* name;
  const char* path;  // the cell the metric is about
  bool ratio;        // numerator/denominator; otherwise a count (denominator 1)
  // The report's numerator and denominator; nullopt when it has none (a ratio's denominator
  // below `min_den`).
  std::optional<std::pair<int64_t, int64_t>> (*operands)(const ReportEntry& e, int min_den);
};
const std::array<OutlierMetric, kOutlierMeasures>& OutlierMetrics();
// Governments of sibling regions, or departments of the same region; `e` included.
std::vector<const ReportEntry*> PeersOf(const YearModel& model, const ReportEntry& e);

// anomalies.cc
void ZeroPublication(const YearModel& model, const ReportEntry& e,
                     const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set);
void RuleViolations(const ReportEntry& e, v1::AnomalySet* set);
void Late(const YearModel& model, const ReportEntry& e, v1::AnomalySet* set);
void NarrativeTable(const ReportEntry& e, v1::AnomalySet* set);
void PeerOutliers(const YearModel& model, const ReportEntry& e,
                  const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set);
void CopiedNarrative(const YearModel& model, const YearModel* previous, const ReportEntry& e,
                     const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set);

// anomalies_years.cc
// `via`: the code the unit had last year when it was re-coded (one-to-one lineage), else empty;
// the flags then say which report they compared with.
void Carryover(const ReportEntry& e, const ReportEntry& previous, const std::string& via,
               v1::AnomalySet* set);
void YearOverYear(const YearModel& model, const YearModel& previous, const ReportEntry& e,
                  const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set);
void SummaryMismatch(const YearModel& model, int region, const ReportEntry& summary,
                     v1::AnomalySet* set);
void Missing(const YearModel& model, int region, absl::Time now, v1::AnomalySet* set);

}  // namespace gongkai::worker::checks

#endif  // GONGKAI_WORKER_ANOMALY_CHECKS_H_
