#include "validation/validator.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/constants.h"
#include "gongkai/v1/options.pb.h"
#include "google/protobuf/descriptor.h"
#include "proto/cells.h"
#include "validation/uscc.h"

namespace gongkai::validation {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// At most `max_bytes` of `text`, cut on a UTF-8 character boundary (quoted input in messages
// must stay valid UTF-8, or clients cannot decode the verdict).
std::string Clip(const std::string& text, size_t max_bytes = 40) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}
constexpr int kEdition2021FirstYear = 2021;

class Collector {
 public:
  explicit Collector(v1::Verdict* verdict) : verdict_(verdict) {}

  v1::Violation* Add(absl::string_view rule, absl::string_view rule_name, v1::Severity severity,
                     std::string message) {
    v1::Violation* v = verdict_->add_violations();
    v->set_rule(std::string(rule));
    v->set_rule_name(std::string(rule_name));
    v->set_severity(severity);
    v->set_message(std::move(message));
    return v;
  }

  // A report-level violation about one (non-cell) field.
  void Field(absl::string_view rule, absl::string_view rule_name, absl::string_view path,
             std::string message, std::string expected = "", std::string actual = "") {
    v1::Violation* v = Add(rule, rule_name, v1::SEVERITY_ERROR, std::move(message));
    v->add_cells()->set_field_path(std::string(path));
    v->set_expected(std::move(expected));
    v->set_actual(std::move(actual));
  }

 private:
  v1::Verdict* verdict_;
};

void AddCellRef(v1::Violation* violation, const CellSpec& cell) {
  v1::CellRef* ref = violation->add_cells();
  ref->set_field_path(cell.field_path);
  ref->set_table(cell.table);
  ref->set_row(cell.row);
  ref->set_column(cell.column);
}

std::string CellName(const CellSpec& cell) {
  return absl::StrCat(cell.table, "/", cell.row, "/", cell.column, " (", cell.field_path, ")");
}

// Checks every string field (recursively) for valid UTF-8, and notes in `*unknown` whether any
// message carries fields this schema does not know: one walk for both.
void CheckUtf8AndNoteUnknownFields(const Message& message, const std::string& prefix,
                                   Collector* out, bool* unknown) {
  const auto* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) *unknown = true;
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = prefix.empty() ? field->name() : prefix + "." + field->name();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
      CheckUtf8AndNoteUnknownFields(reflection->GetMessage(message, field), path, out, unknown);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        CheckUtf8AndNoteUnknownFields(reflection->GetRepeatedMessage(message, field, i), path, out,
                                      unknown);
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      const int n = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
      for (int i = 0; i < n; ++i) {
        std::string scratch;
        const std::string& value =
            field->is_repeated()
                ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                : reflection->GetStringReference(message, field, &scratch);
        if (!google::protobuf::internal::IsStructurallyValidUTF8(value.data(),
                                                                 static_cast<int>(value.size()))) {
          out->Field(kRuleUtf8, "文本须为有效的UTF-8编码", path,
                     absl::StrCat(path, " is not valid UTF-8"));
        }
      }
    }
  }
}

// Reports every set field that does not exist in the report's edition.
void CheckEditionFields(const Message& message, const std::string& prefix, int edition_year,
                        Collector* out) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = prefix.empty() ? field->name() : prefix + "." + field->name();
    const int only = field->options().GetExtension(v1::only_in_edition);
    if (only != 0 && only != edition_year) {
      out->Field(kRuleEdition, "表格须与格式版本一致", path,
                 absl::StrCat(path, " belongs to the ", only, " edition, not the ", edition_year,
                              " edition of this report"));
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
      CheckEditionFields(reflection->GetMessage(message, field), path, edition_year, out);
    }
  }
}

