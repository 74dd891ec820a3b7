// ExportXlsx: the layout of layout.h written with libxlsxwriter.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "export/export.h"
#include "export/layout.h"
#include "proto/cells.h"
#include "proto/money.h"
#include "xlsxwriter.h"

namespace gongkai::exports {
namespace {

// The cell formats of one workbook (owned by the workbook).
struct Formats {
  lxw_format* title;
  lxw_format* band;
  lxw_format* header;
  lxw_format* label;
  lxw_format* count;
  lxw_format* money;
  lxw_format* uncertain;
  lxw_format* plain;
};

lxw_format* Boxed(lxw_workbook* workbook) {
  lxw_format* format = workbook_add_format(workbook);
  format_set_border(format, LXW_BORDER_THIN);
  format_set_align(format, LXW_ALIGN_VERTICAL_CENTER);
  return format;
}

Formats MakeFormats(lxw_workbook* workbook) {
  Formats f;
  f.title = workbook_add_format(workbook);
  format_set_bold(f.title);
  format_set_font_size(f.title, 14);
  f.band = Boxed(workbook);
  format_set_bold(f.band);
  f.header = Boxed(workbook);
  format_set_bold(f.header);
  format_set_align(f.header, LXW_ALIGN_CENTER);
  format_set_text_wrap(f.header);
  f.label = Boxed(workbook);
  format_set_text_wrap(f.label);
  f.count = Boxed(workbook);
  format_set_num_format(f.count, "0");
  f.money = Boxed(workbook);
  format_set_num_format(f.money, "0.00####");  // 万元, exact to 0.01 元.
  f.uncertain = Boxed(workbook);
  format_set_align(f.uncertain, LXW_ALIGN_RIGHT);
  f.plain = workbook_add_format(workbook);
  return f;
}

// Collects the first error of a sequence of libxlsxwriter calls.
class Errors {
 public:
  void Check(lxw_error error) {
    if (first_ == LXW_NO_ERROR) first_ = error;
  }
  lxw_error first() const { return first_; }

