#include "export/review_page.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace gongkai::exports {
namespace {

constexpr Text kTitle = {"政府信息公开工作年度报告审核概览", "Annual report review overview"};
constexpr Text kYearSuffix = {"年度", ""};
constexpr Text kGenerated = {"生成时间", "Generated"};
constexpr Text kExpected = {"应报", "Expected"};
constexpr Text kReceived = {"已报", "Received"};
constexpr Text kOnTime = {"按时", "On time"};
constexpr Text kLate = {"逾期", "Late"};
constexpr Text kMissing = {"未报", "Missing"};
constexpr Text kApproved = {"已通过", "Approved"};
constexpr Text kPending = {"待审核", "Pending review"};
constexpr Text kReturned = {"已退回", "Returned"};
constexpr Text kOpenFlags = {"待处理疑点", "Open flags"};
constexpr Text kByChild = {"下级区划报送与审核情况", "Filing and review by child region"};
constexpr Text kCode = {"区划代码", "Code"};
constexpr Text kName = {"名称", "Name"};
constexpr Text kFlagsByKind = {"待处理疑点（按类型）", "Open flags by kind"};
constexpr Text kKind = {"类型", "Kind"};
constexpr Text kCount = {"数量", "Count"};
constexpr Text kLateAndMissing = {"逾期与未报", "Late and missing filers"};
constexpr Text kFiledOn = {"发布或报送日期", "Filed on"};
constexpr Text kDaysLate = {"逾期天数", "Days late"};
constexpr Text kNoneMissing = {"没有未报的单位。", "Every expected report was received."};
constexpr Text kNoneLate = {"没有逾期报送的报告。", "No report was filed late."};
constexpr Text kMissingMore = {"（仅列前100个）", " (the first 100)"};
constexpr Text kAwaiting = {"待审核的报告", "Reports awaiting review"};
constexpr Text kNotReviewer = {"当前账号没有审核权限，未列出待审核的报告。",
                               "The caller has no reviewer role: reports awaiting review are "
                               "not listed."};
constexpr Text kNoneAwaiting = {"没有待审核的报告。", "No report awaits review."};
constexpr Text kBody = {"主体", "Body"};
constexpr Text kRevision = {"修订", "Revision"};
constexpr Text kSubmitter = {"提交人", "Submitted by"};
constexpr Text kSubmitted = {"提交时间", "Submitted"};
constexpr Text kFlags = {"疑点", "Flags"};
constexpr Text kKeyFigures = {"主要指标与上年对比", "Key figures against last year"};
constexpr Text kFigure = {"指标", "Figure"};
constexpr Text kThisYear = {"本年", "This year"};
constexpr Text kLastYear = {"上年", "Last year"};
constexpr Text kChange = {"变化", "Change"};
constexpr Text kGovernment = {"本级政府", "government"};
constexpr Text kNoChildren = {"没有下级区划。", "No child regions."};

std::string Escape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Cell(absl::string_view text, bool number = false) {
  return absl::StrCat(number ? "<td class=\"n\">" : "<td>", Escape(text), "</td>");
}

std::string Header(std::initializer_list<Text> columns, Language language) {
  std::string out = "<tr>";
  for (const Text& column : columns) absl::StrAppend(&out, "<th>", column.In(language), "</th>");
  return out + "</tr>\n";
}

// A card of the overview: a figure and its label.
std::string Card(const Text& label, int64_t value, Language language, const char* css = "") {
  return absl::StrCat("<div class=\"card ", css, "\"><b>", value, "</b><span>", label.In(language),
                      "</span></div>");
}

constexpr const char* kColors[] = {"#2e7d32", "#1565c0", "#ef6c00", "#9e9e9e"};

// Horizontal stacked bars, one per child: approved, pending, returned, missing of expected.
std::string CompletenessChart(const ReviewPageData& data) {
  const int rows = static_cast<int>(data.children.size());
  const int label_width = 180, bar_width = 420, row_height = 22;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"chart\" "
      "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
      label_width + bar_width + 60, rows * row_height + 30, label_width + bar_width + 60,
      rows * row_height + 30);
  for (int i = 0; i < rows; ++i) {
    const ReviewPageData::Child& child = data.children[i];
    const v1::Completeness& c = child.rollup.completeness();
    const int y = i * row_height;
    absl::StrAppendFormat(&svg, "<text x=\"0\" y=\"%d\" font-size=\"12\">%s</text>\n", y + 15,
                          Escape(child.name.empty() ? child.code : child.name));
    const int expected = std::max(c.expected(), 1);
    const int parts[] = {c.approved(), c.pending_review(), c.returned(), c.missing()};
    double x = label_width;
    for (int p = 0; p < 4; ++p) {
      const double w = static_cast<double>(bar_width) * parts[p] / expected;
      if (w <= 0) continue;
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                            "fill=\"%s\"/>\n",
                            x, y + 3, w, row_height - 6, kColors[p]);
      x += w;
    }
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%d/%d</text>\n",
                          label_width + bar_width + 6, y + 15, c.received(), c.expected());
  }
  const Text legend[] = {kApproved, kPending, kReturned, kMissing};
  for (int p = 0; p < 4; ++p) {
    const int x = label_width + p * 100, y = rows * row_height + 10;
    absl::StrAppendFormat(&svg,
                          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
                          x, y, kColors[p], x + 16, y + 11, legend[p].In(data.language));
  }
  return svg + "</svg>\n";
}

