// Published reports as files (issue 16): the six samples as .docx and as PDF (made by
// tests/testdata/files/make_fixtures.py in the official layout: merged headers, blank cells,
// an amount in 元), and two as pictures, each parse to the same cells as their text; files are
// told apart by content; corrupt, encrypted, unknown and over-limit files are refused clearly.
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/files/files.h"
#include "tests/importer/importer_test_util.h"
#include "tests/test_util.h"

namespace gongkai::importer {
namespace {

using ::testing::HasSubstr;

std::string File(const std::string& name) {
  return testing::ReadFile(testing::TestData("files/" + name));
}

constexpr const char* kSamples[] = {
    "2019_prov_shanghai-szfbgt",
    "2019_town_yishi",
    "2020_town_liangcheng-weishan",
    "2021_pref_pingtan",
    "2022_dept-zone_gaoxin-shehuifazhanju",
    "2023_street_guanzhou-haizhu",
};

void ExpectCells(const std::string& file, const std::string& sample, MediaType type) {
  SCOPED_TRACE(file);
  const std::string bytes = File(file);
  EXPECT_EQ(DetectMediaType(bytes), type);
  absl::StatusOr<ParseResult> result = ParseFile(bytes, "");
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string expected = File(sample + ".expected.tsv");
  const std::string actual = FormatParsedCells(*result);
  EXPECT_EQ(actual, expected) << LineDiff(actual, expected) << Diagnostics(*result);
}

TEST(ImporterFiles, ReadsEverySampleAsWord) {
  for (const char* sample : kSamples) {
    ExpectCells(std::string(sample) + ".docx", sample, MediaType::kDocx);
  }
}

TEST(ImporterFiles, ReadsEverySampleAsPdf) {
  for (const char* sample : kSamples) {
    ExpectCells(std::string(sample) + ".pdf", sample, MediaType::kPdf);
  }
}

// The text versions agree with the files wherever the text was certain.
TEST(ImporterFiles, FilesAgreeWithTheTextVersions) {
  for (const char* sample : kSamples) {
    SCOPED_TRACE(sample);
    const std::string text =
        testing::ReadFile(testing::TestData(std::string("samples/") + sample + ".tsv"));
    const std::string file = File(std::string(sample) + ".expected.tsv");
    std::vector<std::string> a = absl::StrSplit(text, '\n');
    std::vector<std::string> b = absl::StrSplit(file, '\n');
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      if (!absl::EndsWith(a[i], "\t?")) {
        EXPECT_EQ(a[i], b[i]);
      }
    }
  }
}

// The title in a text box and table 三 nested in a layout table's cell read as the report does.
TEST(ImporterFiles, ReadsTextBoxesAndNestedTables) {
  const std::string text = ExtractText(File("structures.docx"), "")->text;
  EXPECT_THAT(text, HasSubstr("高新区社会发展局2022年政府信息公开工作年度报告"));
  ExpectCells("structures.docx", "2022_dept-zone_gaoxin-shehuifazhanju", MediaType::kDocx);
}

// Tables as pictures, read by OCR: a long picture of a whole report, and a scanned PDF (pages
// without text). Each parses to the same cells as its text version.
TEST(ImporterFiles, ReadsTablesFromPictures) {
  ExpectCells("2023_street_guanzhou-haizhu.png", "2023_street_guanzhou-haizhu", MediaType::kPng);
  ExpectCells("2021_pref_pingtan.scan.pdf", "2021_pref_pingtan", MediaType::kPdf);
}

// A number read by OCR that breaks R1–R4 is not trusted: the rule's cells are '?', never the
// misread value.
TEST(ImporterFiles, DistrustsNumbersReadByOcrThatBreakARule) {
  absl::StatusOr<ParseResult> r = ParseFile(File("ocr_rule_broken.png"), "");
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string cells = FormatParsedCells(*r);
  EXPECT_THAT(cells, HasSubstr("一、本年新收政府信息公开申请数量\t总计\t?\n"));
  EXPECT_THAT(cells, HasSubstr("一、本年新收政府信息公开申请数量\t自然人\t?\n"));
  EXPECT_THAT(cells, HasSubstr("二、上年结转政府信息公开申请数量\t总计\t0\n"));
  EXPECT_THAT(Diagnostics(*r), HasSubstr("read by OCR, the cells of rule R3"));
}

TEST(ImporterFiles, RefusesABrokenPicture) {
  const std::string png = File("2023_street_guanzhou-haizhu.png");
  absl::StatusOr<ParseResult> r = ParseFile(png.substr(0, 40), "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  FileLimits limits;
  limits.max_image_pixels = 1000;
  r = ParseFile(png, "", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("pixels"));
}

TEST(ImporterFiles, ReadsTheAmountInYuanFromTheHeader) {
  const std::string text = ExtractText(File("2021_pref_pingtan.docx"), "")->text;
  EXPECT_THAT(text, HasSubstr("本年收费金额（单位：元）"));
  EXPECT_THAT(text, HasSubstr("242523110.82"));
  absl::StatusOr<ParseResult> result = ParseFile(File("2021_pref_pingtan.docx"), "");
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(FormatParsedCells(*result), HasSubstr("本年收费金额（单位：万元）\t24252.311082"));
}

TEST(ImporterFiles, TellsTypesByContentNotByName) {
  EXPECT_EQ(DetectMediaType("%PDF-1.7\n"), MediaType::kPdf);
  EXPECT_EQ(DetectMediaType(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)),
            MediaType::kLegacyWord);
  EXPECT_EQ(DetectMediaType(std::string("\x89PNG\r\n\x1A\n", 8)), MediaType::kPng);
  EXPECT_EQ(DetectMediaType("\xFF\xD8\xFF\xE0"), MediaType::kJpeg);
  EXPECT_EQ(DetectMediaType("二、主动公开政府信息情况"), MediaType::kText);
  EXPECT_EQ(DetectMediaType("\xEF\xBB\xBF<html>"), MediaType::kText);
  EXPECT_EQ(DetectMediaType(std::string("PK\x03\x04 other.txt", 15)), MediaType::kUnknown);
  EXPECT_EQ(DetectMediaType("\xB6\xFE\xA1\xA2"), MediaType::kUnknown);  // GBK text
  EXPECT_EQ(MediaTypeFromName("application/pdf"), MediaType::kPdf);
  EXPECT_EQ(MediaTypeFromName("text/html; charset=utf-8"), MediaType::kText);
  EXPECT_EQ(MediaTypeFromName("DOCX"), MediaType::kDocx);
  EXPECT_EQ(MediaTypeFromName("application/zip"), std::nullopt);
}

TEST(ImporterFiles, RefusesAFileThatIsNotWhatItIsDeclared) {
  absl::StatusOr<ParseResult> r = ParseFile(File("2019_town_yishi.pdf"), "application/msword");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("declared application/msword but its content is PDF"));
  EXPECT_TRUE(ParseFile(File("2019_town_yishi.pdf"), "application/pdf").ok());
  r = ParseFile(File("2019_town_yishi.pdf"), "application/x-unknown");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("unknown media type"));
}

