#include "botflow/whatsapp/media_types.hpp"

#include <algorithm>
#include <cctype>

#include "botflow/whatsapp/text.hpp"

namespace botflow::whatsapp {
namespace {

bool starts(std::string_view bytes, std::string_view magic, std::size_t at = 0) {
    return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
}

std::string extension(std::string_view filename) {
    auto dot = filename.rfind('.');
    if (dot == std::string_view::npos) return {};
    std::string ext(filename.substr(dot + 1));
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

// Text WhatsApp shows as a document: valid UTF-8 without control bytes but tabs and newlines.
bool is_text(std::string_view bytes) {
    if (bytes.empty()) return false;
    for (std::size_t i = 0; i < bytes.size();) {
        auto c = static_cast<unsigned char>(bytes[i]);
        std::size_t len = utf8_sequence_length(c);
        if (len == 0 || i + len > bytes.size()) return false;
        if (len == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) return false;
        }
        i += len;
    }
    return true;
}

std::optional<MediaType> office(std::string_view filename) {
    auto ext = extension(filename);
    if (ext == "docx") {
        return MediaType{"document",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"};
    }
    if (ext == "xlsx") {
        return MediaType{"document",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};
    }
    if (ext == "pptx") {
        return MediaType{
            "document",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"};
    }
    return std::nullopt;
}

}  // namespace

std::optional<MediaType> sniff_media(std::string_view bytes, std::string_view filename) {
    if (starts(bytes, "\xFF\xD8\xFF")) return MediaType{"image", "image/jpeg"};
    if (starts(bytes, "\x89PNG\r\n\x1A\n")) return MediaType{"image", "image/png"};
    if (starts(bytes, "%PDF-")) return MediaType{"document", "application/pdf"};
    if (starts(bytes, "PK\x03\x04")) return office(filename);
    if (starts(bytes, "OggS")) return MediaType{"audio", "audio/ogg"};
    if (starts(bytes, "#!AMR")) return MediaType{"audio", "audio/amr"};
    if (starts(bytes, "ID3") || (bytes.size() > 1 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
                                 (static_cast<unsigned char>(bytes[1]) & 0xE6) == 0xE2)) {
        return MediaType{"audio", "audio/mpeg"};
    }
    if (bytes.size() > 1 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
        (static_cast<unsigned char>(bytes[1]) & 0xF6) == 0xF0) {
        return MediaType{"audio", "audio/aac"};  // ADTS
    }
    if (starts(bytes, "ftyp", 4)) {
        if (starts(bytes, "3gp", 8)) return MediaType{"video", "video/3gpp"};
        if (starts(bytes, "M4A", 8)) return MediaType{"audio", "audio/mp4"};
        return MediaType{"video", "video/mp4"};
    }
    if (extension(filename) == "txt" && is_text(bytes)) {
        return MediaType{"document", "text/plain"};
    }
    return std::nullopt;
}

}  // namespace botflow::whatsapp
