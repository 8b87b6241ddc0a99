#include "flows/flow_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/store/db.hpp"
#include "botflow/store/rows.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;
using store::nullable;
using store::text_or_null;

constexpr const char* kFlowColumns =
    "f.id::text, f.name, f.description, f.draft::text, to_json(f.draft_updated_at) #>> '{}', "
    "f.published_version, COALESCE(v.version, 0), to_json(v.published_at) #>> '{}', f.priority, "
    "f.created_by::text, to_json(f.created_at) #>> '{}', to_json(f.updated_at) #>> '{}' "
    "FROM flows f LEFT JOIN LATERAL (SELECT version, published_at FROM flow_versions "
    " WHERE flow_id = f.id ORDER BY version DESC LIMIT 1) v ON true ";

FlowRow flow_of(const pqxx::row& r) {
    FlowRow f;
    f.id = r[0].as<std::string>();
    f.name = r[1].as<std::string>();
    f.description = r[2].as<std::string>();
    f.draft = json::parse(r[3].as<std::string>());
    f.draft_updated_at = r[4].as<std::string>();
    if (!r[5].is_null()) f.published_version = r[5].as<int>();
    f.latest_version = r[6].as<int>();
    f.published_at = text_or_null(r[7]);
    f.priority = r[8].as<int>();
    f.created_by = text_or_null(r[9]);
    f.created_at = r[10].as<std::string>();
    f.updated_at = r[11].as<std::string>();
    return f;
}

std::optional<std::string> opt_json(const std::optional<json>& v) {
    if (!v) return std::nullopt;
    return v->dump();
}

std::optional<std::string> opt_int(const std::optional<int>& v) {
    if (!v) return std::nullopt;
    return std::to_string(*v);
}

}  // namespace

std::vector<FlowRow> list_flows(pqxx::dbtransaction& tx) {
    auto rows =
        tx.exec(std::string("SELECT ") + kFlowColumns + "ORDER BY f.priority, f.created_at");
    std::vector<FlowRow> out;
    for (const auto& r : rows) out.push_back(flow_of(r));
    return out;
}

std::optional<FlowRow> find_flow(pqxx::dbtransaction& tx, const std::string& id) {
    auto rows = tx.exec_params(std::string("SELECT ") + kFlowColumns + "WHERE f.id = $1::uuid", id);
    if (rows.empty()) return std::nullopt;
    return flow_of(rows[0]);
}

FlowRow insert_flow(pqxx::dbtransaction& tx, const std::string& name,
                    const std::string& description, const json& draft, int priority,
                    const std::optional<std::string>& user_id) {
    auto id = tx.exec_params1(
                    "INSERT INTO flows (name, description, draft, priority, created_by) "
                    "VALUES ($1, $2, $3::jsonb, $4, $5::uuid) RETURNING id::text",
                    name, description, draft.dump(), priority, nullable(user_id))[0]
                  .as<std::string>();
    return *find_flow(tx, id);
}

std::optional<FlowRow> update_flow(pqxx::dbtransaction& tx, const std::string& id,
                                   const FlowChange& change) {
    auto r = tx.exec_params(
        "UPDATE flows SET name = COALESCE($2, name), description = COALESCE($3, description), "
        " draft = COALESCE($4::jsonb, draft), priority = COALESCE($5::int, priority), "
        " draft_updated_at = CASE WHEN $4::jsonb IS NULL THEN draft_updated_at ELSE now() END, "
        " updated_at = now() WHERE id = $1::uuid RETURNING id",
        id, nullable(change.name), nullable(change.description), nullable(opt_json(change.draft)),
        nullable(opt_int(change.priority)));
    if (r.empty()) return std::nullopt;
    return find_flow(tx, id);
}

bool user_exists(pqxx::dbtransaction& tx, const std::string& id) {
    return !tx.exec_params("SELECT 1 FROM users WHERE id = $1::uuid", id).empty();
}

bool delete_flow(pqxx::dbtransaction& tx, const std::string& id) {
    return !tx.exec_params("DELETE FROM flows WHERE id = $1::uuid RETURNING id", id).empty();
}

