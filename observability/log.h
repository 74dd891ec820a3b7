// Structured logs: one JSON object per line on stderr (or plain text for a terminal), with a
// time, a level, a message and fields such as the request id. Thread-safe.
#ifndef GONGKAI_OBSERVABILITY_LOG_H_
#define GONGKAI_OBSERVABILITY_LOG_H_

#include <initializer_list>
#include <ostream>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace gongkai {

class Logger {
 public:
  enum class Format { kJson, kText };
  using Field = std::pair<absl::string_view, std::string>;

  // Writes to `out` (which must outlive the logger) under the name `program`.
  Logger(std::string program, Format format, std::ostream* out);

  void Info(absl::string_view message, std::initializer_list<Field> fields = {});
  void Warning(absl::string_view message, std::initializer_list<Field> fields = {});
  void Error(absl::string_view message, std::initializer_list<Field> fields = {});
  void Log(absl::string_view level, absl::string_view message, std::initializer_list<Field> fields);

  // "json" or "text"; nullopt-like false for anything else.
  static bool ParseFormat(absl::string_view text, Format* format);

 private:
  const std::string program_;
  const Format format_;
  absl::Mutex mu_;
  std::ostream* out_ ABSL_GUARDED_BY(mu_);
};

// Escapes a string for a JSON string literal (without the quotes).
std::string JsonEscape(absl::string_view text);

}  // namespace gongkai

#endif  // GONGKAI_OBSERVABILITY_LOG_H_