// Vertical bars of the open flags by kind.
std::string KindChart(const std::vector<std::pair<std::string, int>>& kinds) {
  int most = 1;
  for (const auto& [kind, n] : kinds) most = std::max(most, n);
  const int column = 90, height = 160;
  const int width = std::max(1, static_cast<int>(kinds.size())) * column;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"chart\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\">\n",
      width, height + 40, width, height + 40);
  for (size_t i = 0; i < kinds.size(); ++i) {
    const int h = kinds[i].second * (height - 20) / most;
    const int x = static_cast<int>(i) * column;
    absl::StrAppendFormat(&svg,
                          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#c62828\"/>"
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%d"
                          "</text><text x=\"%d\" y=\"%d\" font-size=\"11\" "
                          "text-anchor=\"middle\">%s</text>\n",
                          x + 15, height - h, column - 30, h, x + column / 2, height - h - 4,
                          kinds[i].second, x + column / 2, height + 16, Escape(kinds[i].first));
  }
  return svg + "</svg>\n";
}

std::string Evidence(const v1::Anomaly& flag, absl::string_view label) {
  for (const v1::Evidence& e : flag.evidence()) {
    if (e.label() == label) return e.value();
  }
  return "";
}

const v1::SharedCell* FindShared(const v1::Rollup& rollup, absl::string_view path) {
  for (const v1::SharedCell& cell : rollup.shared()) {
    if (cell.field_path() == path) return &cell;
  }
  return nullptr;
}

std::string SharedValue(const v1::SharedCell* cell) {
  if (cell == nullptr) return "-";
  if (!cell->exact_sum().empty()) return cell->exact_sum();
  return cell->has_sum() ? absl::StrCat(cell->sum()) : "-";
}

std::string KeyFigures(const ReviewPageData& data) {
  const Language lang = data.language;
  std::string out =
      absl::StrCat("<table>\n", Header({kFigure, kThisYear, kLastYear, kChange}, lang));
  for (const char* path :
       {"table3.new_requests.total", "table3.carried_over.total", "table3.results.granted.total",
        "table3.results.total.total", "table3.carried_forward.total",
        "table4.reconsideration.total", "table4.litigation.direct.total",
        "table4.litigation.after_reconsideration.total"}) {
    const v1::SharedCell* now = FindShared(data.rollup, path);
    const v1::SharedCell* before =
        data.last_year.has_value() ? FindShared(*data.last_year, path) : nullptr;
    if (now == nullptr && before == nullptr) continue;
    const v1::SharedCell* named = now != nullptr ? now : before;
    std::string change = "-";
    if (now != nullptr && before != nullptr && now->has_sum() && before->has_sum()) {
      const int64_t d = now->sum() - before->sum();
      change = absl::StrCat(d > 0 ? "+" : "", d);
    }
    absl::StrAppend(
        &out, "<tr>",
        Cell(absl::StrCat("表", named->table(), " ", named->row(), " ", named->column())),
        Cell(SharedValue(now), true), Cell(SharedValue(before), true), Cell(change, true),
        "</tr>\n");
  }
  for (const v1::Indicator& indicator : data.rollup.indicators()) {
    const v1::Indicator* before = nullptr;
    if (data.last_year.has_value()) {
      for (const v1::Indicator& i : data.last_year->indicators()) {
        if (i.name() == indicator.name()) before = &i;
      }
    }
    auto percent = [](const v1::Indicator* i) {
      return i != nullptr && i->defined() ? absl::StrFormat("%.1f%%", i->value() * 100) : "-";
    };
    absl::StrAppend(&out, "<tr>", Cell(indicator.label()), Cell(percent(&indicator), true),
                    Cell(percent(before), true), Cell("", true), "</tr>\n");
  }
  return out + "</table>\n";
}

}  // namespace