int insert_version(pqxx::dbtransaction& tx, const std::string& flow_id, const json& document,
                   const std::optional<std::string>& user_id) {
    tx.exec_params("SELECT id FROM flows WHERE id = $1::uuid FOR UPDATE", flow_id);
    auto version = tx.exec_params1(
                         "INSERT INTO flow_versions (flow_id, version, document, published_by) "
                         "SELECT $1::uuid, COALESCE(MAX(version), 0) + 1, $2::jsonb, $3::uuid "
                         "FROM flow_versions WHERE flow_id = $1::uuid RETURNING version",
                         flow_id, document.dump(), nullable(user_id))[0]
                       .as<int>();
    tx.exec_params(
        "UPDATE flows SET published_version = $2, updated_at = now() WHERE id = $1::uuid", flow_id,
        version);
    return version;
}

bool unpublish(pqxx::dbtransaction& tx, const std::string& flow_id) {
    return !tx.exec_params(
                  "UPDATE flows SET published_version = NULL, updated_at = now() "
                  "WHERE id = $1::uuid RETURNING id",
                  flow_id)
                .empty();
}

std::vector<VersionRow> list_versions(pqxx::dbtransaction& tx, const std::string& flow_id) {
    auto rows = tx.exec_params(
        "SELECT version, published_by::text, to_json(published_at) #>> '{}' FROM flow_versions "
        "WHERE flow_id = $1::uuid ORDER BY version DESC",
        flow_id);
    std::vector<VersionRow> out;
    for (const auto& r : rows) {
        out.push_back({r[0].as<int>(), nullptr, text_or_null(r[1]), r[2].as<std::string>()});
    }
    return out;
}

std::optional<VersionRow> find_version(pqxx::dbtransaction& tx, const std::string& flow_id,
                                       int version) {
    auto rows = tx.exec_params(
        "SELECT version, document::text, published_by::text, to_json(published_at) #>> '{}' "
        "FROM flow_versions WHERE flow_id = $1::uuid AND version = $2",
        flow_id, version);
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    return VersionRow{r[0].as<int>(), json::parse(r[1].as<std::string>()), text_or_null(r[2]),
                      r[3].as<std::string>()};
}

std::vector<LiveFlow> live_flows(pqxx::dbtransaction& tx) {
    auto rows = tx.exec(
        "SELECT id::text, name, priority, published_version FROM flows "
        "WHERE published_version IS NOT NULL ORDER BY priority, created_at");
    std::vector<LiveFlow> out;
    for (const auto& r : rows) {
        out.push_back(
            {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>(), r[3].as<int>()});
    }
    return out;
}

std::optional<LiveFlow> find_live_flow(pqxx::dbtransaction& tx, const std::string& id) {
    auto rows = tx.exec_params(
        "SELECT id::text, name, priority, published_version FROM flows "
        "WHERE id = $1::uuid AND published_version IS NOT NULL",
        id);
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    return LiveFlow{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>(), r[3].as<int>()};
}

std::vector<SecretRow> list_secrets(pqxx::dbtransaction& tx) {
    auto rows = tx.exec(
        "SELECT name, to_json(created_at) #>> '{}', to_json(updated_at) #>> '{}' "
        "FROM flow_secrets ORDER BY name");
    std::vector<SecretRow> out;
    for (const auto& r : rows) {
        out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()});
    }
    return out;
}

std::set<std::string> secret_names(pqxx::dbtransaction& tx) {
    std::set<std::string> out;
    for (const auto& r : tx.exec("SELECT name FROM flow_secrets"))
        out.insert(r[0].as<std::string>());
    return out;
}

void put_secret(pqxx::dbtransaction& tx, const std::string& name, const std::string& sealed,
                const std::optional<std::string>& user_id) {
    tx.exec_params(
        "INSERT INTO flow_secrets (name, sealed, updated_by) VALUES ($1, $2, $3::uuid) "
        "ON CONFLICT (name) DO UPDATE SET sealed = EXCLUDED.sealed, "
        " updated_by = EXCLUDED.updated_by, updated_at = now()",
        name, pqxx::binarystring(sealed), nullable(user_id));
}

bool delete_secret(pqxx::dbtransaction& tx, const std::string& name) {
    return !tx.exec_params("DELETE FROM flow_secrets WHERE name = $1 RETURNING name", name).empty();
}

std::map<std::string, std::string> sealed_secrets(pqxx::dbtransaction& tx,
                                                  const std::set<std::string>& names) {
    std::map<std::string, std::string> out;
    for (const auto& r : tx.exec("SELECT name, sealed FROM flow_secrets")) {
        auto name = r[0].as<std::string>();
        if (names.count(name)) out[name] = pqxx::binarystring(r[1]).str();
    }
    return out;
}

}  // namespace botflow::flows
