#include "cells.h"

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gongkai/v1/options.pb.h"
#include "money.h"

namespace gongkai {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

int EditionYear(v1::Edition edition) {
  int year = 0;
  (void)absl::SimpleAtoi(EditionLabel(edition), &year);
  return year;
}

// True when the field exists in the edition (its only_in_edition option is unset or matches).
bool InEdition(const FieldDescriptor* field, int edition_year) {
  const int only = field->options().GetExtension(v1::only_in_edition);
  return only == 0 || only == edition_year;
}

const std::string& Label(const FieldDescriptor* field) {
  return field->options().GetExtension(v1::label);
}

// The cells as a tree of fields, for walking only the fields a report has set.
struct CellNode {
  absl::flat_hash_map<const FieldDescriptor*, std::unique_ptr<CellNode>> children;
  int cell = -1;  // index in the edition's cells, for a leaf
  // The cells below are the contiguous range [first, last] (the cells are in depth-first
  // order).
  int first = -1;
  int last = -1;
};

struct EditionSchema {
  std::vector<CellSpec> cells;
  CellNode root;
  absl::flat_hash_map<std::string, int> by_path;
  std::vector<LinearRule> rules;

  int Find(absl::string_view path) const {
    auto it = by_path.find(path);
    return it == by_path.end() ? -1 : it->second;
  }
};

void CollectCells(const Descriptor* message, int edition_year, const std::string& table,
                  std::vector<std::string>* labels, std::vector<const FieldDescriptor*>* fields,
                  std::vector<CellSpec>* out) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    if (!InEdition(field, edition_year)) continue;
    fields->push_back(field);
    if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      labels->push_back(Label(field));
      CollectCells(field->message_type(), edition_year, table, labels, fields, out);
      labels->pop_back();
    } else {
      CellSpec cell;
      cell.table = table;
      cell.row = absl::StrJoin(*labels, "/");
      cell.column = Label(field);
      cell.fields = *fields;
      std::vector<std::string> names;
      for (const FieldDescriptor* f : *fields) names.push_back(f->name());
      cell.field_path = absl::StrJoin(names, ".");
      if (field->options().GetExtension(v1::money)) {
        cell.kind = CellKind::kMoney;
      } else if (field->options().GetExtension(v1::signed_)) {
        cell.kind = CellKind::kSignedCount;
      }
      out->push_back(std::move(cell));
    }
    fields->pop_back();
  }
}

// Adds the rules declared by `sum_rule` options on fields of `message` (at `prefix`) and below.
void CollectSumRules(const Descriptor* message, const std::string& prefix, int edition_year,
                     EditionSchema* schema) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* total = message->field(i);
    if (!InEdition(total, edition_year)) continue;
    const std::string path = prefix.empty() ? total->name() : prefix + "." + total->name();
    const std::string& rule = total->options().GetExtension(v1::sum_rule);
    if (total->type() == FieldDescriptor::TYPE_MESSAGE) {
      CollectSumRules(total->message_type(), path, edition_year, schema);
    }
    if (rule.empty()) continue;
    if (total->type() != FieldDescriptor::TYPE_MESSAGE) {
      // A total cell equals the sum of its sibling cells in the same row.
      LinearRule r{rule, {schema->Find(path)}, {}};
      for (int j = 0; j < message->field_count(); ++j) {
        const FieldDescriptor* part = message->field(j);
        if (part == total || !InEdition(part, edition_year)) continue;
        r.rhs.push_back(schema->Find(prefix + "." + part->name()));
      }
      schema->rules.push_back(std::move(r));
      continue;
    }
    // A total row equals, column by column, the sum of every row under its siblings.
    const Descriptor* row = total->message_type();
    for (int c = 0; c < row->field_count(); ++c) {
      const FieldDescriptor* column = row->field(c);
      LinearRule r{rule, {schema->Find(path + "." + column->name())}, {}};
      for (int j = 0; j < message->field_count(); ++j) {
        const FieldDescriptor* part = message->field(j);
        if (part == total || !InEdition(part, edition_year)) continue;
        const std::string part_prefix = prefix + "." + part->name() + ".";
        for (size_t k = 0; k < schema->cells.size(); ++k) {
          const CellSpec& cell = schema->cells[k];
          if (cell.fields.back() == column && absl::StartsWith(cell.field_path, part_prefix)) {
            r.rhs.push_back(static_cast<int>(k));
          }
        }
      }
      schema->rules.push_back(std::move(r));
    }
  }
}

