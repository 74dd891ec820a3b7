// Finds the six section headings of a report, its title, year and other metadata, and the
// format document it cites. Pure functions of a Text; thread-safe.
#ifndef GONGKAI_IMPORTER_SECTIONS_H_
#define GONGKAI_IMPORTER_SECTIONS_H_

#include <array>
#include <string>
#include <vector>

#include "gongkai/v1/report.pb.h"
#include "importer/text.h"

namespace gongkai::importer {

// One heading occurrence: section `number` (1..6), spanning [begin, end) of the text.
struct Heading {
  int number = 0;
  int begin = 0;
  int end = 0;
};

struct Sections {
  // The heading chosen for each section (index 1..6; number == 0 when not found). Headings
  // are chosen in order, so a section's body runs from its heading's end to the next
  // chosen heading's begin (or the end of the text).
  std::array<Heading, 7> heading;
  // Every heading-like occurrence, including repeats (a label reprinted after a page break).
  std::vector<Heading> all;

  bool found(int number) const { return heading[number].number != 0; }
  // End of the body of section `number` (begin of the next found heading, or text end).
  int BodyEnd(int number, int text_size) const;
};

Sections FindSections(const Text& text);

struct Metadata {
  std::string title;
  int year = 0;  // 0: not found
  std::string publisher;
  std::string publication_date;  // YYYY-MM-DD
  std::string source_url;
};

Metadata FindMetadata(const Text& text, const Sections& sections);

// The edition of the format document the text cites: 〔2021〕30号 -> 2021, 〔2019〕60号 -> 2019
// (2021 when both are cited), unspecified when neither.
v1::Edition CitedEdition(const Text& text);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_SECTIONS_H_
