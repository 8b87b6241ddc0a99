// Route registration of prompt templates and the business profile.
#pragma once
#include <string>

namespace botflow {
class App;
}

namespace botflow::prompts {

/// /api/prompts..., /api/settings/business.
void register_routes(App& app);

/// Seeds the built-in templates (synchronously, before serving). Returns false and logs when
/// the database refuses.
bool seed_templates(const std::string& database_url);

}  // namespace botflow::prompts
