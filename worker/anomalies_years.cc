// The checks that look beyond one report of one year: carry-over between consecutive years
// (R5, R6, R7), year-over-year swings, summary reports against the computed rollup (R9), and
// missing reports against the deadlines.
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gongkai/v1/options.pb.h"
#include "google/protobuf/descriptor.h"
#include "proto/cells.h"
#include "worker/anomaly_checks.h"
#include "worker/peers.h"

namespace gongkai::worker::checks {
namespace {

constexpr v1::AnomalySeverity kLow = v1::ANOMALY_SEVERITY_LOW;
constexpr v1::AnomalySeverity kMedium = v1::ANOMALY_SEVERITY_MEDIUM;
constexpr v1::AnomalySeverity kHigh = v1::ANOMALY_SEVERITY_HIGH;

std::string Show(std::optional<int64_t> v) { return v ? absl::StrCat(*v) : "空"; }

// Says which report of last year a cross-year flag compared with, when the unit had another
// code then (one-to-one lineage across a re-coding).
void AddLineage(v1::Anomaly* a, const std::string& via) {
  if (via.empty()) return;
  const std::string note = absl::StrCat("（按区划沿革，与上一年度代码", via, "的报告对照）");
  a->set_explanation(absl::StrCat(a->explanation(), note));
  if (!a->explanation_without_peers().empty()) {
    a->set_explanation_without_peers(absl::StrCat(a->explanation_without_peers(), note));
  }
  AddEvidence(a, "上一年度区划代码", via);
}

// One equation across years: `lhs` (this year's cell) should equal `expected`.
void CarryoverFlag(const ReportEntry& e, const char* rule, const std::string& lhs_path,
                   int64_t expected, std::optional<int64_t> actual, const std::string& how,
                   const std::string& via, v1::AnomalySet* set) {
  v1::Anomaly* a = Add(set, v1::ANOMALY_KIND_CARRYOVER_MISMATCH, kLow, e.key,
                       absl::StrCat("与上一年度数据不衔接（", rule, "）：", how, "应为", expected,
                                    "，实为", Show(actual)));
  AddCell(a, e.edition, lhs_path);
  AddEvidence(a, "规则", rule);
  AddEvidence(a, "应为", absl::StrCat(expected));
  AddEvidence(a, "实为", Show(actual));
  AddLineage(a, via);
}

}  // namespace

void Carryover(const ReportEntry& e, const ReportEntry& previous, const std::string& via,
               v1::AnomalySet* set) {
  // R6: 二、上年结转 (Y) = 四、结转下年度继续办理 (Y−1), every column. A column blank on one
  // side only cannot be checked (not "expected 0"): one flag names those cells.
  const auto* columns = v1::ApplicantCounts::descriptor();
  std::vector<std::string> uncheckable;
  for (int c = 0; c < columns->field_count(); ++c) {
    const std::string column = columns->field(c)->name();
    const auto now = e.Cell("table3.carried_over." + column);
    const auto before = previous.Cell("table3.carried_forward." + column);
    if (!now && !before) continue;
    const std::string label = columns->field(c)->options().GetExtension(v1::label);
    if (!now || !before) {
      uncheckable.push_back(
          absl::StrCat(!now ? "本年“上年结转”" : "上年“结转下年度继续办理”", "（", label, "）"));
      continue;
    }
    if (*now == *before) continue;
    CarryoverFlag(e, "R6", "table3.carried_over." + column, *before, now,
                  absl::StrCat("上年结转（", label, "）按上年“结转下年度继续办理”"), via, set);
  }
  if (!uncheckable.empty()) {
    v1::Anomaly* a = Add(set, v1::ANOMALY_KIND_UNCHECKABLE_RULE, kLow, e.key,
                         absl::StrCat("无法核对与上一年度的衔接（R6）：",
                                      absl::StrJoin(uncheckable, "、"), "为空，另一年度已填写"));
    AddEvidence(a, "规则", "R6");
    AddEvidence(a, "为空的单元格", absl::StrJoin(uncheckable, "、"));
    AddLineage(a, via);
  }
  if (e.edition != previous.edition) return;  // R5 and R7 compare one edition's table 二.
  if (e.edition == v1::EDITION_2021) {
    // R5: 现行有效件数 (Y) = 现行有效件数 (Y−1) + 本年制发件数 (Y) − 本年废止件数 (Y).
    for (const char* row : {"rules", "normative_documents"}) {
      const std::string prefix = absl::StrCat("table2_2021.item1.", row, ".");
      const auto now = e.Cell(prefix + "in_force");
      const auto before = previous.Cell(prefix + "in_force");
      if (!now || !before) continue;
      const int64_t expected =
          *before + e.Cell(prefix + "issued").value_or(0) - e.Cell(prefix + "repealed").value_or(0);
      if (expected != *now) {
        CarryoverFlag(e, "R5", prefix + "in_force", expected, now,
                      "现行有效件数按上年现行有效件数加本年制发减本年废止", via, set);
      }
    }
    return;
  }
  // R7: 上一年项目数量 (Y) = 上一年项目数量 (Y−1) + 本年增/减 (Y−1);
  //     对外公开总数量 (Y) = 对外公开总数量 (Y−1) + 本年新公开数量 (Y).
  for (const char* row : {"item5.licensing", "item5.other_services", "item6.penalty",
                          "item6.enforcement", "item8.fees"}) {
    const std::string prefix = absl::StrCat("table2_2019.", row, ".");
    const auto now = e.Cell(prefix + "previous_year");
    const auto before = previous.Cell(prefix + "previous_year");
    if (!now || !before) continue;
    const int64_t expected = *before + previous.Cell(prefix + "change").value_or(0);
    if (expected != *now) {
      CarryoverFlag(e, "R7", prefix + "previous_year", expected, now,
                    "上一年项目数量按上年项目数量加上年增减", via, set);
    }
  }
  for (const char* row : {"rules", "normative_documents"}) {
    const std::string prefix = absl::StrCat("table2_2019.item1.", row, ".");
    const auto now = e.Cell(prefix + "total_published");
    const auto before = previous.Cell(prefix + "total_published");
    if (!now || !before) continue;
    const int64_t expected = *before + e.Cell(prefix + "new_published").value_or(0);
    if (expected != *now) {
      CarryoverFlag(e, "R7", prefix + "total_published", expected, now,
                    "对外公开总数量按上年总数量加本年新公开数量", via, set);
    }
  }
}

void YearOverYear(const YearModel& model, const YearModel& previous, const ReportEntry& e,
                  const std::vector<const ReportEntry*>& peers, v1::AnomalySet* set) {
  const Settings& s = model.settings();
  std::string via;
  auto swing = [&](const ReportEntry& x) -> std::optional<std::pair<double, double>> {
    std::string x_via;
    const ReportEntry* before = model.LastYear(previous, x, &x_via);
    if (before == nullptr) return std::nullopt;
    if (&x == &e) via = x_via;
    const auto now = Requests(x);
    const auto then = Requests(*before);
    if (!now || !then) return std::nullopt;
    return std::make_pair(*then, *now);
  };
  const auto own = swing(e);
  if (!own) return;
  const auto [before, now] = *own;
  const double ratio = (now + 1) / (before + 1);
  const double magnitude = std::abs(std::log(ratio));
  if (std::max(ratio, 1 / ratio) < s.swing_ratio) return;
  if (std::abs(now - before) < s.swing_min_difference) return;
  std::vector<double> peer_magnitudes;
  for (const ReportEntry* p : peers) {
    if (p == &e) continue;
    if (auto pair = swing(*p)) {
      peer_magnitudes.push_back(std::abs(std::log((pair->second + 1) / (pair->first + 1))));
    }
  }
  const bool peers_known = static_cast<int>(peer_magnitudes.size()) >= s.min_peers;
  const double peer_median = peers_known ? Median(peer_magnitudes) : 0;
  // A swing that the peers share (e.g. a region-wide campaign) is not the body's anomaly.
  if (peers_known && magnitude <= s.swing_peer_factor * peer_median) return;
  v1::Anomaly* a = Add(set, v1::ANOMALY_KIND_YEAR_OVER_YEAR_SWING,
                       magnitude > 2 * std::log(s.swing_ratio) ? kHigh : kMedium, e.key,
                       absl::StrCat("本年新收申请", Number(now), "件，上一年度", Number(before),
                                    "件，变化幅度远超以往和同级单位"));
  a->set_explanation_without_peers(absl::StrCat("本年新收申请", Number(now), "件，上一年度",
                                                Number(before), "件，变化幅度远超以往"));
  AddCell(a, e.edition, "table3.new_requests.total");
  AddEvidence(a, "本年", Number(now));
  AddEvidence(a, "上一年度", Number(before));
  AddEvidence(a, "倍数", Number(std::max(ratio, 1 / ratio)));
  if (peers_known) {
    AddPeerEvidence(a, "同级变化幅度中位数（倍）", Number(std::exp(peer_median)));
  }
  AddLineage(a, via);
}

void SummaryMismatch(const YearModel& model, int region, const ReportEntry& summary,
                     v1::AnomalySet* set) {
  RegionSums scratch;
  const RegionSums* sums =
      model.CountsOf(region) == nullptr ? nullptr : &model.SumsOf(region, &scratch);
  const auto& cells = CellsOf(summary.edition);
  // The computed value of a cell: both editions for the cells they share, else this edition.
  auto computed = [&](int i) -> std::pair<std::optional<__int128>, int> {
    if (sums == nullptr) return {std::nullopt, 0};
    __int128 total = 0;
    int contributors = 0;
    for (v1::Edition edition : {v1::EDITION_2019, v1::EDITION_2021}) {
      const int j = edition == summary.edition ? i : FindCell(edition, cells[i].field_path);
      const EditionSums& es = sums->editions[EditionIndex(edition)];
      if (j < 0) continue;
      total += es.Exact(j);
      contributors += es.Contributors(j);
    }
    return {contributors > 0 ? std::optional<__int128>(total) : std::nullopt, contributors};
  };
  summary.cells.ForEach([&](int i, int64_t value) {
    const auto [sum, contributors] = computed(i);
    if (sum.value_or(0) == value) return;
    // A computed sum beyond int64 (never wrapped) is shown as its exact digits.
    const bool fits = sum.has_value() && *sum >= std::numeric_limits<int64_t>::min() &&
                      *sum <= std::numeric_limits<int64_t>::max();
    const std::string shown = !sum.has_value() ? ""
                              : fits ? FormatCellValue(cells[i], static_cast<int64_t>(*sum))
                                     : Int128Text(*sum);
    v1::Anomaly* a = Add(set, v1::ANOMALY_KIND_SUMMARY_MISMATCH, kMedium, summary.key,
                         absl::StrCat("汇总报告", cells[i].row, "/", cells[i].column, "为",
                                      FormatCellValue(cells[i], value), "，所辖", contributors,
                                      "份报告合计为", sum ? shown : "空"));
    AddCell(a, summary.edition, cells[i].field_path);
    AddEvidence(a, "汇总报告", FormatCellValue(cells[i], value));
    AddEvidence(a, "计算合计", shown);
    AddEvidence(a, "参与合计的报告数", absl::StrCat(contributors));
  });
}

void Missing(const YearModel& model, int region, absl::Time now, v1::AnomalySet* set) {
  if (!model.tree().ExpectsReport(region) || model.GovernmentReportAt(region) != nullptr) return;
  const Settings& s = model.settings();
  const TreeRegion& r = model.tree().region(region);
  const absl::CivilDay deadline = DeadlineFor(s, r.level, false, model.year());
  const absl::CivilDay today = absl::ToCivilDay(now, s.zone);
  if (today <= deadline) return;
  v1::ReportKey key;
  key.set_region_code(r.code);
  key.set_year(model.year());
  key.set_scope(v1::SCOPE_OWN);
  const int64_t days = today - deadline;
  v1::Anomaly* a =
      Add(set, v1::ANOMALY_KIND_MISSING_REPORT, days > s.days_late_for_high ? kHigh : kMedium, key,
          absl::StrCat(r.name, "截至", absl::FormatCivilTime(today), "未报送", model.year(),
                       "年度政府信息公开工作年度报告（截止日期", absl::FormatCivilTime(deadline),
                       "）"));
  AddEvidence(a, "截止日期", absl::FormatCivilTime(deadline));
  AddEvidence(a, "逾期天数", absl::StrCat(days));
}

}  // namespace gongkai::worker::checks
