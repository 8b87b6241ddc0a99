#include "flows/text.hpp"

#include <array>
#include <cstdint>

namespace botflow::flows {
namespace {

// Reads one UTF-8 character at `i` (advancing it); a malformed byte reads as itself.
char32_t next_char(std::string_view s, std::size_t& i) {
    auto b = static_cast<unsigned char>(s[i]);
    int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
    if (extra == 0 || i + extra >= s.size()) {
        ++i;
        return b < 0x80 ? b : 0xFFFD;
    }
    char32_t c = b & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
        auto cont = static_cast<unsigned char>(s[i + k]);
        if ((cont & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        c = (c << 6) | (cont & 0x3F);
    }
    i += extra + 1;
    return c;
}

void append(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// Latin-1 letters U+00C0..U+00FF without their accents ('*': kept as they are).
constexpr std::string_view kLatin1 =
    "aaaaaa*ceeeeiiiidnooooo*ouuuuy**"
    "aaaaaa*ceeeeiiiidnooooo*ouuuuy*y";

// Latin Extended-A, U+0100..U+017F: the base letter of each run of code points.
struct Run {
    char32_t last;
    const char* base;
};
constexpr std::array kExtendedA{
    Run{0x105, "a"}, Run{0x10D, "c"}, Run{0x111, "d"},  Run{0x11B, "e"},  Run{0x123, "g"},
    Run{0x127, "h"}, Run{0x131, "i"}, Run{0x133, "ij"}, Run{0x135, "j"},  Run{0x138, "k"},
    Run{0x142, "l"}, Run{0x14B, "n"}, Run{0x151, "o"},  Run{0x153, "oe"}, Run{0x159, "r"},
    Run{0x161, "s"}, Run{0x167, "t"}, Run{0x173, "u"},  Run{0x175, "w"},  Run{0x178, "y"},
    Run{0x17E, "z"}, Run{0x17F, "s"},
};

// Greek with tonos, and final sigma, as the plain lower-case letter.
char32_t fold_greek(char32_t c) {
    switch (c) {
        case 0x386:
        case 0x3AC:
            return 0x3B1;
        case 0x388:
        case 0x3AD:
            return 0x3B5;
        case 0x389:
        case 0x3AE:
            return 0x3B7;
        case 0x38A:
        case 0x3AF:
        case 0x3CA:
        case 0x390:
            return 0x3B9;
        case 0x38C:
        case 0x3CC:
            return 0x3BF;
        case 0x38E:
        case 0x3CD:
        case 0x3CB:
        case 0x3B0:
            return 0x3C5;
        case 0x38F:
        case 0x3CE:
            return 0x3C9;
        case 0x3C2:
            return 0x3C3;
        default:
            break;
    }
    if (c >= 0x391 && c <= 0x3A9) return c + 0x20;
    return c;
}

char32_t fold_cyrillic(char32_t c) {
    if (c >= 0x410 && c <= 0x42F) return c + 0x20;
    if (c >= 0x400 && c <= 0x40F) c += 0x50;
    if (c == 0x451) return 0x435;  // ё as е, as Russian writers often do
    return c;
}

void fold_char(std::string& out, char32_t c) {
    if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c + ('a' - 'A'));
    } else if (c >= 0xC0 && c <= 0xFF) {
        char base = kLatin1[c - 0xC0];
        if (c == 0xC6 || c == 0xE6) {
            out += "ae";
        } else if (c == 0xDF) {
            out += "ss";
        } else if (c == 0xDE || c == 0xFE) {
            out += "th";
        } else if (base == '*') {
            append(out, c);
        } else {
            out += base;
        }
    } else if (c >= 0x100 && c <= 0x17F) {
        for (const auto& run : kExtendedA) {
            if (c <= run.last) {
                out += run.base;
                break;
            }
        }
    } else if (c >= 0x300 && c <= 0x36F) {
        // A combining accent (decomposed text): dropped.
    } else if (c >= 0x386 && c <= 0x3CE) {
        append(out, fold_greek(c));
    } else if (c >= 0x400 && c <= 0x45F) {
        append(out, fold_cyrillic(c));
    } else {
        append(out, c);
    }
}

bool is_word_byte(unsigned char b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b >= 0x80;
}

}  // namespace

std::string fold(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) fold_char(out, next_char(text, i));
    return out;
}

std::vector<std::string> words(std::string_view text) {
    auto folded = fold(text);
    std::vector<std::string> out;
    std::string current;
    for (std::size_t i = 0; i < folded.size(); ++i) {
        auto b = static_cast<unsigned char>(folded[i]);
        // "don't" is one word: an apostrophe between letters joins them.
        bool joins = (b == '\'') && !current.empty() && i + 1 < folded.size() &&
                     is_word_byte(static_cast<unsigned char>(folded[i + 1]));
        if (joins) continue;
        if (is_word_byte(b)) {
            current += folded[i];
        } else if (!current.empty()) {
            out.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

bool contains_phrase(std::string_view text, std::string_view phrase) {
    auto needle = words(phrase);
    if (needle.empty()) return false;
    auto hay = words(text);
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        bool all = true;
        for (std::size_t k = 0; k < needle.size() && all; ++k) all = hay[i + k] == needle[k];
        if (all) return true;
    }
    return false;
}

bool same_words(std::string_view text, std::string_view title) {
    auto a = words(text);
    auto b = words(title);
    return !a.empty() && a == b;
}

}  // namespace botflow::flows
