// .docx: word/document.xml read from the ZIP (libzip) and walked as XML (libxml2). Tables are
// read by their structure: one line per w:tr, one " |"-ended cell per w:tc, a horizontally
// merged cell (w:gridSpan) once, the continuation of a vertically merged cell (w:vMerge
// without "restart") not repeated — as the importer reads an HTML table with colspan and
// rowspan; a nested table's rows follow the row that holds it; text boxes (w:txbxContent) and
// content controls (w:sdt) are read where they stand; deleted text and field codes are not.
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "importer/files/files.h"

namespace gongkai::importer {
namespace {

constexpr char kWordNs[] = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
constexpr char kCompatNs[] = "http://schemas.openxmlformats.org/markup-compatibility/2006";

bool Is(const xmlNode* node, const char* ns, const char* name) {
  return node->type == XML_ELEMENT_NODE && node->ns != nullptr && node->ns->href != nullptr &&
         std::strcmp(reinterpret_cast<const char*>(node->ns->href), ns) == 0 &&
         std::strcmp(reinterpret_cast<const char*>(node->name), name) == 0;
}
bool IsW(const xmlNode* node, const char* name) { return Is(node, kWordNs, name); }

const xmlNode* Child(const xmlNode* node, const char* name) {
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (IsW(c, name)) return c;
  }
  return nullptr;
}

// The w:val attribute, or "" when absent.
std::string Val(const xmlNode* node) {
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (std::strcmp(reinterpret_cast<const char*>(a->name), "val") != 0) continue;
    xmlChar* v = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
    std::string out = v != nullptr ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return out;
  }
  return "";
}

class Walker {
 public:
  ExtractedText Run(const xmlNode* body) {
    result_.type = MediaType::kDocx;
    Blocks(body, &result_.text);
    return std::move(result_);
  }

 private:
  // Block-level content: paragraphs, tables, and the wrappers around them.
  void Blocks(const xmlNode* parent, std::string* out) {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (IsW(c, "p")) {
        Paragraph(c, out);
      } else if (IsW(c, "tbl")) {
        Table(c, out);
      } else if (Is(c, kCompatNs, "Fallback") || IsW(c, "del") || IsW(c, "sectPr")) {
        continue;
      } else {
        Blocks(c, out);  // w:sdt, w:sdtContent, w:customXml, w:ins, mc:AlternateContent, …
      }
    }
  }

  void Paragraph(const xmlNode* p, std::string* out) {
    std::string line;
    std::vector<const xmlNode*> boxes;
    Inline(p, &line, &boxes);
    *out += line;
    *out += '\n';
    for (const xmlNode* box : boxes) Blocks(box, out);
  }

  // The text of runs, hyperlinks, insertions and fields' results; text boxes set aside.
  void Inline(const xmlNode* parent, std::string* line, std::vector<const xmlNode*>* boxes) {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (IsW(c, "t")) {
        xmlChar* v = xmlNodeGetContent(c);
        if (v != nullptr) *line += reinterpret_cast<const char*>(v);
        xmlFree(v);
      } else if (IsW(c, "tab") || IsW(c, "br") || IsW(c, "cr")) {
        *line += ' ';
      } else if (IsW(c, "txbxContent")) {
        boxes->push_back(c);
      } else if (IsW(c, "del") || IsW(c, "delText") || IsW(c, "instrText") || IsW(c, "rPr") ||
                 IsW(c, "pPr") || Is(c, kCompatNs, "Fallback")) {
        continue;
      } else {
        Inline(c, line, boxes);
      }
    }
  }

  void Table(const xmlNode* tbl, std::string* out) {
    if (depth_ == 0) {
      ++tables_;
      result_.anchors.push_back({Offset(out), 0, tables_});
    }
    ++depth_;
    Rows(tbl, out);
    --depth_;
    if (depth_ == 0) result_.anchors.push_back({Offset(out), 0, 0});
  }

  size_t Offset(const std::string* out) const {
    return out == &result_.text ? result_.text.size() : result_.text.size() + out->size();
  }

  void Rows(const xmlNode* parent, std::string* out) {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (IsW(c, "tr")) {
        std::string line;
        std::string nested;
        Cells(c, &line, &nested);
        *out += line;
        *out += '\n';
        *out += nested;
      } else if (IsW(c, "sdt") || IsW(c, "sdtContent") || IsW(c, "customXml") || IsW(c, "ins")) {
        Rows(c, out);
      }
    }
  }

  void Cells(const xmlNode* parent, std::string* line, std::string* nested) {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (IsW(c, "tc")) {
        const xmlNode* props = Child(c, "tcPr");
        const xmlNode* vmerge = props != nullptr ? Child(props, "vMerge") : nullptr;
        if (vmerge != nullptr && Val(vmerge) != "restart") continue;  // rowspan continued
        std::string text;
        CellText(c, &text, nested);
        *line += std::string(absl::StripAsciiWhitespace(text));
        *line += " |";
      } else if (IsW(c, "sdt") || IsW(c, "sdtContent") || IsW(c, "customXml")) {
        Cells(c, line, nested);
      }
    }
  }

  // A cell's paragraphs joined by spaces (labels are matched without whitespace, numbers stay
  // apart); its nested tables' rows go to `nested`, after the row.
  void CellText(const xmlNode* parent, std::string* text, std::string* nested) {
    for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (IsW(c, "p")) {
        std::string p;
        std::vector<const xmlNode*> boxes;
        Inline(c, &p, &boxes);
        if (!text->empty() && !p.empty()) *text += ' ';
        *text += p;
        for (const xmlNode* box : boxes) CellText(box, text, nested);
      } else if (IsW(c, "tbl")) {
        ++depth_;
        Rows(c, nested);
        --depth_;
      } else if (IsW(c, "sdt") || IsW(c, "sdtContent") || IsW(c, "customXml")) {
        CellText(c, text, nested);
      }
    }
  }

  ExtractedText result_;
  int tables_ = 0;
  int depth_ = 0;
};

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

