// Turning extracted text into passages the search returns: valid UTF-8, normalised
// whitespace, split along headings and paragraphs into chunks of about 800 to 1,200
// characters with a small overlap, each keeping its section heading. Pure.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace botflow::knowledge {

/// Invalid UTF-8 replaced by U+FFFD, control characters dropped, CRLF and CR made LF, runs of
/// spaces and tabs made one space, lines trimmed, at most one blank line in a row.
std::string normalize_text(std::string_view text);

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool valid_utf8(std::string_view text);

struct Chunk {
    std::string heading;  // the section it belongs to ("" before the first heading)
    std::string content;
};

struct ChunkOptions {
    std::size_t max_size = 1200;  // paragraphs are added while they fit, so a chunk ends up
                                  // between about 800 and this (shorter at a section's end)
    std::size_t overlap = 150;    // about this much of a chunk's end starts the next one
};

/// Chunks normalised text. Headings are Markdown headings ("# Title", "## Part") or a line
/// underlined with === or ---; a heading always starts a new chunk.
std::vector<Chunk> chunk_text(std::string_view text, const ChunkOptions& options = {});

}  // namespace botflow::knowledge
