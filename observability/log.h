// Structured logs: one JSON object per line on stderr (or plain text for a terminal), with a
// time, a level, a message and fields such as the request id. Thread-safe.
#ifndef GONGKAI_OBSERVABILITY_LOG_H_
#define GONGKAI_OBSERVABILITY_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

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
  void Log(absl::string_view level, absl::string_view message, absl::Span<const Field> fields);

  // "json" or "text"; nullopt-like false for anything else.
  static bool ParseFormat(absl::string_view text, Format* format);

 private:
  const std::string program_;
  const Format format_;
  absl::Mutex mu_;
  std::ostream* out_ ABSL_GUARDED_BY(mu_);
};

// Bounds how many lines of each kind are written: at most `lines_per_second` of a kind in each
// second, counted from that kind's first line of the second. A flood of one kind (a client
// asking thousands of times a second for a rollup that is not ready) then cannot drown the
// log, or slow the server writing it, while other kinds keep being written. What is left out
// is counted and handed to the next line of its kind (the count of a flood's last second
// appears only when that kind comes again). Thread-safe.
class LogBudget {
 public:
  // 0 or less: no bound.
  explicit LogBudget(int lines_per_second) : lines_per_second_(lines_per_second) {}

  // Whether a line of `kind` may be written at `now`. When it may, `*left_out` is how many
  // lines of that kind were left out since the last one written.
  bool Admit(absl::string_view kind, absl::Time now, int64_t* left_out);

 private:
  struct Window {
    absl::Time start;
    int written = 0;
    int64_t left_out = 0;
  };
  const int lines_per_second_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

// Escapes a string for a JSON string literal (without the quotes).
std::string JsonEscape(absl::string_view text);

}  // namespace gongkai

#endif  // GONGKAI_OBSERVABILITY_LOG_H_
