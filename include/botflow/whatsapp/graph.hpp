// The WhatsApp Cloud API's sending side (Meta's Graph API): the payload of a message and its
// sending, read receipts and the typing indicator, media lookup and download; what its errors
// mean and whether to retry.
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/core/secret.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/outgoing.hpp"
#include "botflow/whatsapp/text.hpp"

namespace botflow::util {
class HttpClient;
}

namespace botflow::whatsapp {

/// What only the sending knows: the recipient, the wamids behind our ids, and the media as
/// WhatsApp has it.
struct Resolved {
    std::string wa_id;  // the customer's number; empty: only their business-scoped user id
    std::string bsuid;
    std::optional<std::string> context;   // the wamid of reply_to
    std::optional<std::string> reaction;  // the wamid of reaction_to
    std::optional<std::string> media;     // the uploaded file's WhatsApp media id
};

/// The Cloud API payload of POST /<phone-number-id>/messages for `message` (text: `text` is
/// one piece, at most kMaxTextLength).
nlohmann::json graph_payload(const Outgoing& message, const Resolved& resolved);

/// What a Graph API error means for us.
struct GraphError {
    long http_status = 0;  // 0 for a transport failure
    long code = 0;         // Meta's error code (0 when there is none)
    std::string title;     // Meta's message, e.g. "(#131047) Re-engagement message"
    std::string details;   // error_data.details
    bool transient = false;
    std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
    std::string reason;                                    // for the business owner
};

/// Classifies an error response (status, body, Retry-After header value). Meta's own codes
/// decide first (the reference's retry list: 130429, 131056, 131000, 1, 2, 4, 80007, 131016,
/// 131057, 133004), then the HTTP status (5xx and 429 retry). Pure.
GraphError classify_error(long http_status, std::string_view body,
                          std::optional<std::string> retry_after_header = std::nullopt);

/// A sentence a business owner understands for a Meta error code, e.g. 131047. Pure.
std::string describe_error(long code, std::string_view details);

/// "The customer last wrote 26 hours ago; ..." for a reply refused by the 24-hour window. Pure.
std::string window_closed_reason(std::chrono::seconds since_last_customer_message);

/// Where Meta's API is; the credentials come from the Connection at each call.
struct GraphSettings {
    std::string base = "https://graph.facebook.com";
    std::string version = "v25.0";
};

struct MediaInfo {
    std::string url;
    std::string mime_type;
    std::string sha256;  // hex
    std::optional<std::int64_t> file_size;
};

/// Thrown by GraphClient calls when Meta refused or could not be reached.
class GraphFailure : public std::runtime_error {
public:
    explicit GraphFailure(GraphError error);
    const GraphError& error() const noexcept { return error_; }

private:
    GraphError error_;
};

class GraphClient {
public:
    GraphClient(util::HttpClient& http, GraphSettings settings, const Connection& connection);

    /// True when a token and phone number id are configured.
    bool configured() const;

    /// GET /{version}/{phone_number_id}: what Meta knows of the number (the connection check).
    /// Throws GraphFailure.
    asio::awaitable<NumberInfo> phone_number(const Credentials& credentials);

    /// POST /{version}/{phone_number_id}/messages. Returns the wamid Meta assigned. Throws
    /// GraphFailure.
    asio::awaitable<std::string> send(const nlohmann::json& payload);

    /// Marks an inbound message (and the ones before it) read; with `typing`, also shows the
    /// typing indicator for up to 25 s. Throws GraphFailure.
    asio::awaitable<void> mark_read(const std::string& wamid, bool typing);

    /// POST /{version}/{phone_number_id}/media (multipart): uploads a file to send. Returns
    /// WhatsApp's media id. Throws GraphFailure.
    asio::awaitable<std::string> upload_media(const std::string& bytes, const std::string& mime,
                                              const std::string& filename);

    /// GET /{version}/{media_id}: a short-lived download URL and what Meta knows of the file.
    asio::awaitable<MediaInfo> media_info(const std::string& media_id);

    /// Downloads `url` with the access token; at most `max_bytes`. Throws GraphFailure.
    asio::awaitable<std::string> download(const std::string& url, std::size_t max_bytes);

private:
    asio::awaitable<nlohmann::json> call(const Secret& token, const std::string& method,
                                         const std::string& path, const std::string& body,
                                         const std::string& content_type = "application/json");

    util::HttpClient& http_;
    GraphSettings settings_;
    const Connection& connection_;
};

}  // namespace botflow::whatsapp
