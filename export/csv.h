// The report as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold
// a comma, a quote or a line break, quotes doubled), UTF-8, by default with a byte-order mark
// because Excel as installed in China opens UTF-8 CSV correctly only with one.
//
// Layout, one record per line, sections one after another with no blank lines:
//
//   table,row,value                                ← metadata section
//   元数据,格式版本,2019
//   元数据,年度,2019
//   元数据,标题,…                                  (区划代码, 机关代码, 范围, 标题, 发布机关,
//                                                   发布日期, 来源: only when set)
//   table,row,本年新制作数量,本年新公开数量,对外公开总数量   ← a header record whenever the
//   二,第二十条第（一）项/规章,0,0,0                          table or its columns change
//   二,第二十条第（一）项/规范性文件,0,0,0
//   table,row,上一年项目数量,本年增/减,处理决定数量
//   …
//   table,row,自然人,商业企业,科研机构,社会公益组织,法律服务机构,其他,总计
//   三,一、本年新收政府信息公开申请数量,2,,,,,,2
//   …
//   table,row,结果维持,结果纠正,其他结果,尚未审结,总计
//   四,行政复议,0,0,0,0,0
//   四,行政诉讼/未经复议直接起诉,0,0,0,0,0
//
// `table` is 二/三/四 (元数据 for metadata); `row` is the official row label path joined by
// '/', exactly as in the cells output; values are as in the cells output: counts as integers
// (本年增/减 may be negative), money in 万元 with trailing zeros trimmed, "" blank (never 0),
// "?" uncertain.
#ifndef GONGKAI_EXPORT_CSV_H_
#define GONGKAI_EXPORT_CSV_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"

namespace gongkai::exports {

// Returns the report in the layout above; with `byte_order_mark`, preceded by U+FEFF.
std::string FormatCsv(const v1::Report& report, bool byte_order_mark);

// Returns one CSV record (no line end) of the fields, quoted as RFC 4180 requires.
std::string CsvRecord(const std::vector<std::string>& fields);

// Splits one CSV record (RFC 4180 quoting; the record holds no line break) into its fields;
// a trailing CR is dropped.
std::vector<std::string> ParseCsvRecord(absl::string_view line);

}  // namespace gongkai::exports

#endif  // GONGKAI_EXPORT_CSV_H_
