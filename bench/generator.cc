#include "bench/generator.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "proto/cells.h"
#include "registry/registry.h"

namespace gongkai::bench {
namespace {

// Sentences of the six sections, as offices write them; {N} is replaced by a number.
constexpr absl::string_view kOverview[] = {
    "本年度，{R}"
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实《中华人民共和国政府信息公开条例》，"
    "围绕中心工作，持续深化政务公开，共召开专题会议{N}次。",
    "{R}进一步健全政务公开工作机制，明确分管领导和工作人员{N}名，将政务公开纳入年度绩效考核。",
    "全年组织政务公开业务培训{N}场次，参训人员累计{N}人次，工作人员业务能力明显提升。",
    "围绕优化营商环境、乡村振兴、民生保障等重点领域，{R}加大信息发布、政策解读和回应关切力度。",
    "持续推进基层政务公开标准化规范化建设，梳理完善公开事项目录{N}项，实现目录动态调整。",
};
constexpr absl::string_view kProactive[] = {
    "本年度通过政府门户网站主动公开政府信息{N}条，其中政策文件{N}件，政策解读{N}篇。",
    "通过政务新媒体发布信息{N}条，政务公开栏更新{N}期，方便群众及时获取政府信息。",
    "围绕财政预决算、重大建设项目、公共资源配置等领域，{R}主动公开相关信息{N}条。",
    "及时发布突发事件应对、安全生产、食品药品监管等信息{N}条，回应社会关切{N}次。",
    "规范性文件全部按要求在政府网站公开，并同步发布解读材料，全年开展政府开放日活动{N}次。",
};
constexpr absl::string_view kRequests[] = {
    "申请内容主要涉及征地拆迁、规划建设、社会保障等方面，办理时限平均{N}个工作日。",
    "对涉及第三方权益的申请，依法书面征求第三方意见{N}次，并在法定期限内答复。",
    "严格按照条例规定办理，对申请内容不明确的，及时告知申请人作出补正，共补正处理{N}件。",
    "依申请公开办理流程进一步规范，登记、审核、答复各环节全程留痕，未发生收取信息处理费情况。",
};
constexpr absl::string_view kReview[] = {
    "本年度因政府信息公开引发行政复议{N}件，行政诉讼{N}件，结果均维持原行政行为。",
    "针对复议和诉讼中发现的问题，{R}认真分析原因，及时整改，进一步规范答复文书。",
    "未发生因政府信息公开工作被责令改正或追究责任的情况。",
};
// Section 五 is compared between peers (COPIED_NARRATIVE): each office words its own from
// these parts; one report in 25 copies the boilerplate below verbatim.
constexpr absl::string_view kProblemSubjects[] = {
    "政务公开工作人员", "部分科室",     "基层站所",       "信息发布人员",
    "网站管理人员",     "各村（社区）", "新媒体运营人员", "档案管理人员"};
constexpr absl::string_view kProblemIssues[] = {"对条例理解不够深入，业务水平有待提高",
                                                "信息更新不够及时，栏目维护存在空白",
                                                "政策解读形式较为单一，图解和视频解读偏少",
                                                "互动回应的及时性和针对性不够",
                                                "依申请公开答复文书不够规范",
                                                "公开内容与群众需求契合度不高",
                                                "重点领域信息公开深度不足",
                                                "公开目录梳理不够细致"};
constexpr absl::string_view kProblemFixes[] = {"组织专题培训", "建立信息发布台账", "开展栏目自查",
                                               "完善审核机制", "推行清单管理",     "加强督查通报",
                                               "开展案例教学", "强化考核评议"};
constexpr absl::string_view kBoilerplateProblems =
    "一是政务公开工作人员业务水平有待提高；二是公开内容不够丰富，部分信息更新不够及时。"
    "下一步将加强业务培训，完善信息发布审核机制，不断提升政务公开工作质量和水平。";
constexpr absl::string_view kOrdinals[] = {"一", "二", "三", "四", "五", "六", "七", "八"};

std::string Problems(const std::string& name, size_t bytes, std::mt19937& rng) {
  if (rng() % 25 == 0) return std::string(kBoilerplateProblems);
  std::string out;
  for (int i = 0; out.size() < bytes && i < 8; ++i) {
    absl::StrAppend(&out, kOrdinals[i], "是", name, kProblemSubjects[rng() % 8],
                    kProblemIssues[rng() % 8], "，本年度涉及", rng() % 90 + 10, "项工作；下一步将",
                    kProblemFixes[rng() % 8], rng() % 12 + 1, "次、", kProblemFixes[rng() % 8],
                    "。");
  }
  return out;
}

constexpr absl::string_view kOther[] = {
    "本年度未收取信息处理费。",
    "{R}按要求落实人大代表建议和政协提案办理结果公开，共公开办理复文{N}件。",
    "年度政务公开工作要点落实情况已在政府网站专栏公开。",
};

template <size_t N>
std::string Section(const absl::string_view (&pool)[N], const std::string& name, size_t bytes,
                    std::mt19937& rng) {
  std::string out;
  while (out.size() < bytes) {
    absl::string_view sentence = pool[rng() % N];
    for (size_t at = 0; at < sentence.size();) {
      const size_t brace = sentence.find('{', at);
      if (brace == absl::string_view::npos) {
        absl::StrAppend(&out, sentence.substr(at));
        break;
      }
      absl::StrAppend(&out, sentence.substr(at, brace - at));
      if (sentence.substr(brace, 3) == "{R}") {
        absl::StrAppend(&out, name);
      } else {
        absl::StrAppend(&out, rng() % 200);
      }
      at = brace + 3;
    }
  }
  return out;
}

uint32_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<uint32_t>(x);
}

constexpr absl::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

}  // namespace

