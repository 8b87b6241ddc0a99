// Prompt templates in PostgreSQL (prompt_templates). Each function runs in the caller's
// transaction.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::prompts {

/// A template as stored. Times are as PostgreSQL writes a timestamptz in JSON.
struct PromptTemplate {
    std::string id, slug, name, category, description, body;
    nlohmann::json variables = nlohmann::json::array();  // the variables its body uses
    bool builtin = false;
    bool active = false;
    std::string created_at, updated_at;
};

/// What a template's row holds that the owner writes.
struct TemplateFields {
    std::string name, category, description, body;
    nlohmann::json variables = nlohmann::json::array();
};

/// Holds the seeding lock until the transaction ends: one seeding at a time (replicas
/// starting together).
void lock_seeding(pqxx::dbtransaction& tx);
/// Inserts a built-in template by slug, or updates it when it changed (never the owner's own).
/// True: inserted, false: updated, none: unchanged.
std::optional<bool> upsert_builtin(pqxx::dbtransaction& tx, const std::string& slug,
                                   const TemplateFields& fields);
/// Activates "general" (or the first built-in) when no template is active.
void activate_default_if_none(pqxx::dbtransaction& tx);

/// The active one first, then the built-in ones ("general" first), then by name.
std::vector<PromptTemplate> list_templates_rows(pqxx::dbtransaction& tx);
std::optional<PromptTemplate> find_template_row(pqxx::dbtransaction& tx, const std::string& id);
std::optional<PromptTemplate> find_active_template_row(pqxx::dbtransaction& tx);

/// A new template of the owner's; returns its id.
std::string insert_template(pqxx::dbtransaction& tx, const TemplateFields& fields);
/// Whether a template is built in and whether it is the active one, locked for a change.
struct TemplateFlags {
    bool builtin = false;
    bool active = false;
};
std::optional<TemplateFlags> lock_template(pqxx::dbtransaction& tx, const std::string& id);
/// Changes what is given (none: kept).
struct TemplateChange {
    std::optional<std::string> name, category, description, body, variables;
};
void update_template_row(pqxx::dbtransaction& tx, const std::string& id,
                         const TemplateChange& change);
void delete_template_row(pqxx::dbtransaction& tx, const std::string& id);
/// Makes it the one active template, serialised against other activations. False: no such
/// template.
bool set_active_template(pqxx::dbtransaction& tx, const std::string& id);

/// PostgreSQL knows the time zone (e.g. Europe/Madrid).
bool time_zone_exists(pqxx::dbtransaction& tx, const std::string& name);

}  // namespace botflow::prompts
