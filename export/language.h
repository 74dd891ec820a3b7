// The language of what people read (Chinese by default, English on request): the reviewer's
// page and the CLI's human-readable output. Official labels, error codes and field names are
// never translated.
#ifndef GONGKAI_EXPORT_LANGUAGE_H_
#define GONGKAI_EXPORT_LANGUAGE_H_

namespace gongkai::exports {

enum class Language { kChinese, kEnglish };

// A text in both languages.
struct Text {
  const char* zh;
  const char* en;
  const char* In(Language language) const { return language == Language::kEnglish ? en : zh; }
};

}  // namespace gongkai::exports

#endif  // GONGKAI_EXPORT_LANGUAGE_H_
