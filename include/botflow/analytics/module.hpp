// The analytics module: the reports and their export, from daily summaries.
#pragma once
#include <memory>

#include "botflow/http/router.hpp"
#include "botflow/store/db.hpp"

namespace botflow::analytics {

struct LiveDays;

/// What the module works with; owned by the application, outlives the server.
struct Module {
    store::Db& db;
    http::Router& router;
    /// The days summed live lately (today's and yesterday's), made by register_module.
    std::shared_ptr<LiveDays> live_days;
};

/// /api/analytics/...
void register_module(Module& mod);

}  // namespace botflow::analytics
