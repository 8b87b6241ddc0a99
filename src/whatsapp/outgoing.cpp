#include "botflow/whatsapp/outgoing.hpp"

#include <array>
#include <set>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/whatsapp/text.hpp"

namespace botflow::whatsapp {
namespace {

using nlohmann::json;

// An agent may paste a long answer (it is sent as several messages); no other field is long.
constexpr std::size_t kMaxTextBytes = 32 * 1024;
constexpr std::size_t kMaxFieldBytes = 8 * 1024;

constexpr std::array<std::pair<Kind, std::string_view>, 9> kKinds{{
    {Kind::text, "text"},
    {Kind::image, "image"},
    {Kind::document, "document"},
    {Kind::audio, "audio"},
    {Kind::video, "video"},
    {Kind::buttons, "buttons"},
    {Kind::list, "list"},
    {Kind::template_, "template"},
    {Kind::reaction, "reaction"},
}};

// Reads the fields of one JSON object, noting a wrong type under the field's path.
class Reader {
public:
    Reader(const json& object, std::string prefix, FieldErrors& errors)
        : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

    std::string text(const char* key, std::size_t max_bytes = kMaxFieldBytes) {
        if (!object_.contains(key) || object_[key].is_null()) return {};
        if (!object_[key].is_string()) {
            errors_.add(path(key), "must be text");
            return {};
        }
        auto value = object_[key].get<std::string>();
        if (value.find('\0') != std::string::npos) {
            errors_.add(path(key), "must not contain NUL characters");
        } else if (value.size() > max_bytes) {
            errors_.add(path(key), "must be at most " + std::to_string(max_bytes) + " bytes");
        }
        return value;
    }
    // The id of a message or a file of ours.
    std::optional<std::string> id(const char* key) {
        auto value = optional_text(key);
        if (value && !is_uuid(*value)) errors_.add(path(key), "must be an id (a uuid)");
        return value;
    }
    std::optional<std::string> optional_text(const char* key) {
        if (!object_.contains(key) || object_[key].is_null()) return std::nullopt;
        return text(key);
    }
    std::optional<bool> flag(const char* key) {
        if (!object_.contains(key) || object_[key].is_null()) return std::nullopt;
        if (!object_[key].is_boolean()) {
            errors_.add(path(key), "must be true or false");
            return std::nullopt;
        }
        return object_[key].get<bool>();
    }
    const json& array(const char* key) {
        static const json empty = json::array();
        if (!object_.contains(key) || object_[key].is_null()) return empty;
        if (!object_[key].is_array()) {
            errors_.add(path(key), "must be a list");
            return empty;
        }
        return object_[key];
    }
    std::string path(const std::string& key) const {
        return prefix_.empty() ? key : prefix_ + "." + key;
    }

private:
    const json& object_;
    std::string prefix_;
    FieldErrors& errors_;
};

std::string indexed(const std::string& name, std::size_t i) {
    return name + "[" + std::to_string(i) + "]";
}

// "23 characters, WhatsApp allows 20" when `value` is longer than `max`; "is required" when
// it is empty and required.
void check_length(FieldErrors& errors, const std::string& field, const std::string& value,
                  std::size_t max, bool required) {
    if (value.empty()) {
        if (required) errors.add(field, "is required");
        return;
    }
    auto n = text_length(value);
    if (n > max) {
        errors.add(field,
                   std::to_string(n) + " characters, WhatsApp allows " + std::to_string(max));
    }
}

void check_buttons(const Outgoing& m, FieldErrors& errors) {
    check_length(errors, "body", m.text, kMaxInteractiveBody, true);
    check_length(errors, "header", m.header, kMaxHeader, false);
    check_length(errors, "footer", m.footer, kMaxFooter, false);
    if (m.buttons.empty()) errors.add("buttons", "needs 1 to 3 buttons");
    if (m.buttons.size() > kMaxButtons) {
        errors.add("buttons", std::to_string(m.buttons.size()) + " buttons, WhatsApp allows 3");
    }
    std::set<std::string> ids, titles;
    for (std::size_t i = 0; i < m.buttons.size(); ++i) {
        const auto& b = m.buttons[i];
        auto at = indexed("buttons", i);
        check_length(errors, at + ".id", b.id, kMaxButtonId, true);
        check_length(errors, at + ".title", b.title, kMaxButtonTitle, true);
        if (!b.id.empty() && !ids.insert(b.id).second) errors.add(at + ".id", "is used twice");
        if (!b.title.empty() && !titles.insert(b.title).second) {
            errors.add(at + ".title", "is used twice; WhatsApp needs each title unique");
        }
    }
}

void check_list(const Outgoing& m, FieldErrors& errors) {
    check_length(errors, "body", m.text, kMaxListBody, true);
    check_length(errors, "header", m.header, kMaxHeader, false);
    check_length(errors, "footer", m.footer, kMaxFooter, false);
    check_length(errors, "button", m.list_button, kMaxListButton, true);
    if (m.sections.empty()) errors.add("sections", "needs at least one section");
    if (m.sections.size() > kMaxSections) {
        errors.add("sections", std::to_string(m.sections.size()) + " sections, WhatsApp allows 10");
    }
    std::size_t rows = 0;
    std::set<std::string> ids;
    for (std::size_t s = 0; s < m.sections.size(); ++s) {
        const auto& section = m.sections[s];
        auto at = indexed("sections", s);
        check_length(errors, at + ".title", section.title, kMaxSectionTitle, m.sections.size() > 1);
        if (section.rows.empty()) errors.add(at + ".rows", "needs at least one row");
        for (std::size_t r = 0; r < section.rows.size(); ++r) {
            const auto& row = section.rows[r];
            auto rat = indexed(at + ".rows", r);
            check_length(errors, rat + ".id", row.id, kMaxRowId, true);
            check_length(errors, rat + ".title", row.title, kMaxRowTitle, true);
            check_length(errors, rat + ".description", row.description, kMaxRowDescription, false);
            if (!row.id.empty() && !ids.insert(row.id).second) {
                errors.add(rat + ".id", "is used twice");
            }
        }
        rows += section.rows.size();
    }
    if (rows > kMaxRows) {
        errors.add("sections", std::to_string(rows) + " rows in all, WhatsApp allows 10");
    }
}

void check_media(const Outgoing& m, FieldErrors& errors) {
    if (m.media_id.has_value() == m.link.has_value()) {
        errors.add("media_id", "give either media_id (from POST /api/media) or link");
    }
    if (m.link && m.link->rfind("https://", 0) != 0) {
        errors.add("link", "must be an https:// address");
    }
    if (m.kind == Kind::audio && !m.caption.empty()) {
        errors.add("caption", "WhatsApp sends audio without a caption");
    }
    check_length(errors, "caption", m.caption, kMaxCaption, false);
    if (m.kind != Kind::document && !m.filename.empty()) {
        errors.add("filename", "only a document has a file name");
    }
    check_length(errors, "filename", m.filename, 240, false);
}

void check(const Outgoing& m, FieldErrors& errors) {
    switch (m.kind) {
        case Kind::text:
            if (m.text.find_first_not_of(" \t\r\n") == std::string::npos) {
                errors.add("text", "is required");
            }
            break;
        case Kind::image:
        case Kind::document:
        case Kind::audio:
        case Kind::video:
            check_media(m, errors);
            break;
        case Kind::buttons:
            check_buttons(m, errors);
            break;
        case Kind::list:
            check_list(m, errors);
            break;
        case Kind::template_:
            check_length(errors, "name", m.template_name, kMaxTemplateName, true);
            check_length(errors, "language", m.language, 15, true);
            break;
        case Kind::reaction:
            if (m.reaction_to.empty()) errors.add("message_id", "is required");
            if (text_length(m.emoji) > 8) errors.add("emoji", "must be one emoji");
            if (m.reply_to) errors.add("reply_to", "a reaction cannot quote a message");
            break;
    }
}

void read_interactive(Outgoing& m, Reader& in, FieldErrors& errors) {
    m.text = in.text("body", kMaxTextBytes);
    m.header = in.text("header");
    m.footer = in.text("footer");
    if (m.kind == Kind::buttons) {
        const auto& list = in.array("buttons");
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (!list[i].is_object()) {
                errors.add(indexed("buttons", i), "must be {id, title}");
                continue;
            }
            Reader b(list[i], indexed("buttons", i), errors);
            m.buttons.push_back({b.text("id"), b.text("title")});
        }
        return;
    }
    m.list_button = in.text("button");
    const auto& sections = in.array("sections");
    for (std::size_t s = 0; s < sections.size(); ++s) {
        auto at = indexed("sections", s);
        if (!sections[s].is_object()) {
            errors.add(at, "must be {title, rows}");
            continue;
        }
        Reader sec(sections[s], at, errors);
        Section section{sec.text("title"), {}};
        const auto& rows = sec.array("rows");
        for (std::size_t r = 0; r < rows.size(); ++r) {
            if (!rows[r].is_object()) {
                errors.add(indexed(at + ".rows", r), "must be {id, title, description}");
                continue;
            }
            Reader row(rows[r], indexed(at + ".rows", r), errors);
            section.rows.push_back({row.text("id"), row.text("title"), row.text("description")});
        }
        m.sections.push_back(std::move(section));
    }
}

}  // namespace

