// A customer's taps (../reference: WhatsApp Cloud API, inbound interactive and button
// messages), as the structured payload the API shows.
#include "botflow/whatsapp/webhook.hpp"

namespace botflow::whatsapp {
namespace {

using nlohmann::json;

std::string field(const json& object, const char* key) {
    return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

}  // namespace

json tap_of(const json& m) {
    auto type = field(m, "type");
    if (type == "interactive" && m.contains("interactive") && m["interactive"].is_object()) {
        const auto& i = m["interactive"];
        auto kind = field(i, "type");
        if ((kind != "button_reply" && kind != "list_reply") || !i.contains(kind) ||
            !i[kind].is_object()) {
            return nullptr;
        }
        const auto& r = i[kind];
        json reply{{"kind", kind == "button_reply" ? "button" : "list"},
                   {"id", field(r, "id")},
                   {"title", field(r, "title")}};
        if (kind == "list_reply" && !field(r, "description").empty()) {
            reply["description"] = field(r, "description");
        }
        return json{{"reply", std::move(reply)}};
    }
    if (type == "button" && m.contains("button") && m["button"].is_object()) {
        // A template's quick-reply button: its payload is the id the template gave it.
        const auto& b = m["button"];
        return json{
            {"reply",
             {{"kind", "button"}, {"id", field(b, "payload")}, {"title", field(b, "text")}}}};
    }
    return nullptr;
}

}  // namespace botflow::whatsapp
