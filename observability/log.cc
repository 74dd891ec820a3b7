#include "observability/log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gongkai {

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

Logger::Logger(std::string program, Format format, std::ostream* out)
    : program_(std::move(program)), format_(format), out_(out) {}

bool Logger::ParseFormat(absl::string_view text, Format* format) {
  if (text == "json") {
    *format = Format::kJson;
    return true;
  }
  if (text == "text") {
    *format = Format::kText;
    return true;
  }
  return false;
}

void Logger::Info(absl::string_view message, std::initializer_list<Field> fields) {
  Log("info", message, fields);
}
void Logger::Warning(absl::string_view message, std::initializer_list<Field> fields) {
  Log("warning", message, fields);
}
void Logger::Error(absl::string_view message, std::initializer_list<Field> fields) {
  Log("error", message, fields);
}

void Logger::Log(absl::string_view level, absl::string_view message,
                 std::initializer_list<Field> fields) {
  Log(level, message, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void Logger::Log(absl::string_view level, absl::string_view message,
                 absl::Span<const Field> fields) {
  const std::string time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", absl::Now(), absl::LocalTimeZone());
  std::string line;
  if (format_ == Format::kJson) {
    line = absl::StrCat("{\"time\":\"", time, "\",\"level\":\"", level, "\",\"program\":\"",
                        program_, "\",\"msg\":\"", JsonEscape(message), "\"");
    for (const auto& [key, value] : fields) {
      absl::StrAppend(&line, ",\"", key, "\":\"", JsonEscape(value), "\"");
    }
    line += "}";
  } else {
    line = absl::StrCat(program_, ": ", message);
    for (const auto& [key, value] : fields) absl::StrAppend(&line, " ", key, "=", value);
  }
  absl::MutexLock lock(&mu_);
  *out_ << line << std::endl;
}

bool LogBudget::Admit(absl::string_view kind, absl::Time now, int64_t* left_out) {
  *left_out = 0;
  if (lines_per_second_ <= 0) return true;
  absl::MutexLock lock(&mu_);
  Window& window = windows_[kind];
  // A time before the window's start is a thread that read the clock just before another
  // opened the window (it stays in it), or a clock set back by a second or more (a new one).
  if (window.written == 0 || now - window.start >= absl::Seconds(1) ||
      window.start - now >= absl::Seconds(1)) {
    window.start = now;
    window.written = 0;
  }
  if (window.written >= lines_per_second_) {
    ++window.left_out;
    return false;
  }
  ++window.written;
  *left_out = window.left_out;
  window.left_out = 0;
  return true;
}

}  // namespace gongkai