void CheckTextLimits(const v1::Report& report, Collector* out) {
  auto check = [&](absl::string_view path, const std::string& value, size_t limit) {
    if (value.size() > limit) {
      out->Field(
          kRuleText, "文本长度超出限制", path,
          absl::StrCat(path, " has ", value.size(), " bytes, more than the limit of ", limit),
          absl::StrCat("<= ", limit, " bytes"), absl::StrCat(value.size(), " bytes"));
    }
  };
  check("title", report.title(), kMaxShortTextBytes);
  check("publisher", report.publisher(), kMaxShortTextBytes);
  check("source_url", report.source_url(), kMaxUrlBytes);
  const Message& narrative = report.narrative();
  const auto* descriptor = narrative.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    check("narrative." + field->name(), narrative.GetReflection()->GetString(narrative, field),
          kMaxNarrativeBytes);
  }
  const int cells = static_cast<int>(CellsOf(report.edition()).size());
  if (report.uncertain_cells_size() > cells) {
    out->Field(kRuleText, "文本长度超出限制", "uncertain_cells",
               absl::StrCat("uncertain_cells lists ", report.uncertain_cells_size(),
                            " entries, more than the edition's ", cells, " cells"));
  }
  for (const std::string& path : report.uncertain_cells()) {
    if (FindCell(report.edition(), path) < 0) {
      out->Field(kRuleKey, "字段须存在", "uncertain_cells",
                 absl::StrCat("uncertain_cells names \"", Clip(path, 200),
                              "\", which is not a cell of this edition"));
    }
  }
}

bool IsValidDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  absl::CivilDay day;
  return absl::ParseCivilTime(text, &day) && absl::FormatCivilTime(day) == text;
}

void CheckKey(const v1::Report& report, const ValidationContext& context, Collector* out) {
  const v1::ReportKey& key = report.key();
  if (key.region_code().empty()) {
    out->Field(kRuleKey, "必填字段", "key.region_code", "key.region_code is missing");
  } else if (key.region_code().size() != 12 ||
             !std::all_of(key.region_code().begin(), key.region_code().end(), [](char c) {
               return absl::ascii_isdigit(static_cast<unsigned char>(c));
             })) {
    out->Field(kRuleRegion, "区划代码须在区划库中", "key.region_code",
               absl::StrCat("key.region_code \"", Clip(key.region_code()),
                            "\" is not a 12-digit statistical division code"),
               "12 digits", Clip(key.region_code()));
  } else if (std::string why; !context.region_in_use ||
                              !context.region_in_use(key.region_code(), key.year(), &why)) {
    out->Field(kRuleRegion, "区划代码须在报告年度的区划库中", "key.region_code",
               absl::StrCat("region ", key.region_code(), " is not in the registry of ", key.year(),
                            why.empty() ? "" : absl::StrCat(" (", why, ")")),
               "", key.region_code());
  }
  if (key.year() == 0) {
    out->Field(kRuleKey, "必填字段", "key.year", "key.year is missing");
  } else if (key.year() < kFirstReportingYear || key.year() > context.current_year) {
    out->Field(kRuleYear, "年度须在2019年至今年之间", "key.year",
               absl::StrCat("year ", key.year(), " is outside ", kFirstReportingYear, "–",
                            context.current_year),
               absl::StrCat(kFirstReportingYear, "–", context.current_year),
               absl::StrCat(key.year()));
  }
  if (!key.body().empty()) {
    if (std::string problem = UsccProblem(key.body()); !problem.empty()) {
      out->Field(kRuleBody, "统一社会信用代码须合法", "key.body",
                 absl::StrCat("key.body \"", Clip(key.body()),
                              "\" is not a valid 统一社会信用代码: ", problem),
                 "", Clip(key.body()));
    }
  }
  if (!v1::Scope_IsValid(key.scope())) {
    out->Field(kRuleKey, "必填字段", "key.scope", "key.scope is not a known scope");
  }
  if (!report.publication_date().empty() && !IsValidDate(report.publication_date())) {
    out->Field(kRuleDate, "发布日期须为YYYY-MM-DD", "publication_date",
               absl::StrCat("publication_date \"", Clip(report.publication_date()),
                            "\" is not a date YYYY-MM-DD"),
               "YYYY-MM-DD", Clip(report.publication_date()));
  }
}

