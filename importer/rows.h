// The rows of an edition's tables (from the schema) and the values written after a row label.
#ifndef GONGKAI_IMPORTER_ROWS_H_
#define GONGKAI_IMPORTER_ROWS_H_

#include <string>
#include <vector>

#include "gongkai/v1/report.pb.h"
#include "importer/text.h"
#include "importer/tokenizer.h"

namespace gongkai::importer {

// One row of a table, in the official order of CellsOf(edition).
struct RowSpec {
  std::string table;  // "二", "三", "四"
  int table_bit = 0;  // kTable2 …
  std::string path;   // official row label ("三、本年度办理结果/（一）予以公开")
  int leaf = -1;      // label id of the row's last level ("（一）予以公开")
  std::vector<int> cells;  // indices into CellsOf(edition)
};

std::vector<RowSpec> RowsOf(v1::Edition edition);

// The row whose leaf label is `label`; -1 if none.
int RowWithLeaf(const std::vector<RowSpec>& rows, int label, int table_bit);

// A row of the edition whose leaf core contains the core `core` or is contained in it, when
// exactly one does (a row label of the other edition: "规范性文件" for "行政规范性文件").
int RowByContainment(const std::vector<RowSpec>& rows, int core, int table_bit);

// A pseudo-row covering every cell of a table, in order.
RowSpec WholeTable(const std::vector<RowSpec>& rows, int table_bit);

// The contents of one cell position after a row label.
struct Slot {
  bool empty = false;  // nothing written between two separators
  std::string run;     // the values written: digits ("-3", "24252.311082"), '_' for a dash
  Unit unit = Unit::kNone;
};

struct RowValues {
  std::vector<Slot> slots;
  bool at_eof = false;  // the text ended before the next label
  int end = 0;          // text position after the last value
  int Count() const;    // slots that are not empty
};

// Collects the cell positions after the label token `label_index`, up to the next label,
// heading or sentence.
RowValues CollectSlots(const Text& text, const std::vector<Token>& tokens, size_t label_index,
                       bool text_ends);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_ROWS_H_
