// The application: the only place that knows every module. It builds the shared parts
// (configuration, pools, clients), gives each module what it works with, calls each module's
// register_module, and runs the server until SIGTERM.
#pragma once
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "botflow/ai/llm.hpp"
#include "botflow/ai/module.hpp"
#include "botflow/analytics/module.hpp"
#include "botflow/auth/module.hpp"
#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/conversations/dispatcher.hpp"
#include "botflow/conversations/inbox.hpp"
#include "botflow/conversations/module.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/core/bounded_pool.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/flows/module.hpp"
#include "botflow/http/metrics.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/module.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/knowledge/module.hpp"
#include "botflow/prompts/module.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/http_client.hpp"
#include "botflow/util/redis_client.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "botflow/whatsapp/module.hpp"
#include "botflow/ws/hub.hpp"
#include "botflow/ws/module.hpp"

namespace botflow {

class App {
public:
    /// Builds everything and registers every module; connects to nothing yet.
    explicit App(config::Config config);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// Migrates, connects, listens and runs until SIGTERM or SIGINT, then drains in-flight
    /// requests within SHUTDOWN_GRACE_SECONDS. Blocks. Returns the process exit code.
    int serve();

    config::Config config;
    asio::io_context io;
    BoundedPool cpu;               // disk work: static file reads
    BoundedPool hashing;           // argon2id, apart, so sign-ins cannot starve the rest
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
    conversations::Inbox inbox;
    std::string instance_id;  // tells this replica's events and job locks from the others'
    jobs::JobRunner jobs;
    conversations::Dispatcher turns;  // who answers a customer's turn
    ws::Hub hub;                      // this replica's live-feed sockets
    events::Bus bus;                  // events to the live feed, the other replicas and subscribers
    http::Router router;
    http::Metrics metrics;
    std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();

    // What each module works with, in the order they register (a module's routes and job
    // kinds refer to its struct, so these live as long as the App).
    auth::Module auth_module;
    jobs::Module jobs_module;
    ws::Module ws_module;
    knowledge::Module knowledge_module;
    prompts::Module prompts_module;
    whatsapp::Module whatsapp_module;
    conversations::Module conversations_module;
    ai::Module ai_module;
    flows::Module flows_module;
    analytics::Module analytics_module;

private:
    struct Drain;  // the signals, the drain's timer and the grace deadline (app.cpp)

    // Migrates, creates the first owner, seeds the templates, loads the WhatsApp credentials,
    // warms the pool and starts Redis, the bus and the webhook upkeep. False: exit 1 (logged).
    bool start_up();
    // The first SIGTERM or SIGINT stops accepting, closes the live feed and stops taking jobs,
    // then polls until all is idle or the grace is over; a second one stops at once.
    void wait_for_signal(Drain& drain);
    void on_signal(Drain& drain, int sig);
    void poll_drain(Drain& drain);
    // Runs the io_context on IO_THREADS threads until it stops.
    void run_io();
    // Once no thread runs the io_context: stops the clients, gives unfinished jobs back to
    // the queue and stops the pools, synchronously.
    void shut_down(Drain& drain);
};

/// GET /api/health, /api/ready, /metrics, /api/openapi.json.
void register_system_routes(App& app);

/// GET /api/setup (public: whether the first owner is still to be registered) and
/// GET /api/setup/checklist (what is connected and what is missing).
void register_setup_routes(App& app);

/// The OpenAPI document compiled into the binary, parsed.
const nlohmann::json& openapi_document();

}  // namespace botflow
