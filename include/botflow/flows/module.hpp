// The flows module: flow documents and their versions (/api/flows...), the secrets their API
// calls send, the engine that runs them (the dispatcher's flow_run and flow_trigger slots and
// the flow_resume job), and the runs' logs.
#pragma once
#include "botflow/ai/llm.hpp"
#include "botflow/config/config.hpp"
#include "botflow/conversations/dispatcher.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/http/metrics.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/http_client.hpp"

namespace botflow::flows {

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    asio::io_context& io;
    store::Db& db;
    store::Db& jobs_db;
    jobs::JobRunner& jobs;
    http::Router& router;
    events::Bus& bus;
    util::HttpClient& http;  // the businesses' APIs that api_call steps call
    ai::LlmClient& llm;      // ai_response steps and intent triggers
    http::Metrics& metrics;  // where the runs' and steps' counters are scraped
    conversations::Dispatcher& turns;
};

/// Routes, the turn responders (Slot::flow_run, Slot::flow_trigger) and the flow_resume job.
void register_module(Module& mod);

}  // namespace botflow::flows
