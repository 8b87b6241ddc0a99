// Every event BotFlow publishes: its type, whether it describes committed state (and so goes
// through the outbox) and the payload each type carries. No event type is spelt anywhere else.
#pragma once
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "botflow/events/shapes.hpp"

namespace botflow::events {

enum class Type {
    message_created,
    message_updated,
    conversation_updated,
    conversation_handoff,
    document_updated,
    settings_updated,
    job_failed,
    ai_typing,
    ai_delta,
    agent_typing,
    flow_completed,
};

/// Every type, in the catalog's order (docs/events.md lists them the same way).
inline constexpr std::array kTypes{
    Type::message_created,      Type::message_updated,  Type::conversation_updated,
    Type::conversation_handoff, Type::document_updated, Type::settings_updated,
    Type::job_failed,           Type::ai_typing,        Type::ai_delta,
    Type::agent_typing,         Type::flow_completed};

/// The wire name ("message.created"). Pure.
std::string_view name(Type type) noexcept;
/// The type of a wire name; nullopt for a name the catalog does not have. Pure.
std::optional<Type> parse_type(std::string_view name) noexcept;
/// Whether events of this type describe committed state: written to the outbox in the
/// transaction that commits the change and published by the relay, at least once, never lost.
/// The others (typing, a streamed answer) are published at once and may be lost. Pure.
bool durable(Type type) noexcept;
/// The payload's fields, as docs/events.md shows them ("{conversation_id, message}"). Pure.
std::string_view fields(Type type) noexcept;
/// When it is published, in words, for docs/events.md. Pure.
std::string_view when(Type type) noexcept;

/// One event. `id` is the outbox row's id (0 for events that skip the outbox); it is the same
/// on every replica and every redelivery, so a consumer can drop an event it saw.
struct Event {
    Type type = Type::message_created;
    nlohmann::json data = nlohmann::json::object();
    std::optional<std::string> conversation_id;  // the conversation it concerns, if any
    std::int64_t id = 0;
    std::int64_t ts = 0;             // Unix milliseconds when it happened (set when published if 0)
    bool conversation_only = false;  // only sockets subscribed to the conversation (ai.delta)
    std::uint64_t from_connection = 0;  // every socket but this one (a colleague typing)
};

// The payloads. `message` and `conversation` are as the REST API shows them (a store::Message
// or store::Conversation converts to that shape).
Event message_created(const std::string& conversation_id, nlohmann::json message);
Event message_updated(const std::string& conversation_id, const std::string& message_id,
                      const std::string& status, std::optional<std::string> error_reason);
Event conversation_updated(nlohmann::json conversation);
Event conversation_handoff(const std::string& conversation_id, const std::string& reason);
Event document_updated(const std::string& document_id, const std::string& status);
Event settings_updated(const std::string& section);
Event job_failed(std::int64_t job_id, const std::string& kind,
                 std::optional<std::string> conversation_id, const std::string& error);
Event ai_typing(const std::string& conversation_id, bool typing);
Event ai_delta(const std::string& conversation_id, const std::string& text, bool done);
Event agent_typing(const std::string& conversation_id, const std::string& user_id,
                   std::uint64_t from_connection);
/// `run` is {run_id, flow_id, flow_name, version, status, fields}.
Event flow_completed(const std::string& conversation_id, nlohmann::json run);

/// The event as it travels between replicas on Redis: {id, type, ts, data, conversation_id?,
/// conversation_only?, live_only?, origin}. Pure.
std::string to_wire(const Event& event, const std::string& origin);
/// The event read back from to_wire's text, with its origin; nullopt for anything else (a
/// type this version does not know, another program's message). Pure.
std::optional<std::pair<Event, std::string>> from_wire(std::string_view text);

}  // namespace botflow::events