std::string_view kind_name(Kind kind) noexcept {
    for (const auto& [k, name] : kKinds) {
        if (k == kind) return name;
    }
    return "text";
}

std::optional<Kind> parse_kind(std::string_view name) noexcept {
    for (const auto& [k, n] : kKinds) {
        if (n == name) return k;
    }
    return std::nullopt;
}

bool is_media(Kind kind) noexcept {
    return kind == Kind::image || kind == Kind::document || kind == Kind::audio ||
           kind == Kind::video;
}

Outgoing text_message(std::string text) {
    Outgoing m;
    m.text = std::move(text);
    return m;
}

Outgoing parse_outgoing(const json& body) {
    FieldErrors errors;
    if (!body.is_object()) throw Error(Errc::unprocessable, "The message must be a JSON object.");
    Reader in(body, "", errors);
    Outgoing m;
    auto type = in.text("type");
    if (!type.empty()) {
        auto kind = parse_kind(type);
        if (!kind) {
            errors.add("type",
                       "must be text, image, document, audio, video, buttons, list, "
                       "template or reaction");
        } else {
            m.kind = *kind;
        }
    }
    m.reply_to = in.id("reply_to");
    if (m.kind == Kind::text) {
        m.text = in.text("text", kMaxTextBytes);
        m.preview_url = in.flag("preview_url");
    } else if (is_media(m.kind)) {
        m.media_id = in.id("media_id");
        m.link = in.optional_text("link");
        m.caption = in.text("caption");
        m.filename = in.text("filename");
    } else if (m.kind == Kind::buttons || m.kind == Kind::list) {
        read_interactive(m, in, errors);
    } else if (m.kind == Kind::template_) {
        m.template_name = in.text("name");
        m.language = in.text("language");
        m.components = in.array("components");
    } else {
        m.reaction_to = in.id("message_id").value_or("");
        m.emoji = in.text("emoji");
    }
    if (errors.empty()) check(m, errors);
    errors.throw_if_any("The message does not fit WhatsApp's limits.");
    return m;
}