std::string DefaultRegistryDir() { return std::string(GONGKAI_SOURCE_DIR) + "/data/regions"; }

absl::StatusOr<std::vector<v1::Region>> ReadRegions(const std::string& dir, int year) {
  GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::RegionHistory> histories, registry::ReadRegistryDir(dir));
  GONGKAI_ASSIGN_OR_RETURN(std::shared_ptr<const registry::TimedRegistry> registry,
                           registry::TimedRegistry::Build(std::move(histories)));
  std::vector<v1::Region> regions;
  for (const v1::Region* region : registry->Tree(year)->regions()) regions.push_back(*region);
  return regions;
}

std::string DepartmentCode(const std::string& region_code, int n) {
  // 1 (机关) 1, the division's six digits, a nine-character organisation code, the check.
  uint64_t h = 0;
  for (char c : region_code) h = h * 131 + static_cast<unsigned char>(c);
  const int organisation = static_cast<int>(Mix(h) % 40'000'000) * 20 + n % 20;
  std::string code = absl::StrFormat("11%s%09d", region_code.substr(0, 6), organisation);
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(kAlphabet.find(code[i])) * kWeights[i];
  code.push_back(kAlphabet[(31 - sum % 31) % 31]);
  return code;
}

bool SatisfiesRules(const v1::Report& report) {
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  for (const LinearRule& rule : RulesOf(report.edition())) {
    int64_t lhs = 0, rhs = 0;
    for (int i : rule.lhs) lhs += GetCell(report, cells[i]).value_or(0);
    for (int i : rule.rhs) rhs += GetCell(report, cells[i]).value_or(0);
    if (lhs != rhs) return false;
  }
  return true;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5)];
}

Generator::Generator(const std::vector<v1::Region>& regions, GeneratorOptions options)
    : options_(options) {
  for (const v1::Region& r : regions) {
    if (r.level() == v1::LEVEL_NATION || r.placeholder()) continue;
    regions_.push_back(r);
    if (options_.region_limit > 0 && static_cast<int>(regions_.size()) >= options_.region_limit) {
      break;
    }
  }
  for (int i = 0; i < static_cast<int>(regions_.size()); ++i) {
    publishers_.push_back({i, -1});
    int departments = 0;
    switch (regions_[i].level()) {
      case v1::LEVEL_PROVINCE:
        departments = options_.departments_per_province;
        break;
      case v1::LEVEL_PREFECTURE:
        departments = options_.departments_per_prefecture;
        break;
      case v1::LEVEL_COUNTY:
        departments = options_.departments_per_county;
        break;
      default:
        break;
    }
    for (int d = 0; d < departments; ++d) publishers_.push_back({i, d});
    departments_ += departments;
  }
  // Reports arrive in no order of level or province: any slice is a sample of the whole.
  // (Fisher–Yates with our own mixing, so every platform makes the same order.)
  for (size_t i = publishers_.size(); i > 1; --i) {
    std::swap(publishers_[i - 1], publishers_[Mix(options_.seed * 0x9e3779b97f4a7c15ULL + i) % i]);
  }
}

bool Generator::BreaksRule(size_t i, int year) const {
  return Mix((static_cast<uint64_t>(options_.seed) << 40) ^ (i * 131 + year) ^ 0x5bd1e995) % 50 ==
         0;
}

