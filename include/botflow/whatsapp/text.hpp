// Text as WhatsApp counts it: splitting a long text into messages, and the one-line preview a
// conversation list shows. Pure.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace botflow::whatsapp {

/// WhatsApp's limit for one text message body.
inline constexpr std::size_t kMaxTextLength = 4096;

/// Splits `text` into pieces of at most `max_units` UTF-16 code units (how WhatsApp counts),
/// preferring paragraph, then line, then sentence, then word boundaries, and never cutting a
/// UTF-8 sequence. Pieces are trimmed; empty text gives no pieces.
std::vector<std::string> split_text(std::string_view text, std::size_t max_units = kMaxTextLength);

/// The length of the UTF-8 sequence a lead byte starts (1 to 4); 0 for a byte no sequence
/// starts with (a continuation byte, or one UTF-8 never uses).
std::size_t utf8_sequence_length(unsigned char lead) noexcept;

/// How many UTF-16 code units WhatsApp counts in `text` (its limits are in those).
std::size_t text_length(std::string_view text);

/// The conversation list's preview of a message: at most 200 bytes, cut at a character.
std::string message_preview(const std::string& content);

}  // namespace botflow::whatsapp
