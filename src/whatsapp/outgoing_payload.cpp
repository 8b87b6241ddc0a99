// The outgoing model's other forms: the stored JSON, the one-line summary and the Cloud API's
// payload (../reference: WhatsApp Cloud API, sending: payloads).
#include "botflow/whatsapp/outgoing.hpp"

namespace botflow::whatsapp {
namespace {

using nlohmann::json;

bool has_link(const std::string& text) {
    return text.find("http://") != std::string::npos || text.find("https://") != std::string::npos;
}

void put_if(json& j, const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
}

// A list's sections as both the stored form and the Cloud API have them.
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

json graph_interactive(const Outgoing& m) {
    json j{{"type", m.kind == Kind::buttons ? "button" : "list"}, {"body", {{"text", m.text}}}};
    if (!m.header.empty()) j["header"] = {{"type", "text"}, {"text", m.header}};
    if (!m.footer.empty()) j["footer"] = {{"text", m.footer}};
    if (m.kind == Kind::buttons) {
        json buttons = json::array();
        for (const auto& b : m.buttons) {
            buttons.push_back({{"type", "reply"}, {"reply", {{"id", b.id}, {"title", b.title}}}});
        }
        j["action"] = {{"buttons", std::move(buttons)}};
        return j;
    }
    j["action"] = {{"button", m.list_button}, {"sections", sections_json(m)}};
    return j;
}

json graph_media(const Outgoing& m, const Resolved& r) {
    json j = json::object();
    if (r.media) {
        j["id"] = *r.media;
    } else if (m.link) {
        j["link"] = *m.link;
    }
    if (m.kind != Kind::audio) put_if(j, "caption", m.caption);
    if (m.kind == Kind::document) put_if(j, "filename", m.filename);
    return j;
}

}  // namespace

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

json graph_payload(const Outgoing& m, const Resolved& r) {
    json p{{"messaging_product", "whatsapp"}, {"recipient_type", "individual"}};
    if (!r.wa_id.empty()) {
        p["to"] = "+" + r.wa_id;
    } else {
        p["recipient"] = r.bsuid;
    }
    if (r.context && m.kind != Kind::reaction) p["context"] = {{"message_id", *r.context}};
    switch (m.kind) {
        case Kind::text:
            p["type"] = "text";
            p["text"] = {{"preview_url", m.preview_url.value_or(has_link(m.text))},
                         {"body", m.text}};
            break;
        case Kind::image:
        case Kind::document:
        case Kind::audio:
        case Kind::video:
            p["type"] = kind_name(m.kind);
            p[std::string(kind_name(m.kind))] = graph_media(m, r);
            break;
        case Kind::buttons:
        case Kind::list:
            p["type"] = "interactive";
            p["interactive"] = graph_interactive(m);
            break;
        case Kind::template_:
            p["type"] = "template";
            p["template"] = {{"name", m.template_name},
                             {"language", {{"code", m.language}}},
                             {"components", m.components}};
            break;
        case Kind::reaction:
            p["type"] = "reaction";
            p["reaction"] = {{"message_id", r.reaction.value_or("")}, {"emoji", m.emoji}};
            break;
    }
    return p;
}

}  // namespace botflow::whatsapp
