// The conversations module: Meta's webhook into the inbox, the conversations and their
// messages (the agents' replies, the simulator), and the customer turn's dispatcher.
#pragma once
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"
#include "botflow/whatsapp/graph.hpp"

namespace botflow::whatsapp {
class Connection;
class ActivityLog;
}  // namespace botflow::whatsapp

namespace botflow::conversations {

class Inbox;
class Dispatcher;

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    asio::io_context& io;
    store::Db& db;
    store::Db& jobs_db;
    jobs::JobRunner& jobs;
    http::Router& router;
    whatsapp::Connection& whatsapp;
    whatsapp::ActivityLog& webhook_calls;
    whatsapp::GraphClient& graph;
    Inbox& inbox;
    Dispatcher& turns;
};

/// /api/webhook/whatsapp, /api/conversations..., /api/messages/:id/media,
/// /api/simulator/messages, and the turn job kinds.
void register_module(Module& mod);

}  // namespace botflow::conversations
