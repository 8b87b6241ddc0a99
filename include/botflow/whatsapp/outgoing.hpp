// What BotFlow sends a customer: one model for every type (text, media, reply buttons, list,
// template, reaction, with a reply context), checked against WhatsApp's limits once, when it
// is made, and turned into the Cloud API's payload in one place. docs/messages.md is its
// description for API users. Pure.
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace botflow::whatsapp {

enum class Kind { text, image, document, audio, video, buttons, list, template_, reaction };

/// The wire name ("buttons"); the messages table's `type`.
std::string_view kind_name(Kind kind) noexcept;
std::optional<Kind> parse_kind(std::string_view name) noexcept;
/// image, document, audio or video.
bool is_media(Kind kind) noexcept;

struct Button {
    std::string id;
    std::string title;
};

struct Row {
    std::string id;
    std::string title;
    std::string description;
};

struct Section {
    std::string title;
    std::vector<Row> rows;
};

struct Outgoing {
    Kind kind = Kind::text;
    std::string text;                 // text: the message; buttons and list: the body
    std::optional<bool> preview_url;  // unset: a preview when the text has a link
    std::string header;               // buttons and list: a text header
    std::string footer;
    std::vector<Button> buttons;
    std::string list_button;  // the list's button
    std::vector<Section> sections;
    // Media: a file stored with POST /api/media (its id), or a public https link.
    std::optional<std::string> media_id;
    std::optional<std::string> link;
    std::string caption;
    std::string filename;
    // Template.
    std::string template_name;
    std::string language;
    nlohmann::json components = nlohmann::json::array();
    // Reaction: the message reacted to (ours, by id) and the emoji ("" removes it).
    std::string reaction_to;
    std::string emoji;
    /// The message this one quotes (ours, by id): WhatsApp shows the quote.
    std::optional<std::string> reply_to;
};

/// WhatsApp's limits (../reference: the Cloud API's send payloads), in UTF-16 code units.
inline constexpr std::size_t kMaxButtons = 3;
inline constexpr std::size_t kMaxButtonTitle = 20;
inline constexpr std::size_t kMaxButtonId = 256;
inline constexpr std::size_t kMaxInteractiveBody = 1024;
inline constexpr std::size_t kMaxListBody = 4096;
inline constexpr std::size_t kMaxHeader = 60;
inline constexpr std::size_t kMaxFooter = 60;
inline constexpr std::size_t kMaxListButton = 20;
inline constexpr std::size_t kMaxSections = 10;
inline constexpr std::size_t kMaxRows = 10;  // in all sections together
inline constexpr std::size_t kMaxRowId = 200;
inline constexpr std::size_t kMaxRowTitle = 24;
inline constexpr std::size_t kMaxRowDescription = 72;
inline constexpr std::size_t kMaxSectionTitle = 24;
inline constexpr std::size_t kMaxCaption = 1024;
inline constexpr std::size_t kMaxTemplateName = 512;

/// A plain text message.
Outgoing text_message(std::string text);

/// Reads a message as the API takes it (docs/messages.md; `type` defaults to text) and checks
/// it against WhatsApp's limits. Throws Errc::unprocessable naming every field that breaks one
/// ("buttons[2].title: 23 characters, WhatsApp allows 20"), or that is missing or mistyped.
/// Text longer than one message is allowed: it is sent as several (split_text).
Outgoing parse_outgoing(const nlohmann::json& body);

/// Checks a message built in code (by a flow, say) as parse_outgoing checks the API's; the
/// same errors.
void validate(const Outgoing& message);

/// The structured form: what messages.payload stores and the API returns; parse_outgoing reads
/// it back.
nlohmann::json to_json(const Outgoing& message);

/// A list's sections as both the stored form and the Cloud API have them.
nlohmann::json sections_json(const Outgoing& message);

/// The one-line text of a message: the conversation's preview, search, the AI's history.
std::string summary(const Outgoing& message);

}  // namespace botflow::whatsapp
