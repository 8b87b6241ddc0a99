#include "botflow/events/catalog.hpp"

namespace botflow::events {
namespace {

using nlohmann::json;

struct Entry {
    Type type;
    std::string_view name;
    bool durable;
    std::string_view fields;
    std::string_view when;
};

// The catalog: one row a type. docs/events.md is checked against it by a unit test.
constexpr std::array<Entry, kTypes.size()> kCatalog{{
    {Type::message_created, "message.created", true, "{conversation_id, message}",
     "a customer's message is stored; an agent's reply, an AI answer or an automatic message "
     "is queued"},
    {Type::message_updated, "message.updated", true,
     "{conversation_id, message_id, status, error_reason}",
     "a delivery status (sent, delivered, read, failed)"},
    {Type::conversation_updated, "conversation.updated", true, "{conversation}",
     "status, AI switch, assignment, tags, notes, name, an agent reply, marked read"},
    {Type::conversation_handoff, "conversation.handoff", true, "{conversation_id, reason}",
     "the conversation was handed to a person"},
    {Type::document_updated, "document.updated", true, "{document_id, status}",
     "a document is added, replaced, edited, extracted or deleted"},
    {Type::settings_updated, "settings.updated", true, "{section}",
     "an owner saved settings; every replica applies saved WhatsApp credentials when it hears "
     "this"},
    {Type::job_failed, "job.failed", true, "{job_id, kind, conversation_id, error}",
     "a background job failed for good"},
    {Type::ai_typing, "ai.typing", false, "{conversation_id, typing}",
     "the AI starts and stops writing an answer"},
    {Type::ai_delta, "ai.delta", false, "{conversation_id, text, done}",
     "while the model streams; only to sockets subscribed to the conversation"},
    {Type::agent_typing, "agent.typing", false, "{conversation_id, user_id}",
     "a colleague is typing; not echoed to their own socket"},
    {Type::flow_completed, "flow.completed", true,
     "{conversation_id, run_id, flow_id, flow_name, version, status, fields}",
     "a flow's run ended completed or handed to a person, with the fields its save steps "
     "kept"},
}};

const Entry& entry(Type type) noexcept {
    for (const auto& e : kCatalog) {
        if (e.type == type) return e;
    }
    return kCatalog[0];  // unreachable: every enumerator has a row (checked by a unit test)
}

Event make(Type type, json data, std::optional<std::string> conversation_id = std::nullopt) {
    Event e;
    e.type = type;
    e.data = std::move(data);
    e.conversation_id = std::move(conversation_id);
    return e;
}

}  // namespace

std::string_view name(Type type) noexcept { return entry(type).name; }
bool durable(Type type) noexcept { return entry(type).durable; }
std::string_view fields(Type type) noexcept { return entry(type).fields; }
std::string_view when(Type type) noexcept { return entry(type).when; }

std::optional<Type> parse_type(std::string_view name) noexcept {
    for (const auto& e : kCatalog) {
        if (e.name == name) return e.type;
    }
    return std::nullopt;
}

Event message_created(const std::string& conversation_id, json message) {
    return make(Type::message_created,
                {{"conversation_id", conversation_id}, {"message", std::move(message)}},
                conversation_id);
}

Event message_updated(const std::string& conversation_id, const std::string& message_id,
                      const std::string& status, std::optional<std::string> error_reason) {
    return make(Type::message_updated,
                {{"conversation_id", conversation_id},
                 {"message_id", message_id},
                 {"status", status},
                 {"error_reason", error_reason ? json(*error_reason) : json(nullptr)}},
                conversation_id.empty() ? std::nullopt : std::optional(conversation_id));
}

Event conversation_updated(json conversation) {
    std::optional<std::string> id;
    if (conversation.contains("id") && conversation["id"].is_string()) {
        id = conversation["id"].get<std::string>();
    }
    return make(Type::conversation_updated, {{"conversation", std::move(conversation)}}, id);
}

Event conversation_handoff(const std::string& conversation_id, const std::string& reason) {
    return make(Type::conversation_handoff,
                {{"conversation_id", conversation_id}, {"reason", reason}}, conversation_id);
}

Event document_updated(const std::string& document_id, const std::string& status) {
    return make(Type::document_updated, {{"document_id", document_id}, {"status", status}});
}

Event settings_updated(const std::string& section) {
    return make(Type::settings_updated, {{"section", section}});
}

Event job_failed(std::int64_t job_id, const std::string& kind,
                 std::optional<std::string> conversation_id, const std::string& error) {
    return make(Type::job_failed,
                {{"job_id", job_id},
                 {"kind", kind},
                 {"conversation_id", conversation_id ? json(*conversation_id) : json(nullptr)},
                 {"error", error}},
                conversation_id);
}

Event ai_typing(const std::string& conversation_id, bool typing) {
    return make(Type::ai_typing, {{"conversation_id", conversation_id}, {"typing", typing}},
                conversation_id);
}

Event ai_delta(const std::string& conversation_id, const std::string& text, bool done) {
    auto e =
        make(Type::ai_delta, {{"conversation_id", conversation_id}, {"text", text}, {"done", done}},
             conversation_id);
    e.conversation_only = true;
    return e;
}

Event agent_typing(const std::string& conversation_id, const std::string& user_id,
                   std::uint64_t from_connection) {
    auto e = make(Type::agent_typing, {{"conversation_id", conversation_id}, {"user_id", user_id}},
                  conversation_id);
    e.from_connection = from_connection;
    return e;
}

Event flow_completed(const std::string& conversation_id, json run) {
    run["conversation_id"] = conversation_id;
    return make(Type::flow_completed, std::move(run), conversation_id);
}

std::string to_wire(const Event& event, const std::string& origin) {
    json wire{{"origin", origin},
              {"id", event.id},
              {"type", name(event.type)},
              {"ts", event.ts},
              {"data", event.data}};
    if (event.conversation_id) wire["conversation_id"] = *event.conversation_id;
    if (event.conversation_only) wire["conversation_only"] = true;
    if (event.from_connection) wire["live_only"] = true;  // a colleague typing: not for replay
    return wire.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::pair<Event, std::string>> from_wire(std::string_view text) {
    auto j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string()) {
        return std::nullopt;
    }
    auto type = parse_type(j["type"].get<std::string>());
    if (!type) return std::nullopt;
    Event e;
    e.type = *type;
    e.data = j.contains("data") ? j["data"] : json(nullptr);
    if (j.contains("conversation_id") && j["conversation_id"].is_string()) {
        e.conversation_id = j["conversation_id"].get<std::string>();
    }
    if (j.contains("id") && j["id"].is_number_integer()) e.id = j["id"].get<std::int64_t>();
    if (j.contains("ts") && j["ts"].is_number_integer()) e.ts = j["ts"].get<std::int64_t>();
    e.conversation_only = j.contains("conversation_only") && j["conversation_only"] == true;
    // A connection id no socket of the receiving replica has: everyone there gets it, and it
    // is not kept for replay.
    if (j.contains("live_only") && j["live_only"] == true) e.from_connection = ~std::uint64_t{0};
    std::string origin;
    if (j.contains("origin") && j["origin"].is_string()) origin = j["origin"].get<std::string>();
    return std::make_pair(std::move(e), std::move(origin));
}

}  // namespace botflow::events
