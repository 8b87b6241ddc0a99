#include "botflow/whatsapp/graph.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "botflow/auth/passwords.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/util/http_client.hpp"

namespace botflow::whatsapp {
namespace {

bool code_in(long code, std::initializer_list<long> codes) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

std::string describe_error(long code, std::string_view details) {
    std::string d(details);
    auto with_details = [&](std::string s) {
        if (!d.empty()) s += " (" + d + ")";
        return s;
    };
    switch (code) {
        case 131047:
            return "The customer last wrote more than 24 hours ago; WhatsApp only allows "
                   "template messages now.";
        case 131026:
            return "WhatsApp could not deliver this message: the number may not use WhatsApp, "
                   "or the customer's app is too old or has not accepted WhatsApp's terms.";
        case 0:
        case 190:
            return "The WhatsApp access token has expired or is not valid. Create a new one in "
                   "Meta Business Settings (System users) and save it in Settings > WhatsApp.";
        case 3:
        case 10:
            return "The WhatsApp access token lacks the whatsapp_business_messaging permission.";
        case 100:
        case 131008:
        case 131009:
            return with_details("WhatsApp refused the message as invalid");
        case 131021:
            return "The recipient is the business's own number.";
        case 131031:
        case 368:
            return "The WhatsApp Business account is locked or restricted; check Meta Business "
                   "Manager.";
        case 131042:
            return "There is a payment problem on the WhatsApp Business account; check the "
                   "payment method in Meta Business Manager.";
        case 131048:
            return "WhatsApp is limiting this number because too many customers reported or "
                   "blocked it (spam rate limit); sending is paused. Check the number's quality "
                   "rating.";
        case 131049:
            return "WhatsApp did not deliver this marketing message to keep the customer's "
                   "experience healthy; wait at least 24 hours before trying again.";
        case 131050:
            return "The customer has stopped marketing messages from this business.";
        case 131051:
            return "WhatsApp does not support this message type.";
        case 131052:
            return "WhatsApp could not download the customer's media.";
        case 131053:
            return with_details("WhatsApp could not process the attached media");
        case 130472:
            return "The customer is part of a WhatsApp experiment and cannot receive this "
                   "message.";
        case 130429:
            return "WhatsApp's sending rate limit for this number was reached.";
        case 131056:
            return "Too many messages to this customer in a short time (WhatsApp's pair rate "
                   "limit).";
        case 131057:
            return "The WhatsApp Business account is in maintenance.";
        case 132000:
        case 132001:
        case 132012:
        case 132015:
        case 132016:
            return with_details(
                "The message template is missing, not approved, paused or "
                "filled in wrongly");
        default:
            break;
    }
    if (code >= 200 && code <= 299) {
        return "The WhatsApp access token lacks a permission this request needs.";
    }
    return with_details("WhatsApp refused the message (error " + std::to_string(code) + ")");
}

std::string window_closed_reason(std::chrono::seconds since) {
    auto hours = std::chrono::duration_cast<std::chrono::hours>(since).count();
    std::string ago = hours >= 48 ? std::to_string(hours / 24) + " days ago"
                      : hours >= 1
                          ? std::to_string(hours) + (hours == 1 ? " hour ago" : " hours ago")
                          : "more than 24 hours ago";
    return "The customer last wrote " + ago +
           "; WhatsApp only allows template messages now, so this reply cannot be sent until "
           "they write again.";
}

GraphError classify_error(long http_status, std::string_view body,
                          std::optional<std::string> retry_after_header) {
    GraphError e;
    e.http_status = http_status;
    bool has_code = false;
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
        const auto& err = doc["error"];
        if (err.contains("code") && err["code"].is_number_integer()) {
            e.code = err["code"].get<long>();
            has_code = true;
        }
        if (err.contains("message") && err["message"].is_string()) {
            e.title = err["message"].get<std::string>();
        }
        if (err.contains("error_data") && err["error_data"].is_object() &&
            err["error_data"].contains("details") && err["error_data"]["details"].is_string()) {
            e.details = err["error_data"]["details"].get<std::string>();
        }
    }
    if (retry_after_header) {
        try {
            long seconds = std::stol(*retry_after_header);
            if (seconds >= 0) e.retry_after = std::chrono::seconds(std::min(seconds, 3600L));
        } catch (const std::exception&) {
        }
    }
    if (has_code) {
        e.transient =
            code_in(e.code, {130429, 131056, 131000, 1, 2, 4, 80007, 131016, 131057, 133004});
        e.reason = describe_error(e.code, e.details);
    } else {
        e.transient = http_status >= 500 || http_status == 429 || http_status == 408;
        e.reason = "WhatsApp answered HTTP " + std::to_string(http_status) +
                   (e.transient ? "; trying again." : ".");
    }
    return e;
}

GraphFailure::GraphFailure(GraphError error)
    : std::runtime_error(error.reason), error_(std::move(error)) {}

GraphClient::GraphClient(util::HttpClient& http, GraphSettings settings,
                         const Connection& connection)
    : http_(http), settings_(std::move(settings)), connection_(connection) {
    while (!settings_.base.empty() && settings_.base.back() == '/') settings_.base.pop_back();
}

bool GraphClient::configured() const { return connection_.get()->can_send(); }

namespace {

GraphError transport_error(const Error& e) {
    GraphError g;
    g.transient = true;
    g.title = e.cause();
    g.reason = "WhatsApp could not be reached; trying again.";
    return g;
}

}  // namespace

asio::awaitable<nlohmann::json> GraphClient::call(const Secret& token, const std::string& method,
                                                  const std::string& path, const std::string& body,
                                                  const std::string& content_type) {
    if (token.empty()) {
        GraphError g;
        g.reason = "WhatsApp is not connected: add the access token in Settings > WhatsApp.";
        throw GraphFailure(std::move(g));
    }
    util::HttpRequest req;
    req.method = method;
    req.url = settings_.base + "/" + settings_.version + path;
    req.headers.push_back("Authorization: Bearer " + token.reveal());
    if (!body.empty()) req.headers.emplace_back("Content-Type: " + content_type);
    req.body = body;
    req.timeout = std::chrono::seconds(20);
    req.max_response_bytes = 1 << 20;
    std::optional<util::HttpResponse> response;
    std::optional<GraphError> failure;
    try {
        response = co_await http_.request(std::move(req));
    } catch (const Error& e) {
        failure = transport_error(e);
    }
    if (failure) throw GraphFailure(std::move(*failure));
    if (response->status < 200 || response->status >= 300) {
        throw GraphFailure(
            classify_error(response->status, response->body, response->header("retry-after")));
    }
    auto doc = nlohmann::json::parse(response->body, nullptr, false);
    if (!doc.is_object()) {
        GraphError g;
        g.http_status = response->status;
        g.transient = true;
        g.reason = "WhatsApp answered with something that is not JSON; trying again.";
        throw GraphFailure(std::move(g));
    }
    co_return doc;
}

asio::awaitable<std::string> GraphClient::send(const nlohmann::json& payload) {
    auto c = connection_.get();
    auto path = "/" + c->phone_number_id + "/messages";
    auto doc = co_await call(c->access_token, "POST", path, payload.dump());
    const auto& messages = doc.contains("messages") ? doc["messages"] : nlohmann::json();
    if (!messages.is_array() || messages.empty() || !messages[0].is_object() ||
        !messages[0].contains("id") || !messages[0]["id"].is_string()) {
        GraphError g;
        g.http_status = 200;
        g.reason = "WhatsApp accepted the message but returned no message id.";
        throw GraphFailure(std::move(g));
    }
    co_return messages[0]["id"].get<std::string>();
}

asio::awaitable<std::string> GraphClient::upload_media(const std::string& bytes,
                                                       const std::string& mime,
                                                       const std::string& filename) {
    auto c = connection_.get();
    // ../reference: upload is multipart with messaging_product=whatsapp and the file.
    auto boundary = "botflow-" + auth::random_token(16);
    std::string safe_name;
    for (char ch : filename.empty() ? std::string("file") : filename) {
        safe_name += (ch == '"' || ch == '\\' || ch == '\r' || ch == '\n') ? '_' : ch;
    }
    std::string body;
    auto part = [&](const std::string& headers, const std::string& content) {
        body += "--" + boundary + "\r\n" + headers + "\r\n\r\n" + content + "\r\n";
    };
    part("Content-Disposition: form-data; name=\"messaging_product\"", "whatsapp");
    part("Content-Disposition: form-data; name=\"type\"", mime);
    part("Content-Disposition: form-data; name=\"file\"; filename=\"" + safe_name +
             "\"\r\nContent-Type: " + mime,
         bytes);
    body += "--" + boundary + "--\r\n";
    auto doc = co_await call(c->access_token, "POST", "/" + c->phone_number_id + "/media", body,
                             "multipart/form-data; boundary=" + boundary);
    if (!doc.contains("id") || !doc["id"].is_string()) {
        GraphError g;
        g.http_status = 200;
        g.transient = true;
        g.reason = "WhatsApp took the file but returned no media id; trying again.";
        throw GraphFailure(std::move(g));
    }
    co_return doc["id"].get<std::string>();
}

asio::awaitable<void> GraphClient::mark_read(const std::string& wamid, bool typing) {
    nlohmann::json body = {
        {"messaging_product", "whatsapp"}, {"status", "read"}, {"message_id", wamid}};
    if (typing) body["typing_indicator"] = {{"type", "text"}};
    auto c = connection_.get();
    auto path = "/" + c->phone_number_id + "/messages";
    co_await call(c->access_token, "POST", path, body.dump());
}

asio::awaitable<NumberInfo> GraphClient::phone_number(const Credentials& credentials) {
    if (credentials.phone_number_id.empty()) {
        GraphError g;
        g.reason = "WhatsApp is not connected: add the phone number ID in Settings > WhatsApp.";
        throw GraphFailure(std::move(g));
    }
    auto doc = co_await call(credentials.access_token, "GET",
                             "/" + credentials.phone_number_id +
                                 "?fields=display_phone_number,verified_name,quality_rating",
                             "");
    NumberInfo info;
    auto field = [&doc](const char* k) {
        return doc.contains(k) && doc[k].is_string() ? doc[k].get<std::string>() : std::string();
    };
    info.display_phone_number = field("display_phone_number");
    info.verified_name = field("verified_name");
    info.quality_rating = field("quality_rating");
    co_return info;
}

asio::awaitable<MediaInfo> GraphClient::media_info(const std::string& media_id) {
    auto c = connection_.get();
    std::string path = "/" + media_id;
    if (!c->phone_number_id.empty()) path += "?phone_number_id=" + c->phone_number_id;
    auto doc = co_await call(c->access_token, "GET", path, "");
    MediaInfo info;
    if (!doc.contains("url") || !doc["url"].is_string()) {
        GraphError g;
        g.http_status = 200;
        g.reason = "WhatsApp gave no download link for this media.";
        throw GraphFailure(std::move(g));
    }
    info.url = doc["url"].get<std::string>();
    if (doc.contains("mime_type") && doc["mime_type"].is_string()) {
        info.mime_type = doc["mime_type"].get<std::string>();
    }
    if (doc.contains("sha256") && doc["sha256"].is_string()) {
        info.sha256 = doc["sha256"].get<std::string>();
    }
    if (doc.contains("file_size")) {  // a number on the wire, a string in Meta's docs
        const auto& fs = doc["file_size"];
        if (fs.is_number_integer()) {
            info.file_size = fs.get<std::int64_t>();
        } else if (fs.is_string()) {
            try {
                info.file_size = std::stoll(fs.get<std::string>());
            } catch (const std::exception&) {
            }
        }
    }
    co_return info;
}

asio::awaitable<std::string> GraphClient::download(const std::string& url, std::size_t max_bytes) {
    auto bytes = std::make_shared<std::string>();
    auto too_large = std::make_shared<bool>(false);
    util::HttpRequest req;
    req.url = url;
    req.headers.push_back("Authorization: Bearer " + connection_.get()->access_token.reveal());
    req.timeout = std::chrono::minutes(5);
    req.max_redirects = 3;
    req.on_data = [bytes, too_large, max_bytes](std::string_view piece) {
        if (bytes->size() + piece.size() > max_bytes) {
            *too_large = true;
            return false;
        }
        bytes->append(piece);
        return true;
    };
    std::optional<util::HttpResponse> response;
    std::optional<GraphError> failure;
    try {
        response = co_await http_.request(std::move(req));
    } catch (const Error& e) {
        failure = transport_error(e);
    }
    if (*too_large) {
        GraphError g;
        g.reason = "The file is larger than " + std::to_string(max_bytes / (1024 * 1024)) +
                   " MB, WhatsApp's limit for this kind of media.";
        throw GraphFailure(std::move(g));
    }
    if (failure) throw GraphFailure(std::move(*failure));
    if (response->status == 404 || response->status == 401 || response->status == 403) {
        // Download links live five minutes: the job asks Meta for a fresh one.
        GraphError g;
        g.http_status = response->status;
        g.transient = true;
        g.reason = "The download link expired; asking WhatsApp for a new one.";
        throw GraphFailure(std::move(g));
    }
    if (response->status < 200 || response->status >= 300) {
        throw GraphFailure(
            classify_error(response->status, *bytes, response->header("retry-after")));
    }
    co_return std::move(*bytes);
}

// The Cloud API payload (../reference: WhatsApp Cloud API, sending: payloads).
namespace {

using nlohmann::json;

bool has_link(const std::string& text) {
    return text.find("http://") != std::string::npos || text.find("https://") != std::string::npos;
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
    if (m.kind != Kind::audio)
        if (!m.caption.empty()) j["caption"] = m.caption;
    if (m.kind == Kind::document)
        if (!m.filename.empty()) j["filename"] = m.filename;
    return j;
}

}  // namespace

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