TEST(ImporterFiles, RefusesCorruptEncryptedAndUnknownFiles) {
  absl::StatusOr<ParseResult> r = ParseFile(File("corrupt.docx"), "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("not a complete ZIP archive"));

  r = ParseFile(File("encrypted.pdf"), "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("password"));

  const std::string pdf = File("2019_town_yishi.pdf");
  r = ParseFile(pdf.substr(0, pdf.size() / 3), "");
  EXPECT_FALSE(r.ok());

  r = ParseFile(std::string("\x89PNG\r\n\x1A\n....", 12), "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("picture cannot be read"));

  r = ParseFile(std::string("PK\x03\x04 other.txt", 15), "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("not a Word document"));

  r = ParseFile("", "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);

  // A Word document that is not a report parses, with the diagnostics of a text without tables.
  r = ParseFile(File("not_a_report.docx"), "");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_tables);
}

TEST(ImporterFiles, KeepsToItsLimits) {
  const std::string docx = File("2019_town_yishi.docx");
  FileLimits limits;
  limits.max_bytes = docx.size() - 1;
  EXPECT_EQ(ParseFile(docx, "", limits).status().code(), absl::StatusCode::kResourceExhausted);
  limits = FileLimits();
  limits.max_unpacked_bytes = 1000;
  absl::StatusOr<ParseResult> r = ParseFile(docx, "", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("word/document.xml"));
  limits = FileLimits();
  limits.max_pages = 1;
  r = ParseFile(File("2019_town_yishi.pdf"), "", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("pages"));
}

TEST(ImporterFiles, KeepsOcrToItsLimits) {
  const std::string scan = File("2021_pref_pingtan.scan.pdf");
  FileLimits limits;
  limits.max_ocr_pages = 1;  // it has two pages without text
  absl::StatusOr<ParseResult> r = ParseFile(scan, "", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("pages without text"));
  limits = FileLimits();
  limits.deadline = absl::Now() - absl::Seconds(1);  // the caller has gone
  r = ParseFile(scan, "", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  limits = FileLimits();
  limits.max_ocr_time = absl::Milliseconds(1);
  r = ParseFile(File("2023_street_guanzhou-haizhu.png"), "", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("the limit for a page"));
  limits = FileLimits();
  limits.max_words = 50;
  r = ParseFile(File("2019_town_yishi.pdf"), "", limits);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("words"));
}

// Diagnostics about a cell say where its row is in the file.
TEST(ImporterFiles, DiagnosticsNameThePageAndTable) {
  absl::StatusOr<ParseResult> r = ParseFile(File("2023_street_guanzhou-haizhu.pdf"), "");
  ASSERT_TRUE(r.ok());
  bool located = false;
  for (const Diagnostic& d : r->diagnostics) {
    located = located || (!d.field_path.empty() && absl::StrContains(d.message, "(page "));
  }
  EXPECT_TRUE(located) << Diagnostics(*r);
}

// .doc/.wps go through LibreOffice, which is optional: without it the error says what is
// missing; with it the legacy file reads like its .docx.
TEST(ImporterFiles, ReadsALegacyWordFileWithLibreOfficeOrSaysWhatIsMissing) {
  const std::string doc = File("legacy.doc");
  EXPECT_EQ(DetectMediaType(doc), MediaType::kLegacyWord);
  absl::StatusOr<ParseResult> r = ParseFile(doc, "");
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(r.status().message(), HasSubstr("LibreOffice"));
    GTEST_SKIP() << "LibreOffice is not installed: " << r.status();
  }
  EXPECT_EQ(FormatParsedCells(*r), File("2023_street_guanzhou-haizhu.expected.tsv"));
}

}  // namespace
}  // namespace gongkai::importer
