#include "export/layout.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "export/text_width.h"
#include "gongkai/v1/options.pb.h"

namespace gongkai::exports {
namespace {

// A heading printed over a run of columns, from the column labelled `first` to `last`.
struct ColumnGroup {
  const char* label;
  const char* first;
  const char* last;
};

// What the printed template adds to the schema for one table.
struct Template {
  // One block per first-level row group (二: its 第二十条 items have different columns).
  bool block_per_group = false;
  // The schema's rows become column groups over one data row (四).
  bool rows_as_column_groups = false;
  // Text of the corner cell above the row labels.
  std::string corner;
  // Headings over runs of columns, outermost first.
  std::vector<ColumnGroup> column_groups;
};

Template TemplateOf(const std::string& table) {
  Template t;
  if (table == "二") {
    t.block_per_group = true;
    t.corner = "信息内容";
  } else if (table == "三") {
    t.corner = absl::StrCat("（本列数据的勾稽关系为：", RuleName("R1"), "）");
    t.column_groups = {{"申请人情况", "自然人", "总计"}, {"法人或其他组织", "商业企业", "其他"}};
  } else if (table == "四") {
    t.rows_as_column_groups = true;
  }
  return t;
}

// The table's title is the label of the narrative section of the same number
// ("二" -> "二、主动公开政府信息情况").
std::string TitleOf(const std::string& table) {
  const google::protobuf::Descriptor* narrative = v1::Narrative::descriptor();
  for (int i = 0; i < narrative->field_count(); ++i) {
    const std::string& label = narrative->field(i)->options().GetExtension(v1::label);
    if (absl::StartsWith(label, table + "、")) return label;
  }
  return table;
}

// The input of one block: an optional band, the header path of each value column, and the
// data rows (label path + one schema cell index per value column).
struct BlockSpec {
  std::string band;
  std::string corner;
  std::vector<std::vector<std::string>> headers;
  struct Row {
    std::vector<std::string> labels;
    std::vector<int> cells;
  };
  std::vector<Row> rows;
};

GridCell Label(GridCell::Role role, int row, int col, int row_span, int col_span,
               std::string text) {
  GridCell cell;
  cell.role = role;
  cell.row = row;
  cell.col = col;
  cell.row_span = row_span;
  cell.col_span = col_span;
  cell.text = std::move(text);
  return cell;
}

bool SamePrefix(const std::vector<std::string>& a, const std::vector<std::string>& b,
                size_t length) {
  if (a.size() < length || b.size() < length) return false;
  return std::equal(a.begin(), a.begin() + length, b.begin());
}

Grid BuildGrid(const BlockSpec& spec, const v1::Report& report) {
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  const int values = static_cast<int>(spec.headers.size());
  int depth = 0;   // Label columns.
  int levels = 0;  // Header rows.
  for (const auto& row : spec.rows) depth = std::max(depth, static_cast<int>(row.labels.size()));
  for (const auto& h : spec.headers) levels = std::max(levels, static_cast<int>(h.size()));
  Grid grid;
  grid.cols = depth + values;
  grid.label_cols = depth;
  int r = 0;
  if (!spec.band.empty()) {
    grid.cells.push_back(Label(GridCell::Role::kBand, r++, 0, 1, grid.cols, spec.band));
  }
  for (int h = 0; h < levels; ++h) {
    if (h == 0 && depth > 0) {
      grid.cells.push_back(Label(GridCell::Role::kCorner, r, 0, levels, depth, spec.corner));
    }
    for (int j = 0; j < values;) {
      const std::vector<std::string>& path = spec.headers[j];
      const int size = static_cast<int>(path.size());
      if (h >= size) {  // Covered by the column's own label from a row above.
        ++j;
      } else if (h == size - 1) {
        grid.cells.push_back(
            Label(GridCell::Role::kHeader, r + h, depth + j, levels - h, 1, path[h]));
        ++j;
      } else {
        int k = j + 1;
        while (k<values&& static_cast<int>(spec.headers[k].size())> h + 1 &&
               SamePrefix(spec.headers[k], path, h + 1)) {
          ++k;
        }
        grid.cells.push_back(Label(GridCell::Role::kHeader, r + h, depth + j, 1, k - j, path[h]));
        j = k;
      }
    }
  }
  r += levels;
  std::vector<int> open(depth, -1);  // Per label level: the group cell still spanning down.
  const std::vector<std::string>* previous = nullptr;
  for (const BlockSpec::Row& row : spec.rows) {
    const int size = static_cast<int>(row.labels.size());
    bool continues = previous != nullptr;
    for (int l = 0; l + 1 < size; ++l) {
      continues = continues && static_cast<int>(previous->size()) > l + 1 &&
                  SamePrefix(*previous, row.labels, l + 1) && open[l] >= 0;
      if (continues) {
        ++grid.cells[open[l]].row_span;
      } else {
        open[l] = static_cast<int>(grid.cells.size());
        grid.cells.push_back(Label(GridCell::Role::kLabel, r, l, 1, 1, row.labels[l]));
      }
    }
    if (size > 0) {
      grid.cells.push_back(
          Label(GridCell::Role::kLabel, r, size - 1, 1, depth - size + 1, row.labels.back()));
    }
    for (int j = 0; j < values; ++j) {
      const CellSpec& cell_spec = cells[row.cells[j]];
      GridCell cell =
          Label(GridCell::Role::kValue, r, depth + j, 1, 1, CellText(report, cell_spec));
      cell.spec = &cell_spec;
      cell.uncertain = IsUncertain(report, cell_spec);
      if (!cell.uncertain) cell.value = GetCell(report, cell_spec);
      grid.cells.push_back(std::move(cell));
    }
    previous = &row.labels;
    ++r;
  }
  grid.rows = r;
  return grid;
}

std::vector<std::string> SplitLabels(const std::string& row) { return absl::StrSplit(row, '/'); }

// Header paths for one row's columns: the template's groups, then the column's own label.
std::vector<std::vector<std::string>> HeadersOf(const SchemaRow& row, const Template& t,
                                                const std::vector<CellSpec>& cells) {
  std::vector<std::string> labels;
  for (int index : row.cells) labels.push_back(cells[index].column);
  std::vector<std::vector<std::string>> headers(labels.size());
  auto position = [&labels](const char* label) {
    return std::find(labels.begin(), labels.end(), label) - labels.begin();
  };
  for (const ColumnGroup& group : t.column_groups) {
    const auto first = position(group.first);
    const auto last = position(group.last);
    for (auto j = first; j <= last && j < static_cast<long>(labels.size()); ++j) {
      headers[j].push_back(group.label);
    }
  }
  for (size_t j = 0; j < labels.size(); ++j) headers[j].push_back(labels[j]);
  return headers;
}

TableLayout LayoutTable(const std::string& table, const std::vector<SchemaRow>& rows,
                        const v1::Report& report) {
  const std::vector<CellSpec>& cells = CellsOf(report.edition());
  const Template t = TemplateOf(table);
  TableLayout layout{table, TitleOf(table), {}};
  if (t.rows_as_column_groups) {
    BlockSpec spec;
    BlockSpec::Row data;
    for (const SchemaRow& row : rows) {
      for (int index : row.cells) {
        std::vector<std::string> header = SplitLabels(row.row);
        header.push_back(cells[index].column);
        spec.headers.push_back(std::move(header));
        data.cells.push_back(index);
      }
    }
    spec.rows.push_back(std::move(data));
    layout.blocks.push_back(BuildGrid(spec, report));
    return layout;
  }
  BlockSpec spec;
  for (const SchemaRow& row : rows) {
    std::vector<std::string> labels = SplitLabels(row.row);
    if (t.block_per_group) {
      const std::string group = labels.front();
      if (!spec.rows.empty() && spec.band != group) {
        layout.blocks.push_back(BuildGrid(spec, report));
        spec = BlockSpec{};
      }
      spec.band = group;
      labels.erase(labels.begin());
    }
    if (spec.rows.empty()) {
      spec.corner = t.corner;
      spec.headers = HeadersOf(row, t, cells);
    }
    spec.rows.push_back(BlockSpec::Row{std::move(labels), row.cells});
  }
  if (!spec.rows.empty()) layout.blocks.push_back(BuildGrid(spec, report));
  return layout;
}

}  // namespace

std::vector<SchemaRow> RowsOf(v1::Edition edition) {
  const std::vector<CellSpec>& cells = CellsOf(edition);
  std::vector<SchemaRow> rows;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (rows.empty() || rows.back().table != cells[i].table || rows.back().row != cells[i].row) {
      rows.push_back(SchemaRow{cells[i].table, cells[i].row, {}});
    }
    rows.back().cells.push_back(static_cast<int>(i));
  }
  return rows;
}