EditionSchema BuildSchema(v1::Edition edition) {
  EditionSchema schema;
  const int year = EditionYear(edition);
  if (year == 0) return schema;
  const Descriptor* report = v1::Report::descriptor();
  for (int i = 0; i < report->field_count(); ++i) {
    const FieldDescriptor* field = report->field(i);
    const std::string& table = field->options().GetExtension(v1::table);
    if (table.empty() || !InEdition(field, year)) continue;
    std::vector<std::string> labels;
    std::vector<const FieldDescriptor*> fields = {field};
    CollectCells(field->message_type(), year, table, &labels, &fields, &schema.cells);
  }
  for (size_t i = 0; i < schema.cells.size(); ++i) {
    schema.by_path.emplace(schema.cells[i].field_path, static_cast<int>(i));
    CellNode* node = &schema.root;
    for (const FieldDescriptor* field : schema.cells[i].fields) {
      auto& child = node->children[field];
      if (child == nullptr) child = std::make_unique<CellNode>();
      node = child.get();
      if (node->first < 0) node->first = static_cast<int>(i);
      node->last = static_cast<int>(i);
    }
    node->cell = static_cast<int>(i);
  }
  // R1, printed in the template's corner cell: 一 + 二 = 三（七）总计 + 四, every column.
  const Descriptor* columns = v1::ApplicantCounts::descriptor();
  for (int c = 0; c < columns->field_count(); ++c) {
    const std::string col = columns->field(c)->name();
    schema.rules.push_back(LinearRule{
        "R1",
        {schema.Find("table3.new_requests." + col), schema.Find("table3.carried_over." + col)},
        {schema.Find("table3.results.total." + col),
         schema.Find("table3.carried_forward." + col)}});
  }
  CollectSumRules(report, "", year, &schema);
  return schema;
}

const EditionSchema& SchemaOf(v1::Edition edition) {
  static const std::array<EditionSchema, 3>* schemas = new std::array<EditionSchema, 3>{
      BuildSchema(v1::EDITION_UNSPECIFIED), BuildSchema(v1::EDITION_2019),
      BuildSchema(v1::EDITION_2021)};
  const int index = v1::Edition_IsValid(edition) ? static_cast<int>(edition) : 0;
  return (*schemas)[index];
}

}  // namespace

const std::vector<CellSpec>& CellsOf(v1::Edition edition) { return SchemaOf(edition).cells; }

int FindCell(v1::Edition edition, absl::string_view field_path) {
  return SchemaOf(edition).Find(field_path);
}

const std::vector<LinearRule>& RulesOf(v1::Edition edition) { return SchemaOf(edition).rules; }

std::string RuleName(absl::string_view rule_id) {
  if (rule_id == "R1") return "第一项加第二项之和，等于第三项加第四项之和";
  if (rule_id == "R2") return "（七）总计等于各项办理结果之和";
  if (rule_id == "R3") return "总计等于各类申请人之和";
  if (rule_id == "R4") return "总计等于结果维持、结果纠正、其他结果、尚未审结之和";
  return "";
}

std::optional<int64_t> GetCell(const v1::Report& report, const CellSpec& cell) {
  const Message* message = &report;
  for (size_t i = 0; i < cell.fields.size(); ++i) {
    const Reflection* reflection = message->GetReflection();
    const FieldDescriptor* field = cell.fields[i];
    if (!reflection->HasField(*message, field)) return std::nullopt;
    if (i + 1 < cell.fields.size()) {
      message = &reflection->GetMessage(*message, field);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
      return reflection->GetInt64(*message, field);
    } else {
      return reflection->GetInt32(*message, field);
    }
  }
  return std::nullopt;
}

namespace {

void VisitFilled(const Message& message, const CellNode& node,
                 const std::function<void(int, int64_t)>& fn) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    auto it = node.children.find(field);
    if (it == node.children.end()) continue;  // Not a cell of this edition.
    const CellNode& child = *it->second;
    if (child.cell >= 0) {
      fn(child.cell, field->cpp_type() == FieldDescriptor::CPPTYPE_INT64
                         ? reflection->GetInt64(message, field)
                         : reflection->GetInt32(message, field));
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      VisitFilled(reflection->GetMessage(message, field), child, fn);
    }
  }
}