absl::Status Corrupt(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("the Word document (.docx) cannot be read: ", why));
}

// word/document.xml, inflated, at most limits.max_unpacked_bytes.
absl::StatusOr<std::string> DocumentXml(absl::string_view bytes, const FileLimits& limits) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) return Corrupt(zip_error_strerror(&error));
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open_from_source(source, ZIP_RDONLY, &error));
  if (archive == nullptr) {
    zip_source_free(source);
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Corrupt(absl::StrCat("not a complete ZIP archive (", why, ")"));
  }
  const zip_int64_t index = zip_name_locate(archive.get(), "word/document.xml", 0);
  if (index < 0) return Corrupt("no word/document.xml in the archive");
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive.get(), index, 0, &stat) != 0) {
    return Corrupt(zip_strerror(archive.get()));
  }
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE) {
    return absl::InvalidArgumentError("the Word document (.docx) is encrypted");
  }
  if ((stat.valid & ZIP_STAT_SIZE) && stat.size > limits.max_unpacked_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the Word document's text (word/document.xml) is ", stat.size,
                     " bytes unpacked, over the limit of ", limits.max_unpacked_bytes));
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), index, 0));
  if (file == nullptr) return Corrupt(zip_strerror(archive.get()));
  std::string xml;
  char buffer[1 << 16];
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
    if (n < 0) return Corrupt(zip_file_strerror(file.get()));
    if (n == 0) break;
    xml.append(buffer, static_cast<size_t>(n));
    if (xml.size() > limits.max_unpacked_bytes) {  // the size in the archive may lie
      return absl::ResourceExhaustedError(
          absl::StrCat("the Word document's text (word/document.xml) is over the limit of ",
                       limits.max_unpacked_bytes, " bytes unpacked"));
    }
  }
  return xml;
}

}  // namespace

absl::StatusOr<ExtractedText> DocxText(absl::string_view bytes, const FileLimits& limits) {
  absl::StatusOr<std::string> xml = DocumentXml(bytes, limits);
  if (!xml.ok()) return xml.status();
  // No network, no DTD loading, no entity expansion beyond libxml2's defaults (its limits on
  // entity amplification stay on: XML_PARSE_HUGE is not set).
  std::unique_ptr<xmlDoc, XmlDocFree> doc(
      xmlReadMemory(xml->data(), static_cast<int>(xml->size()), "document.xml", "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (doc == nullptr) return Corrupt("word/document.xml is not well-formed XML");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  const xmlNode* body = root != nullptr && IsW(root, "document") ? Child(root, "body") : nullptr;
  if (body == nullptr) return Corrupt("word/document.xml has no w:document/w:body");
  return Walker().Run(body);
}

}  // namespace gongkai::importer