void validate(const Outgoing& message) {
    FieldErrors errors;
    check(message, errors);
    errors.throw_if_any("The message does not fit WhatsApp's limits.");
}

namespace {

using nlohmann::json;

void put_if(json& j, const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
}

json interactive_json(const Outgoing& m) {
    json j{{"body", m.text}};
    put_if(j, "header", m.header);
    put_if(j, "footer", m.footer);
    if (m.kind == Kind::buttons) {
        json buttons = json::array();
        for (const auto& b : m.buttons) buttons.push_back({{"id", b.id}, {"title", b.title}});
        j["buttons"] = std::move(buttons);
        return j;
    }
    j["button"] = m.list_button;
    j["sections"] = sections_json(m);
    return j;
}

}  // namespace

json sections_json(const Outgoing& m) {
    json sections = json::array();
    for (const auto& s : m.sections) {
        json rows = json::array();
        for (const auto& r : s.rows) {
            json row{{"id", r.id}, {"title", r.title}};
            put_if(row, "description", r.description);
            rows.push_back(std::move(row));
        }
        json section{{"rows", std::move(rows)}};
        put_if(section, "title", s.title);
        sections.push_back(std::move(section));
    }
    return sections;
}

json to_json(const Outgoing& m) {
    json j{{"type", kind_name(m.kind)}};
    if (m.reply_to) j["reply_to"] = *m.reply_to;
    switch (m.kind) {
        case Kind::text:
            j["text"] = m.text;
            if (m.preview_url) j["preview_url"] = *m.preview_url;
            break;
        case Kind::image:
        case Kind::document:
        case Kind::audio:
        case Kind::video:
            if (m.media_id) j["media_id"] = *m.media_id;
            if (m.link) j["link"] = *m.link;
            put_if(j, "caption", m.caption);
            put_if(j, "filename", m.filename);
            break;
        case Kind::buttons:
        case Kind::list:
            j.update(interactive_json(m));
            break;
        case Kind::template_:
            j["name"] = m.template_name;
            j["language"] = m.language;
            j["components"] = m.components;
            break;
        case Kind::reaction:
            j["message_id"] = m.reaction_to;
            j["emoji"] = m.emoji;
            break;
    }
    return j;
}

std::string summary(const Outgoing& m) {
    switch (m.kind) {
        case Kind::text:
            return m.text;
        case Kind::image:
        case Kind::document:
        case Kind::audio:
        case Kind::video: {
            std::string what = "[" + std::string(kind_name(m.kind)) + "]";
            if (!m.filename.empty()) what += " " + m.filename;
            return m.caption.empty() ? what : what + " " + m.caption;
        }
        case Kind::buttons: {
            std::string out = m.text + " [";
            for (std::size_t i = 0; i < m.buttons.size(); ++i) {
                out += (i ? " | " : "") + m.buttons[i].title;
            }
            return out + "]";
        }
        case Kind::list:
            return m.text + " [" + m.list_button + "]";
        case Kind::template_:
            return "[template " + m.template_name + "]";
        case Kind::reaction:
            return m.emoji.empty() ? "[removed a reaction]" : "[reacted " + m.emoji + "]";
    }
    return m.text;
}

}  // namespace botflow::whatsapp
