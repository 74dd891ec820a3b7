// libFuzzer entry point: ParseReport on any bytes must neither crash, hang nor read out of
// bounds (built and run by fuzz.sh with clang's -fsanitize=fuzzer,address).
#include <cstddef>
#include <cstdint>

#include "importer/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const gongkai::importer::ParseResult result =
      gongkai::importer::ParseReport(absl::string_view(reinterpret_cast<const char*>(data), size));
  (void)gongkai::importer::FormatParsedCells(result);
  for (const auto& diagnostic : result.diagnostics) {
    (void)gongkai::importer::FormatDiagnostic(diagnostic);
  }
  return 0;
}
