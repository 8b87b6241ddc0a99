// Prompt templates and the business profile: their rules and the JSON the API shows (their rows
// are in prompt_repo and store/setting_repo). Functions run in the caller's transaction.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "botflow/prompts/templates.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::prompts {

struct SeedResult {
    int inserted = 0;
    int updated = 0;
};

/// Inserts or updates the built-in templates by slug (never touching the owner's own), and
/// activates "general" (or the first) when no template is active.
SeedResult seed_builtin(pqxx::dbtransaction& tx, const std::vector<TemplateFile>& files);

nlohmann::json list_templates(pqxx::dbtransaction& tx);
std::optional<nlohmann::json> find_template(pqxx::dbtransaction& tx, const std::string& id);
/// The active template, or nullopt when there is none.
std::optional<nlohmann::json> active_template(pqxx::dbtransaction& tx);

struct TemplateInput {
    std::optional<std::string> name, category, description, body;
};

/// Checks a template's text as a save does: 1 to 20000 bytes, known variables only (422 on
/// field `body`).
void check_body(const std::string& body);

/// A new template of the owner's. Validates the body (422 naming unknown variables).
nlohmann::json create_template(pqxx::dbtransaction& tx, const TemplateInput& input);
/// Changes the owner's template; built-in ones answer 409 (copy them instead). nullopt: no
/// such template.
std::optional<nlohmann::json> update_template(pqxx::dbtransaction& tx, const std::string& id,
                                              const TemplateInput& input);
/// Deletes the owner's template: 409 for a built-in or the active one. False: no such
/// template.
bool delete_template(pqxx::dbtransaction& tx, const std::string& id);
/// Makes it the one active template. nullopt: no such template.
std::optional<nlohmann::json> activate_template(pqxx::dbtransaction& tx, const std::string& id);

/// The business profile the variables use: {name, language, hours: {time_zone, days}}.
nlohmann::json business_profile(pqxx::dbtransaction& tx);
/// Validates and stores a profile (one 422 naming every field at fault). Returns it as stored.
nlohmann::json put_business_profile(pqxx::dbtransaction& tx, const nlohmann::json& body,
                                    const std::string& user_id);

/// "Monday 09:00-17:00" lines for {{business_hours}}, with the time zone; "Closed" days too.
std::string format_hours(const nlohmann::json& hours);

}  // namespace botflow::prompts
