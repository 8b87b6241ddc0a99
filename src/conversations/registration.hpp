// The conversations module's parts, registered by register_module (src/conversations/module.cpp).
#pragma once
#include "botflow/conversations/module.hpp"

namespace botflow::conversations {

/// GET and POST /api/webhook/whatsapp.
void register_webhook_routes(Module& mod);
/// /api/conversations and its sub-resources (signed-in users).
void register_conversation_routes(Module& mod);
/// POST /api/conversations/:id/messages (agent replies), GET /api/messages/:id/media,
/// POST /api/media (files to send).
void register_message_routes(Module& mod);
/// POST /api/simulator/messages: the dashboard's customer.
void register_simulator_routes(Module& mod);

}  // namespace botflow::conversations
