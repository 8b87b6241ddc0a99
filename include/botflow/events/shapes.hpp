// The wire shape of a conversation and a message, used by the API and the live feed.
#pragma once
#include <nlohmann/json.hpp>

#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/message_repo.hpp"

namespace botflow::events {

/// {id, customer {name, profile_name, wa_id, bsuid, phone}, status, ai_enabled, simulated,
/// assigned_user_id, tags, notes, unread_count, last_message_at, last_customer_message_at,
/// last_message_preview, handoff_reason, window_open, window_expires_at, created_at}, and
/// message_count when it is known. Absent values are null. Pure.
nlohmann::json to_json(const store::Conversation& conversation);

/// {id, conversation_id, direction, sender, sender_user_id, type, content, payload, media,
/// context_message_id, whatsapp_message_id, status, sent_at, delivered_at, read_at,
/// played_at, failed_at, error, ai, created_at, seq}: media with the URL that serves its
/// bytes, ai with the URL of its sources (for answers drawn from the knowledge base). Absent
/// values are null. Pure.
nlohmann::json to_json(const store::Message& message);

}  // namespace botflow::events

// nlohmann::json converts a conversation and a message to their wire shapes, so that a
// payload can take them as they are (events::message_created(id, message)).
namespace nlohmann {

template <>
struct adl_serializer<botflow::store::Conversation> {
    static void to_json(json& out, const botflow::store::Conversation& conversation) {
        out = botflow::events::to_json(conversation);
    }
};

template <>
struct adl_serializer<botflow::store::Message> {
    static void to_json(json& out, const botflow::store::Message& message) {
        out = botflow::events::to_json(message);
    }
};

}  // namespace nlohmann
