#include "worker/anomalies.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/text.h"
#include "proto/cells.h"
#include "proto/money.h"
#include "worker/anomaly_checks.h"
#include "worker/flag_identity.h"
#include "worker/peers.h"

namespace gongkai::worker::checks {

using Severity = v1::AnomalySeverity;
constexpr Severity kLow = v1::ANOMALY_SEVERITY_LOW;
constexpr Severity kMedium = v1::ANOMALY_SEVERITY_MEDIUM;
constexpr Severity kHigh = v1::ANOMALY_SEVERITY_HIGH;

v1::Anomaly* Add(v1::AnomalySet* set, v1::AnomalyKind kind, Severity severity,
                 const v1::ReportKey& key, std::string explanation) {
  v1::Anomaly* a = set->add_anomalies();
  a->set_kind(kind);
  a->set_severity(severity);
  *a->mutable_key() = key;
  a->set_explanation(std::move(explanation));
  return a;
}

// Cells by field path only, as the store keeps them (AddCellLabels in proto/cells.h).
void AddCellAt(v1::Anomaly* a, v1::Edition edition, int i) {
  a->set_edition(edition);
  a->add_cells()->set_field_path(CellsOf(edition)[i].field_path);
}

void AddCell(v1::Anomaly* a, v1::Edition edition, absl::string_view path) {
  const int i = FindCell(edition, path);
  if (i >= 0) AddCellAt(a, edition, i);
}

void AddCells(v1::Anomaly* a, v1::Edition edition,
              const google::protobuf::RepeatedPtrField<v1::CellRef>& cells) {
  if (cells.empty()) return;
  a->set_edition(edition);
  for (const v1::CellRef& cell : cells) a->add_cells()->set_field_path(cell.field_path());
}

void AddEvidence(v1::Anomaly* a, std::string label, std::string value) {
  v1::Evidence* e = a->add_evidence();
  e->set_label(std::move(label));
  e->set_value(std::move(value));
}

void AddPeerEvidence(v1::Anomaly* a, std::string label, std::string value) {
  AddEvidence(a, std::move(label), std::move(value));
  a->mutable_evidence()->rbegin()->set_about_peers(true);
}

std::string Number(double x) {
  // Counts print exactly; ratios and scores with four significant digits.
  if (x == std::floor(x) && std::abs(x) < 1e15) return absl::StrCat(static_cast<int64_t>(x));
  return absl::StrFormat("%.4g", x);
}
std::string Name(const ReportEntry& e) {
  return e.government() ? e.key.region_code()
                        : absl::StrCat(e.key.region_code(), "/", e.key.body());
}

// Peers: governments of sibling regions, or departments of the same region; `entry` included.
std::vector<const ReportEntry*> PeersOf(const YearModel& model, const ReportEntry& entry) {
  std::vector<const ReportEntry*> peers;
  if (entry.government()) {
    const int parent = model.tree().parent(entry.region);
    if (parent < 0) return {&entry};
    for (int sibling : model.tree().children(parent)) {
      if (const ReportEntry* g = model.GovernmentReportAt(sibling)) peers.push_back(g);
    }
  } else {
    for (const ReportEntry* e : model.ReportsAt(entry.region)) {
      if (!e->government()) peers.push_back(e);
    }
  }
  return peers;
}

// ---- ZERO_PUBLICATION --------------------------------------------------------------------

// The sub-tables of table 二 (by their first row-label segment) and the cells that count in
// each: 规章 only for the governments that can make them (provinces, prefecture-level cities,
// and the State Council's bodies at the national level).
// Cell indices ascending, as in CellsOf, where table 二 comes first; `mask` has their bits
// (ReportEntry::nonzero_first_cells). Made once per edition and kind of government.
struct SubTable {
  std::string label;
  std::vector<int> cells;
  uint64_t mask = 0;
};
using SubTableList = std::vector<SubTable>;
SubTableList MakeSubTables(v1::Edition edition, bool makes_rules) {
  SubTableList out;
  const auto& cells = CellsOf(edition);
  for (size_t i = 0; i < cells.size() && cells[i].table == "二"; ++i) {
    // A schema with more cells in table 二 than the mask has bits stops here, at the first flag
    // pass (AnomaliesSchemaTest.TableTwoIsFirstAndFitsTheMaskInEveryEdition fails first).
    if (i >= kFirstCellsTracked) {
      std::fprintf(stderr, "table 二 of edition %d has more than %d cells\n", edition,
                   kFirstCellsTracked);
      std::abort();
    }
    std::vector<std::string> parts = absl::StrSplit(cells[i].row, '/');
    if (!makes_rules && parts.back() == "规章") continue;
    if (out.empty() || out.back().label != parts[0]) out.push_back({parts[0], {}});
    out.back().cells.push_back(static_cast<int>(i));
    out.back().mask |= uint64_t{1} << i;
  }
  return out;
}

const SubTableList& SubTables(const YearModel& model, const ReportEntry& e) {
  const v1::Level level = model.tree().region(e.region).level;
  const bool makes_rules =
      level == v1::LEVEL_NATION ||
      (e.government() && (level == v1::LEVEL_PROVINCE || level == v1::LEVEL_PREFECTURE));
  // (edition, makes_rules) → its sub-tables; an edition without cells has none.
  static const auto* const kLists = [] {
    auto* lists = new std::map<std::pair<int, bool>, SubTableList>;
    for (int edition = v1::Edition_MIN; edition <= v1::Edition_MAX; ++edition) {
      if (!v1::Edition_IsValid(edition)) continue;
      for (bool rules : {false, true}) {
        (*lists)[{edition, rules}] = MakeSubTables(static_cast<v1::Edition>(edition), rules);
      }
    }
    return lists;
  }();
  static const SubTableList kNone;
  const auto it = kLists->find({e.edition, makes_rules});
  return it == kLists->end() ? kNone : it->second;
}

// Whether every cell of `mask` is blank or zero in the report.
bool AllZero(const ReportEntry& e, uint64_t mask) { return (e.nonzero_first_cells & mask) == 0; }

void ZeroPublication(const YearModel& model, const ReportEntry& e,
                     const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set) {
  const SubTableList& sub_tables = SubTables(model, e);
  std::vector<size_t> zero;
  for (size_t s = 0; s < sub_tables.size(); ++s) {
    if (AllZero(e, sub_tables[s].mask)) zero.push_back(s);
  }
  if (zero.empty()) return;
  auto flag = [&](const std::string& label, const std::vector<int>& cells, uint64_t mask) {
    int compared = 0, published = 0;
    for (const ReportEntry* p : peers) {
      if (p == &e || p->edition != e.edition) continue;
      ++compared;
      published += !AllZero(*p, mask);
    }
    const double share = compared == 0 ? 0 : static_cast<double>(published) / compared;
    const Severity severity = share >= model.settings().zero_peer_share_high     ? kHigh
                              : share >= model.settings().zero_peer_share_medium ? kMedium
                                                                                 : kLow;
    v1::Anomaly* a = Add(set, v1::ANOMALY_KIND_ZERO_PUBLICATION, severity, e.key,
                         absl::StrCat("主动公开情况表", label, "全部为零或空，同级", compared,
                                      "个单位中", published, "个有数据"));
    a->set_explanation_without_peers(absl::StrCat("主动公开情况表", label, "全部为零或空"));
    for (int i : cells) AddCellAt(a, e.edition, i);
    AddPeerEvidence(a, "同级单位数", absl::StrCat(compared));
    AddPeerEvidence(a, "同级有数据单位数", absl::StrCat(published));
  };
  if (zero.size() == sub_tables.size()) {
    std::vector<int> all;
    uint64_t all_mask = 0;
    for (const SubTable& sub_table : sub_tables) {
      all.insert(all.end(), sub_table.cells.begin(), sub_table.cells.end());
      all_mask |= sub_table.mask;
    }
    flag("（表二）", all, all_mask);
  } else {
    for (size_t s : zero) flag(sub_tables[s].label, sub_tables[s].cells, sub_tables[s].mask);
  }
}

// ---- RULE_VIOLATION, LATE_REPORT, NARRATIVE_TABLE_MISMATCH --------------------------------

void RuleViolations(const ReportEntry& e, v1::AnomalySet* set) {
  if (e.violations == nullptr) return;
  for (const v1::Violation& v : *e.violations) {
    if (v.rule() == "UNCHECKABLE") {
      v1::Anomaly* a = Add(set, v1::ANOMALY_KIND_UNCHECKABLE_RULE, kLow, e.key,
                           absl::StrCat(v.rule_name(), "：", v.message()));
      AddCells(a, e.edition, v.cells());
      AddEvidence(a, "规则", v.rule_name());
      AddEvidence(a, "另一侧合计", v.actual());
      continue;
    }
    if (v.rule() != "R1" && v.rule() != "R2" && v.rule() != "R3" && v.rule() != "R4") continue;
    v1::Anomaly* a =
        Add(set, v1::ANOMALY_KIND_RULE_VIOLATION, kMedium, e.key,
            absl::StrCat("违反勾稽关系", v.rule(), "（", v.rule_name(), "）：应为", v.expected(),
                         "，实为", v.actual().empty() ? "空" : v.actual()));
    AddCells(a, e.edition, v.cells());
    AddEvidence(a, "规则", v.rule());
    AddEvidence(a, "应为", v.expected());
    AddEvidence(a, "实为", v.actual());
  }
}

void Late(const YearModel& model, const ReportEntry& e, v1::AnomalySet* set) {
  if (!e.late()) return;
  const int64_t days = int64_t{e.filed_day} - e.deadline_day;
  v1::Anomaly* a = Add(
      set, v1::ANOMALY_KIND_LATE_REPORT,
      days > model.settings().days_late_for_high ? kHigh : kMedium, e.key,
      absl::StrCat("年度报告于", absl::FormatCivilTime(e.filed_on()), "发布或报送，晚于截止日期",
                   absl::FormatCivilTime(e.deadline()), "（逾期", days, "天）"));
  AddEvidence(a, "发布或报送日期", absl::FormatCivilTime(e.filed_on()));
  AddEvidence(a, "截止日期", absl::FormatCivilTime(e.deadline()));
  AddEvidence(a, "逾期天数", absl::StrCat(days));
}

void NarrativeTable(const ReportEntry& e, v1::AnomalySet* set) {
  const auto stated = e.narrative_requests;
  const auto table = e.Cell("table3.new_requests.total");
  if (!stated || !table || *stated == *table) return;
  const int64_t with_carried = *table + e.Cell("table3.carried_over.total").value_or(0);
  if (*stated == with_carried) return;  // Some narratives count last year's open requests too.
  v1::Anomaly* a =
      Add(set, v1::ANOMALY_KIND_NARRATIVE_TABLE_MISMATCH, kLow, e.key,
          absl::StrCat("正文称收到申请", *stated, "件，表三本年新收申请总计为", *table, "件"));
  AddCell(a, e.edition, "table3.new_requests.total");
  AddEvidence(a, "正文所述件数", absl::StrCat(*stated));
  AddEvidence(a, "一、本年新收政府信息公开申请数量/总计", absl::StrCat(*table));
}

}  // namespace gongkai::worker::checks

