#include "importer/diagnostic.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gongkai::importer {

absl::string_view KindName(Diagnostic::Kind kind) {
  using Kind = Diagnostic::Kind;
  switch (kind) {
    case Kind::kNoTables:
      return "no-tables";
    case Kind::kEditionFromCitation:
      return "edition-from-citation";
    case Kind::kEditionUnknown:
      return "edition-unknown";
    case Kind::kEditionMixed:
      return "edition-mixed";
    case Kind::kYearNotFound:
      return "year-not-found";
    case Kind::kSectionMissing:
      return "section-missing";
    case Kind::kRowMissing:
      return "row-missing";
    case Kind::kTruncated:
      return "truncated";
    case Kind::kLabelCorrected:
      return "label-corrected";
    case Kind::kAmbiguousSplit:
      return "ambiguous-split";
    case Kind::kImpossibleSplit:
      return "impossible-split";
    case Kind::kRulesDropped:
      return "rules-dropped";
    case Kind::kSplitTooLarge:
      return "split-too-large";
    case Kind::kValueCountMismatch:
      return "value-count-mismatch";
    case Kind::kUnreadableValue:
      return "unreadable-value";
    case Kind::kMoneyUnitMissing:
      return "money-unit-missing";
    case Kind::kNegativeCount:
      return "negative-count";
    case Kind::kRuleViolation:
      return "rule-violation";
    case Kind::kRuleUncheckable:
      return "rule-uncheckable";
    case Kind::kDuplicateRow:
      return "duplicate-row";
    case Kind::kInputTooLarge:
      return "input-too-large";
  }
  return "unknown";
}

std::string FormatDiagnostic(const Diagnostic& diagnostic) {
  using Severity = Diagnostic::Severity;
  const char* severity = diagnostic.severity == Severity::kError     ? "error"
                         : diagnostic.severity == Severity::kWarning ? "warning"
                                                                     : "info";
  std::string line =
      absl::StrCat(severity, ": ", KindName(diagnostic.kind), ": ", diagnostic.message);
  if (!diagnostic.field_path.empty()) absl::StrAppend(&line, " [", diagnostic.field_path, "]");
  if (!diagnostic.alternatives.empty()) {
    absl::StrAppend(&line, " {", absl::StrJoin(diagnostic.alternatives, " | "), "}");
  }
  // One line, whatever the message quotes.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

v1::ParseDiagnostic ToProto(const Diagnostic& diagnostic) {
  v1::ParseDiagnostic out;
  out.set_kind(std::string(KindName(diagnostic.kind)));
  out.set_severity(diagnostic.severity == Diagnostic::Severity::kError     ? "error"
                   : diagnostic.severity == Diagnostic::Severity::kWarning ? "warning"
                                                                           : "info");
  out.set_message(diagnostic.message);
  out.set_field_path(diagnostic.field_path);
  for (const std::string& alternative : diagnostic.alternatives) out.add_alternatives(alternative);
  return out;
}

}  // namespace gongkai::importer
