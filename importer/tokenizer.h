// Splits the table part of a report into tokens: cell separators, labels (matched on the
// schema's label cores), numbers (with a money unit when one is written), blank markers
// (—, -, /, 无), headings, and other text. Labels and numbers that sit inside a sentence are
// flagged as narrative so that "共计行政处罚3起" never becomes a cell.
#ifndef GONGKAI_IMPORTER_TOKENIZER_H_
#define GONGKAI_IMPORTER_TOKENIZER_H_

#include <string>
#include <vector>

#include "importer/sections.h"
#include "importer/text.h"

namespace gongkai::importer {

enum class TokenType { kSep, kLabel, kNumber, kMarker, kText, kHeading };
enum class Unit { kNone, kWanYuan, kYuan };

struct Token {
  TokenType type = TokenType::kText;
  int begin = 0;  // [begin, end) in the text
  int end = 0;
  // kSep: how many cell boundaries it stands for ("|\n|" is two, "\n\t" is one).
  int weight = 0;
  // kLabel: the matched core, the numbering written before it, whether it was a fuzzy match.
  int core = -1;
  std::u32string numbering;
  bool fuzzy = false;
  // kNumber: ASCII digits with an optional '-' and '.'; the money unit written with it.
  std::string number;
  Unit unit = Unit::kNone;
  // kNumber: part of a sentence, not a cell.
  bool narrative = false;
  // kHeading: the section number.
  int heading = 0;
};

// More tokens than any report's tables hold (a real report's tables make a few thousand): a text
// with more in its tables' part is not read as a report (it would take memory and time in
// proportion, with nothing to gain: a probe of 4 MB of digits took 950 MB).
inline constexpr size_t kMaxTableTokens = 50'000;

// Tokenises text[begin, end). `headings` (any order) become kHeading tokens where they fall
// inside the range. Stops after kMaxTableTokens + 1 tokens (the result is then longer than
// kMaxTableTokens, and not post-processed).
std::vector<Token> Tokenize(const Text& text, int begin, int end,
                            const std::vector<Heading>& headings);

// The unit written in text[begin, end) ("万元" or "元"), if any.
Unit UnitIn(const Text& text, int begin, int end);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_TOKENIZER_H_
