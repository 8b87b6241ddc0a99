// Messages to a customer are stored first, status queued, and sent by one durable
// `whatsapp_send` job per call, in order. Functions run in the caller's transaction.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "botflow/whatsapp/outgoing.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::whatsapp {

struct QueuedMessage {
    std::string conversation_id;
    Outgoing message;
    std::string sender = "agent";  // agent | ai | system | flow | campaign
    std::optional<std::string> sender_user_id;
};

/// Stores `q.message` (a text longer than one message as several) and enqueues its sending.
/// reply_to must be a message of the conversation that WhatsApp knows, a reaction's message one
/// of the conversation, and media_id a stored upload (POST /api/media): else
/// Errc::unprocessable naming the field. Errc::not_found for no such conversation. Returns the
/// stored messages' ids in sending order.
std::vector<std::string> queue_message(pqxx::dbtransaction& tx, const QueuedMessage& q);

}  // namespace botflow::whatsapp
