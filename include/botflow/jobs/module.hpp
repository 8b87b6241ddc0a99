// The jobs module's routes (GET /api/jobs, retrying a dead job) and its maintenance job.
#pragma once
#include "botflow/http/router.hpp"
#include "botflow/store/db.hpp"

namespace botflow::jobs {

class JobRunner;

/// What the module works with; owned by the application, outlives the server.
struct Module {
    store::Db& db;
    store::Db& jobs_db;
    JobRunner& jobs;
    http::Router& router;
};

/// /api/jobs..., and the jobs.prune job kind.
void register_module(Module& mod);

}  // namespace botflow::jobs
