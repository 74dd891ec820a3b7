// Helpers shared by the importer's tests: readable failures for cells and diagnostics.
#ifndef GONGKAI_TESTS_IMPORTER_IMPORTER_TEST_UTIL_H_
#define GONGKAI_TESTS_IMPORTER_IMPORTER_TEST_UTIL_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "importer/parser.h"

namespace gongkai::importer {

// Every diagnostic of a parse, one a line.
inline std::string Diagnostics(const ParseResult& result) {
  std::string out;
  for (const Diagnostic& d : result.diagnostics) out += FormatDiagnostic(d) + "\n";
  return out;
}

// The lines that differ, for a readable failure.
inline std::string LineDiff(const std::string& actual, const std::string& expected) {
  std::vector<std::string> a = absl::StrSplit(actual, '\n');
  std::vector<std::string> e = absl::StrSplit(expected, '\n');
  std::string out;
  for (size_t i = 0; i < std::max(a.size(), e.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "<none>";
    const std::string y = i < e.size() ? e[i] : "<none>";
    if (x != y) out += "line " + std::to_string(i + 1) + ": got [" + x + "] want [" + y + "]\n";
  }
  return out;
}

}  // namespace gongkai::importer

#endif  // GONGKAI_TESTS_IMPORTER_IMPORTER_TEST_UTIL_H_
