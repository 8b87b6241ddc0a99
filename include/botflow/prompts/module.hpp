// The prompts module: prompt templates and the business profile.
#pragma once
#include <string>

#include "botflow/config/config.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/db.hpp"

namespace botflow::prompts {

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    store::Db& db;
    http::Router& router;
};

/// /api/prompts..., /api/settings/business.
void register_module(Module& mod);

/// Seeds the built-in templates (synchronously, before serving). Returns false and logs when
/// the database refuses.
bool seed_templates(const std::string& database_url);

}  // namespace botflow::prompts
