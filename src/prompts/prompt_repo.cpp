#include "botflow/prompts/prompt_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/store/db.hpp"

namespace botflow::prompts {
namespace {

using nlohmann::json;
using store::nullable;

constexpr const char* kColumns =
    "SELECT t.id::text, t.slug, t.name, t.industry, t.description, t.body, t.variables::text, "
    " t.is_builtin, t.is_active, to_json(t.created_at) #>> '{}', to_json(t.updated_at) #>> '{}' "
    "FROM prompt_templates t ";

PromptTemplate read(const pqxx::row& r) {
    PromptTemplate t;
    t.id = r[0].as<std::string>();
    t.slug = r[1].as<std::string>();
    t.name = r[2].as<std::string>();
    t.category = r[3].as<std::string>();
    t.description = r[4].as<std::string>();
    t.body = r[5].as<std::string>();
    t.variables = json::parse(r[6].as<std::string>());
    t.builtin = r[7].as<bool>();
    t.active = r[8].as<bool>();
    t.created_at = r[9].as<std::string>();
    t.updated_at = r[10].as<std::string>();
    return t;
}

std::optional<PromptTemplate> first(const pqxx::result& r) {
    if (r.empty()) return std::nullopt;
    return read(r[0]);
}

}  // namespace

void lock_seeding(pqxx::dbtransaction& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('prompt_templates.seed', 7))");
}

std::optional<bool> upsert_builtin(pqxx::dbtransaction& tx, const std::string& slug,
                                   const TemplateFields& f) {
    auto r = tx.exec_params(
        "INSERT INTO prompt_templates (slug, name, industry, description, body, variables, "
        " is_builtin) VALUES ($1, $2, $3, $4, $5, $6::jsonb, true) "
        "ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, industry = EXCLUDED.industry, "
        " description = EXCLUDED.description, body = EXCLUDED.body, "
        " variables = EXCLUDED.variables, updated_at = now() "
        "WHERE prompt_templates.is_builtin AND (prompt_templates.name, "
        " prompt_templates.industry, prompt_templates.description, prompt_templates.body) "
        " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.industry, EXCLUDED.description, "
        " EXCLUDED.body) "
        "RETURNING (xmax = 0)",
        slug, f.name, f.category, f.description, f.body, f.variables.dump());
    if (r.empty()) return std::nullopt;
    return r[0][0].as<bool>();
}

void activate_default_if_none(pqxx::dbtransaction& tx) {
    tx.exec(
        "UPDATE prompt_templates SET is_active = true, updated_at = now() WHERE id = ("
        " SELECT id FROM prompt_templates WHERE is_builtin "
        " ORDER BY slug <> 'general', slug LIMIT 1) "
        "AND NOT EXISTS (SELECT 1 FROM prompt_templates WHERE is_active)");
}

std::vector<PromptTemplate> list_templates_rows(pqxx::dbtransaction& tx) {
    auto r = tx.exec(std::string(kColumns) +
                     "ORDER BY t.is_active DESC, t.is_builtin, t.slug = 'general' DESC, t.name");
    std::vector<PromptTemplate> out;
    for (const auto& row : r) out.push_back(read(row));
    return out;
}

std::optional<PromptTemplate> find_template_row(pqxx::dbtransaction& tx, const std::string& id) {
    return first(tx.exec_params(std::string(kColumns) + "WHERE t.id = $1::uuid", id));
}

std::optional<PromptTemplate> find_active_template_row(pqxx::dbtransaction& tx) {
    return first(tx.exec(std::string(kColumns) + "WHERE t.is_active"));
}

std::string insert_template(pqxx::dbtransaction& tx, const TemplateFields& f) {
    auto r = tx.exec_params(
        "INSERT INTO prompt_templates (slug, name, industry, description, body, variables) "
        "VALUES ('custom-' || replace(gen_random_uuid()::text, '-', ''), $1, $2, $3, $4, "
        " $5::jsonb) RETURNING id::text",
        f.name, f.category, f.description, f.body, f.variables.dump());
    return r[0][0].as<std::string>();
}

std::optional<TemplateFlags> lock_template(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(
        "SELECT is_builtin, is_active FROM prompt_templates WHERE id = $1::uuid FOR UPDATE", id);
    if (r.empty()) return std::nullopt;
    return TemplateFlags{r[0][0].as<bool>(), r[0][1].as<bool>()};
}

void update_template_row(pqxx::dbtransaction& tx, const std::string& id, const TemplateChange& c) {
    tx.exec_params(
        "UPDATE prompt_templates SET name = COALESCE($2, name), "
        " industry = COALESCE($3, industry), description = COALESCE($4, description), "
        " body = COALESCE($5, body), variables = COALESCE($6::jsonb, variables), "
        " updated_at = now() WHERE id = $1::uuid",
        id, nullable(c.name), nullable(c.category), nullable(c.description), nullable(c.body),
        nullable(c.variables));
}

void delete_template_row(pqxx::dbtransaction& tx, const std::string& id) {
    tx.exec_params("DELETE FROM prompt_templates WHERE id = $1::uuid", id);
}

bool set_active_template(pqxx::dbtransaction& tx, const std::string& id) {
    // Serialised, so two activations at once cannot both clear and both set.
    tx.exec("LOCK TABLE prompt_templates IN SHARE ROW EXCLUSIVE MODE");
    auto exists = tx.exec_params("SELECT 1 FROM prompt_templates WHERE id = $1::uuid", id);
    if (exists.empty()) return false;
    tx.exec_params(
        "UPDATE prompt_templates SET is_active = false, updated_at = now() "
        "WHERE is_active AND id <> $1::uuid",
        id);
    tx.exec_params(
        "UPDATE prompt_templates SET is_active = true, updated_at = now() "
        "WHERE id = $1::uuid AND NOT is_active",
        id);
    return true;
}

bool time_zone_exists(pqxx::dbtransaction& tx, const std::string& name) {
    return !tx.exec_params("SELECT 1 FROM pg_timezone_names WHERE name = $1", name).empty();
}

}  // namespace botflow::prompts