// Returns the edition's year, or 0 when the edition is missing (already reported).
int CheckEdition(const v1::Report& report, v1::ValidationMode mode, Collector* out) {
  const std::string label = EditionLabel(report.edition());
  if (report.edition() == v1::EDITION_UNSPECIFIED || label.empty()) {
    out->Field(kRuleEdition, "格式版本须为2019或2021", "edition",
               "edition is missing (EDITION_2019 or EDITION_2021)");
    return 0;
  }
  const int edition_year = std::stoi(label);
  const int year = report.key().year();
  if (year != 0 && edition_year == 2021 && year < kEdition2021FirstYear) {
    out->Field(kRuleEdition, "格式版本须与年度相符", "edition",
               absl::StrCat("the 2021 edition did not exist for ", year, " reports"),
               "EDITION_2019", "EDITION_2021");
  } else if (year >= kEdition2021FirstYear && edition_year == 2019) {
    const bool lenient = mode == v1::VALIDATION_MODE_LENIENT;
    v1::Violation* v = out->Add(
        kRuleEditionForYear, "格式版本须与年度相符",
        lenient ? v1::SEVERITY_WARNING : v1::SEVERITY_ERROR,
        absl::StrCat("a ", year, " report uses the 2019 edition's tables",
                     lenient ? " (kept, flagged)" : "; submit in lenient mode to keep it"));
    v->add_cells()->set_field_path("edition");
    v->set_expected("EDITION_2021");
    v->set_actual("EDITION_2019");
  }
  return edition_year;
}

void AddUncheckable(const LinearRule& rule, const std::vector<CellSpec>& cells,
                    const std::vector<std::optional<int64_t>>& values,
                    const std::vector<int>& blank_side, Collector* out) {
  std::vector<std::string> names;
  for (int i : blank_side) names.push_back(CellName(cells[i]));
  const std::vector<int>& filled_side = &blank_side == &rule.lhs ? rule.rhs : rule.lhs;
  int64_t filled = 0;
  for (int i : filled_side) filled += values[i].value_or(0);
  v1::Violation* v =
      out->Add(kRuleUncheckable, absl::StrCat("勾稽关系", rule.id, "一侧全部为空，无法核对"),
               v1::SEVERITY_WARNING,
               absl::StrCat(rule.id, " cannot be checked: every cell of one side is blank (",
                            absl::StrJoin(names, ", "), ") while the other side sums to ", filled));
  for (int i : blank_side) AddCellRef(v, cells[i]);
  v->set_actual(absl::StrCat(filled));
}

