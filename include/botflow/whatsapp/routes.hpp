// Route registration of the WhatsApp channel.
#pragma once

namespace botflow {
class App;
}

namespace botflow::whatsapp {

enum class Activity;
struct Credentials;

/// GET and POST /api/webhook/whatsapp.
void register_routes(App& app);
/// GET and PUT /api/settings/whatsapp, POST /api/settings/whatsapp/check.
void register_settings_routes(App& app);

/// Notes a call of Meta's to the webhook (for the connection check), under the credentials it
/// was checked against; never throws.
void note_activity(App& app, const Credentials& checked_with, Activity a);
/// Every 2 s shares what this replica's webhook saw (when something is new) through Redis;
/// every minute reads the credentials again. Runs on app.io until it stops.
void start_webhook_upkeep(App& app);
/// Reads the saved credentials into app.whatsapp with a connection of its own (at start, before
/// the io_context runs). Throws on a database error.
void load_credentials_now(App& app);
/// Reads them again in the background: another replica saved new ones.
void reload_credentials(App& app);
/// /api/conversations and its sub-resources (signed-in users).
void register_conversation_routes(App& app);
/// POST /api/conversations/:id/messages (agent replies), GET /api/messages/:id/media and
/// POST /api/simulator/messages.
void register_message_routes(App& app);

}  // namespace botflow::whatsapp
