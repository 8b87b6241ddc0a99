#include "botflow/knowledge/extract.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/xmlreader.h>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <zip.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "botflow/core/error.hpp"

namespace botflow::knowledge {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const char* kFormats =
    "BotFlow reads PDF (with a text layer), Word .docx, plain text, Markdown, CSV and HTML.";

// True when the bytes look like text: no NUL and mostly printable in the first 64 KiB.
bool looks_like_text(std::string_view bytes) {
    auto head = bytes.substr(0, 64 * 1024);
    std::size_t odd = 0;
    for (unsigned char c : head) {
        if (c == 0) return false;
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++odd;
    }
    return odd * 100 <= head.size();  // at most 1% control characters
}

void limit_text(const std::string& text, std::size_t max) {
    if (text.size() > max) {
        throw ExtractError("The document has more than " + std::to_string(max >> 20) +
                           " MB of text; split it into smaller files.");
    }
}

// libxml2 reports to stderr by default; a hostile file must not flood the log.
void quiet_libxml(void*, const char*, ...) {}

struct XmlSetup {
    XmlSetup() {
        xmlInitParser();
        xmlSetGenericErrorFunc(nullptr, quiet_libxml);
    }
};

const XmlSetup& xml_setup() {
    static XmlSetup s;
    return s;
}

// PDF text has no markup: a paragraph that is one short line without closing punctuation
// and with text after it is a heading ("Parking and Directions"); one that is a short question
// is an FAQ entry's heading ("When is the clinic open?").
std::string mark_headings(const std::string& text) {
    std::vector<std::string> paragraphs;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find("\n\n", pos);
        auto p = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        while (!p.empty() && (p.back() == '\n' || p.back() == ' ')) p.pop_back();
        while (!p.empty() && (p.front() == '\n' || p.front() == ' ')) p.erase(0, 1);
        if (!p.empty()) paragraphs.push_back(p);
        if (end == std::string::npos) break;
        pos = end + 2;
    }
    std::string out;
    for (std::size_t i = 0; i < paragraphs.size(); ++i) {
        const auto& p = paragraphs[i];
        bool one_line = p.find('\n') == std::string::npos;
        char first = p.empty() ? ' ' : p.front();
        char last = p.empty() ? ' ' : p.back();
        bool heading = one_line && p.size() >= 3 && p.size() <= 80 && i + 1 < paragraphs.size() &&
                       (std::isupper(static_cast<unsigned char>(first)) ||
                        std::isdigit(static_cast<unsigned char>(first))) &&
                       std::string_view(".,;:!").find(last) == std::string_view::npos;
        if (!out.empty()) out += "\n\n";
        if (heading) out += last == '?' ? "### " : "## ";
        out += p;
    }
    return out;
}

std::string pdf_text(const std::string& path, std::size_t max_text) {
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
    if (!doc) throw ExtractError("This PDF could not be opened; it may be damaged.");
    if (doc->is_locked()) {
        throw ExtractError("This PDF is protected with a password; upload a copy without one.");
    }
    std::string out;
    int pages = doc->pages();
    for (int i = 0; i < pages; ++i) {
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page) continue;
        auto bytes = page->text().to_utf8();
        out.append(bytes.begin(), bytes.end());
        out += "\n\n";
        limit_text(out, max_text);
    }
    bool any = false;
    for (char c : out) {
        if (!std::isspace(static_cast<unsigned char>(c))) {
            any = true;
            break;
        }
    }
    if (!any) {
        throw ExtractError(
            "This PDF has no text layer; it looks like a scan. Upload the original document, "
            "or a PDF made with text recognition (OCR).");
    }
    return mark_headings(out);
}

