#include "botflow/events/shapes.hpp"

namespace botflow::events {
namespace {

using nlohmann::json;

template <class T>
json or_null(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

json media_json(const store::Message& m) {
    if (!m.media) return nullptr;
    const auto& media = *m.media;
    json out = json::object();
    out["id"] = media.id;
    out["mime_type"] = or_null(media.mime_type);
    out["filename"] = or_null(media.filename);
    out["sha256"] = or_null(media.sha256);
    out["size"] = or_null(media.size);
    out["downloaded"] = media.downloaded;
    out["url"] = "/api/messages/" + m.id + "/media";
    return out;
}

json error_json(const std::optional<store::MessageError>& error) {
    if (!error) return nullptr;
    return {{"code", or_null(error->code)},
            {"title", or_null(error->title)},
            {"detail", or_null(error->detail)},
            {"reason", or_null(error->reason)}};
}

json ai_json(const store::Message& m) {
    if (!m.ai) return nullptr;
    const auto& ai = *m.ai;
    json out = json::object();
    out["mode"] = or_null(ai.mode);
    out["model"] = or_null(ai.model);
    out["prompt_tokens"] = or_null(ai.prompt_tokens);
    out["completion_tokens"] = or_null(ai.completion_tokens);
    out["cost_usd"] = or_null(ai.cost_usd);
    out["processing_ms"] = or_null(ai.processing_ms);
    out["first_token_ms"] = or_null(ai.first_token_ms);
    // Answers drawn from the knowledge base can show the passages they used.
    bool sourced = ai.mode == "llm" || ai.mode == "extractive";
    out["sources_url"] = sourced ? json("/api/messages/" + m.id + "/sources") : json(nullptr);
    return out;
}

}  // namespace

json to_json(const store::Conversation& c) {
    json out = json::object();
    out["id"] = c.id;
    out["customer"] = {{"name", c.customer.name},
                       {"profile_name", c.customer.profile_name},
                       {"wa_id", or_null(c.customer.wa_id)},
                       {"bsuid", or_null(c.customer.bsuid)},
                       {"phone", or_null(c.customer.phone)}};
    out["status"] = c.status;
    out["ai_enabled"] = c.ai_enabled;
    out["simulated"] = c.simulated;
    out["assigned_user_id"] = or_null(c.assigned_user_id);
    out["tags"] = c.tags;
    out["notes"] = c.notes;
    out["fields"] = c.fields;
    out["unread_count"] = c.unread_count;
    out["last_message_at"] = or_null(c.last_message_at);
    out["last_customer_message_at"] = or_null(c.last_customer_message_at);
    out["last_message_preview"] = c.last_message_preview;
    out["handoff_reason"] = or_null(c.handoff_reason);
    out["window_open"] = or_null(c.window_open);
    out["window_expires_at"] = or_null(c.window_expires_at);
    out["created_at"] = c.created_at;
    if (c.message_count) out["message_count"] = *c.message_count;
    return out;
}

json to_json(const store::Message& m) {
    json out = json::object();
    out["id"] = m.id;
    out["conversation_id"] = m.conversation_id;
    out["direction"] = m.direction;
    out["sender"] = m.sender;
    out["sender_user_id"] = or_null(m.sender_user_id);
    out["type"] = m.type;
    out["content"] = m.content;
    out["payload"] = m.payload;
    out["media"] = media_json(m);
    out["context_message_id"] = or_null(m.context_message_id);
    out["whatsapp_message_id"] = or_null(m.whatsapp_message_id);
    out["status"] = m.status;
    out["sent_at"] = or_null(m.sent_at);
    out["delivered_at"] = or_null(m.delivered_at);
    out["read_at"] = or_null(m.read_at);
    out["played_at"] = or_null(m.played_at);
    out["failed_at"] = or_null(m.failed_at);
    out["error"] = error_json(m.error);
    out["ai"] = ai_json(m);
    out["created_at"] = m.created_at;
    out["seq"] = m.seq;
    return out;
}

}  // namespace botflow::events
