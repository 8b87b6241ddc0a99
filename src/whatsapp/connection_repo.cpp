#include "whatsapp/connection_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/store/db.hpp"

namespace botflow::whatsapp {

std::vector<SavedSetting> find_saved_settings(pqxx::dbtransaction& tx,
                                              const std::vector<std::string>& keys) {
    auto r = tx.exec_params(
        "SELECT key, value #>> '{}', encrypted_value FROM settings WHERE key = ANY($1::text[])",
        store::text_array(keys));
    std::vector<SavedSetting> out;
    for (const auto& row : r) {
        SavedSetting s{row[0].as<std::string>(), std::nullopt, std::nullopt};
        if (!row[1].is_null()) s.text = row[1].as<std::string>();
        if (!row[2].is_null()) s.sealed = pqxx::binarystring(row[2]).str();
        out.push_back(std::move(s));
    }
    return out;
}

void increment_setting(pqxx::dbtransaction& tx, const std::string& key,
                       const std::string& updated_by) {
    tx.exec_params(
        "INSERT INTO settings (key, value, updated_by) VALUES ($1, '1', $2::uuid) "
        "ON CONFLICT (key) DO UPDATE SET value = to_jsonb((settings.value #>> '{}')::bigint "
        " + 1), updated_by = EXCLUDED.updated_by, updated_at = now()",
        key, updated_by);
}

}  // namespace botflow::whatsapp