std::string docx_text(const std::string& path, const ExtractLimits& limits) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
    if (!z) throw ExtractError("This .docx file could not be opened; it may be damaged.");
    std::unique_ptr<zip_t, decltype(&zip_discard)> archive(z, &zip_discard);
    // A zip bomb declares (or unpacks to) far more than any document: refuse it up front.
    zip_int64_t entries = zip_get_num_entries(z, 0);
    if (entries < 0 || entries > 10000) {
        throw ExtractError("This .docx file has too many parts; it may be damaged.");
    }
    std::uint64_t total = 0;
    for (zip_int64_t i = 0; i < entries; ++i) {
        zip_stat_t st;
        if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) == 0 &&
            (st.valid & ZIP_STAT_SIZE)) {
            total += st.size;
        }
    }
    if (total > limits.max_unpacked) {
        throw ExtractError("This .docx file unpacks to more than " +
                           std::to_string(limits.max_unpacked >> 20) +
                           " MB; it is not an ordinary document.");
    }
    zip_stat_t st;
    if (zip_stat(z, "word/document.xml", 0, &st) != 0) {
        throw ExtractError("This file is not a Word document (no word/document.xml inside).");
    }
    zip_file_t* f = zip_fopen(z, "word/document.xml", 0);
    if (!f) throw ExtractError("This .docx file could not be read; it may be damaged.");
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(f, &zip_fclose);
    std::string xml;
    char buf[64 * 1024];
    for (;;) {
        auto n = zip_fread(f, buf, sizeof buf);
        if (n < 0) throw ExtractError("This .docx file could not be read; it may be damaged.");
        if (n == 0) break;
        xml.append(buf, static_cast<std::size_t>(n));
        if (xml.size() > limits.max_unpacked) {  // the declared size lied
            throw ExtractError("This .docx file unpacks to more than " +
                               std::to_string(limits.max_unpacked >> 20) + " MB.");
        }
    }
    return extract_docx_xml(xml, limits.max_text);
}

// Block-level HTML elements: their text starts on a new line.
bool is_block(std::string_view name) {
    static const char* blocks[] = {
        "p",  "div", "section", "article", "header",     "footer",  "main",   "aside",      "nav",
        "ul", "ol",  "li",      "table",   "tr",         "br",      "hr",     "blockquote", "pre",
        "dl", "dt",  "dd",      "figure",  "figcaption", "address", "form",   "fieldset",   "h1",
        "h2", "h3",  "h4",      "h5",      "h6",         "title",   "caption"};
    for (const char* b : blocks) {
        if (name == b) return true;
    }
    return false;
}

void html_walk(xmlNode* node, std::string& out, int depth) {
    if (depth > 200) return;  // absurdly deep nesting: the rest is ignored
    for (xmlNode* n = node; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content) out += reinterpret_cast<const char*>(n->content);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE) continue;
        std::string name = lower(reinterpret_cast<const char*>(n->name));
        if (name == "script" || name == "style" || name == "noscript" || name == "template" ||
            name == "svg" || name == "iframe" || name == "object" || name == "head") {
            if (name == "head") {
                // Keep only the title from the head.
                for (xmlNode* c = n->children; c; c = c->next) {
                    if (c->type == XML_ELEMENT_NODE &&
                        lower(reinterpret_cast<const char*>(c->name)) == "title") {
                        out += "\n# ";
                        html_walk(c->children, out, depth + 1);
                        out += "\n\n";
                    }
                }
            }
            continue;
        }
        bool block = is_block(name);
        if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
            out += "\n\n" + std::string(static_cast<std::size_t>(name[1] - '0'), '#') + " ";
            html_walk(n->children, out, depth + 1);
            out += "\n\n";
            continue;
        }
        if (name == "li") {
            out += "\n- ";
        } else if (name == "td" || name == "th") {
            out += " | ";
        } else if (name == "p" || name == "table" || name == "ul" || name == "ol") {
            out += "\n\n";
        } else if (block) {
            out += "\n";
        }
        html_walk(n->children, out, depth + 1);
        if (name == "p" || name == "table" || name == "ul" || name == "ol") out += "\n\n";
        if (name == "tr") out += "\n";
    }
}

}  // namespace

