// The settings table: the owner's choices by key, plain JSON or sealed secrets. Each function
// runs in the caller's transaction.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/secret.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::store {

std::optional<nlohmann::json> get_setting(pqxx::dbtransaction& tx, const std::string& key);
/// Several settings in one round trip: those that are set, by key.
std::map<std::string, nlohmann::json> get_settings(pqxx::dbtransaction& tx,
                                                   const std::vector<std::string>& keys);
void put_setting(pqxx::dbtransaction& tx, const std::string& key, const nlohmann::json& value,
                 const std::optional<std::string>& updated_by);

/// A secret saved under `key`, sealed (util::seal) with `sealing_key`; nullopt when none is
/// saved. Throws std::runtime_error when it was sealed with another key.
std::optional<std::string> get_sealed_setting(pqxx::dbtransaction& tx, const std::string& key,
                                              const Secret& sealing_key);
void put_sealed_setting(pqxx::dbtransaction& tx, const std::string& key, std::string_view plain,
                        const Secret& sealing_key, const std::optional<std::string>& updated_by);
void delete_setting(pqxx::dbtransaction& tx, const std::string& key);

}  // namespace botflow::store