void CheckCells(const v1::Report& report, Collector* out) {
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  const std::vector<std::optional<int64_t>> values = CellValues(report);
  const std::vector<bool> uncertain = UncertainCells(report);
  for (size_t i = 0; i < cells.size(); ++i) {
    if (values[i].has_value() && *values[i] < 0 && cells[i].kind != CellKind::kSignedCount) {
      v1::Violation* v = out->Add(
          "R10", cells[i].kind == CellKind::kMoney ? "金额为非负数" : "数量为非负整数",
          v1::SEVERITY_ERROR,
          absl::StrCat(CellName(cells[i]), " is negative: ", FormatCellValue(cells[i], values[i])));
      AddCellRef(v, cells[i]);
      v->set_expected(">= 0");
      v->set_actual(FormatCellValue(cells[i], values[i]));
    }
  }
  for (const LinearRule& rule : RulesOf(report.edition())) {
    bool any_value = false;
    bool any_uncertain = false;
    int64_t lhs = 0;
    int64_t rhs = 0;
    for (int i : rule.lhs) {
      any_value |= values[i].has_value();
      any_uncertain |= uncertain[i];
      lhs += values[i].value_or(0);
    }
    for (int i : rule.rhs) {
      any_value |= values[i].has_value();
      any_uncertain |= uncertain[i];
      rhs += values[i].value_or(0);
    }
    if (!any_value || any_uncertain || lhs == rhs) continue;
    std::vector<std::string> lhs_names;
    bool lhs_blank = true;
    for (int i : rule.lhs) {
      lhs_names.push_back(CellName(cells[i]));
      lhs_blank &= !values[i].has_value();
    }
    bool rhs_blank = true;
    for (int i : rule.rhs) rhs_blank &= !values[i].has_value();
    if (lhs_blank || rhs_blank) {
      // One whole side blank (a table cut off, a column left empty): the rule cannot be
      // checked. Blank cells of a partly filled side still count as 0 below.
      AddUncheckable(rule, cells, values, lhs_blank ? rule.lhs : rule.rhs, out);
      continue;
    }
    const std::string rule_name = RuleName(rule.id);
    const std::string actual = lhs_blank ? "" : absl::StrCat(lhs);
    v1::Violation* v = out->Add(rule.id, rule_name, v1::SEVERITY_ERROR,
                                absl::StrCat(absl::StrJoin(lhs_names, " + "), ": expected ", rhs,
                                             ", actual ", lhs_blank ? "blank" : actual));
    for (int i : rule.lhs) AddCellRef(v, cells[i]);
    for (int i : rule.rhs) AddCellRef(v, cells[i]);
    v->set_expected(absl::StrCat(rhs));
    v->set_actual(actual);
  }
}

bool ToleratedWhenLenient(absl::string_view rule) {
  return rule == "R1" || rule == "R2" || rule == "R3" || rule == "R4" || rule == "R10" ||
         rule == kRuleEditionForYear;
}

}  // namespace

size_t UnknownFieldBytes(const v1::Report& report) {
  v1::Report known = report;
  known.DiscardUnknownFields();
  return report.ByteSizeLong() - known.ByteSizeLong();
}

v1::Verdict Validate(const v1::Report& report, v1::ValidationMode mode,
                     const ValidationContext& context) {
  // Unset, or a value this version does not know: strict.
  if (mode != v1::VALIDATION_MODE_LENIENT) mode = v1::VALIDATION_MODE_STRICT;
  v1::Verdict verdict;
  verdict.set_mode(mode);
  Collector out(&verdict);
  bool has_unknown = false;
  CheckUtf8AndNoteUnknownFields(report, "", &out, &has_unknown);
  // Counted (on a copy) only when there are any: most reports have none.
  if (const size_t unknown = has_unknown ? UnknownFieldBytes(report) : 0; unknown > 0) {
    out.Add(kRuleUnknownFields, "含有本系统格式之外的字段", v1::SEVERITY_WARNING,
            absl::StrCat("the report carries ", unknown,
                         " bytes in fields this server's schema does not know; they are not "
                         "stored"));
  }
  CheckKey(report, context, &out);
  CheckTextLimits(report, &out);
  if (const int edition_year = CheckEdition(report, mode, &out); edition_year != 0) {
    CheckEditionFields(report, "", edition_year, &out);
    CheckCells(report, &out);
  }
  bool acceptable = true;
  for (const v1::Violation& v : verdict.violations()) {
    if (v.severity() != v1::SEVERITY_ERROR) continue;
    if (mode == v1::VALIDATION_MODE_STRICT || !ToleratedWhenLenient(v.rule())) acceptable = false;
  }
  verdict.set_acceptable(acceptable);
  return verdict;
}

std::string DescribeViolation(const v1::Violation& violation) {
  return absl::StrCat(violation.severity() == v1::SEVERITY_WARNING ? "warning" : "error", " ",
                      violation.rule(), " ", violation.rule_name(), ": ", violation.message());
}

}  // namespace gongkai::validation