Sniffed sniff(std::string_view bytes, const std::string& filename) {
    auto name = lower(filename);
    if (bytes.substr(0, 5) == "%PDF-") return {"pdf", "application/pdf"};
    if (bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
        // A zip: a Word document has word/document.xml, which the extraction checks.
        if (ends_with(name, ".docx") || bytes.find("word/document.xml") != std::string_view::npos) {
            return {"docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"};
        }
        throw Error(Errc::unsupported_media_type,
                    "This zip archive is not a Word .docx document. " + std::string(kFormats));
    }
    if (bytes.substr(0, 8) == std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
        throw Error(Errc::unsupported_media_type,
                    "Old Word (.doc) and other Office 97-2003 files are not supported: save it as "
                    ".docx or PDF and upload that. " +
                        std::string(kFormats));
    }
    if (bytes.empty())
        throw Error(Errc::unprocessable, "The file is empty.", {}, {{"file", "is empty"}});
    if (!looks_like_text(bytes)) {
        throw Error(Errc::unsupported_media_type,
                    "This file is not a format BotFlow can read. " + std::string(kFormats));
    }
    auto head = lower(bytes.substr(0, 1024));
    auto start = head.find_first_not_of(" \t\r\n\xef\xbb\xbf");
    head = start == std::string::npos ? "" : head.substr(start);
    if (ends_with(name, ".html") || ends_with(name, ".htm") ||
        head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0) {
        return {"html", "text/html; charset=utf-8"};
    }
    if (ends_with(name, ".md") || ends_with(name, ".markdown")) {
        return {"markdown", "text/markdown; charset=utf-8"};
    }
    if (ends_with(name, ".csv")) return {"csv", "text/csv; charset=utf-8"};
    return {"txt", "text/plain; charset=utf-8"};
}

namespace {

// The Markdown prefix a paragraph style asks for ("# ", "## ", "- "), given the one so far.
std::string style_prefix(xmlTextReaderPtr reader, std::string prefix) {
    auto v = xmlTextReaderGetAttributeNs(
        reader, reinterpret_cast<const xmlChar*>("val"),
        reinterpret_cast<const xmlChar*>(
            "http://schemas.openxmlformats.org/wordprocessingml/2006/main"));
    if (!v) return prefix;
    std::string style = lower(reinterpret_cast<const char*>(v));
    xmlFree(v);
    if (style.rfind("heading", 0) == 0) {
        int level = style.size() > 7 && std::isdigit(static_cast<unsigned char>(style[7]))
                        ? style[7] - '0'
                        : 1;
        prefix = std::string(static_cast<std::size_t>(std::clamp(level, 1, 6)), '#') + " ";
    } else if (style == "title") {
        prefix = "# ";
    } else if (style.find("list") != std::string::npos && prefix.empty()) {
        prefix = "- ";
    }
    return prefix;
}

// The text of word/document.xml as it streams by: paragraphs, headings, list items, tables.
struct DocxText {
    std::string out, paragraph, prefix;
    bool in_text = false;
    int table_depth = 0;
    bool first_cell = true;

    void open(std::string_view name, xmlTextReaderPtr reader) {
        if (name == "p") {
            paragraph.clear();
            prefix.clear();
        } else if (name == "pStyle") {
            prefix = style_prefix(reader, std::move(prefix));
        } else if (name == "numPr" && prefix.empty()) {
            prefix = "- ";
        } else if (name == "t") {
            in_text = !xmlTextReaderIsEmptyElement(reader);
        } else if (name == "tab") {
            paragraph += ' ';
        } else if (name == "br" || name == "cr") {
            paragraph += table_depth > 0 ? ' ' : '\n';
        } else if (name == "tbl") {
            ++table_depth;
            out += "\n";
        } else if (name == "tr") {
            first_cell = true;
        }
    }

    void close(std::string_view name) {
        if (name == "t") {
            in_text = false;
        } else if (name == "p") {
            if (table_depth > 0) {
                if (!paragraph.empty()) {
                    if (!first_cell) out += " | ";
                    out += paragraph;
                    first_cell = false;
                }
            } else if (!paragraph.empty()) {
                out += prefix + paragraph + (prefix == "- " ? "\n" : "\n\n");
            }
            paragraph.clear();
            prefix.clear();
        } else if (name == "tr") {
            out += "\n";
        } else if (name == "tbl") {
            --table_depth;
            out += "\n";
        }
    }
};

}  // namespace

