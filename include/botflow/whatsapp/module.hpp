// The WhatsApp channel module: the credentials in Settings, the Graph API client's jobs
// (sending, fetching media) and the webhook's upkeep.
#pragma once
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/redis_client.hpp"

namespace botflow::whatsapp {

class Connection;
class ActivityLog;
class GraphClient;

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    asio::io_context& io;
    store::Db& db;
    store::Db& jobs_db;
    jobs::JobRunner& jobs;
    util::RedisClient& redis;
    http::Router& router;
    Connection& whatsapp;        // the credentials in effect
    ActivityLog& webhook_calls;  // when Meta last called the webhook, and how it went
    GraphClient& graph;
};

/// /api/settings/whatsapp..., and the whatsapp_send and media_fetch job kinds.
void register_module(Module& mod);

/// Reads the saved credentials into mod.whatsapp with a connection of its own (at start,
/// before the io_context runs). Throws on a database error.
void load_credentials_now(Module& mod);
/// Reads them again in the background: another replica saved new ones.
void reload_credentials(Module& mod);
/// Every 2 s shares what this replica's webhook saw (when something is new) through Redis;
/// every minute reads the credentials again. Runs on mod.io until it stops.
void start_webhook_upkeep(Module& mod);

}  // namespace botflow::whatsapp
