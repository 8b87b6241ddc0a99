// The saved WhatsApp credentials in the settings table, read and counted in ways the general
// settings functions (store/user_repo.hpp) do not offer. Private to whatsapp/; functions run
// in the caller's transaction.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::whatsapp {

/// One saved setting: its value as text (a JSON string unquoted) and its sealed value.
struct SavedSetting {
    std::string key;
    std::optional<std::string> text;
    std::optional<std::string> sealed;
};

/// The settings saved under `keys`, in one statement: one snapshot, so a version read with
/// them describes the values read.
std::vector<SavedSetting> find_saved_settings(pqxx::dbtransaction& tx,
                                              const std::vector<std::string>& keys);

/// Adds one to the counter saved under `key` (1 when there is none).
void increment_setting(pqxx::dbtransaction& tx, const std::string& key,
                       const std::string& updated_by);

}  // namespace botflow::whatsapp
