#include "botflow/store/setting_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::store {

std::optional<nlohmann::json> get_setting(pqxx::dbtransaction& tx, const std::string& key) {
    auto r = tx.exec_params("SELECT value::text FROM settings WHERE key = $1", key);
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return nlohmann::json::parse(r[0][0].as<std::string>());
}

std::map<std::string, nlohmann::json> get_settings(pqxx::dbtransaction& tx,
                                                   const std::vector<std::string>& keys) {
    auto rows = tx.exec_params(
        "SELECT key, value::text FROM settings WHERE key = ANY($1::text[]) AND value IS NOT NULL",
        text_array(keys));
    std::map<std::string, nlohmann::json> out;
    for (const auto& r : rows) {
        out[r[0].as<std::string>()] = nlohmann::json::parse(r[1].as<std::string>());
    }
    return out;
}

void put_setting(pqxx::dbtransaction& tx, const std::string& key, const nlohmann::json& value,
                 const std::optional<std::string>& updated_by) {
    tx.exec_params(
        "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2::jsonb, $3::uuid) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
        "updated_by = EXCLUDED.updated_by, updated_at = now()",
        key, value.dump(), nullable(updated_by));
}

std::optional<std::string> get_sealed_setting(pqxx::dbtransaction& tx, const std::string& key,
                                              const Secret& sealing_key) {
    auto r = tx.exec_params(
        "SELECT encrypted_value FROM settings WHERE key = $1 AND encrypted_value IS NOT NULL", key);
    if (r.empty()) return std::nullopt;
    pqxx::binarystring sealed(r[0][0]);
    return util::unseal(sealing_key, sealed.str());
}

void put_sealed_setting(pqxx::dbtransaction& tx, const std::string& key, std::string_view plain,
                        const Secret& sealing_key, const std::optional<std::string>& updated_by) {
    auto sealed = util::seal(sealing_key, plain);
    tx.exec_params(
        "INSERT INTO settings (key, encrypted_value, updated_by) "
        "VALUES ($1, $2, $3::uuid) ON CONFLICT (key) DO UPDATE SET "
        " value = NULL, encrypted_value = EXCLUDED.encrypted_value, "
        " updated_by = EXCLUDED.updated_by, updated_at = now()",
        key, pqxx::binarystring(sealed), nullable(updated_by));
}

void delete_setting(pqxx::dbtransaction& tx, const std::string& key) {
    tx.exec_params("DELETE FROM settings WHERE key = $1", key);
}

}  // namespace botflow::store
