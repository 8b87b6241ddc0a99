#include "botflow/knowledge/chunker.hpp"

#include <algorithm>

namespace botflow::knowledge {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid.
std::size_t valid_sequence(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    }
    if (len == 2 && c < 0xC2) return 0;  // overlong
    if (len == 3) {
        auto c1 = static_cast<unsigned char>(s[i + 1]);
        if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return 0;  // overlong, surrogate
    }
    if (len == 4) {
        auto c1 = static_cast<unsigned char>(s[i + 1]);
        if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return 0;
    }
    return len;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool all_of_char(std::string_view s, char c) {
    return s.size() >= 3 && std::all_of(s.begin(), s.end(), [c](char x) { return x == c; });
}

// The text of a Markdown heading line ("## Returns" -> "Returns"), or empty.
std::string_view markdown_heading(std::string_view line) {
    std::size_t hashes = 0;
    while (hashes < line.size() && line[hashes] == '#') ++hashes;
    if (hashes == 0 || hashes > 6 || hashes >= line.size() || line[hashes] != ' ') return {};
    auto text = trim(line.substr(hashes + 1));
    while (!text.empty() && text.back() == '#') text.remove_suffix(1);
    return trim(text);
}

// Splits an over-long paragraph at sentence ends, then spaces, into pieces <= max.
std::vector<std::string> split_long(std::string_view p, std::size_t max) {
    std::vector<std::string> out;
    while (p.size() > max) {
        std::size_t cut = std::string_view::npos;
        for (std::size_t i = max; i-- > max / 3;) {
            if ((p[i] == '.' || p[i] == '!' || p[i] == '?') && i + 1 < p.size() &&
                p[i + 1] == ' ') {
                cut = i + 1;
                break;
            }
        }
        if (cut == std::string_view::npos) {
            auto space = p.substr(0, max).rfind(' ');
            cut = space != std::string_view::npos && space > max / 3 ? space : max;
        }
        while (cut > 0 && cut < p.size() && (static_cast<unsigned char>(p[cut]) & 0xC0) == 0x80) {
            --cut;  // never inside a character
        }
        if (cut == 0) cut = max;
        out.emplace_back(trim(p.substr(0, cut)));
        p = trim(p.substr(cut));
    }
    if (!p.empty()) out.emplace_back(p);
    return out;
}

// The last `overlap` characters or so of `text`, starting at a word.
std::string tail(const std::string& text, std::size_t overlap) {
    if (text.size() <= overlap) return text;
    auto start = text.find(' ', text.size() - overlap);
    if (start == std::string::npos) return {};
    return text.substr(start + 1);
}

}  // namespace

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto len = valid_sequence(text, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string normalize_text(std::string_view in) {
    std::string valid;
    valid.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        auto len = valid_sequence(in, i);
        if (len == 0) {
            valid += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        auto c = static_cast<unsigned char>(in[i]);
        if (len == 1 && c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
            ++i;  // control characters
            continue;
        }
        if (len == 1 && c == 0x7F) {
            ++i;
            continue;
        }
        valid.append(in.substr(i, len));
        i += len;
    }
    std::string out;
    out.reserve(valid.size());
    int blank_lines = 0;
    std::size_t pos = 0;
    while (pos <= valid.size()) {
        auto nl = valid.find_first_of("\r\n", pos);
        auto line = std::string_view(valid).substr(
            pos, nl == std::string::npos ? std::string::npos : nl - pos);
        std::string collapsed;
        bool space = false;
        for (char c : trim(line)) {
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space) collapsed += ' ';
            space = false;
            collapsed += c;
        }
        if (collapsed.empty()) {
            ++blank_lines;
        } else {
            if (!out.empty()) out += blank_lines > 0 ? "\n\n" : "\n";
            out += collapsed;
            blank_lines = 0;
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
        if (valid[nl] == '\r' && pos < valid.size() && valid[pos] == '\n') ++pos;
    }
    return out;
}

std::vector<Chunk> chunk_text(std::string_view text, const ChunkOptions& options) {
    // Blocks: headings and paragraphs (lines until a blank line).
    struct Block {
        bool heading = false;
        std::string text;
    };
    std::vector<Block> blocks;
    std::string paragraph;
    auto end_paragraph = [&] {
        if (!paragraph.empty()) blocks.push_back({false, std::move(paragraph)});
        paragraph.clear();
    };
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos <= text.size();) {
        auto nl = text.find('\n', pos);
        lines.push_back(trim(
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos)));
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto line = lines[i];
        auto md = markdown_heading(line);
        bool underlined = i + 1 < lines.size() && !line.empty() && line.size() <= 120 &&
                          paragraph.empty() &&
                          (all_of_char(lines[i + 1], '=') || all_of_char(lines[i + 1], '-'));
        if (!md.empty() || underlined) {
            end_paragraph();
            blocks.push_back({true, std::string(md.empty() ? line : md)});
            if (underlined) ++i;
            continue;
        }
        if (line.empty()) {
            end_paragraph();
            continue;
        }
        if (!paragraph.empty()) paragraph += ' ';
        paragraph += line;
    }
    end_paragraph();

    std::vector<Chunk> chunks;
    std::string heading, current;
    auto emit = [&](bool keep_overlap) {
        if (current.empty()) return;
        chunks.push_back({heading, current});
        current = keep_overlap ? tail(current, options.overlap) : std::string();
    };
    for (auto& block : blocks) {
        if (block.heading) {
            emit(false);
            heading = block.text;
            continue;
        }
        for (auto& piece : split_long(block.text, options.max_size)) {
            if (!current.empty() && current.size() + 2 + piece.size() > options.max_size) {
                // Full: close it, and start the next with its last words (the overlap) when
                // they leave room for the piece.
                emit(true);
                if (current.size() + 2 + piece.size() > options.max_size) current.clear();
            }
            if (!current.empty()) current += "\n\n";
            current += piece;
        }
    }
    emit(false);
    return chunks;
}

}  // namespace botflow::knowledge