void FillCells(Message* message, const CellNode& node,
               const std::vector<std::optional<int64_t>>& values) {
  const Reflection* reflection = message->GetReflection();
  for (const auto& [field, child] : node.children) {
    if (child->cell >= 0) {
      const std::optional<int64_t>& value = values[child->cell];
      if (!value.has_value()) continue;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
        reflection->SetInt64(message, field, *value);
      } else {
        reflection->SetInt32(message, field, static_cast<int32_t>(*value));
      }
      continue;
    }
    bool any = false;
    for (int i = child->first; i <= child->last && !any; ++i) any = values[i].has_value();
    if (any) FillCells(reflection->MutableMessage(message, field), *child, values);
  }
}

}  // namespace

void SetCells(v1::Report* report, const std::vector<std::optional<int64_t>>& values) {
  FillCells(report, SchemaOf(report->edition()).root, values);
}

void ForEachFilledCell(const v1::Report& report,
                       const std::function<void(int index, int64_t value)>& fn) {
  VisitFilled(report, SchemaOf(report.edition()).root, fn);
}

std::vector<std::optional<int64_t>> CellValues(const v1::Report& report) {
  std::vector<std::optional<int64_t>> values(CellsOf(report.edition()).size());
  ForEachFilledCell(report, [&](int index, int64_t value) { values[index] = value; });
  return values;
}

void SetCell(v1::Report* report, const CellSpec& cell, std::optional<int64_t> value) {
  Message* message = report;
  for (size_t i = 0; i + 1 < cell.fields.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, cell.fields[i]);
  }
  const Reflection* reflection = message->GetReflection();
  const FieldDescriptor* field = cell.fields.back();
  if (!value.has_value()) {
    reflection->ClearField(message, field);
  } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
    reflection->SetInt64(message, field, *value);
  } else {
    reflection->SetInt32(message, field, static_cast<int32_t>(*value));
  }
}

std::string EditionLabel(v1::Edition edition) {
  const auto* value = v1::Edition_descriptor()->FindValueByNumber(edition);
  return value == nullptr ? "" : value->options().GetExtension(v1::value_label);
}

std::string FormatCellValue(const CellSpec& cell, std::optional<int64_t> value) {
  if (!value.has_value()) return "";
  if (cell.kind == CellKind::kMoney) return FormatWanYuan(*value);
  return absl::StrCat(*value);
}

std::vector<bool> UncertainCells(const v1::Report& report) {
  std::vector<bool> uncertain(CellsOf(report.edition()).size(), false);
  for (const std::string& path : report.uncertain_cells()) {
    if (const int i = FindCell(report.edition(), path); i >= 0) uncertain[i] = true;
  }
  return uncertain;
}

namespace {

// Each cell of the report's edition as the cells output prints it ("?" when uncertain, "" when
// blank), indexed as CellsOf(report.edition()).
std::vector<std::string> PrintedValues(const v1::Report& report) {
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  const std::vector<std::optional<int64_t>> values = CellValues(report);
  const std::vector<bool> uncertain = UncertainCells(report);
  std::vector<std::string> printed(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    printed[i] = uncertain[i] ? "?" : FormatCellValue(cells[i], values[i]);
  }
  return printed;
}

}  // namespace

std::string FormatCells(const v1::Report& report) {
  std::string out = "table\trow\tcolumn\tvalue\n";
  absl::StrAppend(&out, "元数据\t格式版本\tvalue\t", EditionLabel(report.edition()), "\n");
  absl::StrAppend(&out, "元数据\t年度\tvalue\t",
                  report.key().year() == 0 ? "" : absl::StrCat(report.key().year()), "\n");
  const std::vector<std::string> printed = PrintedValues(report);
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  for (size_t i = 0; i < cells.size(); ++i) {
    absl::StrAppend(&out, cells[i].table, "\t", cells[i].row, "\t", cells[i].column, "\t",
                    printed[i], "\n");
  }
  return out;
}

