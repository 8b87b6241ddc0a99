#include "botflow/whatsapp/webhook.hpp"

#include <algorithm>
#include <cctype>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::whatsapp {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
    return {};
}

std::optional<std::string> opt_str(const json& j, const char* key) {
    auto s = str(j, key);
    if (s.empty()) return std::nullopt;
    return s;
}

std::int64_t timestamp_of(const json& j) {
    auto s = str(j, "timestamp");  // Meta sends Unix seconds as a string
    if (s.empty()) return 0;
    try {
        auto t = std::stoll(s);
        // Anything outside 1970..2096 is not seconds (milliseconds?): use our own clock.
        return t > 0 && t < 4'000'000'000LL ? t : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

// PostgreSQL text and jsonb cannot hold U+0000; a well-signed delivery carrying one must still
// be stored (or Meta retries it for a week), so it is dropped from every string and key.
void strip_nul(json& j) {
    if (j.is_string()) {
        auto& s = j.get_ref<std::string&>();
        s.erase(std::remove(s.begin(), s.end(), '\0'), s.end());
    } else if (j.is_array()) {
        for (auto& e : j) strip_nul(e);
    } else if (j.is_object()) {
        json clean = json::object();
        for (auto& [k, v] : j.items()) {
            std::string key = k;
            key.erase(std::remove(key.begin(), key.end(), '\0'), key.end());
            strip_nul(v);
            clean[key] = std::move(v);
        }
        j = std::move(clean);
    }
}

std::string number(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return str(j, key);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", it->get<double>());
    return buf;
}

std::string contact_card(const json& c) {
    std::string name = c.contains("name") ? str(c["name"], "formatted_name") : "";
    if (name.empty() && c.contains("name")) {
        name = str(c["name"], "first_name") + " " + str(c["name"], "last_name");
    }
    std::string phones;
    if (c.contains("phones") && c["phones"].is_array()) {
        for (const auto& p : c["phones"]) {
            if (!phones.empty()) phones += ", ";
            phones += str(p, "phone");
        }
    }
    return phones.empty() ? name : name + " (" + phones + ")";
}

// Caption or empty, with the kind of attachment for people reading the thread.
std::string media_line(const char* label, const json& media) {
    std::string caption = str(media, "caption");
    std::string filename = str(media, "filename");
    std::string out = std::string("[") + label + (filename.empty() ? "" : ": " + filename) + "]";
    return caption.empty() ? out : out + " " + caption;
}

}  // namespace

std::string sign_body(std::string_view body, const Secret& app_secret) {
    return "sha256=" + util::to_hex(util::hmac_sha256(app_secret, body));
}

bool well_formed_signature(std::string_view header) {
    constexpr std::string_view kPrefix = "sha256=";
    if (header.size() != kPrefix.size() + 64) return false;
    for (std::size_t i = 0; i < kPrefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != kPrefix[i]) return false;
    }
    return std::all_of(header.begin() + kPrefix.size(), header.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

void check_signature(std::string_view header, std::string_view body, const Secret& app_secret) {
    if (header.empty()) {
        throw Error(Errc::unauthorized, "X-Hub-Signature-256 is missing.");
    }
    // Over the raw bytes as received: re-serialised JSON would not match Meta's escaping.
    std::string expected = sign_body(body, app_secret);
    std::string given(header);
    for (auto& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!constant_time_equal(given, expected)) {
        throw Error(Errc::unauthorized, "X-Hub-Signature-256 does not match this body.");
    }
}

std::pair<std::string, std::string> describe_message(const json& m) {
    std::string type = str(m, "type");
    const json empty = json::object();
    const json& obj = m.contains(type) && m[type].is_object() ? m[type] : empty;
    if (type == "text") return {type, str(obj, "body")};
    if (type == "image") return {type, media_line("image", obj)};
    if (type == "video") return {type, media_line("video", obj)};
    if (type == "sticker") return {type, "[sticker]"};
    if (type == "document") return {type, media_line("document", obj)};
    if (type == "audio") {
        bool voice = obj.contains("voice") && obj["voice"].is_boolean() && obj["voice"].get<bool>();
        return {type, voice ? "[voice message]" : "[audio]"};
    }
    if (type == "location") {
        std::string where = str(obj, "name");
        std::string address = str(obj, "address");
        if (!address.empty()) where += where.empty() ? address : ", " + address;
        std::string coords = number(obj, "latitude") + ", " + number(obj, "longitude");
        return {type, "[location] " + (where.empty() ? coords : where + " (" + coords + ")")};
    }
    if (type == "contacts") {
        std::string list;
        if (m.contains("contacts") && m["contacts"].is_array()) {
            for (const auto& c : m["contacts"]) {
                if (!list.empty()) list += "; ";
                list += contact_card(c);
            }
        }
        return {type, "[contact] " + list};
    }
    if (type == "interactive") {
        std::string kind = str(obj, "type");
        if (obj.contains(kind) && obj[kind].is_object()) {
            const auto& reply = obj[kind];
            std::string title = str(reply, "title");
            std::string description = str(reply, "description");
            std::string label = kind == "list_reply" ? "[chose from list] " : "[pressed] ";
            if (kind == "nfm_reply") return {type, "[form reply] " + str(reply, "response_json")};
            return {type, label + title + (description.empty() ? "" : " (" + description + ")")};
        }
        return {type, "[interactive reply]"};
    }
    if (type == "button") return {type, "[pressed] " + str(obj, "text")};
    if (type == "reaction") {
        std::string emoji = str(obj, "emoji");
        std::string target = str(obj, "message_id");
        return {type, emoji.empty() ? "[removed reaction] on " + target
                                    : "[reacted " + emoji + "] to " + target};
    }
    if (type == "order") {
        std::size_t items = obj.contains("product_items") && obj["product_items"].is_array()
                                ? obj["product_items"].size()
                                : 0;
        std::string text = str(obj, "text");
        return {type, "[order] " + std::to_string(items) + " item(s)" +
                          (text.empty() ? "" : ": " + text)};
    }
    if (type == "system") return {type, "[system] " + str(obj, "body")};
    if (type == "revoke") return {type, "[deleted a message] " + str(obj, "original_message_id")};
    if (type == "edit") {
        std::string body;
        if (obj.contains("message") && obj["message"].is_object()) {
            body = describe_message(obj["message"]).second;
        }
        return {type, "[edited " + str(obj, "original_message_id") + "] " + body};
    }
    // "unsupported", the older "unknown", and any type invented after this code.
    std::string what = type == "unsupported" || type == "unknown"
                           ? (obj.contains("type") ? str(obj, "type") : "")
                           : type;
    std::string detail;
    if (m.contains("errors") && m["errors"].is_array() && !m["errors"].empty()) {
        detail = str(m["errors"][0], "title");
    }
    return {"unsupported", "[unsupported message" + (what.empty() ? "" : ": " + what) + "]" +
                               (detail.empty() ? "" : " " + detail)};
}

namespace {

// The customer of a message: `from` (or `to`, for an echo) and the matching contacts[] entry,
// which carries the profile name.
void read_identity(InboundMessage& msg, const std::vector<json>& contacts, const std::string& from,
                   const std::string& from_user_id) {
    msg.customer_wa_id = from;
    msg.customer_bsuid = from_user_id;
    for (const auto& c : contacts) {
        std::string wa = str(c, "wa_id"), uid = str(c, "user_id");
        bool match = contacts.size() == 1 || (!from.empty() && wa == from) ||
                     (!from_user_id.empty() && uid == from_user_id);
        if (!match) continue;
        if (msg.customer_wa_id.empty()) msg.customer_wa_id = wa;
        if (msg.customer_bsuid.empty()) msg.customer_bsuid = uid;
        if (c.contains("profile") && c["profile"].is_object()) {
            msg.customer_name = str(c["profile"], "name");
            if (msg.customer_name.empty()) {
                msg.customer_name = str(c["profile"], "username");
            }
        }
        break;
    }
}

// The attachment's id, type, file name and hash, for a message that carries one.
void read_media(const json& m, InboundMessage& msg) {
    std::string media_type = str(m, "type");
    if (m.contains(media_type) && m[media_type].is_object() && m[media_type].contains("id") &&
        (media_type == "image" || media_type == "video" || media_type == "audio" ||
         media_type == "document" || media_type == "sticker")) {
        const auto& media = m[media_type];
        msg.media_id = opt_str(media, "id");
        msg.media_mime_type = opt_str(media, "mime_type");
        msg.media_filename = opt_str(media, "filename");
        msg.media_sha256 = opt_str(media, "sha256");
    }
}

void add_message(WebhookBatch& batch, const std::vector<json>& contacts, const json& m, bool echo) {
    if (!m.is_object() || str(m, "id").empty()) {
        ++batch.skipped;  // without a wamid a re-delivery could not be recognised
        return;
    }
    InboundMessage msg;
    msg.wamid = str(m, "id");
    msg.echo = echo;
    msg.timestamp = timestamp_of(m);
    if (echo) {
        read_identity(msg, contacts, str(m, "to"), str(m, "to_user_id"));
    } else {
        read_identity(msg, contacts, str(m, "from"), str(m, "from_user_id"));
    }
    auto [type, content] = describe_message(m);
    msg.type = type;
    msg.content = content;
    read_media(m, msg);
    if (m.contains("context") && m["context"].is_object()) {
        msg.context_id = opt_str(m["context"], "id");
    }
    if (msg.type == "reaction" && m.contains("reaction")) {
        msg.context_id = opt_str(m["reaction"], "message_id");
    }
    msg.raw = m;
    msg.payload = tap_of(m);
    if (msg.customer_wa_id.empty() && msg.customer_bsuid.empty()) {
        ++batch.skipped;  // nobody to file it under
        return;
    }
    batch.messages.push_back(std::move(msg));
}

void add_status(WebhookBatch& batch, const json& st) {
    if (!st.is_object() || str(st, "id").empty() || str(st, "status").empty()) {
        ++batch.skipped;
        return;
    }
    StatusUpdate u;
    u.wamid = str(st, "id");
    u.status = str(st, "status");
    u.timestamp = timestamp_of(st);
    if (st.contains("errors") && st["errors"].is_array() && !st["errors"].empty()) {
        const auto& e = st["errors"][0];
        u.error_code = opt_str(e, "code");
        u.error_title = opt_str(e, "title");
        if (e.contains("error_data") && e["error_data"].is_object()) {
            u.error_detail = opt_str(e["error_data"], "details");
        }
        if (!u.error_detail) u.error_detail = opt_str(e, "message");
    }
    u.raw = st;
    batch.statuses.push_back(std::move(u));
}

// One entry[].changes[] item: its messages, echoes and statuses, if it is ours.
void read_change(WebhookBatch& batch, const json& change, const std::string& our_phone_number_id) {
    if (!change.is_object() || !change.contains("value") || !change["value"].is_object()) {
        ++batch.skipped;
        return;
    }
    const auto& value = change["value"];
    std::string field = str(change, "field");
    if (field != "messages" && field != "smb_message_echoes") {
        ++batch.skipped;  // account_update, template status, ...: not ours to handle
        return;
    }
    std::string phone_id =
        value.contains("metadata") ? str(value["metadata"], "phone_number_id") : "";
    if (!our_phone_number_id.empty() && phone_id != our_phone_number_id) {
        ++batch.foreign;
        return;
    }
    // contacts[]: the profile name and identities of whoever wrote.
    std::vector<json> contacts;
    if (value.contains("contacts") && value["contacts"].is_array()) {
        for (const auto& c : value["contacts"]) contacts.push_back(c);
    }
    if (value.contains("messages") && value["messages"].is_array()) {
        for (const auto& m : value["messages"]) add_message(batch, contacts, m, false);
    }
    if (value.contains("message_echoes") && value["message_echoes"].is_array()) {
        for (const auto& m : value["message_echoes"]) add_message(batch, contacts, m, true);
    }
    if (value.contains("statuses") && value["statuses"].is_array()) {
        for (const auto& st : value["statuses"]) add_status(batch, st);
    }
}

}  // namespace

WebhookBatch parse_webhook(std::string_view body, const std::string& our_phone_number_id) {
    auto root = json::parse(body, nullptr, false);
    if (root.is_discarded()) throw Error(Errc::bad_request, "The body is not valid JSON.");
    strip_nul(root);
    WebhookBatch batch;
    if (!root.is_object() || !root.contains("entry") || !root["entry"].is_array()) {
        ++batch.skipped;
        return batch;
    }
    for (const auto& entry : root["entry"]) {
        if (!entry.is_object() || !entry.contains("changes") || !entry["changes"].is_array()) {
            continue;
        }
        for (const auto& change : entry["changes"]) read_change(batch, change, our_phone_number_id);
    }
    return batch;
}

}  // namespace botflow::whatsapp