std::string AnomalyKindLabel(v1::AnomalyKind kind, Language language) {
  static const std::map<v1::AnomalyKind, Text> kNames = {
      {v1::ANOMALY_KIND_ZERO_PUBLICATION, {"零公开", "Zero publication"}},
      {v1::ANOMALY_KIND_RULE_VIOLATION, {"勾稽关系不符", "Rule violation"}},
      {v1::ANOMALY_KIND_CARRYOVER_MISMATCH, {"结转数不衔接", "Carry-over mismatch"}},
      {v1::ANOMALY_KIND_MISSING_REPORT, {"未报送", "Missing report"}},
      {v1::ANOMALY_KIND_LATE_REPORT, {"逾期报送", "Late report"}},
      {v1::ANOMALY_KIND_PEER_OUTLIER, {"同级异常值", "Peer outlier"}},
      {v1::ANOMALY_KIND_YEAR_OVER_YEAR_SWING, {"同比大幅变动", "Year-over-year swing"}},
      {v1::ANOMALY_KIND_SUMMARY_MISMATCH, {"汇总数不符", "Summary mismatch"}},
      {v1::ANOMALY_KIND_COPIED_NARRATIVE, {"内容雷同", "Copied narrative"}},
      {v1::ANOMALY_KIND_NARRATIVE_TABLE_MISMATCH, {"正文与表格不符", "Narrative vs table"}},
      {v1::ANOMALY_KIND_UNCHECKABLE_RULE, {"无法校验", "Uncheckable rule"}},
  };
  auto it = kNames.find(kind);
  return it == kNames.end() ? v1::AnomalyKind_Name(kind) : it->second.In(language);
}