v1::SubmitReportRequest Generator::Make(size_t i, int year, uint32_t revision_salt) const {
  const Publisher& p = publishers_[i];
  const v1::Region& region = regions_[p.region];
  std::mt19937 rng(Mix((static_cast<uint64_t>(options_.seed) << 32) ^
                       (static_cast<uint64_t>(i) << 12) ^ static_cast<uint64_t>(year)) ^
                   revision_salt);
  const bool break_rule = BreaksRule(i, year);
  v1::SubmitReportRequest request;
  v1::Report& report = *request.mutable_report();
  report.mutable_key()->set_region_code(region.code());
  report.mutable_key()->set_year(year);
  report.mutable_key()->set_scope(v1::SCOPE_OWN);
  std::string name = region.name();
  if (p.department >= 0) {
    report.mutable_key()->set_body(DepartmentCode(region.code(), p.department));
    name = absl::StrCat(name, "第", p.department + 1, "部门");
  }
  // Until 2020 every report is on the 2019 tables; from 2021 a tenth still are.
  const bool old_tables = rng() % 10 == 0 || year <= 2020;
  report.set_edition(old_tables ? v1::EDITION_2019 : v1::EDITION_2021);
  report.set_publication_date(absl::StrFormat("%d-01-%02d", year + 1, 1 + rng() % 28));
  report.set_title(absl::StrCat(name, year, "年政府信息公开工作年度报告"));
  report.set_publisher(name);

  // Table 三 (R1–R3): new requests all granted; table 四 (R4): totals of the rows.
  auto zero_inflated = [&](int max) { return rng() % 3 == 0 ? static_cast<int>(rng() % max) : 0; };
  const int scale = region.level() == v1::LEVEL_TOWNSHIP ? 1 : p.department >= 0 ? 3 : 10;
  v1::ApplicantCounts* fresh = report.mutable_table3()->mutable_new_requests();
  v1::ApplicantCounts* granted = report.mutable_table3()->mutable_results()->mutable_granted();
  v1::ApplicantCounts* total = report.mutable_table3()->mutable_results()->mutable_total();
  const int natural = zero_inflated(30 * scale), business = zero_inflated(5 * scale);
  for (v1::ApplicantCounts* row : {fresh, granted, total}) {
    row->set_natural_person(natural);
    row->set_commercial_enterprise(business);
    row->set_total(natural + business);
  }
  if (break_rule) fresh->set_total(natural + business + 1);
  for (v1::CaseOutcomes* row : {report.mutable_table4()->mutable_reconsideration(),
                                report.mutable_table4()->mutable_litigation()->mutable_direct()}) {
    const int upheld = zero_inflated(3), corrected = zero_inflated(2);
    row->set_upheld(upheld);
    row->set_corrected(corrected);
    row->set_total(upheld + corrected);
  }
  // Table 二: most offices publish something in most sub-tables (an all-zero sub-table is a
  // ZERO_PUBLICATION flag, for a few percent of them); 30% of cells blank, a fifth zero.
  for (const CellSpec& cell : CellsOf(report.edition())) {
    if (cell.table != "二" || rng() % 10 < 3) continue;
    SetCell(&report, cell,
            cell.kind == CellKind::kMoney ? rng() % 5'000'000
            : rng() % 5 == 0              ? 0
                                          : 1 + static_cast<int>(rng() % (20 * scale)));
  }
  // Narratives: ~1.5 KB for a township, ~3 KB for a department, ~6 KB above.
  size_t bytes = region.level() == v1::LEVEL_TOWNSHIP ? 1500 : p.department >= 0 ? 3000 : 6000;
  bytes = bytes * (70 + rng() % 60) / 100;
  v1::Narrative* n = report.mutable_narrative();
  n->set_overview(Section(kOverview, name, bytes * 25 / 100, rng));
  n->set_proactive(Section(kProactive, name, bytes * 25 / 100, rng));
  // "共收到…申请N件" as the table says (else NARRATIVE_TABLE_MISMATCH, which the rule
  // breakers get: their table is inconsistent with itself).
  n->set_requests(absl::StrCat("本年度", name, "共收到政府信息公开申请",
                               report.table3().new_requests().total(), "件，上年结转0件。",
                               Section(kRequests, name, bytes * 20 / 100, rng)));
  n->set_review_litigation(Section(kReview, name, bytes * 10 / 100, rng));
  n->set_problems(Problems(name, bytes * 15 / 100, rng));
  n->set_other_matters(Section(kOther, name, bytes * 5 / 100, rng));

  // Rule breaks and 2019 tables in a later year are kept only leniently (as flags).
  const bool lenient = break_rule || (old_tables && year >= 2021);
  request.set_mode(lenient ? v1::VALIDATION_MODE_LENIENT : v1::VALIDATION_MODE_STRICT);
  return request;
}

}  // namespace gongkai::bench
