// Outbound WhatsApp: replies stored first and sent by a durable `whatsapp_send` job, paced per
// number and per customer; inbound media fetched by a `media_fetch` job.
#pragma once
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "botflow/core/asio.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow {
class App;
}

namespace botflow::whatsapp {

struct Reply {
    std::string conversation_id;
    std::string text;
    std::string sender = "agent";  // agent | ai | system
    std::optional<std::string> sender_user_id;
    std::optional<std::string> reply_to;  // a wamid to quote
};

/// Stores `reply` as outbound text messages (split at 4096 characters), status queued, and
/// enqueues one `whatsapp_send` job that sends them in order. Runs in the caller's
/// transaction. Returns the messages' ids in sending order.
std::vector<std::string> queue_reply(pqxx::dbtransaction& tx, const Reply& reply);

/// Throws Errc::conflict with a readable explanation unless the conversation's 24-hour
/// customer service window is open (or it is a simulator conversation). Runs in the caller's
/// transaction; throws Errc::not_found for no such conversation.
void check_window(pqxx::dbtransaction& tx, const std::string& conversation_id);

/// The per-number and per-customer send pacing, shared by every replica through Redis.
struct Pacing {
    int per_second = 80;  // per business number
    int pair_burst = 6;   // to one customer at once, then one per pair_interval
    std::chrono::milliseconds pair_interval{6000};
};

/// Registers the `whatsapp_send` and `media_fetch` job handlers with the app's runner.
void register_whatsapp_jobs(App& app);

/// Marks an inbound message read, optionally with the typing indicator. Best effort: failures
/// are logged, never thrown (a missing blue tick must not stop an answer). Takes the wamid by
/// value: it may run detached, after its caller returned.
asio::awaitable<void> mark_read(App& app, std::string wamid, bool typing);

/// The largest media file WhatsApp allows for a message type (its reference table), in bytes.
std::size_t media_limit(const std::string& type);

}  // namespace botflow::whatsapp