namespace gongkai::worker {

namespace {

// What a check of one report sees.
struct ReportContext {
  const YearModel& model;
  const YearModel* previous;  // The year before; may be null.
  const ReportEntry& e;
  const std::vector<const ReportEntry*>& peers;
};

// The checks of each report filed at a region, in the order their flags are listed. To add an
// anomaly kind: its value in rollup.proto, its check in anomalies*.cc, and a line here (or in
// EvaluateRegion below, for a check of the region rather than of its reports).
using ReportCheck = void (*)(const ReportContext& c, v1::AnomalySet* set);
constexpr ReportCheck kReportChecks[] = {
    [](const ReportContext& c, v1::AnomalySet* set) {
      checks::ZeroPublication(c.model, c.e, c.peers, set);
    },
    [](const ReportContext& c, v1::AnomalySet* set) { checks::RuleViolations(c.e, set); },
    [](const ReportContext& c, v1::AnomalySet* set) {
      std::string via;
      const ReportEntry* before =
          c.previous == nullptr ? nullptr : c.model.LastYear(*c.previous, c.e, &via);
      if (before != nullptr) checks::Carryover(c.e, *before, via, set);
    },
    [](const ReportContext& c, v1::AnomalySet* set) { checks::Late(c.model, c.e, set); },
    [](const ReportContext& c, v1::AnomalySet* set) {
      checks::PeerOutliers(c.model, c.e, c.peers, set);
    },
    [](const ReportContext& c, v1::AnomalySet* set) {
      if (c.previous != nullptr) checks::YearOverYear(c.model, *c.previous, c.e, c.peers, set);
    },
    [](const ReportContext& c, v1::AnomalySet* set) {
      checks::CopiedNarrative(c.model, c.previous, c.e, c.peers, set);
    },
    [](const ReportContext& c, v1::AnomalySet* set) { checks::NarrativeTable(c.e, set); },
};

}  // namespace

v1::AnomalySet EvaluateRegion(const YearModel& model, const YearModel* previous, int region,
                              absl::Time now) {
  v1::AnomalySet set;
  EvaluateRegion(model, previous, region, now, &set);
  return set;
}

void EvaluateRegion(const YearModel& model, const YearModel* previous, int region, absl::Time now,
                    v1::AnomalySet* set) {
  set->set_region_code(model.tree().region(region).code);
  set->set_year(model.year());
  for (const ReportEntry* e : model.ReportsAt(region)) {
    const std::vector<const ReportEntry*> peers = checks::PeersOf(model, *e);
    const ReportContext context{model, previous, *e, peers};
    for (ReportCheck check : kReportChecks) check(context, set);
  }
  checks::Missing(model, region, now, set);
  for (const ReportEntry* summary : model.SummariesAt(region)) {
    checks::SummaryMismatch(model, region, *summary, set);
  }
  AssignIdentities(set);
}

std::vector<int> AffectedRegions(const RegionTree& tree, int region) {
  std::set<int> out = {region};
  const int parent = tree.parent(region);
  if (parent >= 0) {
    for (int sibling : tree.children(parent)) out.insert(sibling);
  }
  for (int a : tree.Ancestors(region)) out.insert(a);
  return std::vector<int>(out.begin(), out.end());
}

std::vector<int> AffectedRegions(const YearModel& model, const v1::ReportKey& key, int region) {
  const RegionTree& tree = model.tree();
  std::vector<int> out = {region};
  const int parent = tree.parent(region);
  if (parent >= 0 && key.body().empty()) {
    for (int sibling : tree.children(parent)) out.push_back(sibling);
  }
  for (int a : tree.Ancestors(region)) {
    if (a != region && !model.SummariesAt(a).empty()) out.push_back(a);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace gongkai::worker

namespace gongkai::worker::checks {

// ---- PEER_OUTLIER -------------------------------------------------------------------------

void PeerOutliers(const YearModel& model, const ReportEntry& e,
                  const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set) {
  const Settings& s = model.settings();
  for (int m = 0; m < kOutlierMeasures; ++m) {
    const OutlierMetric& metric = OutlierMetrics()[m];
    const bool count = !metric.ratio;
    // Each report's value was made with its entry; the text, for the flagged report only.
    const double own = e.outlier_measures[m];
    if (std::isnan(own)) continue;
    std::vector<double> values, raw;
    values.reserve(peers.size());
    raw.reserve(peers.size());
    for (const ReportEntry* p : peers) {
      const double v = p->outlier_measures[m];
      if (std::isnan(v)) continue;
      raw.push_back(v);
      values.push_back(count ? std::log1p(v) : v);
    }
    if (static_cast<int>(values.size()) < s.min_peers) continue;
    const double x = count ? std::log1p(own) : own;
    const auto z = ModifiedZ(x, values);
    if (!z || std::abs(*z) <= s.outlier_z) continue;
    const double median = Median(raw);
    if (count && std::abs(own - median) < s.outlier_min_count_difference) continue;
    std::string own_text = Number(own);
    if (metric.ratio) {
      const auto operands = metric.operands(e, s.min_ratio_denominator);
      own_text = absl::StrCat(operands->first, "/", operands->second);
    }
    v1::Anomaly* a =
        Add(set, v1::ANOMALY_KIND_PEER_OUTLIER, std::abs(*z) > s.outlier_z_high ? kHigh : kMedium,
            e.key,
            absl::StrCat(metric.name, "为", own_text, "，明显", *z > 0 ? "高" : "低", "于",
                         values.size(), "个同级单位（中位数", Number(median), "）"));
    a->set_explanation_without_peers(
        absl::StrCat(metric.name, "为", own_text, "，明显", *z > 0 ? "高" : "低", "于同级单位"));
    AddCell(a, e.edition, metric.path);
    AddEvidence(a, metric.name, own_text);
    // The rest is drawn from the peers: neither shown to readers who cannot see them nor part
    // of the flag's fingerprint (a neighbour's filing must not re-open a decided flag).
    AddPeerEvidence(a, "同级中位数", Number(median));
    AddPeerEvidence(a, "修正Z值", Number(*z));
    AddPeerEvidence(a, "同级单位数", absl::StrCat(values.size()));
  }
}

// ---- COPIED_NARRATIVE ---------------------------------------------------------------------

void CopiedNarrative(const YearModel& model, const YearModel* previous, const ReportEntry& e,
                     const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set) {
  const Settings& s = model.settings();
  if (e.problem_chars() < s.narrative_min_chars) return;
  // `whom` names the other report; `anonymous` is how a reader who cannot see it reads it
  // (empty: the other report is the body's own of last year, not a peer's).
  auto flag = [&](const ReportEntry& other, double similarity, const std::string& whom,
                  const std::string& anonymous) {
    v1::Anomaly* a =
        Add(set, v1::ANOMALY_KIND_COPIED_NARRATIVE, similarity >= 0.95 ? kHigh : kMedium, e.key,
            absl::StrCat("“五、存在的主要问题及改进情况”与", whom, "内容雷同（相似度",
                         absl::StrFormat("%.0f%%", similarity * 100), "）"));
    AddEvidence(a, "相似度", absl::StrFormat("%.3f", similarity));
    const std::string compared =
        absl::StrCat(other.key.region_code(), "|", other.key.year(), "|", other.key.body(), "|",
                     other.key.scope() == v1::SCOPE_SUMMARY ? "summary" : "own");
    if (anonymous.empty()) {
      AddEvidence(a, "对比报告", compared);
      return;
    }
    a->set_explanation_without_peers(
        absl::StrCat("“五、存在的主要问题及改进情况”与", anonymous, "内容雷同（相似度",
                     absl::StrFormat("%.0f%%", similarity * 100), "）"));
    AddPeerEvidence(a, "对比报告", compared);
  };
  if (previous != nullptr) {
    std::string via;
    const ReportEntry* before = model.LastYear(*previous, e, &via);
    if (before != nullptr && before->problem_chars() >= s.narrative_min_chars) {
      const double similarity =
          Jaccard(e.problem_shingles.hashes(), before->problem_shingles.hashes());
      if (similarity >= s.copied_similarity) flag(*before, similarity, "本单位上一年度报告", "");
    }
  }
  std::vector<const ReportEntry*> candidates;
  for (const ReportEntry* p : peers) {
    if (p == &e || p->problem_chars() < s.narrative_min_chars) continue;
    // Jaccard ≤ min(|A|, |B|) / max(|A|, |B|): a peer that cannot reach the threshold is skipped.
    const double sizes =
        static_cast<double>(std::min(e.problem_shingles.size(), p->problem_shingles.size())) /
        static_cast<double>(
            std::max<size_t>(1, std::max(e.problem_shingles.size(), p->problem_shingles.size())));
    if (sizes >= s.copied_similarity) candidates.push_back(p);
  }
  const std::vector<double> similarities = model.NarrativeSimilarities(e, candidates);
  const ReportEntry* closest = nullptr;
  double best = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (similarities[i] > best) best = similarities[i], closest = candidates[i];
  }
  if (closest != nullptr && best >= s.copied_similarity) {
    flag(*closest, best, absl::StrCat("同级单位", Name(*closest), "的报告"), "同级单位的报告");
  }
}

}  // namespace gongkai::worker::checks
