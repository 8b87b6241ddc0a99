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

}  // namespace botflow::whatsapp
