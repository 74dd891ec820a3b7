// What the importer could not read, or read with doubt. Part of the public API (parser.h).
#ifndef GONGKAI_IMPORTER_DIAGNOSTIC_H_
#define GONGKAI_IMPORTER_DIAGNOSTIC_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gongkai/v1/report_service.pb.h"

namespace gongkai::importer {

struct Diagnostic {
  enum class Kind {
    kNoTables,             // no tables found: only metadata and narrative were read
    kEditionFromCitation,  // no table headers; edition taken from the cited format document
    kEditionUnknown,       // neither headers nor a citation tell the edition
    kEditionMixed,         // headers of both editions; the majority was used
    kYearNotFound,         // no reporting year in the title or text
    kSectionMissing,       // a section heading was not found
    kRowMissing,           // a table row was not found; its cells are blank
    kTruncated,            // the text ends inside a table; the cells not reached are blank
    kLabelCorrected,       // a label read through a typo or variant ("行政法复议")
    kAmbiguousSplit,       // a run of digits splits validly in several ways: differing cells '?'
    kImpossibleSplit,      // a run of digits has no valid split: its cells are '?'
    kRulesDropped,         // a run could only be split by ignoring the rules R1–R4
    kSplitTooLarge,        // too many splits to examine: the run's cells are '?'
    kValueCountMismatch,   // a row has more or fewer values than cells
    kUnreadableValue,      // a value that is not a valid cell (e.g. "1.5" as a count)
    kMoneyUnitMissing,     // an amount with no unit anywhere: '?'
    kNegativeCount,        // a negative value outside 本年增/减
    kRuleViolation,        // the cells read break one of R1–R4
    kRuleUncheckable,      // one side of R1–R4 is wholly blank, the other filled: not checked
    kDuplicateRow,         // a row printed twice with values; the first was used
    kInputTooLarge,        // the input was cut to the size limit
  };
  enum class Severity { kInfo, kWarning, kError };

  Kind kind = Kind::kNoTables;
  Severity severity = Severity::kWarning;
  // One line, English, quoting the official labels.
  std::string message;
  // The cell concerned (a Report field path), when there is one.
  std::string field_path;
  // For ambiguous splits: each valid split of the run, as "label=value, …".
  std::vector<std::string> alternatives;
};

// The stable name of a kind ("ambiguous-split").
absl::string_view KindName(Diagnostic::Kind kind);

// One line: "warning: ambiguous-split: <message> [field_path] {alt1 | alt2 | …}".
std::string FormatDiagnostic(const Diagnostic& diagnostic);

// The diagnostic as the API carries it (ParseReport, `gongkai parse --output json`).
v1::ParseDiagnostic ToProto(const Diagnostic& diagnostic);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_DIAGNOSTIC_H_
