// Outbound WhatsApp: the `whatsapp_send` job (queue.hpp stores what it sends), paced per number
// and per customer; inbound media fetched by a `media_fetch` job; the 24-hour window.
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

namespace botflow::whatsapp {

class GraphClient;

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

/// Marks an inbound message read, optionally with the typing indicator. Best effort: failures
/// are logged, never thrown (a missing blue tick must not stop an answer). Takes the wamid by
/// value: it may run detached, after its caller returned.
asio::awaitable<void> mark_read(GraphClient& graph, std::string wamid, bool typing);

/// The largest media file WhatsApp allows for a message type (its reference table), in bytes.
std::size_t media_limit(const std::string& type);

}  // namespace botflow::whatsapp
