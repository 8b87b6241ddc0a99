// Recognising uploaded files and getting their text: PDF (poppler-cpp), DOCX (libzip +
// libxml2's streaming reader), HTML (libxml2's HTML parser), plain text, Markdown and CSV.
// Extraction of an upload runs in a child process with CPU, memory and time limits, so a
// hostile file ends as an error message and never takes the server down.
#pragma once
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace botflow::knowledge {

struct Sniffed {
    std::string kind;       // pdf, docx, txt, markdown, csv, html
    std::string mime_type;  // what the download is served as
};

/// Recognises a file by its bytes (and, among text files, by its name). Throws
/// Errc::unsupported_media_type naming the formats that work (and what to do with a legacy
/// .doc).
Sniffed sniff(std::string_view bytes, const std::string& filename);

/// A problem with the file itself, worded for its owner.
class ExtractError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ExtractLimits {
    std::size_t max_unpacked = 50u << 20;  // DOCX: all entries together, uncompressed
    std::size_t max_text = 20u << 20;      // text produced
};

/// The text of a file of `kind` at `path`: headings as "# ...", list items as "- ...", table
/// rows as "cell | cell". Throws ExtractError. Runs in the child process.
std::string extract_file(const std::string& kind, const std::string& path,
                         const ExtractLimits& limits = {});

/// The parts of extract_file that need no file, for tests.
std::string extract_html(std::string_view html);
std::string extract_docx_xml(std::string_view document_xml, std::size_t max_text);
std::string extract_csv(std::string_view csv);

struct ChildLimits {
    std::chrono::seconds cpu{30};
    std::chrono::seconds wall{60};
    std::size_t memory = 1u << 30;  // address space
};

struct ExtractResult {
    bool ok = false;
    std::string text;   // when ok
    std::string error;  // for the owner, when not
};

/// Runs `<executable> extract <kind> <file>` on `bytes` with `limits` and collects its text.
/// The child gets no environment and no descriptor of the server's. Blocking: call it on a
/// worker pool. Throws Errc::unavailable when no child could be started (try again later).
ExtractResult extract_in_child(const std::string& executable, const std::string& kind,
                               std::string_view bytes, const ChildLimits& limits = {});

/// The `botflow extract KIND FILE` subcommand: prints the text, or the problem on stderr with
/// exit code 2.
int extract_command(int argc, char** argv);

}  // namespace botflow::knowledge