 private:
  lxw_error first_ = LXW_NO_ERROR;
};

lxw_format* LabelFormat(const Formats& f, GridCell::Role role) {
  switch (role) {
    case GridCell::Role::kBand:
      return f.band;
    case GridCell::Role::kHeader:
    case GridCell::Role::kCorner:
      return f.header;
    default:
      return f.label;
  }
}

// Writes one grid with its top-left corner at `top` (column 0).
void WriteGrid(lxw_worksheet* sheet, const Grid& grid, int top, const Formats& f, Errors* errors) {
  for (const GridCell& cell : grid.cells) {
    const lxw_row_t row = top + cell.row;
    const lxw_col_t col = cell.col;
    if (cell.role != GridCell::Role::kValue) {
      lxw_format* format = LabelFormat(f, cell.role);
      if (cell.row_span > 1 || cell.col_span > 1) {
        errors->Check(worksheet_merge_range(sheet, row, col, row + cell.row_span - 1,
                                            col + cell.col_span - 1, cell.text.c_str(), format));
      } else {
        errors->Check(worksheet_write_string(sheet, row, col, cell.text.c_str(), format));
      }
    } else if (cell.uncertain) {
      errors->Check(worksheet_write_string(sheet, row, col, "?", f.uncertain));
    } else if (!cell.value.has_value()) {
      errors->Check(worksheet_write_blank(sheet, row, col, f.count));
    } else if (cell.spec->kind == CellKind::kMoney) {
      errors->Check(worksheet_write_number(
          sheet, row, col, static_cast<double>(*cell.value) / kMicroPerWan, f.money));
    } else {
      errors->Check(
          worksheet_write_number(sheet, row, col, static_cast<double>(*cell.value), f.count));
    }
  }
}

void WriteTable(lxw_workbook* workbook, const TableLayout& table, const Formats& f,
                Errors* errors) {
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, absl::StrCat("表", table.table).c_str());
  if (sheet == nullptr) {
    errors->Check(LXW_ERROR_MEMORY_MALLOC_FAILED);
    return;
  }
  int cols = 1;
  std::vector<int> widths;
  for (const Grid& block : table.blocks) {
    cols = std::max(cols, block.cols);
    const std::vector<int> block_widths = ColumnWidths(block);
    widths.resize(std::max(widths.size(), block_widths.size()), 0);
    for (size_t c = 0; c < block_widths.size(); ++c) {
      widths[c] = std::max(widths[c], block_widths[c]);
    }
  }
  // Printed like the template: landscape, as wide as one page.
  worksheet_set_landscape(sheet);
  worksheet_fit_to_pages(sheet, 1, 0);
  // Excel measures widths in digits; a CJK character is about two.
  for (size_t c = 0; c < widths.size(); ++c) {
    errors->Check(worksheet_set_column(sheet, c, c, widths[c] + 2, nullptr));
  }
  if (cols > 1) {
    errors->Check(worksheet_merge_range(sheet, 0, 0, 0, cols - 1, table.title.c_str(), f.title));
  } else {
    errors->Check(worksheet_write_string(sheet, 0, 0, table.title.c_str(), f.title));
  }
  errors->Check(worksheet_set_row(sheet, 0, 24, nullptr));
  int top = 1;
  for (const Grid& block : table.blocks) {
    WriteGrid(sheet, block, top, f, errors);
    top += block.rows;
  }
}

void WriteMetadata(lxw_workbook* workbook, const v1::Report& report, const Formats& f,
                   Errors* errors) {
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, "基本信息");
  if (sheet == nullptr) {
    errors->Check(LXW_ERROR_MEMORY_MALLOC_FAILED);
    return;
  }
  auto items = MetadataOf(report);
  items.emplace_back("金额单位", "万元");
  errors->Check(worksheet_set_column(sheet, 0, 0, 12, nullptr));
  errors->Check(worksheet_set_column(sheet, 1, 1, 60, nullptr));
  errors->Check(worksheet_write_string(sheet, 0, 0, "项目", f.header));
  errors->Check(worksheet_write_string(sheet, 0, 1, "内容", f.header));
  for (size_t i = 0; i < items.size(); ++i) {
    errors->Check(worksheet_write_string(sheet, i + 1, 0, items[i].first.c_str(), f.label));
    errors->Check(worksheet_write_string(sheet, i + 1, 1, items[i].second.c_str(), f.label));
  }
}

}  // namespace

absl::Status ExportXlsx(const v1::Report& report, const std::string& path) {
  lxw_workbook* workbook = workbook_new(path.c_str());
  if (workbook == nullptr) return absl::InternalError("cannot start an xlsx workbook");
  const Formats formats = MakeFormats(workbook);
  Errors errors;
  // The writer copies the properties; its struct just lacks const.
  lxw_doc_properties properties = {};
  std::string title = report.title();
  std::string author = report.publisher();
  if (!title.empty()) properties.title = title.data();
  if (!author.empty()) properties.author = author.data();
  errors.Check(workbook_set_properties(workbook, &properties));
  WriteMetadata(workbook, report, formats, &errors);
  for (const TableLayout& table : LayoutOf(report)) WriteTable(workbook, table, formats, &errors);
  // Closing writes the file and frees the workbook, whatever happened before.
  const lxw_error closed = workbook_close(workbook);
  errors.Check(closed);
  if (errors.first() == LXW_NO_ERROR) return absl::OkStatus();
  if (closed == LXW_NO_ERROR) std::remove(path.c_str());  // Do not leave a partial workbook.
  const std::string message =
      absl::StrCat("cannot write ", path, ": ", lxw_strerror(errors.first()));
  if (errors.first() == LXW_ERROR_CREATING_XLSX_FILE) {
    return absl::FailedPreconditionError(message);
  }
  return absl::InternalError(message);
}

}  // namespace gongkai::exports