std::string extract_docx_xml(std::string_view xml, std::size_t max_text) {
    xml_setup();
    // No network, no entity substitution, no DTD loading; huge documents are streamed.
    xmlTextReaderPtr reader = xmlReaderForMemory(
        xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
    if (!reader) throw ExtractError("This .docx file could not be read; it may be damaged.");
    std::unique_ptr<xmlTextReader, decltype(&xmlFreeTextReader)> guard(reader, &xmlFreeTextReader);
    DocxText text;
    int status;
    while ((status = xmlTextReaderRead(reader)) == 1) {
        int type = xmlTextReaderNodeType(reader);
        auto local = reinterpret_cast<const char*>(xmlTextReaderConstLocalName(reader));
        std::string_view name = local ? local : "";
        if (type == XML_READER_TYPE_ELEMENT) {
            text.open(name, reader);
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            if (text.in_text) {
                auto v = reinterpret_cast<const char*>(xmlTextReaderConstValue(reader));
                if (v) text.paragraph += v;
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            text.close(name);
        }
        if (text.out.size() > max_text) limit_text(text.out, max_text);
    }
    if (status < 0) throw ExtractError("This .docx file could not be read; its XML is damaged.");
    return std::move(text.out);
}

std::string extract_html(std::string_view html) {
    xml_setup();
    htmlDocPtr doc = htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    if (!doc) throw ExtractError("This HTML file could not be read.");
    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> guard(doc, &xmlFreeDoc);
    std::string out;
    html_walk(xmlDocGetRootElement(doc), out, 0);
    return out;
}

std::string extract_csv(std::string_view csv) {
    // The delimiter is the one the header line uses most: comma, semicolon or tab.
    auto header_line = csv.substr(0, csv.find('\n'));
    char delimiter = ',';
    std::size_t best = 0;
    for (char d : {',', ';', '\t'}) {
        auto n = static_cast<std::size_t>(std::count(header_line.begin(), header_line.end(), d));
        if (n > best) {
            best = n;
            delimiter = d;
        }
    }
    // Each row becomes one paragraph "column: value; column: value", so a row stays together
    // in one passage and its values keep their meaning.
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < csv.size(); ++i) {
        char c = csv[i];
        if (quoted) {
            if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"' && field.empty()) {
            quoted = true;
        } else if (c == delimiter) {
            row.push_back(field);
            field.clear();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') ++i;
            row.push_back(field);
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else {
            field += c;
        }
    }
    if (!field.empty() || !row.empty()) {
        row.push_back(field);
        rows.push_back(std::move(row));
    }
    std::string out;
    if (rows.empty()) return out;
    const auto& header = rows[0];
    for (std::size_t r = 1; r < rows.size(); ++r) {
        std::string line;
        for (std::size_t k = 0; k < rows[r].size(); ++k) {
            if (rows[r][k].empty()) continue;
            if (!line.empty()) line += "; ";
            if (k < header.size() && !header[k].empty()) line += header[k] + ": ";
            line += rows[r][k];
        }
        if (!line.empty()) out += line + "\n\n";
    }
    if (rows.size() == 1) {  // a header only, or one line without a header
        for (const auto& f : header) out += f + " ";
    }
    return out;
}

std::string extract_file(const std::string& kind, const std::string& path,
                         const ExtractLimits& limits) {
    if (kind == "pdf") return pdf_text(path, limits.max_text);
    if (kind == "docx") return docx_text(path, limits);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ExtractError("The file could not be read.");
    std::stringstream ss;
    ss << in.rdbuf();
    auto bytes = ss.str();
    if (kind == "html") return extract_html(bytes);
    if (kind == "csv") return extract_csv(bytes);
    return bytes;  // txt, markdown
}

int extract_command(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: botflow extract KIND FILE\n";
        return 64;
    }
    // poppler reports syntax errors of damaged files on stderr; only our message belongs there.
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
    try {
        auto text = extract_file(argv[2], argv[3]);
        std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
        std::cout.flush();
        return 0;
    } catch (const ExtractError& e) {
        std::cerr << "\n" << e.what();
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "internal: " << e.what();
        return 3;
    }
}

}  // namespace botflow::knowledge
