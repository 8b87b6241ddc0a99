// Route registration of the WhatsApp channel.
#pragma once

namespace botflow {
class App;
}

namespace botflow::whatsapp {

/// GET and POST /api/webhook/whatsapp.
void register_routes(App& app);
/// /api/conversations and its sub-resources (signed-in users).
void register_conversation_routes(App& app);
/// POST /api/conversations/:id/messages (agent replies), GET /api/messages/:id/media and
/// POST /api/simulator/messages.
void register_message_routes(App& app);

}  // namespace botflow::whatsapp
