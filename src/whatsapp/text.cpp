#include "botflow/whatsapp/text.hpp"

#include <algorithm>

namespace botflow::whatsapp {
namespace {

// A stray continuation or invalid byte counts alone.
std::size_t sequence_length(unsigned char c) {
    return std::max<std::size_t>(1, utf8_sequence_length(c));
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// Where to cut `window` (the most that fits): just after the last boundary of the best kind
// that leaves the piece at least a third full; npos when there is none.
std::size_t best_cut(std::string_view window) {
    std::size_t min = window.size() / 3;
    for (std::string_view sep : {std::string_view("\n\n"), std::string_view("\n")}) {
        auto p = window.rfind(sep);
        if (p != std::string_view::npos && p >= min) return p + sep.size();
    }
    // A sentence end: ".!?" followed by a blank, or a CJK full stop.
    for (std::size_t p = window.size(); p-- > min;) {
        char c = window[p];
        if ((c == '.' || c == '!' || c == '?') && p + 1 < window.size() &&
            is_blank(window[p + 1])) {
            return p + 1;
        }
        for (std::string_view stop : {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F"}) {  // 。！？
            if (window.substr(p, stop.size()) == stop) return p + stop.size();
        }
    }
    for (std::size_t p = window.size(); p-- > min;) {
        if (is_blank(window[p])) return p + 1;
    }
    return std::string_view::npos;
}

}  // namespace

std::vector<std::string> split_text(std::string_view text, std::size_t max_units) {
    std::vector<std::string> pieces;
    std::string_view rest = trim(text);
    while (!rest.empty()) {
        std::size_t units = 0, fit = 0;
        while (fit < rest.size()) {
            std::size_t len =
                std::min(sequence_length(static_cast<unsigned char>(rest[fit])), rest.size() - fit);
            std::size_t u = len == 4 ? 2 : 1;  // outside the BMP: a UTF-16 surrogate pair
            if (units + u > max_units) break;
            units += u;
            fit += len;
        }
        if (fit >= rest.size()) {
            pieces.emplace_back(rest);
            break;
        }
        std::size_t cut = best_cut(rest.substr(0, fit));
        if (cut == std::string_view::npos || cut == 0) cut = fit;
        auto piece = trim(rest.substr(0, cut));
        if (!piece.empty()) pieces.emplace_back(piece);
        rest = trim(rest.substr(cut));
    }
    return pieces;
}

std::size_t utf8_sequence_length(unsigned char c) noexcept {
    if (c < 0x80) return 1;
    if ((c >> 5) == 0x6) return 2;
    if ((c >> 4) == 0xE) return 3;
    if ((c >> 3) == 0x1E) return 4;
    return 0;
}

std::size_t text_length(std::string_view text) {
    std::size_t units = 0;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t len =
            std::min(sequence_length(static_cast<unsigned char>(text[i])), text.size() - i);
        units += len == 4 ? 2 : 1;
        i += len;
    }
    return units;
}

std::string message_preview(const std::string& content) {
    if (content.size() <= 200) return content;
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(content[cut]) & 0xC0) == 0x80) --cut;
    return content.substr(0, cut);
}

}  // namespace botflow::whatsapp