std::vector<v1::CellChange> DiffCells(const v1::Report& before, const v1::Report& after) {
  const std::vector<std::string> printed_before = PrintedValues(before);
  const std::vector<std::string> printed_after = PrintedValues(after);
  // A cell's printed value in one of the two, "" when it is not a cell of that one's edition.
  auto printed = [](const v1::Report& report, const std::vector<std::string>& values,
                    const std::string& field_path) {
    const int index = FindCell(report.edition(), field_path);
    return index < 0 ? std::string() : values[index];
  };
  std::vector<v1::CellChange> out;
  absl::flat_hash_map<std::string, bool> seen;
  for (v1::Edition edition : {after.edition(), before.edition()}) {
    for (const CellSpec& cell : CellsOf(edition)) {
      if (!seen.emplace(cell.field_path, true).second) continue;
      std::string was = printed(before, printed_before, cell.field_path);
      std::string now = printed(after, printed_after, cell.field_path);
      if (was == now) continue;
      v1::CellChange& change = out.emplace_back();
      change.set_field_path(cell.field_path);
      change.set_table(cell.table);
      change.set_row(cell.row);
      change.set_column(cell.column);
      change.set_before(std::move(was));
      change.set_after(std::move(now));
    }
  }
  return out;
}

namespace {

// Sets or clears the labels of one cell message (SharedCell, OverflowedCell) of the edition.
template <typename Cell>
void Label(v1::Edition edition, Cell* cell, bool set) {
  const int index = set ? FindCell(edition, cell->field_path()) : -1;
  if (index < 0) {
    cell->clear_table();
    cell->clear_row();
    cell->clear_column();
    return;
  }
  const CellSpec& spec = CellsOf(edition)[index];
  cell->set_table(spec.table);
  cell->set_row(spec.row);
  cell->set_column(spec.column);
}

void LabelRollup(v1::Rollup* rollup, bool set) {
  // Shared cells carry the labels of the 2021 edition, where both editions have them.
  for (v1::SharedCell& cell : *rollup->mutable_shared()) Label(v1::EDITION_2021, &cell, set);
  for (v1::EditionRollup& edition : *rollup->mutable_editions()) {
    for (v1::OverflowedCell& cell : *edition.mutable_overflowed()) {
      Label(edition.edition(), &cell, set);
    }
  }
}

template <typename Cell>
bool Labelled(const Cell& cell) {
  return !cell.table().empty() || !cell.row().empty() || !cell.column().empty();
}

void LabelAnomaly(v1::Anomaly* anomaly, bool set) {
  if (anomaly->edition() == v1::EDITION_UNSPECIFIED) return;
  for (v1::CellRef& cell : *anomaly->mutable_cells()) Label(anomaly->edition(), &cell, set);
}

}  // namespace

void AddCellLabels(v1::Anomaly* anomaly) { LabelAnomaly(anomaly, true); }

void AddCellLabels(v1::AnomalySet* set) {
  for (v1::Anomaly& anomaly : *set->mutable_anomalies()) LabelAnomaly(&anomaly, true);
}

void ClearCellLabels(v1::AnomalySet* set) {
  for (v1::Anomaly& anomaly : *set->mutable_anomalies()) LabelAnomaly(&anomaly, false);
}

bool HasCellLabels(const v1::AnomalySet& set) {
  for (const v1::Anomaly& anomaly : set.anomalies()) {
    if (anomaly.edition() == v1::EDITION_UNSPECIFIED) continue;
    for (const v1::CellRef& cell : anomaly.cells()) {
      if (Labelled(cell)) return true;
    }
  }
  return false;
}

void AddCellLabels(v1::Rollup* rollup) { LabelRollup(rollup, true); }

void ClearCellLabels(v1::Rollup* rollup) { LabelRollup(rollup, false); }

bool HasCellLabels(const v1::Rollup& rollup) {
  for (const v1::SharedCell& cell : rollup.shared()) {
    if (Labelled(cell)) return true;
  }
  for (const v1::EditionRollup& edition : rollup.editions()) {
    for (const v1::OverflowedCell& cell : edition.overflowed()) {
      if (Labelled(cell)) return true;
    }
  }
  return false;
}

}  // namespace gongkai
