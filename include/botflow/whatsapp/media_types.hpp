// The files WhatsApp lets a business send, recognised by their bytes (never by the name or the
// type a browser claims), and the message type each can be sent as. Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace botflow::whatsapp {

struct MediaType {
    std::string kind;  // image, document, audio or video: the message type
    std::string mime;  // what WhatsApp is told
};

/// What the file is, from its first bytes (and, for the Office formats that are all zip
/// files, its name's extension); nullopt for anything WhatsApp does not take.
std::optional<MediaType> sniff_media(std::string_view bytes, std::string_view filename);

}  // namespace botflow::whatsapp
