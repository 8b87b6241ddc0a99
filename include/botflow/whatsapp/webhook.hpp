// WhatsApp Cloud API webhooks: signature check and parsing into messages and statuses. Pure.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/secret.hpp"

namespace botflow::whatsapp {

struct InboundMessage {
    std::string wamid;
    std::string customer_wa_id;  // may be empty: WhatsApp can withhold the number
    std::string customer_bsuid;  // business-scoped user id; may be empty
    std::string customer_name;   // the contact's profile name, when sent
    std::string type;            // text, image, ..., unsupported
    std::string content;         // readable text for people and the AI
    std::optional<std::string> media_id, media_mime_type, media_filename, media_sha256;
    std::optional<std::string> context_id;  // the wamid this message replies to
    std::int64_t timestamp = 0;             // Unix seconds; 0 when absent
    bool echo = false;  // sent by the business from the WhatsApp Business app (coexistence)
    nlohmann::json raw;
    /// A tap on a button or a list row: {"reply": {kind, id, title[, description]}}
    /// (docs/messages.md); null for every other message.
    nlohmann::json payload;
};

struct StatusUpdate {
    std::string wamid;
    std::string status;  // sent | delivered | read | played | failed
    std::int64_t timestamp = 0;
    std::optional<std::string> error_code, error_title, error_detail;
    nlohmann::json raw;
};

struct WebhookBatch {
    std::vector<InboundMessage> messages;
    std::vector<StatusUpdate> statuses;
    int foreign = 0;         // changes for another phone_number_id, skipped
    int skipped = 0;         // items without an id we could key them on, or fields we do not handle
    bool simulated = false;  // built by the dashboard's simulator (never set from a payload)
};

/// Throws Errc::unauthorized unless `header` is "sha256=<hex>" of HMAC-SHA256(app_secret, body)
/// (compared in constant time, hex in either case).
void check_signature(std::string_view header, std::string_view body, const Secret& app_secret);

/// HMAC-SHA256(app_secret, body) as "sha256=<lower hex>", as Meta sends it.
std::string sign_body(std::string_view body, const Secret& app_secret);

/// Whether `header` has the form Meta signs with ("sha256=" and 64 hex digits, either case), so
/// that a mismatch means a wrong app secret rather than a stray request.
bool well_formed_signature(std::string_view header);

/// Every entry x change x message/status/echo. Changes whose phone_number_id is not
/// `our_phone_number_id` are counted in `foreign` (any id is accepted when it is empty).
/// Throws Errc::bad_request when the body is not JSON. Shapes it does not know never throw:
/// an unknown message type becomes type "unsupported" with its raw JSON.
WebhookBatch parse_webhook(std::string_view body, const std::string& our_phone_number_id);

/// The structured form of a customer's tap in one message object (an interactive button or
/// list reply, a template's quick-reply button): {"reply": {"kind": "button"|"list", "id",
/// "title"[, "description"]}}; null when the message is not a tap.
nlohmann::json tap_of(const nlohmann::json& message);

/// The readable `content` and normalised type of one message object.
std::pair<std::string, std::string> describe_message(const nlohmann::json& message);

}  // namespace botflow::whatsapp