std::vector<TableLayout> LayoutOf(const v1::Report& report) {
  std::vector<TableLayout> tables;
  std::vector<SchemaRow> rows;
  for (SchemaRow& row : RowsOf(report.edition())) {
    if (!rows.empty() && rows.front().table != row.table) {
      tables.push_back(LayoutTable(rows.front().table, rows, report));
      rows.clear();
    }
    rows.push_back(std::move(row));
  }
  if (!rows.empty()) tables.push_back(LayoutTable(rows.front().table, rows, report));
  return tables;
}

std::vector<int> ColumnWidths(const Grid& grid) {
  std::vector<int> widths(grid.cols, 0);
  std::vector<const GridCell*> by_span;
  for (const GridCell& cell : grid.cells) by_span.push_back(&cell);
  std::stable_sort(by_span.begin(), by_span.end(),
                   [](const GridCell* a, const GridCell* b) { return a->col_span < b->col_span; });
  for (const GridCell* cell : by_span) {
    const int last = cell->col + cell->col_span - 1;
    int have = 3 * (cell->col_span - 1);  // Padding and borders between spanned columns.
    for (int c = cell->col; c <= last; ++c) have += widths[c];
    widths[last] += std::max(0, DisplayWidth(cell->text) - have);
  }
  return widths;
}

std::vector<std::pair<std::string, std::string>> MetadataOf(const v1::Report& report) {
  std::vector<std::pair<std::string, std::string>> items = {
      {"格式版本", EditionLabel(report.edition())},
      {"年度", report.key().year() == 0 ? "" : absl::StrCat(report.key().year())}};
  auto add = [&items](const char* label, const std::string& value) {
    if (!value.empty()) items.emplace_back(label, value);
  };
  add("区划代码", report.key().region_code());
  add("机关代码", report.key().body());
  add("范围", report.key().scope() == v1::SCOPE_OWN       ? "本级"
              : report.key().scope() == v1::SCOPE_SUMMARY ? "汇总"
                                                          : "");
  add("标题", report.title());
  add("发布机关", report.publisher());
  add("发布日期", report.publication_date());
  add("来源", report.source_url());
  return items;
}

bool IsUncertain(const v1::Report& report, const CellSpec& spec) {
  return std::find(report.uncertain_cells().begin(), report.uncertain_cells().end(),
                   spec.field_path) != report.uncertain_cells().end();
}

std::string CellText(const v1::Report& report, const CellSpec& spec) {
  return IsUncertain(report, spec) ? "?" : FormatCellValue(spec, GetCell(report, spec));
}

}  // namespace gongkai::exports
