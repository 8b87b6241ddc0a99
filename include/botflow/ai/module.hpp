// The AI module: the AI's and the away message's turn responders, its settings, and the
// model's answer in template previews.
#pragma once
#include "botflow/config/config.hpp"
#include "botflow/conversations/dispatcher.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/db.hpp"
#include "botflow/whatsapp/graph.hpp"

namespace botflow::ai {

class LlmClient;

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    asio::io_context& io;
    store::Db& db;
    store::Db& jobs_db;
    http::Router& router;
    events::Bus& bus;
    LlmClient& llm;
    whatsapp::GraphClient& graph;  // read receipts and the typing indicator
    conversations::Dispatcher& turns;
};

/// /api/settings/ai..., /api/messages/:id/sources, /api/prompts/:id/preview, and the turn
/// responders (Slot::business_hours, Slot::ai).
void register_module(Module& mod);

}  // namespace botflow::ai
