// The application: configuration, pools, clients and routes wired together; `serve` runs it.
#pragma once
#include <chrono>
#include <memory>

#include "botflow/ai/llm.hpp"
#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/conversations/dispatcher.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/http/metrics.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/http_client.hpp"
#include "botflow/util/redis_client.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "botflow/whatsapp/inbox.hpp"
#include "botflow/ws/hub.hpp"

namespace botflow {

class App {
public:
    /// Builds everything and registers every module's routes; connects to nothing yet.
    explicit App(config::Config config);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// Migrates, connects, listens and runs until SIGTERM or SIGINT, then drains in-flight
    /// requests within SHUTDOWN_GRACE_SECONDS. Blocks. Returns the process exit code.
    int serve();

    config::Config config;
    asio::io_context io;
    asio::thread_pool cpu;         // CPU-bound or disk work: hashing, static file reads
    asio::thread_pool extraction;  // waits on document extraction children (up to a minute)
    store::Db db;       // requests: the webhook and the API never wait behind background work
    store::Db jobs_db;  // job handlers and the job queue (JOB_DB_POOL_SIZE connections)
    util::RedisClient redis;
    util::HttpClient http;                // outbound calls: WhatsApp's Graph API, the LLM
    whatsapp::Connection whatsapp;        // the WhatsApp credentials in effect
    whatsapp::ActivityLog webhook_calls;  // when Meta last called the webhook, and how it went
    whatsapp::GraphClient graph;
    auth::Sessions sessions;
    ai::LlmClient llm;
    whatsapp::Inbox inbox;
    jobs::JobRunner jobs;
    conversations::Dispatcher turns;  // who answers a customer's turn
    ws::Hub hub;                      // this replica's live-feed sockets
    std::shared_ptr<void> feed;       // the feed's socket shards (src/ws), destroyed before `io`
    std::string instance_id;          // tells this replica's events from the others' on Redis
    events::Bus bus;                  // events to the live feed, the other replicas and subscribers
    http::Router router;
    http::Metrics metrics;
    std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
};

/// GET /api/health, /api/ready, /metrics, /api/openapi.json.
void register_system_routes(App& app);

/// GET /api/setup (public: whether the first owner is still to be registered) and
/// GET /api/setup/checklist (what is connected and what is missing).
void register_setup_routes(App& app);

/// The OpenAPI document compiled into the binary, parsed.
const nlohmann::json& openapi_document();

/// Build version and commit, e.g. "0.1.0" and "a1b2c3d4e5f6".
const char* build_version() noexcept;
const char* build_commit() noexcept;

}  // namespace botflow
