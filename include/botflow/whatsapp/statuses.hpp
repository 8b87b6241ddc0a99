// Delivery statuses of the messages BotFlow sent: applied to their message (never moving
// backwards; failed is final), or kept until the message they name is stored (a status can
// outrun the send's own record of its wamid). Functions run in the caller's transaction.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "botflow/events/catalog.hpp"
#include "botflow/whatsapp/webhook.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::whatsapp {

/// Applies each status of a delivery, or keeps it for a message not stored yet. Each status
/// that moved a message adds its message.updated to `events`. Returns {applied, kept}.
std::pair<int, int> apply_statuses(pqxx::dbtransaction& tx,
                                   const std::vector<StatusUpdate>& statuses,
                                   std::vector<events::Event>& events);

/// Applies and removes the statuses kept for `wamid` (call when a message with that wamid
/// appears). Returns how many were applied.
int apply_pending_statuses(pqxx::dbtransaction& tx, const std::string& wamid);

}  // namespace botflow::whatsapp
