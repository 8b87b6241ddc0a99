// The knowledge module: documents, their extraction job, and search.
#pragma once
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"

namespace botflow::knowledge {

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    store::Db& db;
    store::Db& jobs_db;
    jobs::JobRunner& jobs;
    http::Router& router;
    asio::thread_pool& extraction;  // waits on extraction children
};

/// /api/documents..., and the extract_document job kind.
void register_module(Module& mod);

}  // namespace botflow::knowledge