namespace {

std::string Summary(const ReviewPageData& data) {
  const Language lang = data.language;
  const v1::Completeness& c = data.rollup.completeness();
  return absl::StrCat(
      "<div class=\"cards\" id=\"summary\">", Card(kExpected, c.expected(), lang),
      Card(kReceived, c.received(), lang), Card(kOnTime, c.on_time(), lang),
      Card(kLate, c.late(), lang, "warn"), Card(kMissing, c.missing(), lang, "warn"),
      Card(kApproved, c.approved(), lang), Card(kPending, c.pending_review(), lang),
      Card(kReturned, c.returned(), lang),
      Card(kOpenFlags, static_cast<int64_t>(data.open_flags.size()), lang, "warn"), "</div>\n");
}

// Completeness and review by child region: the chart, then the table.
std::string Children(const ReviewPageData& data) {
  const Language lang = data.language;
  std::string out = absl::StrCat("<h2>", kByChild.In(lang), "</h2>\n");
  if (data.children.empty()) return absl::StrCat(out, "<p>", kNoChildren.In(lang), "</p>\n");
  absl::StrAppend(&out, CompletenessChart(data), "<table id=\"children\">\n",
                  Header({kCode, kName, kExpected, kReceived, kLate, kMissing, kApproved, kPending,
                          kReturned, kOpenFlags},
                         lang));
  for (const ReviewPageData::Child& child : data.children) {
    const v1::Completeness& k = child.rollup.completeness();
    absl::StrAppend(&out, "<tr>", Cell(child.code), Cell(child.name));
    for (int n : {k.expected(), k.received(), k.late(), k.missing(), k.approved(),
                  k.pending_review(), k.returned(), child.open_flags}) {
      absl::StrAppend(&out, Cell(absl::StrCat(n), true));
    }
    absl::StrAppend(&out, "</tr>\n");
  }
  return out + "</table>\n";
}

std::string FlagsByKind(const ReviewPageData& data) {
  const Language lang = data.language;
  std::map<v1::AnomalyKind, int> by_kind;
  for (const v1::Anomaly& flag : data.open_flags) ++by_kind[flag.kind()];
  std::vector<std::pair<std::string, int>> kinds;
  for (const auto& [kind, n] : by_kind) kinds.emplace_back(AnomalyKindLabel(kind, lang), n);
  std::string out = absl::StrCat("<h2>", kFlagsByKind.In(lang), "</h2>\n");
  if (kinds.empty()) return out + "<p>0</p>\n";
  absl::StrAppend(&out, KindChart(kinds), "<table id=\"flags\">\n", Header({kKind, kCount}, lang));
  for (const auto& [name, n] : kinds) {
    absl::StrAppend(&out, "<tr>", Cell(name), Cell(absl::StrCat(n), true), "</tr>\n");
  }
  return out + "</table>\n";
}

std::string LateAndMissing(const ReviewPageData& data) {
  const Language lang = data.language;
  const v1::Completeness& c = data.rollup.completeness();
  std::string out = absl::StrCat("<h2>", kLateAndMissing.In(lang), "</h2>\n");
  if (data.late.empty()) {
    absl::StrAppend(&out, "<p>", kNoneLate.In(lang), "</p>\n");
  } else {
    absl::StrAppend(&out, "<table id=\"late\">\n",
                    Header({kCode, kBody, kFiledOn, kDaysLate}, lang));
    for (const v1::Anomaly& flag : data.late) {
      absl::StrAppend(&out, "<tr>", Cell(flag.key().region_code()),
                      Cell(flag.key().body().empty() ? kGovernment.In(lang) : flag.key().body()),
                      Cell(Evidence(flag, "发布或报送日期")),
                      Cell(Evidence(flag, "逾期天数"), true), "</tr>\n");
    }
    absl::StrAppend(&out, "</table>\n");
  }
  if (c.missing_regions_size() == 0)
    return absl::StrCat(out, "<p>", kNoneMissing.In(lang), "</p>\n");
  absl::StrAppend(&out, "<p id=\"missing\">", kMissing.In(lang), " ", c.missing(),
                  c.missing() > c.missing_regions_size() ? kMissingMore.In(lang) : "", "：");
  std::vector<std::string> names;
  for (int i = 0; i < c.missing_regions_size(); ++i) {
    const std::string& name =
        i < static_cast<int>(data.missing_names.size()) ? data.missing_names[i] : "";
    names.push_back(Escape(absl::StrCat(c.missing_regions(i), name.empty() ? "" : " ", name)));
  }
  return absl::StrCat(out, absl::StrJoin(names, "、"), "</p>\n");
}

std::string Awaiting(const ReviewPageData& data) {
  const Language lang = data.language;
  std::string out = absl::StrCat("<h2>", kAwaiting.In(lang), "</h2>\n");
  if (!data.awaiting.has_value()) {
    return absl::StrCat(out, "<p class=\"muted\">", kNotReviewer.In(lang), "</p>\n");
  }
  if (data.awaiting->empty()) return absl::StrCat(out, "<p>", kNoneAwaiting.In(lang), "</p>\n");
  absl::StrAppend(&out, "<table id=\"awaiting\">\n",
                  Header({kCode, kBody, kRevision, kSubmitter, kSubmitted, kFlags}, lang));
  for (const v1::ReviewItem& item : *data.awaiting) {
    const v1::Revision& r = item.revision();
    absl::StrAppend(
        &out, "<tr>", Cell(r.key().region_code()),
        Cell(r.key().body().empty() ? kGovernment.In(lang) : r.key().body()),
        Cell(absl::StrCat(r.revision()), true), Cell(r.principal()),
        Cell(absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(r.create_time().seconds()),
                              absl::FixedTimeZone(8 * 3600))),
        Cell(absl::StrCat(item.flags_size()), true), "</tr>\n");
  }
  return out + "</table>\n";
}

constexpr char kStyle[] =
    "body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:20px}"
    "h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}"
    ".cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ccc;border-radius:4px;"
    "padding:6px 12px;min-width:72px}.card b{display:block;font-size:20px}"
    ".card span{font-size:12px;color:#555}.warn b{color:#c62828}"
    "table{border-collapse:collapse;margin-top:8px}th,td{border:1px solid #ddd;padding:3px 8px;"
    "font-size:13px;text-align:left}td.n{text-align:right}.muted{color:#666}";

}  // namespace

std::string RenderReviewPage(const ReviewPageData& data) {
  const Language lang = data.language;
  const std::string title =
      absl::StrCat(data.region_name, "（", data.region_code, "）", data.year, kYearSuffix.In(lang),
                   lang == Language::kEnglish ? " " : "", kTitle.In(lang));
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"", lang == Language::kEnglish ? "en" : "zh-CN",
      "\">\n<head>\n<meta charset=\"utf-8\">\n<title>", Escape(title), "</title>\n<style>\n",
      kStyle, "\n</style>\n</head>\n<body>\n<h1>", Escape(title), "</h1>\n<p class=\"muted\">",
      kGenerated.In(lang), " ",
      absl::FormatTime("%Y-%m-%d %H:%M", data.generated, absl::FixedTimeZone(8 * 3600)), "</p>\n",
      Summary(data), Children(data), FlagsByKind(data), LateAndMissing(data), Awaiting(data),
      "<h2>", kKeyFigures.In(lang), "</h2>\n", KeyFigures(data), "</body>\n</html>\n");
}

}  // namespace gongkai::exports
